/* Checkpoints: the dynamic state of a network at a slice boundary, written
 * to a file and read back into a network built for any number of threads
 * (include/spikefield/checkpoint.h).
 *
 * Invariant: a checkpoint is taken only between two slices, after the
 * delivery and record phases of the slice ending at `step`, so every spike
 * emitted so far is either recorded or sits in a ring buffer; nothing is
 * pending elsewhere. Everything is stored per population in
 * population-local neuron order (blocks of a population are contiguous and
 * ascending), never per block or thread. What is not stored is a function
 * of (model, step): derived constants and heterogeneous parameters (drawn
 * again by the builder), the synapse tables (drawn again), the inputs'
 * state (cursors that seek to the step, noise values from counter-based
 * streams), the random streams (counter = step).
 *
 * File format, version 1, native byte order (a byte-order mark is checked):
 *
 *   header   8 bytes magic "SFCKPT1\n", u32 format (1), u32 0x01020304,
 *            u64 payload bytes P, u64 0
 *   payload  sections, each: 8-byte tag (NUL-padded), u64 length, data:
 *     version   the library version (text, sf_version())
 *     commit    its git commit (text; informative)
 *     model     u64 model hash (sf_model_hash), i64 step, i64 steps of the run,
 *               f64 resolution, u32 populations, recorders, ring length, slice;
 *               per population u32 neurons, state variables, ports, 0
 *     meta      the caller's bytes
 *     neurons   per population, per state variable: neurons x f64
 *     ring      per population: [ring slot][port][neuron] f64 (slot = step
 *               mod ring length: the input arriving in future steps)
 *     spikes    per population: u64 count, count x u32 ids, count x i64 steps
 *     records   per recorder with state (sf_recorder_type.state_arrays), per
 *               array: u64 bytes, the bytes
 *     synapses  per projection: u64 bytes of synaptic state (0: static)
 *   trailer  u64 FNV-1a 64 of header and payload
 *
 * Hook for plasticity: plastic weights and traces go into the `synapses`
 * section, per projection in the canonical synapse order (source neuron,
 * then target neuron, then draw order: for source s the rows s of the
 * projection's tables in block order), so that they too are independent of
 * the blocks; postsynaptic archives (phase_archive) per target neuron in
 * population order, in a further section. Until a synapse type provides
 * that state, sf_network_set_checkpoints refuses projections whose synapse
 * type is not static_synapse (their state would be lost).
 */
#include "engine/engine_impl.h"
#include "spikefield/checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CK_MAGIC "SFCKPT1\n"
#define CK_FORMAT 1u
#define CK_BOM 0x01020304u
#define CK_HEADER 32u

struct sf_ckpt_plan {
    char *path, *tmp;
    int64_t every_steps, next_step;
    double every_s, last_wall;
    bool on_stop, keep;
    unsigned char *meta;
    size_t meta_len;
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

void sf_network_ckpt_free(sf_network *net)
{
    if (net->ckpt) {
        free(net->ckpt->path);
        free(net->ckpt->tmp);
        free(net->ckpt->meta);
        free(net->ckpt);
        net->ckpt = NULL;
    }
    sf_recording_destroy(net->resumed);
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
    if (net->ranks > 1)
        return sf_fail(ctx, SF_ERR_ARG, "checkpoints of runs on several processes (MPI) are not "
                       "supported yet");
    for (int i = 0; i < m->n_proj; i++)
        if (m->proj[i].synapse && m->proj[i].synapse != &sf_synapse_static)
            return sf_fail(ctx, SF_ERR_ARG,
                           "projection %s: checkpoints of %s synapses are not supported yet "
                           "(their weights and traces would be lost)",
                           m->proj[i].name, m->proj[i].synapse->name);
    sf_ckpt_plan *p = calloc(1, sizeof *p);
    if (!p)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    size_t n = strlen(o->path);
    p->path = strdup(o->path);
    p->tmp = malloc(n + 8);
    p->meta = malloc(o->meta_len + 1);
    if (!p->path || !p->tmp || !p->meta) {
        free(p->path);
        free(p->tmp);
        free(p->meta);
        free(p);
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    }
    const char *slash = strrchr(o->path, '/');
    if (slash)
        snprintf(p->tmp, n + 8, "%.*s/.%s.part", (int)(slash - o->path), o->path, slash + 1);
    else
        snprintf(p->tmp, n + 8, ".%s.part", o->path);
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
        sf_recording *keep = net->resumed;
        net->resumed = NULL;
        sf_network_ckpt_free(net);
        net->resumed = keep;
    }
    net->ckpt = p;
    return SF_OK;
}

