/* The postsynaptic spike archive (sf_archive_spikes; NEST's ArchivingNode,
 * as documented for stdp_synapse): every spike of a neuron of a block that
 * a spike-timing dependent projection targets is kept with K_minus just
 * after it,
 *   K_minus <- K_minus e^{-(t - t_last) / tau_minus} + 1,
 * (one entry per spike: a neuron spiking m times in a step gets m entries,
 * as NEST's parrot_neuron archives each), until every reading table has
 * passed it (sf_spike_archive_consumed: NEST counts the reads of each entry
 * instead; both free an entry once no synapse will read it) and a newer
 * spike lies more than the longest delay plus one slice in the past (so
 * every later query of K_minus finds the spike before its time).
 *
 * Invariant: the live entries of neuron i are h[i].e[start .. end), in
 * ascending time; hot[i] holds the stamps of the last SF_SPIKE_HOT spikes
 * (relative to `base`) and K_minus after the last SF_SPIKE_HOT_K (the last
 * entries'). The step hook (the neuron's own thread) is the only writer,
 * the deliver and plasticity phases of the same thread the only readers. The entry arrays grow by doubling when full
 * (the one allocation of the update phase). */
#include "synapses/spike_archive.h"
#include "engine/ckpt_io.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

typedef sf_spike_hist hist;
typedef sf_spike_archive archive;

static void destroy(void *arch)
{
    archive *A = arch;
    if (!A)
        return;
    for (uint32_t i = 0; A->h && i < A->n; i++)
        free(A->h[i].e);
    free(A->h);
    free(A->hot);
    free(A->dec.v);
    free(A);
}

static void *create(const sf_network *net, const sf_block *b)
{
    archive *A = calloc(1, sizeof *A);
    if (!A)
        return NULL;
    A->n = b->n;
    A->h = calloc(b->n ? b->n : 1, sizeof(hist));
    A->hot = aligned_alloc(64, (sizeof(sf_spike_hot) * (b->n ? b->n : 1) + 63) / 64 * 64);
    const sf_model *m = net->m;
    if (!A->h || !A->hot || !sf_decay_init(&A->dec, net->h, m->pops[b->pop].tau_minus)) {
        destroy(A);
        return NULL;
    }
    for (uint32_t i = 0; i < b->n; i++)
        for (int q = 0; q < SF_SPIKE_HOT; q++) {
            A->hot[i].t[q] = SF_SPIKE_NONE32;
            if (q < SF_SPIKE_HOT_K)
                A->hot[i].K[q] = 0.0;
        }
    int64_t dmax = 1;
    for (int i = 0; i < m->n_proj; i++) {
        double lo, hi;
        sf_dist_range(&m->proj[i].delay, &lo, &hi);
        int64_t d = sf_delay_steps(hi, net->h);
        dmax = d > dmax ? d : dmax;
    }
    A->keep = dmax + net->slice;
    A->rebase_at = (int64_t)1 << 30;
    return A;
}

static void connect(void *arch, const sf_syn_table *T)
{
    archive *A = arch;
    assert(A->n_readers < SF_SPIKE_READERS);
    A->consumed[A->n_readers] = SF_SPIKE_NONE;
    A->reader[A->n_readers++] = T;
}

void sf_spike_archive_consumed(void *arch, const sf_syn_table *T, int64_t bound)
{
    archive *A = arch;
    for (int r = 0; r < A->n_readers; r++)
        if (A->reader[r] == T)
            A->consumed[r] = bound;
}

static bool append(hist *H, int64_t t, double K)
{
    if (H->end == H->cap) {
        if (H->start > 0) {
            memmove(H->e, H->e + H->start, sizeof(sf_spike_entry) * (H->end - H->start));
            H->end -= H->start;
            H->start = 0;
        } else {
            uint32_t nc = H->cap ? 2 * H->cap : 4;
            sf_spike_entry *e = realloc(H->e, sizeof *e * nc);
            if (!e)
                return false;
            H->e = e;
            H->cap = nc;
        }
    }
    H->e[H->end++] = (sf_spike_entry){t, K};
    return true;
}

/* Moves the base of the hot stamps to `nb` (forward); a stamp more than 2^31 steps
 * before it becomes "none": its K_minus (e^{-2^31 h / tau_minus} of a
 * value) and a presynaptic trace that old are 0 in double precision for
 * any tau below h 2^31 / 745, so no result changes. */
static void rebase(archive *A, int64_t nb)
{
    for (uint32_t i = 0; i < A->n; i++)
        for (int q = 0; q < SF_SPIKE_HOT; q++)
            if (A->hot[i].t[q] != SF_SPIKE_NONE32) {
                const int64_t r = (int64_t)A->hot[i].t[q] + A->base - nb;
                A->hot[i].t[q] = r <= (int64_t)SF_SPIKE_NONE32 ? SF_SPIKE_NONE32 : (int32_t)r;
            }
    A->base = nb;
}

void sf_spike_archive_set_rebase(void *arch, int64_t at)
{
    archive *A = arch;
    assert(at >= 2 && at <= ((int64_t)1 << 30));
    A->rebase_at = at;
}

