/* Checkpoints: the dynamic state of a network at a slice boundary, written
 * to a file and read back into a network built for any number of threads
 * (include/spikefield/checkpoint.h).
 *
 * Invariant: a checkpoint is taken only between two slices, after the
 * delivery, plasticity and record phases of the slice ending at `step`, so
 * every spike emitted so far is either recorded or sits in a ring buffer,
 * and the weight recorder's thread logs are merged; nothing is pending
 * elsewhere. Everything is stored per population in population-local neuron
 * order (blocks of a population are contiguous and ascending) and synapses
 * in canonical order, never per block or thread. What is not stored is a
 * function of (model, step): derived constants and heterogeneous parameters
 * (drawn again by the builder), the synapse tables (drawn again), the
 * inputs' state (cursors that seek to the step, noise values from
 * counter-based streams), the random streams (counter = step).
 *
 * File format, version 2, native byte order (a byte-order mark is checked):
 *
 *   header   8 bytes magic "SFCKPT1\n", u32 format (2), u32 0x01020304,
 *            u64 payload bytes P, u64 0
 *   payload  sections, each: 8-byte tag (NUL-padded), u64 length, data:
 *     version   the library version (text, sf_version())
 *     commit    its git commit (text; informative)
 *     model     u64 model hash (sf_model_hash), i64 step, i64 steps of the run,
 *               f64 resolution, u32 populations, recorders, ring length, slice,
 *               u32 rank, processes, threads per process, 0; per population
 *               u32 neurons (of this process), state variables, ports, 0
 *     meta      the caller's bytes
 *     neurons   per population, per state variable: neurons x f64
 *     ring      per population: [ring slot][port][neuron] f64 (slot = step
 *               mod ring length: the input arriving in future steps; the
 *               accumulators, network/acc.h, widened to f64)
 *     spikes    per population: u64 count, count x u32 ids, count x i64 steps
 *     records   per recorder with state (sf_recorder_type.state_arrays), per
 *               array: u64 bytes, the bytes; then per recorder with a ckpt
 *               hook (the weight recorder) what it writes (ckpt_io.h)
 *     synapses  per projection: u64 1 if its synapse type has state
 *               (sf_synapse_type.ckpt_state), else 0 and nothing more; then
 *               u64 arrays A, row bytes, sources, synapses, A x u64 element
 *               bytes; the rows (sources x row bytes: identical in every
 *               table of the projection, stored once); per array, per
 *               source, per table of the projection in block order, the
 *               source's row of the table: the canonical synapse order
 *               (source, target, draw order), whatever the blocks
 *     archives  per population: u64 archives of its blocks; per archive
 *               u64 length and its type's name, then per neuron in
 *               population order what sf_archive_type.ckpt writes
 *   trailer  u64 FNV-1a 64 of header and payload
 *
 * A synapse type that is plastic without ckpt_state, or an archive type
 * without ckpt, is refused by sf_network_set_checkpoints (its state would
 * be lost).
 *
 * Several processes (MPI): each writes its own part (its blocks, tables and
 * archives, in the same layout) to its own file (sf_checkpoint_path); the
 * processes agree in the exchange on the slice to checkpoint, and a restore
 * requires the same processes and threads per process and checks that
 * every process's file is of the same step.
 *
 * A restore loads the neurons, rings, synapses and archives into the
 * network at once and keeps the recorded part (spikes, records), which the
 * next sf_engine_run loads into its own recording, spooled to the run's
 * spool folder like a fresh run's (docs/cli.md#checkpoints).
 */
#include "engine/ckpt_io.h"
#include "engine/engine_impl.h"
#include "spikefield/checkpoint.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CK_MAGIC "SFCKPT1\n"
#define CK_FORMAT 2u
#define CK_BOM 0x01020304u
#define CK_HEADER 32u

struct sf_ckpt_plan {
    char *path, *tmp;  /* this process's file (sf_checkpoint_path) and its temporary */
    char *base;        /* the path as given (kept checkpoints are named from it) */
    int64_t every_steps, next_step;
    double every_s, last_wall;
    bool on_stop, keep;
    unsigned char *meta;
    size_t meta_len;
};

/* The recorded part of a restored checkpoint (its spikes and records
 * sections), until the run loads it into its recording. */
struct sf_ckpt_resume {
    int64_t step;
    unsigned char *spikes, *records;
    size_t n_spikes, n_records;
};

/* FNV-1a 64 (Fowler, Noll, Vo; offset basis 14695981039346656037, prime
 * 1099511628211). */
#define FNV_BASIS 14695981039346656037ull
static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ull;
    }
    return h;
}

uint64_t sf_model_hash(const sf_model *m)
{
    const char *j = sf_model_resolved_json(m);
    return fnv1a(FNV_BASIS, j, strlen(j));
}

int sf_checkpoint_path(char *buf, size_t len, const char *path, int rank, int ranks)
{
    size_t n = strlen(path);
    int w;
    if (ranks <= 1)
        w = snprintf(buf, len, "%s", path);
    else if (n > 5 && !strcmp(path + n - 5, ".sfck"))
        w = snprintf(buf, len, "%.*s.rank%d.sfck", (int)(n - 5), path, rank);
    else
        w = snprintf(buf, len, "%s.rank%d", path, rank);
    return w >= 0 && (size_t)w < len ? 0 : -1;
}

