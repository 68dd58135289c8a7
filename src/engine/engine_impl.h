/* Private layout of the engine (src/engine/): the recording and the
 * per-thread spike lists of a slice, shared by the time loop (run.c), the
 * recorders (recorders/) and the writers (sonata.c).
 *
 * Spikes of a slice: thread t's spiking neurons (population-local ids) of
 * step s0 + lag in its block kk lie in sbuf[par][soff[par][lag * nk + kk] ..
 * soff[par][lag * nk + kk + 1]), with their event amplitudes in samp; par
 * alternates between slices. Reading them in the order (lag, population,
 * thread, block) is the canonical order (step, global id).
 */
#ifndef SF_ENGINE_IMPL_H
#define SF_ENGINE_IMPL_H

#include "network/network_impl.h"

typedef struct sf_thread_state {
    int nk;                    /* blocks of this thread                     */
    int *blk;                  /* their indices, in global order            */
    int *pop_lo, *pop_hi;      /* per population: range in blk              */
    uint32_t *sbuf[2];         /* spiking neurons (population-local ids)    */
    float *samp[2];            /* their event amplitudes (1 for spikes)     */
    uint32_t *soff[2];         /* start of (lag, k) in sbuf; slice*nk + 1   */
    bool failed;               /* plasticity: an archive ran out of memory  */
} sf_thread_state;

struct sf_recording {
    const sf_model *m;
    bool interrupted;
    double t_end, wall_s, cpu_s;
    double started, finished;  /* calendar time of the run (sf_epoch_time) */
    /* spikes by population, filled by the spike recorders: spike_owner[p]
     * is the first spike recorder of population p (-1: not recorded) */
    int *spike_owner;
    uint32_t **ids;
    int64_t **steps;
    size_t *n, *cap;
    void **data;               /* per recorder: its type's own data          */
};

/* Appends a spike of population p; false when out of memory. */
bool sf_recording_add_spike(sf_recording *rec, int p, uint32_t id, int64_t step);

#endif
