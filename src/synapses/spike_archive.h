/* The postsynaptic spike archive (NEST's ArchivingNode): per neuron the
 * times of its spikes with the trace K_minus just after each, read by the
 * spike-timing dependent synapse types. Times are integer time stamps in
 * steps (the spike of update k has stamp k + 1, time (k + 1) h), so the
 * intervals of NEST's get_history are exact without NEST's eps.
 *
 * Per neuron a hot part (the stamps of the last SF_SPIKE_HOT spikes and
 * K_minus after the last two: half a cache line, what a synapse needs in
 * the common case, see stdp_synapse.c) and the entries (the cold part, for
 * the rest). */
#ifndef SF_SPIKE_ARCHIVE_H
#define SF_SPIKE_ARCHIVE_H

#include "network/network_impl.h"
#include "synapses/decay.h"

#define SF_SPIKE_NONE (-((int64_t)1 << 60)) /* the stamp of "no spike" */
#define SF_SPIKE_READERS 8                   /* tables reading one archive */

typedef struct {
    int64_t t;          /* time stamp (steps)                                   */
    double K;           /* K_minus just after this spike (includes its own +1)  */
} sf_spike_entry;

/* The hot part of a neuron: half a cache line (32 bytes; 12,500 neurons
 * hold 400 kB, which stays in a core's L2 cache next to a ring row). The
 * stamps of the last SF_SPIKE_HOT spikes are kept relative to the
 * archive's base (32 bits; the base moves forward every 2^30 steps), K_minus
 * after the last two. */
#define SF_SPIKE_HOT 4
#define SF_SPIKE_HOT_K 2
#define SF_SPIKE_NONE32 INT32_MIN /* a relative stamp of "no spike" (or one
                                     more than 2^31 steps before the base) */
typedef struct {
    int32_t t[SF_SPIKE_HOT];   /* the last spikes - base, t[0] the newest      */
    double K[SF_SPIKE_HOT_K];  /* K_minus just after t[0] and t[1]             */
} __attribute__((aligned(32))) sf_spike_hot;

typedef struct {
    sf_spike_entry *e;  /* live entries e[start .. end), ascending           */
    uint32_t start, end, cap;
} sf_spike_hist;

typedef struct {
    sf_spike_hot *hot;
    sf_spike_hist *h;
    int64_t base;       /* hot stamps are relative to this stamp             */
    int64_t rebase_at;  /* the base moves when a stamp is this far past it
                           (2^30; smaller only through the test hook)        */
    uint32_t n;
    sf_decay dec;       /* e^{-d h / tau_minus}                              */
    int64_t keep;       /* longest delay + one slice, steps                  */
    int n_readers;
    const sf_syn_table *reader[SF_SPIKE_READERS];
    int64_t consumed[SF_SPIKE_READERS]; /* reader r reads no entry <= this again */
} sf_spike_archive;

/* Entries of neuron i with t1 < t <= t2 (stamps), oldest first, at *first;
 * returns their count. */
static inline size_t sf_spike_archive_history(const void *arch, uint32_t i, int64_t t1,
                                              int64_t t2, const sf_spike_entry **first)
{
    const sf_spike_archive *A = arch;
    if ((int64_t)A->hot[i].t[0] <= t1 - A->base) { /* no spike after t1: entries not touched */
        *first = NULL;
        return 0;
    }
    const sf_spike_hist *H = &A->h[i];
    uint32_t hi = H->end;
    while (hi > H->start && H->e[hi - 1].t > t2)
        hi--;
    uint32_t lo = hi;
    while (lo > H->start && H->e[lo - 1].t > t1)
        lo--;
    *first = H->e + lo;
    return hi - lo;
}

/* K_minus of neuron i at stamp t, from its spikes strictly before t
 * (NEST's get_K_value): K e^{-(t - t_j) h / tau_minus} of the last such
 * spike t_j, 0 if none. */
static inline double sf_spike_archive_K(const void *arch, uint32_t i, int64_t t)
{
    const sf_spike_archive *A = arch;
    const sf_spike_hot *o = &A->hot[i];
    if ((int64_t)o->t[0] < t - A->base) /* the last spike: from the hot part alone */
        return o->t[0] == SF_SPIKE_NONE32
                   ? 0.0
                   : o->K[0] * sf_decay_at(&A->dec, t - A->base - o->t[0]);
    const sf_spike_hist *H = &A->h[i];
    for (uint32_t x = H->end; x > H->start; x--)
        if (H->e[x - 1].t < t)
            return H->e[x - 1].K * sf_decay_at(&A->dec, t - H->e[x - 1].t);
    return 0.0;
}

/* Table T (connected to the archive) will read no entry at or before
 * stamp `bound` again: the entries that every reader has passed are freed
 * (keeping what later K_minus queries need). Called once per slice. */
void sf_spike_archive_consumed(void *arch, const sf_syn_table *T, int64_t bound);

/* For tests: the base of the hot stamps moves whenever a new stamp lies
 * `at` steps (2 <= at <= 2^30; 2^30 by default) past it, to at / 2 before
 * that stamp, so that a short run takes the path a run of 2^30 steps takes
 * (no result may change). */
void sf_spike_archive_set_rebase(void *arch, int64_t at);

/* Entries held in all and bytes allocated (for tests and benchmarks). */
size_t sf_spike_archive_size(const void *arch);
size_t sf_spike_archive_bytes(const void *arch);

#endif