static void resume_free(struct sf_ckpt_resume *r)
{
    if (r) {
        free(r->spikes);
        free(r->records);
        free(r);
    }
}

void sf_network_ckpt_free(sf_network *net)
{
    if (net->ckpt) {
        free(net->ckpt->path);
        free(net->ckpt->base);
        free(net->ckpt->tmp);
        free(net->ckpt->meta);
        free(net->ckpt);
        net->ckpt = NULL;
    }
    resume_free(net->resumed);
    net->resumed = NULL;
}

sf_status sf_network_set_checkpoints(sf_context *ctx, sf_network *net,
                                     const sf_checkpoint_options *o)
{
    if (!o || !o->path || !o->path[0])
        return sf_fail(ctx, SF_ERR_ARG, "checkpoints: no file name given");
    if (!(o->every_ms >= 0) || !(o->every_s >= 0))
        return sf_fail(ctx, SF_ERR_ARG, "checkpoints: the interval must be positive");
    const sf_model *m = net->m;
    for (int i = 0; i < m->n_proj; i++) {
        const sf_synapse_type *st = m->proj[i].synapse;
        if (st && ((st->plastic && !st->ckpt_state) || (st->archive && !st->archive->ckpt)))
            return sf_fail(ctx, SF_ERR_ARG,
                           "projection %s: checkpoints of %s synapses are not supported "
                           "(their weights and traces would be lost)",
                           m->proj[i].name, st->name);
    }
    sf_ckpt_plan *p = calloc(1, sizeof *p);
    if (!p)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    size_t n = strlen(o->path) + 32;
    p->base = strdup(o->path);
    p->path = malloc(n);
    p->tmp = malloc(n + 8);
    p->meta = malloc(o->meta_len + 1);
    if (!p->base || !p->path || !p->tmp || !p->meta) {
        free(p->base);
        free(p->path);
        free(p->tmp);
        free(p->meta);
        free(p);
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    }
    /* several processes: one file per process */
    sf_checkpoint_path(p->path, n, o->path, net->rank, net->ranks);
    const char *slash = strrchr(p->path, '/');
    if (slash)
        snprintf(p->tmp, n + 8, "%.*s/.%s.part", (int)(slash - p->path), p->path, slash + 1);
    else
        snprintf(p->tmp, n + 8, ".%s.part", p->path);
    if (o->meta_len)
        memcpy(p->meta, o->meta, o->meta_len);
    p->meta_len = o->meta_len;
    p->every_steps = o->every_ms > 0 ? sf_time_steps(o->every_ms, net->h) : 0;
    if (o->every_ms > 0 && p->every_steps < 1)
        p->every_steps = 1;
    p->every_s = o->every_s;
    p->on_stop = o->on_stop;
    p->keep = o->keep;
    if (net->ckpt) {
        struct sf_ckpt_resume *keep = net->resumed;
        net->resumed = NULL;
        sf_network_ckpt_free(net);
        net->resumed = keep;
    }
    net->ckpt = p;
    return SF_OK;
}

/* ---- the serialisation (ckpt_io.h) --------------------------------------- */

typedef struct {
    FILE *f;
    uint64_t h;
    bool err;
} writer;

static void put(writer *w, const void *p, size_t n)
{
    if (!n || w->err)
        return;
    w->h = fnv1a(w->h, p, n);
    if (fwrite(p, 1, n, w->f) != n)
        w->err = true;
}
/* n accumulators of a ring row as f64 (the file's format whatever sf_acc
 * is: widening is exact), through a small buffer */
static void put_acc(writer *w, const sf_acc *v, size_t n)
{
    double buf[512];
    for (size_t i = 0; i < n;) {
        const size_t m = n - i < 512 ? n - i : 512;
        for (size_t j = 0; j < m; j++)
            buf[j] = (double)v[i + j];
        put(w, buf, sizeof(double) * m);
        i += m;
    }
}
static void put_u32(writer *w, uint32_t v)
{
    put(w, &v, 4);
}
static void put_u64(writer *w, uint64_t v)
{
    put(w, &v, 8);
}
static void put_tag(writer *w, const char *tag, uint64_t len)
{
    char t[8] = {0};
    memcpy(t, tag, strlen(tag) < 8 ? strlen(tag) : 8);
    put(w, t, 8);
    put_u64(w, len);
}

enum { IO_COUNT, IO_WRITE, IO_READ };

struct sf_ckpt_io {
    int mode;
    writer *w;                     /* IO_WRITE                       */
    uint64_t bytes;                /* IO_COUNT                       */
    const unsigned char *at, *end; /* IO_READ                        */
    bool bad;
};

bool sf_ckpt_io_reading(const sf_ckpt_io *io)
{
    return io->mode == IO_READ;
}

bool sf_ckpt_io_ok(const sf_ckpt_io *io)
{
    return !io->bad;
}

void sf_ckpt_io_fail(sf_ckpt_io *io)
{
    io->bad = true;
}

