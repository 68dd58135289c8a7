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
    double *in;                /* the input row of the block being updated,
                                  widened from its ring row (network/acc.h):
                                  n_ports * n of the largest block          */
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
    sf_spool *ids, *steps;     /* [pop]: uint32 ids and int64 steps          */
    size_t *n;
    void **data;               /* per recorder: its type's own data          */
    char *spool_dir;           /* where recorders spool (NULL: in memory)    */
    char stop_reason[512];     /* why the run ended early ("" if it did not) */
    struct sf_field_stats *field; /* a field model's statistics (src/lattice/,
                                     sf_field_run); NULL for networks        */
    double ckpt_ms;            /* model time of the last checkpoint, -1: none */
};

/* A new recording of net's recorders (start called), spooled to spool_dir
 * (NULL: in memory); NULL after a message on ctx. */
sf_recording *sf_recording_new(sf_context *ctx, const sf_network *net, const char *spool_dir);

/* Checkpoints (checkpoint.c), called by the main thread between slices:
 * sf_ckpt_begin before the first slice, sf_ckpt_due at the end of each; both
 * say what follows the slice ending at step s1: 0 nothing, 1 a checkpoint,
 * 2 a checkpoint and the end of the run (stop set and on_stop). */
int sf_ckpt_begin(sf_network *net, int64_t s1, double now);
int sf_ckpt_due(sf_network *net, int64_t s1, double now, bool stop);
/* The recording of a run resumed from a checkpoint (net->resumed set by
 * sf_network_restore): a new recording (spooled to spool_dir, NULL: in
 * memory) holding what the checkpoint had recorded; net->resumed is freed.
 * NULL after a message on ctx (net->resumed kept). */
sf_recording *sf_ckpt_resume_recording(sf_context *ctx, sf_network *net, const char *spool_dir);
/* Writes the checkpoint of net after `step` steps (atomically). */
sf_status sf_ckpt_write(sf_context *ctx, sf_network *net, sf_recording *rec, int64_t step);

/* Processes (mpi.c), called by the main thread: sends this process's
 * spike lists of the slice (threads rank * threads .. of all) to every
 * other and receives theirs into all[]; returns whether any process has
 * `stop` set, so that all stop together; *ckpt (the checkpoint due after
 * the slice, sf_ckpt_due's value) becomes the largest of all processes',
 * so that all checkpoint together. */
int sf_mpi_exchange(sf_network *net, sf_thread_state *all, int par, int stop, int *ckpt);
/* After the run: the recorders' samples (sf_recorder_type.state_arrays),
 * each taken by one process, combined on rank 0. */
void sf_mpi_gather_recording(sf_network *net, sf_recording *rec);
/* MPI: replaces weight recorder r's entries by the n given ones (every
 * process's entries merged in the recording's order); takes the arrays. */
void sf_wlog_adopt(sf_recording *rec, int r, size_t n, int64_t *step, uint32_t *proj,
                   uint32_t *src, uint32_t *tgt, double *w);

/* Appends a spike of population p; false (with rec->stop_reason) when
 * there is no memory or disk space left for it. */
bool sf_recording_add_spike(sf_recording *rec, int p, uint32_t id, int64_t step);
/* Drops what has been recorded so far from memory (spooled recordings). */
void sf_recording_release(sf_recording *rec, int p);

#endif
