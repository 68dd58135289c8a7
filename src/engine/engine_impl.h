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

#include "engine/spool.h"
#include "network/network_impl.h"

typedef struct sf_thread_state {
    int nk;                    /* blocks of this thread                     */
    int *blk;                  /* their indices, in global order            */
    int *pop_lo, *pop_hi;      /* per population: range in blk              */
    uint32_t *sbuf[2];         /* spiking neurons (population-local ids)    */
    float *samp[2];            /* their event amplitudes (1 for spikes)     */
    uint32_t *soff[2];         /* start of (lag, k) in sbuf; slice*nk + 1   */
} sf_thread_state;

struct sf_recording {
    const sf_model *m;
    bool interrupted;
    double t_end, wall_s, cpu_s;
    double started, finished;  /* calendar time of the run (sf_epoch_time) */
    /* spikes by population, filled by the spike recorders: spike_owner[p]
     * is the first spike recorder of population p (-1: not recorded) */
    int *spike_owner;
    sf_spool *ids, *steps;     /* [pop]: uint32 ids and int64 steps          */
    size_t *n;
    void **data;               /* per recorder: its type's own data          */
    char *spool_dir;           /* where recorders spool (NULL: in memory)    */
    char stop_reason[512];     /* why the run ended early ("" if it did not) */
    struct sf_field_stats *field; /* a field model's statistics (src/lattice/,
                                     sf_field_run); NULL for networks        */
};

/* Appends a spike of population p; false (with rec->stop_reason) when
 * there is no memory or disk space left for it. */
bool sf_recording_add_spike(sf_recording *rec, int p, uint32_t id, int64_t step);
/* Drops what has been recorded so far from memory (spooled recordings). */
void sf_recording_release(sf_recording *rec, int p);

#endif