bool sf_ckpt_io_data(sf_ckpt_io *io, void *p, size_t n)
{
    if (io->bad)
        return false;
    if (!n)
        return true;
    switch (io->mode) {
    case IO_COUNT:
        io->bytes += n;
        break;
    case IO_WRITE:
        put(io->w, p, n);
        break;
    default:
        if ((size_t)(io->end - io->at) < n) {
            io->bad = true;
            return false;
        }
        memcpy(p, io->at, n);
        io->at += n;
    }
    return true;
}

bool sf_ckpt_io_len(sf_ckpt_io *io, uint64_t *n, uint64_t max)
{
    if (!sf_ckpt_io_data(io, n, sizeof *n))
        return false;
    if (*n > max)
        io->bad = true;
    return !io->bad;
}

/* A value the reader must find unchanged (a size of this network). */
static bool io_same(sf_ckpt_io *io, uint64_t v)
{
    uint64_t x = v;
    if (sf_ckpt_io_data(io, &x, sizeof x) && x != v)
        io->bad = true;
    return !io->bad;
}

/* state_arrays callback: an array of fixed size, u64 bytes then the bytes. */
static void io_array(void *u, void *data, size_t bytes)
{
    sf_ckpt_io *io = u;
    if (io_same(io, bytes))
        sf_ckpt_io_data(io, data, bytes);
}

/* records: the recorders' state so far (rec started; step: the checkpoint's). */
static void io_records(sf_ckpt_io *io, const sf_model *m, sf_recording *rec, int64_t step)
{
    for (int r = 0; r < m->n_recorders; r++)
        if (m->recorders[r].type->state_arrays)
            m->recorders[r].type->state_arrays(rec, r, step, io_array, io);
    for (int r = 0; r < m->n_recorders; r++)
        if (m->recorders[r].type->ckpt)
            m->recorders[r].type->ckpt(rec, r, io);
}

/* synapses: per projection its tables (lo .. hi - 1, in block order: the
 * builder orders them by projection, then block) in canonical order. */
static void io_synapses(sf_ckpt_io *io, sf_network *net)
{
    const sf_model *m = net->m;
    int lo = 0;
    for (int i = 0; i < m->n_proj && !io->bad; i++) {
        int hi = lo;
        while (hi < net->n_tables && net->tables[hi].proj == i)
            hi++;
        const sf_synapse_type *st = m->proj[i].synapse;
        const bool has = st && st->ckpt_state && hi > lo;
        if (!io_same(io, has) || !has) {
            lo = hi;
            continue;
        }
        sf_syn_state S0 = {0};
        st->ckpt_state(&net->tables[lo], &S0);
        const uint32_t n_src = net->tables[lo].n_src;
        uint64_t n_syn = 0;
        for (int t = lo; t < hi; t++)
            n_syn += net->tables[t].n_syn;
        io_same(io, (uint64_t)S0.n_syn);
        io_same(io, S0.rows ? S0.row_size : 0);
        io_same(io, n_src);
        io_same(io, n_syn);
        for (int a = 0; a < S0.n_syn; a++)
            io_same(io, S0.syn_size[a]);
        if (S0.rows) {
            const size_t rb = (size_t)n_src * S0.row_size;
            sf_ckpt_io_data(io, S0.rows, rb);
            for (int t = lo + 1; t < hi; t++) {
                sf_syn_state S = {0};
                st->ckpt_state(&net->tables[t], &S);
                if (io->mode == IO_READ)
                    memcpy(S.rows, S0.rows, rb);
                else /* the descriptor's promise: rows depend on the source alone */
                    assert(!memcmp(S.rows, S0.rows, rb));
            }
        }
        for (int a = 0; a < S0.n_syn; a++) {
            const size_t es = S0.syn_size[a];
            if (hi - lo == 1) { /* one table: its slots are in canonical order */
                sf_ckpt_io_data(io, S0.syn[a], es * net->tables[lo].n_syn);
                continue;
            }
            for (uint32_t s = 0; s < n_src; s++)
                for (int t = lo; t < hi; t++) {
                    const sf_syn_table *T = &net->tables[t];
                    sf_syn_state S = {0};
                    st->ckpt_state(T, &S);
                    sf_ckpt_io_data(io, (unsigned char *)S.syn[a] + es * T->row[s],
                                    es * (T->row[s + 1] - T->row[s]));
                }
        }
        lo = hi;
    }
}

/* archives: per population the archives of its blocks (the same types in
 * the same order in every block), per neuron in population order. */