static bool step(void *arch, const sf_network *net, const sf_block *b, int64_t k,
                 const uint32_t *spk, size_t ns)
{
    (void)net;
    (void)b;
    archive *A = arch;
    const int64_t t = k + 1;
    if (t - A->base >= A->rebase_at)
        rebase(A, t - A->rebase_at / 2);
    const int32_t tr = (int32_t)(t - A->base);
    int64_t passed = INT64_MAX; /* every reader has passed the entries <= passed */
    for (int r = 0; r < A->n_readers; r++)
        passed = A->consumed[r] < passed ? A->consumed[r] : passed;
    for (size_t j = 0; j < ns; j++) {
        const uint32_t i = spk[j];
        hist *H = &A->h[i];
        sf_spike_hot *o = &A->hot[i];
        while (H->end - H->start > 1 && H->e[H->start].t <= passed &&
               t - H->e[H->start + 1].t > A->keep)
            H->start++;
        const double K = H->end == H->start
                             ? 1.0
                             : H->e[H->end - 1].K *
                                       sf_decay_at(&A->dec, t - H->e[H->end - 1].t) +
                                   1.0;
        for (int q = SF_SPIKE_HOT - 1; q > 0; q--)
            o->t[q] = o->t[q - 1];
        for (int q = SF_SPIKE_HOT_K - 1; q > 0; q--)
            o->K[q] = o->K[q - 1];
        o->t[0] = tr;
        o->K[0] = K;
        if (!append(H, t, K))
            return false;
    }
    return true;
}

size_t sf_spike_archive_size(const void *arch)
{
    const archive *A = arch;
    size_t n = 0;
    for (uint32_t i = 0; i < A->n; i++)
        n += A->h[i].end - A->h[i].start;
    return n;
}

size_t sf_spike_archive_bytes(const void *arch)
{
    const archive *A = arch;
    size_t n = A->n * (sizeof(hist) + sizeof(sf_spike_hot)) + (size_t)A->dec.n * sizeof(double);
    for (uint32_t i = 0; i < A->n; i++)
        n += A->h[i].cap * sizeof(sf_spike_entry);
    return n;
}

/* Checkpoints: neuron i's hot part and live entries. What pruning has
 * freed depends on the blocks (a table's readers), but every entry a later
 * read of i needs is live with any blocks, so a network of another thread
 * count reads the same values. */
static bool ckpt(void *arch, uint32_t i, sf_ckpt_io *io)
{
    archive *A = arch;
    hist *H = &A->h[i];
    uint64_t nh = SF_SPIKE_HOT, n = H->end - H->start;
    if (!sf_ckpt_io_len(io, &nh, SF_SPIKE_HOT) || nh != SF_SPIKE_HOT) {
        sf_ckpt_io_fail(io);
        return false;
    }
    /* the hot stamps as absolute stamps (the base depends on the blocks'
     * history: with other blocks it may sit elsewhere), then K_minus */
    sf_spike_hot *o = &A->hot[i];
    int64_t abs_t[SF_SPIKE_HOT];
    for (int q = 0; q < SF_SPIKE_HOT; q++)
        abs_t[q] = o->t[q] == SF_SPIKE_NONE32 ? INT64_MIN : (int64_t)o->t[q] + A->base;
    sf_ckpt_io_data(io, abs_t, sizeof abs_t);
    sf_ckpt_io_data(io, o->K, sizeof o->K);
    if (sf_ckpt_io_reading(io))
        for (int q = 0; q < SF_SPIKE_HOT; q++) {
            if (abs_t[q] == INT64_MIN) {
                o->t[q] = SF_SPIKE_NONE32;
                continue;
            }
            if (abs_t[q] < 0 || abs_t[q] > ((int64_t)1 << 62)) {
                sf_ckpt_io_fail(io);
                return false;
            }
            if (abs_t[q] - A->base >= A->rebase_at) /* as step() moves it */
                rebase(A, abs_t[q] - A->rebase_at / 2);
            const int64_t r = abs_t[q] - A->base;
            o->t[q] = r <= (int64_t)SF_SPIKE_NONE32 ? SF_SPIKE_NONE32 : (int32_t)r;
        }
    if (!sf_ckpt_io_len(io, &n, UINT32_MAX / 2))
        return false;
    if (sf_ckpt_io_reading(io)) {
        if (n > H->cap) {
            sf_spike_entry *e = realloc(H->e, sizeof *e * n);
            if (!e) {
                sf_ckpt_io_fail(io);
                return false;
            }
            H->e = e;
            H->cap = (uint32_t)n;
        }
        H->start = 0;
        H->end = (uint32_t)n;
    }
    return sf_ckpt_io_data(io, H->e + H->start, sizeof(sf_spike_entry) * n);
}

const sf_archive_type sf_archive_spikes = {
    .name = "spikes",
    .create = create,
    .connect = connect,
    .step = step,
    .destroy = destroy,
    .ckpt = ckpt,
};