/* ---- writing ------------------------------------------------------------ */

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

/* Recorder arrays: one callback for counting, writing and reading. */
typedef struct {
    writer *w;            /* writing                                      */
    uint64_t bytes;       /* counting                                     */
    const unsigned char *at, *end; /* reading                             */
    bool bad;
} rec_io;

static void rec_count(void *u, void *data, size_t bytes)
{
    ((rec_io *)u)->bytes += 8 + bytes;
}
static void rec_write(void *u, void *data, size_t bytes)
{
    rec_io *io = u;
    put_u64(io->w, bytes);
    put(io->w, data, bytes);
}
static void rec_read(void *u, void *data, size_t bytes)
{
    rec_io *io = u;
    uint64_t n;
    if (io->bad || (size_t)(io->end - io->at) < 8) {
        io->bad = true;
        return;
    }
    memcpy(&n, io->at, 8);
    io->at += 8;
    if (n != bytes || (size_t)(io->end - io->at) < bytes) {
        io->bad = true;
        return;
    }
    memcpy(data, io->at, bytes);
    io->at += bytes;
}

static void pop_counts(const sf_network *net, int p, uint32_t *n, int *ns, int *nports)
{
    const sf_population *pop = &net->m->pops[p];
    *n = pop->n;
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
    uint64_t sz_model = 8 + 8 + 8 + 8 + 16 + 16 * (uint64_t)m->n_pops;
    uint64_t sz_neur = 0, sz_ring = 0, sz_spk = 0, sz_rec = 0, sz_syn = 8 * (uint64_t)m->n_proj;
    for (int p = 0; p < m->n_pops; p++) {
        uint32_t n;
        int ns, nc;
        pop_counts(net, p, &n, &ns, &nc);
        sz_neur += 8ull * n * (uint64_t)ns;
        sz_ring += 8ull * n * (uint64_t)nc * (uint64_t)net->ring_len;
        sz_spk += 8 + 12ull * rec->n[p];
    }
    rec_io io = {.w = &w};
    for (int r = 0; r < m->n_recorders; r++)
        if (m->recorders[r].type->state_arrays)
            m->recorders[r].type->state_arrays(rec, r, step, rec_count, &io);
    sz_rec = io.bytes;
    const uint64_t payload = 9 * 16 /* section heads */ + strlen(ver) + strlen(commit) + sz_model + pl->meta_len +
                             sz_neur + sz_ring + sz_spk + sz_rec + sz_syn;
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
                if (net->blocks[b].pop == p)
                    put(&w, net->blocks[b].state[k], sizeof(double) * net->blocks[b].n);
    put_tag(&w, "ring", sz_ring);
    for (int p = 0; p < m->n_pops; p++) {
        const int nc = (int)m->pops[p].type->n_ports;
        for (int s = 0; s < net->ring_len; s++)
            for (int c = 0; c < nc; c++)
                for (int b = 0; b < net->n_blocks; b++) {
                    const sf_block *bl = &net->blocks[b];
                    if (bl->pop == p)
                        put(&w, bl->ring + ((size_t)s * (size_t)nc + (size_t)c) * bl->n,
                            sizeof(double) * bl->n);
                }
    }
    put_tag(&w, "spikes", sz_spk);
    for (int p = 0; p < m->n_pops; p++) {
        put_u64(&w, rec->n[p]);
        put(&w, rec->ids[p].base, sizeof(uint32_t) * rec->n[p]);
        put(&w, rec->steps[p].base, sizeof(int64_t) * rec->n[p]);
    }
    put_tag(&w, "records", sz_rec);
    for (int r = 0; r < m->n_recorders; r++)
        if (m->recorders[r].type->state_arrays)
            m->recorders[r].type->state_arrays(rec, r, step, rec_write, &io);
    put_tag(&w, "synapses", sz_syn);
    for (int i = 0; i < m->n_proj; i++)
        put_u64(&w, 0); /* static synapses: no state (the plasticity hook) */
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
    if (pl->keep) {
        char kept[4200];
        size_t n = strlen(pl->path);
        if (n > 5 && !strcmp(pl->path + n - 5, ".sfck"))
            n -= 5;
        snprintf(kept, sizeof kept, "%.*s-%012lld.sfck", (int)n, pl->path, (long long)step);
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
    span pops, meta, neurons, ring, spikes, records, synapses;
};

static const char *const k_tags[] = {"version", "commit", "model",   "meta",    "neurons",
                                     "ring",    "spikes", "records", "synapses"};
enum { N_TAGS = 9 };

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
    if (md->n < 48)
        return corrupt(ctx, path, "model section");
    ck->hash = rd64(md->p);
    ck->step = (int64_t)rd64(md->p + 8);
    ck->n_steps = (int64_t)rd64(md->p + 16);
    memcpy(&ck->h, md->p + 24, 8);
    ck->n_pops = rd32(md->p + 32);
    ck->n_rec = rd32(md->p + 36);
    ck->ring_len = rd32(md->p + 40);
    ck->slice = rd32(md->p + 44);
    if (md->n != 48 + 16ull * ck->n_pops || ck->step < 0 || ck->step > ck->n_steps)
        return corrupt(ctx, path, "model section");
    ck->pops = (span){md->p + 48, 16ull * ck->n_pops};
    ck->meta = sec[3];
    ck->neurons = sec[4];
    ck->ring = sec[5];
    ck->spikes = sec[6];
    ck->records = sec[7];
    ck->synapses = sec[8];
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
    if (ck->neurons.n != sz_neur || ck->ring.n != sz_ring ||
        ck->synapses.n != 8ull * (uint64_t)m->n_proj)
        return mismatch(ctx, "the state size");
    for (int i = 0; i < m->n_proj; i++)
        if (rd64(ck->synapses.p + 8 * (size_t)i))
            return sf_fail(ctx, SF_ERR_ARG, "the checkpoint holds plastic synapse state, which "
                           "this spikefield cannot restore");
    /* in memory: a resumed run does not spool (docs/cli.md#checkpoints) */
    sf_recording *rec = sf_recording_new(ctx, net, NULL);
    if (!rec)
        return sf_context_status(ctx);
    /* spikes recorded so far */
    const unsigned char *at = ck->spikes.p, *end = ck->spikes.p + ck->spikes.n;
    for (int p = 0; p < m->n_pops; p++) {
        if (end - at < 8)
            goto bad;
        uint64_t c = rd64(at);
        at += 8;
        if (c > (uint64_t)(end - at) / 12 || (c && rec->spike_owner[p] < 0))
            goto bad;
        if (c && (sf_spool_reserve(&rec->ids[p], c) || sf_spool_reserve(&rec->steps[p], c))) {
            sf_recording_destroy(rec);
            return sf_fail(ctx, SF_ERR_NOMEM, "out of memory restoring the checkpoint");
        }
        if (c) {
            memcpy(rec->ids[p].base, at, 4 * c);
            memcpy(rec->steps[p].base, at + 4 * c, 8 * c);
        }
        at += 12 * c;
        rec->n[p] = c;
    }
    if (at != end)
        goto bad;
    rec_io io = {.at = ck->records.p, .end = ck->records.p + ck->records.n};
    for (int r = 0; r < m->n_recorders; r++)
        if (m->recorders[r].type->state_arrays)
            m->recorders[r].type->state_arrays(rec, r, ck->step, rec_read, &io);
    if (io.bad || io.at != io.end)
        goto bad;
    /* neuron state and ring buffers, population by population */
    at = ck->neurons.p;
    for (int p = 0; p < m->n_pops; p++)
        for (int k = 0; k < m->pops[p].type->n_state; k++)
            for (int b = 0; b < net->n_blocks; b++)
                if (net->blocks[b].pop == p) {
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
                    if (bl->pop == p) {
                        memcpy(bl->ring + ((size_t)s * (size_t)nc + (size_t)c) * bl->n, at,
                               sizeof(double) * bl->n);
                        at += sizeof(double) * bl->n;
                    }
                }
    }
    sf_recording_destroy(net->resumed);
    net->resumed = rec;
    net->step0 = ck->step;
    return SF_OK;
bad:
    sf_recording_destroy(rec);
    return sf_fail(ctx, SF_ERR_IO, "the checkpoint's recorded data do not fit this model's "
                   "recorders; it is corrupt");
}