static void io_archives(sf_ckpt_io *io, sf_network *net)
{
    const sf_model *m = net->m;
    for (int p = 0; p < m->n_pops && !io->bad; p++) {
        int b0 = 0; /* the first of this process */
        while (b0 < net->n_blocks &&
               (net->blocks[b0].pop != p || !sf_block_local(net, &net->blocks[b0])))
            b0++;
        const int na = b0 < net->n_blocks ? net->blocks[b0].n_archives : 0;
        if (!io_same(io, (uint64_t)na))
            return;
        for (int a = 0; a < na; a++) {
            const sf_archive_type *at = net->blocks[b0].arch_type[a];
            char name[64] = {0};
            uint64_t len = strlen(at->name);
            if (!io_same(io, len))
                return;
            memcpy(name, at->name, len < sizeof name ? len : sizeof name - 1);
            if (!sf_ckpt_io_data(io, name, len < sizeof name ? len : sizeof name - 1))
                return;
            if (strcmp(name, at->name)) {
                io->bad = true;
                return;
            }
            if (!at->ckpt)
                continue;
            for (int b = b0; b < net->n_blocks && net->blocks[b].pop == p; b++) {
                const sf_block *bl = &net->blocks[b];
                if (!sf_block_local(net, bl))
                    continue;
                assert(bl->n_archives == na && bl->arch_type[a] == at);
                for (uint32_t j = 0; j < bl->n && !io->bad; j++)
                    at->ckpt(bl->arch[a], j, io);
            }
        }
    }
}

/* ---- writing ------------------------------------------------------------ */

/* Population p's neurons of this process (all of them with one process),
 * its state variables and ports. */
static void pop_counts(const sf_network *net, int p, uint32_t *n, int *ns, int *nports)
{
    const sf_population *pop = &net->m->pops[p];
    *n = 0;
    for (int b = 0; b < net->n_blocks; b++)
        if (net->blocks[b].pop == p && sf_block_local(net, &net->blocks[b]))
            *n += net->blocks[b].n;
    *ns = pop->type->n_state;
    *nports = (int)pop->type->n_ports;
}

static sf_status write_file(sf_context *ctx, sf_network *net, sf_recording *rec, int64_t step,
                            FILE *f)
{
    const sf_model *m = net->m;
    const sf_ckpt_plan *pl = net->ckpt;
    writer w = {f, FNV_BASIS, false};
    const char *ver = sf_version(), *commit = sf_version_commit();
    uint64_t sz_model = 8 + 8 + 8 + 8 + 16 + 16 + 16 * (uint64_t)m->n_pops;
    uint64_t sz_neur = 0, sz_ring = 0, sz_spk = 0;
    for (int p = 0; p < m->n_pops; p++) {
        uint32_t n;
        int ns, nc;
        pop_counts(net, p, &n, &ns, &nc);
        sz_neur += 8ull * n * (uint64_t)ns;
        sz_ring += 8ull * n * (uint64_t)nc * (uint64_t)net->ring_len;
        sz_spk += 8 + 12ull * rec->n[p];
    }
    sf_ckpt_io cr = {.mode = IO_COUNT}, cs = {.mode = IO_COUNT}, ca = {.mode = IO_COUNT};
    io_records(&cr, m, rec, step);
    io_synapses(&cs, net);
    io_archives(&ca, net);
    const uint64_t payload = 10 * 16 /* section heads */ + strlen(ver) + strlen(commit) +
                             sz_model + pl->meta_len + sz_neur + sz_ring + sz_spk + cr.bytes +
                             cs.bytes + ca.bytes;
    /* header */
    put(&w, CK_MAGIC, 8);
    put_u32(&w, CK_FORMAT);
    put_u32(&w, CK_BOM);
    put_u64(&w, payload);
    put_u64(&w, 0);
    put_tag(&w, "version", strlen(ver));
    put(&w, ver, strlen(ver));
    put_tag(&w, "commit", strlen(commit));
    put(&w, commit, strlen(commit));
    put_tag(&w, "model", sz_model);
    put_u64(&w, sf_model_hash(m));
    put_u64(&w, (uint64_t)step);
    put_u64(&w, (uint64_t)net->n_steps);
    put(&w, &net->h, 8);
    put_u32(&w, (uint32_t)m->n_pops);
    put_u32(&w, (uint32_t)m->n_recorders);
    put_u32(&w, (uint32_t)net->ring_len);
    put_u32(&w, (uint32_t)net->slice);
    put_u32(&w, (uint32_t)net->rank);
    put_u32(&w, (uint32_t)net->ranks);
    put_u32(&w, (uint32_t)net->threads);
    put_u32(&w, 0);
    for (int p = 0; p < m->n_pops; p++) {
        uint32_t n;
        int ns, nc;
        pop_counts(net, p, &n, &ns, &nc);
        put_u32(&w, n);
        put_u32(&w, (uint32_t)ns);
        put_u32(&w, (uint32_t)nc);
        put_u32(&w, 0);
    }
    put_tag(&w, "meta", pl->meta_len);
    put(&w, pl->meta, pl->meta_len);
    /* neurons: blocks are ordered by population, then ascending first */
    put_tag(&w, "neurons", sz_neur);
    for (int p = 0; p < m->n_pops; p++)
        for (int k = 0; k < m->pops[p].type->n_state; k++)
            for (int b = 0; b < net->n_blocks; b++)
                if (net->blocks[b].pop == p && sf_block_local(net, &net->blocks[b]))
                    put(&w, net->blocks[b].state[k], sizeof(double) * net->blocks[b].n);
    put_tag(&w, "ring", sz_ring);
    for (int p = 0; p < m->n_pops; p++) {
        const int nc = (int)m->pops[p].type->n_ports;
        for (int s = 0; s < net->ring_len; s++)
            for (int c = 0; c < nc; c++)
                for (int b = 0; b < net->n_blocks; b++) {
                    const sf_block *bl = &net->blocks[b];
                    if (bl->pop == p && sf_block_local(net, bl))
                        put_acc(&w, bl->ring + ((size_t)s * (size_t)nc + (size_t)c) * bl->n,
                                bl->n);
                }
    }
    put_tag(&w, "spikes", sz_spk);
    for (int p = 0; p < m->n_pops; p++) {
        put_u64(&w, rec->n[p]);
        put(&w, rec->ids[p].base, sizeof(uint32_t) * rec->n[p]);
        put(&w, rec->steps[p].base, sizeof(int64_t) * rec->n[p]);
    }
    sf_ckpt_io io = {.mode = IO_WRITE, .w = &w};
    put_tag(&w, "records", cr.bytes);
    io_records(&io, m, rec, step);
    put_tag(&w, "synapses", cs.bytes);
    io_synapses(&io, net);
    put_tag(&w, "archives", ca.bytes);
    io_archives(&io, net);
    uint64_t h = w.h;
    if (!w.err && fwrite(&h, 8, 1, f) != 1)
        w.err = true;
    if (w.err)
        return sf_fail(ctx, SF_ERR_IO, "writing checkpoint %s: %s", pl->tmp, strerror(errno));
    return SF_OK;
}

