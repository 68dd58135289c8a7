/* The postsynaptic spike archive (sf_archive_spikes; NEST's ArchivingNode,
 * as documented for stdp_synapse): every spike of a neuron with incoming
 * spike-timing dependent synapses is kept with K_minus just after it,
 *   K_minus <- K_minus e^{-(t - t_last) / tau_minus} + 1,
 * until every incoming synapse has read it (its access count reaches the
 * neuron's number of incoming plastic synapses) and a newer spike lies more
 * than the longest delay plus one slice in the past (so every later query
 * of K_minus finds a spike before its time when there is one).
 *
 * Invariant: the live entries of neuron i are h[i].e[start .. end), in
 * ascending time; the step hook (the neuron's own thread) is the only
 * writer, the deliver phase of the same thread the only reader. The arrays
 * grow by doubling when full (the one allocation of the update phase). */
#include "synapses/spike_archive.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    sf_spike_entry *e;
    uint32_t start, end, cap;
    uint32_t n_in;      /* incoming synapses that read the archive */
    int64_t last;       /* stamp of the last spike                  */
    double K;           /* K_minus just after it                    */
} hist;

typedef struct {
    hist *h;
    uint32_t n;
    double h_over_tau;  /* h / tau_minus                               */
    int64_t keep;       /* longest delay + one slice, steps            */
} archive;

static void *create(const sf_network *net, const sf_block *b)
{
    archive *A = calloc(1, sizeof *A);
    if (!A || !(A->h = calloc(b->n ? b->n : 1, sizeof(hist)))) {
        free(A);
        return NULL;
    }
    const sf_model *m = net->m;
    A->n = b->n;
    A->h_over_tau = net->h / m->pops[b->pop].tau_minus;
    int64_t dmax = 1;
    for (int i = 0; i < m->n_proj; i++) {
        double lo, hi;
        sf_dist_range(&m->proj[i].delay, &lo, &hi);
        int64_t d = sf_delay_steps(hi, net->h);
        dmax = d > dmax ? d : dmax;
    }
    A->keep = dmax + net->slice;
    return A;
}

static void destroy(void *arch)
{
    archive *A = arch;
    if (!A)
        return;
    for (uint32_t i = 0; i < A->n; i++)
        free(A->h[i].e);
    free(A->h);
    free(A);
}

static void connect(void *arch, const sf_syn_table *T)
{
    archive *A = arch;
    for (uint64_t x = 0; x < T->n_syn; x++) {
        uint16_t tgt, d;
        double w;
        T->syn->get(T, (uint32_t)x, &tgt, &w, &d);
        A->h[tgt].n_in++;
    }
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
    H->e[H->end++] = (sf_spike_entry){t, K, 0};
    return true;
}

static bool step(void *arch, const sf_network *net, const sf_block *b, int64_t k,
                 const uint32_t *spk, size_t ns)
{
    (void)net;
    (void)b;
    archive *A = arch;
    const int64_t t = k + 1;
    for (size_t j = 0; j < ns; j++) {
        if (j > 0 && spk[j] == spk[j - 1])
            continue; /* one event of multiplicity > 1 */
        hist *H = &A->h[spk[j]];
        if (H->n_in) {
            while (H->end - H->start > 1 && H->e[H->start].reads >= H->n_in &&
                   t - H->e[H->start + 1].t > A->keep)
                H->start++;
            H->K = H->K * exp(-(double)(t - H->last) * A->h_over_tau) + 1.0;
            if (!append(H, t, H->K))
                return false;
        }
        H->last = t;
    }
    return true;
}

size_t sf_spike_archive_history(void *arch, uint32_t i, int64_t t1, int64_t t2,
                                const sf_spike_entry **first)
{
    hist *H = &((archive *)arch)->h[i];
    uint32_t hi = H->end;
    while (hi > H->start && H->e[hi - 1].t > t2)
        hi--;
    uint32_t lo = hi;
    while (lo > H->start && H->e[lo - 1].t > t1) {
        lo--;
        H->e[lo].reads++;
    }
    *first = H->e + lo;
    return hi - lo;
}

double sf_spike_archive_K(const void *arch, uint32_t i, int64_t t)
{
    const archive *A = arch;
    const hist *H = &A->h[i];
    for (uint32_t x = H->end; x > H->start; x--)
        if (H->e[x - 1].t < t)
            return H->e[x - 1].K * exp(-(double)(t - H->e[x - 1].t) * A->h_over_tau);
    return 0.0;
}

size_t sf_spike_archive_size(const void *arch)
{
    const archive *A = arch;
    size_t n = 0;
    for (uint32_t i = 0; i < A->n; i++)
        n += A->h[i].end - A->h[i].start;
    return n;
}

const sf_archive_type sf_archive_spikes = {
    .name = "spikes",
    .create = create,
    .connect = connect,
    .step = step,
    .destroy = destroy,
};