/* fsync of the folder holding path, so that the rename is on disk too. */
static void sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];
    if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path) ? (int)(slash - path) : 1, path);
    else
        snprintf(dir, sizeof dir, ".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

sf_status sf_ckpt_write(sf_context *ctx, sf_network *net, sf_recording *rec, int64_t step)
{
    sf_ckpt_plan *pl = net->ckpt;
    FILE *f = fopen(pl->tmp, "wb");
    if (!f)
        return sf_fail(ctx, SF_ERR_IO, "cannot create checkpoint %s: %s", pl->tmp, strerror(errno));
    sf_status st = write_file(ctx, net, rec, step, f);
    if (st == SF_OK && (fflush(f) != 0 || fsync(fileno(f)) != 0))
        st = sf_fail(ctx, SF_ERR_IO, "writing checkpoint %s: %s", pl->tmp, strerror(errno));
    if (fclose(f) != 0 && st == SF_OK)
        st = sf_fail(ctx, SF_ERR_IO, "writing checkpoint %s: %s", pl->tmp, strerror(errno));
    if (st == SF_OK && rename(pl->tmp, pl->path) != 0)
        st = sf_fail(ctx, SF_ERR_IO, "cannot rename %s to %s: %s", pl->tmp, pl->path,
                     strerror(errno));
    if (st != SF_OK) {
        unlink(pl->tmp);
        return st;
    }
    sync_dir(pl->path);
    if (pl->keep) { /* PATH-<step>.sfck, per process as sf_checkpoint_path names it */
        char name[4200], kept[4240];
        size_t n = strlen(pl->base);
        if (n > 5 && !strcmp(pl->base + n - 5, ".sfck"))
            n -= 5;
        snprintf(name, sizeof name, "%.*s-%012lld.sfck", (int)n, pl->base, (long long)step);
        sf_checkpoint_path(kept, sizeof kept, name, net->rank, net->ranks);
        unlink(kept);
        if (link(pl->path, kept) != 0)
            return sf_fail(ctx, SF_ERR_IO, "cannot keep checkpoint as %s: %s", kept,
                           strerror(errno));
    }
    rec->ckpt_ms = (double)step * net->h;
    pl->last_wall = sf_wall_time();
    return SF_OK;
}

int sf_ckpt_begin(sf_network *net, int64_t s1, double now)
{
    sf_ckpt_plan *p = net->ckpt;
    if (!p)
        return 0;
    p->last_wall = now;
    if (p->every_steps > 0)
        p->next_step = (net->step0 / p->every_steps + 1) * p->every_steps;
    return sf_ckpt_due(net, s1, now, false);
}

int sf_ckpt_due(sf_network *net, int64_t s1, double now, bool stop)
{
    sf_ckpt_plan *p = net->ckpt;
    if (!p || s1 >= net->n_steps)
        return 0;
    if (stop)
        return p->on_stop ? 2 : 0;
    int due = 0;
    if (p->every_steps > 0 && s1 >= p->next_step) {
        due = 1;
        while (p->next_step <= s1)
            p->next_step += p->every_steps;
    }
    if (p->every_s > 0 && now - p->last_wall >= p->every_s)
        due = 1;
    return due;
}

double sf_recording_checkpoint_time(const sf_recording *rec)
{
    return rec->ckpt_ms;
}

/* ---- reading ------------------------------------------------------------ */

typedef struct {
    const unsigned char *p;
    uint64_t n;
} span;

struct sf_checkpoint {
    unsigned char *buf;
    size_t size;
    char version[64];
    uint64_t hash;
    int64_t step, n_steps;
    double h;
    uint32_t n_pops, n_rec, ring_len, slice;
    uint32_t rank, ranks, threads; /* the process that wrote it, of how many */
    span pops, meta, neurons, ring, spikes, records, synapses, archives;
};

static const char *const k_tags[] = {"version", "commit",  "model",    "meta",
                                     "neurons", "ring",    "spikes",   "records",
                                     "synapses", "archives"};
enum { N_TAGS = 10 };

void sf_checkpoint_destroy(sf_checkpoint *ck)
{
    if (!ck)
        return;
    free(ck->buf);
    free(ck);
}

static uint32_t rd32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
static uint64_t rd64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static sf_status corrupt(sf_context *ctx, const char *path, const char *what)
{
    return sf_fail(ctx, SF_ERR_IO, "checkpoint %s is corrupt (%s); it cannot be resumed", path,
                   what);
}

static sf_status parse(sf_context *ctx, const char *path, sf_checkpoint *ck)
{
    const unsigned char *b = ck->buf;
    const size_t size = ck->size;
    if (size < 8 || memcmp(b, CK_MAGIC, 8))
        return sf_fail(ctx, SF_ERR_IO, "%s is not a spikefield checkpoint", path);
    if (size < CK_HEADER + 8)
        return sf_fail(ctx, SF_ERR_IO, "checkpoint %s is truncated (%zu bytes)", path, size);
    if (rd32(b + 12) != CK_BOM)
        return sf_fail(ctx, SF_ERR_IO, "checkpoint %s was written on a machine of another byte "
                       "order; resume it on such a machine", path);
    if (rd32(b + 8) != CK_FORMAT)
        return sf_fail(ctx, SF_ERR_ARG, "checkpoint %s has format %u; this spikefield (%s) reads "
                       "format %u", path, rd32(b + 8), sf_version(), CK_FORMAT);
    uint64_t payload = rd64(b + 16);
    if (payload > size || size - CK_HEADER - 8 != payload)
        return sf_fail(ctx, SF_ERR_IO, "checkpoint %s is truncated or has trailing bytes "
                       "(%zu bytes, its header says %llu)", path, size,
                       (unsigned long long)(payload + CK_HEADER + 8));
    if (fnv1a(FNV_BASIS, b, size - 8) != rd64(b + size - 8))
        return corrupt(ctx, path, "checksum mismatch");
    span sec[N_TAGS];
    const unsigned char *at = b + CK_HEADER, *end = b + size - 8;
    for (int i = 0; i < N_TAGS; i++) {
        char tag[9] = {0};
        if (end - at < 16)
            return corrupt(ctx, path, "sections missing");
        memcpy(tag, at, 8);
        uint64_t len = rd64(at + 8);
        at += 16;
        if (strcmp(tag, k_tags[i]))
            return corrupt(ctx, path, "unexpected section");
        if (len > (uint64_t)(end - at))
            return corrupt(ctx, path, "section longer than the file");
        sec[i] = (span){at, len};
        at += len;
    }
    if (at != end)
        return corrupt(ctx, path, "unknown sections");
    if (sec[0].n >= sizeof ck->version)
        return corrupt(ctx, path, "version");
    memcpy(ck->version, sec[0].p, sec[0].n);
    if (strcmp(ck->version, sf_version()))
        return sf_fail(ctx, SF_ERR_ARG, "checkpoint %s was written by spikefield %s; this is "
                       "spikefield %s: resume it with the version that wrote it", path,
                       ck->version, sf_version());
    const span *md = &sec[2];
    if (md->n < 64)
        return corrupt(ctx, path, "model section");
    ck->hash = rd64(md->p);
    ck->step = (int64_t)rd64(md->p + 8);
    ck->n_steps = (int64_t)rd64(md->p + 16);
    memcpy(&ck->h, md->p + 24, 8);
    ck->n_pops = rd32(md->p + 32);
    ck->n_rec = rd32(md->p + 36);
    ck->ring_len = rd32(md->p + 40);
    ck->slice = rd32(md->p + 44);
    ck->rank = rd32(md->p + 48);
    ck->ranks = rd32(md->p + 52);
    ck->threads = rd32(md->p + 56);
    if (md->n != 64 + 16ull * ck->n_pops || ck->step < 0 || ck->step > ck->n_steps ||
        ck->rank >= ck->ranks)
        return corrupt(ctx, path, "model section");
    ck->pops = (span){md->p + 64, 16ull * ck->n_pops};
    ck->meta = sec[3];
    ck->neurons = sec[4];
    ck->ring = sec[5];
    ck->spikes = sec[6];
    ck->records = sec[7];
    ck->synapses = sec[8];
    ck->archives = sec[9];
    return SF_OK;
}

sf_status sf_checkpoint_read(sf_context *ctx, const char *path, sf_checkpoint **out)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return sf_fail(ctx, SF_ERR_IO, "cannot open checkpoint %s: %s", path, strerror(errno));
    sf_checkpoint *ck = calloc(1, sizeof *ck);
    long len = -1;
    if (ck && fseek(f, 0, SEEK_END) == 0)
        len = ftell(f);
    if (!ck || len < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        free(ck);
        return ck ? sf_fail(ctx, SF_ERR_IO, "cannot read checkpoint %s: %s", path, strerror(errno))
                  : sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    }
    ck->size = (size_t)len;
    ck->buf = malloc(ck->size + 1);
    if (!ck->buf) {
        fclose(f);
        free(ck);
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory reading checkpoint %s (%zu bytes)", path,
                       (size_t)len);
    }
    size_t got = fread(ck->buf, 1, ck->size, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || got != ck->size) {
        sf_checkpoint_destroy(ck);
        return sf_fail(ctx, SF_ERR_IO, "cannot read checkpoint %s", path);
    }
    sf_status st = parse(ctx, path, ck);
    if (st != SF_OK) {
        sf_checkpoint_destroy(ck);
        return st;
    }
    *out = ck;
    return SF_OK;
}

double sf_checkpoint_time(const sf_checkpoint *ck)
{
    return (double)ck->step * ck->h;
}
int64_t sf_checkpoint_step(const sf_checkpoint *ck)
{
    return ck->step;
}
const void *sf_checkpoint_meta(const sf_checkpoint *ck, size_t *len)
{
    *len = ck->meta.n;
    return ck->meta.p;
}

/* ---- restoring ---------------------------------------------------------- */

static sf_status mismatch(sf_context *ctx, const char *what)
{
    return sf_fail(ctx, SF_ERR_ARG, "the checkpoint does not belong to this network (%s differs)",
                   what);
}

static unsigned char *dup_span(span s)
{
    unsigned char *p = malloc(s.n ? s.n : 1);
    if (p && s.n)
        memcpy(p, s.p, s.n);
    return p;
}

sf_status sf_network_restore(sf_context *ctx, sf_network *net, const sf_checkpoint *ck)
{
    const sf_model *m = net->m;
    if (net->ran)
        return sf_fail(ctx, SF_ERR_ARG, "this network has already been simulated; restore a "
                       "checkpoint into a new one");
    if (ck->hash != sf_model_hash(m))
        return sf_fail(ctx, SF_ERR_ARG, "the checkpoint was taken of another model (model hash "
                       "%016llx, this one %016llx): the model file or its overrides changed; "
                       "resume with the model that was checkpointed",
                       (unsigned long long)ck->hash, (unsigned long long)sf_model_hash(m));
    /* several processes: each holds its own part, so the same partition */
    if (ck->ranks != (uint32_t)net->ranks)
        return sf_fail(ctx, SF_ERR_ARG, "the checkpoint was taken on %u process%s; resume it on "
                       "%u (mpirun -np %u)", ck->ranks, ck->ranks > 1 ? "es" : "", ck->ranks,
                       ck->ranks);
    if (ck->ranks > 1 && ck->threads != (uint32_t)net->threads)
        return sf_fail(ctx, SF_ERR_ARG, "the checkpoint was taken on %u processes with %u "
                       "threads each; resume it with %u threads per process (--threads %u)",
                       ck->ranks, ck->threads, ck->threads, ck->threads);
    if (ck->rank != (uint32_t)net->rank)
        return sf_fail(ctx, SF_ERR_ARG, "this is the checkpoint of process %u, not of process %d",
                       ck->rank, net->rank);
    if (ck->n_pops != (uint32_t)m->n_pops || ck->n_rec != (uint32_t)m->n_recorders)
        return mismatch(ctx, "the number of populations or recorders");
    if (ck->h != net->h || ck->n_steps != net->n_steps)
        return mismatch(ctx, "the resolution or duration");
    if (ck->ring_len != (uint32_t)net->ring_len || ck->slice != (uint32_t)net->slice ||
        ck->step % net->slice)
        return mismatch(ctx, "the delays");
    uint64_t sz_neur = 0, sz_ring = 0;
    for (int p = 0; p < m->n_pops; p++) {
        uint32_t n;
        int ns, nc;
        pop_counts(net, p, &n, &ns, &nc);
        const unsigned char *q = ck->pops.p + 16 * (size_t)p;
        if (rd32(q) != n || rd32(q + 4) != (uint32_t)ns || rd32(q + 8) != (uint32_t)nc)
            return mismatch(ctx, "a population");
        sz_neur += 8ull * n * (uint64_t)ns;
        sz_ring += 8ull * n * (uint64_t)nc * (uint64_t)net->ring_len;
    }
    if (ck->neurons.n != sz_neur || ck->ring.n != sz_ring)
        return mismatch(ctx, "the state size");
    /* the spikes section's layout (what is recorded is checked at loading) */
    const unsigned char *at = ck->spikes.p, *end = ck->spikes.p + ck->spikes.n;
    for (int p = 0; p < m->n_pops; p++) {
        if (end - at < 8)
            goto bad;
        uint64_t c = rd64(at);
        at += 8;
        if (c > (uint64_t)(end - at) / 12)
            goto bad;
        at += 12 * c;
    }
    if (at != end)
        goto bad;
    /* synaptic state (its size is this network's) and archives; once they
     * are partly loaded a failure leaves the network unusable (ran) */
    sf_ckpt_io io = {.mode = IO_COUNT};
    io_synapses(&io, net);
    if (io.bytes != ck->synapses.n)
        return mismatch(ctx, "the synaptic state size");
    io = (sf_ckpt_io){.mode = IO_READ, .at = ck->synapses.p, .end = ck->synapses.p + ck->synapses.n};
    io_synapses(&io, net);
    if (!io.bad && io.at == io.end) {
        io = (sf_ckpt_io){.mode = IO_READ, .at = ck->archives.p,
                          .end = ck->archives.p + ck->archives.n};
        io_archives(&io, net);
    }
    if (io.bad || io.at != io.end) {
        net->ran = 1;
        return sf_fail(ctx, SF_ERR_IO, "the checkpoint's synaptic state or postsynaptic archives "
                       "do not fit this network; it is corrupt (build a new network)");
    }
    struct sf_ckpt_resume *r = calloc(1, sizeof *r);
    if (r) {
        r->step = ck->step;
        r->spikes = dup_span(ck->spikes);
        r->records = dup_span(ck->records);
        r->n_spikes = ck->spikes.n;
        r->n_records = ck->records.n;
    }
    if (!r || !r->spikes || !r->records) {
        resume_free(r);
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory restoring the checkpoint");
    }
    /* neuron state and ring buffers, population by population */
    at = ck->neurons.p;
    for (int p = 0; p < m->n_pops; p++)
        for (int k = 0; k < m->pops[p].type->n_state; k++)
            for (int b = 0; b < net->n_blocks; b++)
                if (net->blocks[b].pop == p && sf_block_local(net, &net->blocks[b])) {
                    memcpy(net->blocks[b].state[k], at, sizeof(double) * net->blocks[b].n);
                    at += sizeof(double) * net->blocks[b].n;
                }
    at = ck->ring.p;
    for (int p = 0; p < m->n_pops; p++) {
        const int nc = (int)m->pops[p].type->n_ports;
        for (int s = 0; s < net->ring_len; s++)
            for (int c = 0; c < nc; c++)
                for (int b = 0; b < net->n_blocks; b++) {
                    const sf_block *bl = &net->blocks[b];
                    if (bl->pop == p && sf_block_local(net, bl)) {
                        /* f64 in the file (put_acc): exact for what this
                         * version wrote */
                        sf_acc *dst = bl->ring + ((size_t)s * (size_t)nc + (size_t)c) * bl->n;
                        for (size_t i = 0; i < bl->n; i++) {
                            double v;
                            memcpy(&v, at, sizeof v);
                            dst[i] = (sf_acc)v;
                            at += sizeof v;
                        }
                    }
                }
    }
    resume_free(net->resumed);
    net->resumed = r;
    net->step0 = ck->step;
    if (net->ranks > 1) { /* every process's file is of the same step (collective) */
        uint64_t v[2] = {(uint64_t)ck->step, ~(uint64_t)ck->step};
        sf_mpi_max_u64(net, v, 2);
        if (v[0] != (uint64_t)ck->step || ~v[1] != (uint64_t)ck->step) {
            net->ran = 1;
            return sf_fail(ctx, SF_ERR_ARG, "the processes' checkpoints are of different steps "
                           "(this one of step %lld: a checkpoint was interrupted while written); "
                           "resume an earlier set (--checkpoint-keep)", (long long)ck->step);
        }
    }
    return SF_OK;
bad:
    return sf_fail(ctx, SF_ERR_IO, "the checkpoint's recorded spikes are malformed; it is "
                   "corrupt");
}

sf_recording *sf_ckpt_resume_recording(sf_context *ctx, sf_network *net, const char *spool_dir)
{
    const sf_model *m = net->m;
    struct sf_ckpt_resume *r = net->resumed;
    sf_recording *rec = sf_recording_new(ctx, net, spool_dir);
    if (!rec)
        return NULL;
    const unsigned char *at = r->spikes, *end = r->spikes + r->n_spikes;
    for (int p = 0; p < m->n_pops; p++) { /* the layout was checked by the restore */
        uint64_t c = rd64(at);
        at += 8;
        if (c && rec->spike_owner[p] < 0)
            goto bad;
        int e = c ? sf_spool_reserve(&rec->ids[p], c) : 0;
        e = e ? e : c ? sf_spool_reserve(&rec->steps[p], c) : 0;
        if (e) {
            sf_fail(ctx, e == ENOMEM ? SF_ERR_NOMEM : SF_ERR_IO,
                    "%s restoring the %llu recorded spikes of %s: %s",
                    e == ENOMEM ? "out of memory" : "no room", (unsigned long long)c,
                    m->pops[p].name, strerror(e));
            sf_recording_destroy(rec);
            return NULL;
        }
        if (c) {
            memcpy(rec->ids[p].base, at, 4 * c);
            memcpy(rec->steps[p].base, at + 4 * c, 8 * c);
        }
        at += 12 * c;
        rec->n[p] = c;
        sf_recording_release(rec, p);
    }
    assert(at == end);
    sf_ckpt_io io = {.mode = IO_READ, .at = r->records, .end = r->records + r->n_records};
    io_records(&io, m, rec, r->step);
    if (io.bad || io.at != io.end)
        goto bad;
    resume_free(r);
    net->resumed = NULL;
    return rec;
bad:
    sf_recording_destroy(rec);
    sf_fail(ctx, SF_ERR_IO, "the checkpoint's recorded data do not fit this model's recorders; "
            "it is corrupt");
    return NULL;
}
