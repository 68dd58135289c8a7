/* spikefield checkpoints: save a running simulation, resume it later.
 *
 * A checkpoint is the whole dynamic state of a network at the end of a
 * communication interval (slice): every neuron's state variables (for the
 * adaptive ODE models also each neuron's step size), the ring buffers (the
 * spikes and currents in flight, so no spike is pending outside them), the
 * step (the random streams are counter-based: the step is their position),
 * what the recorders have recorded so far, and the plastic synapses'
 * weights and traces with the postsynaptic archives they read. The inputs' state is a
 * function of the step (cursors that seek, values drawn from counter-based
 * streams), so it is rebuilt, not stored. Everything is stored by
 * population-local neuron index, never by block, so a network built for any
 * number of threads can resume it (with several processes, MPI: each
 * process its own file, resumed on as many processes and threads each;
 * sf_checkpoint_path). Contract: a run interrupted at a checkpoint and
 * resumed records spikes, traces and weights byte-identical to the
 * uninterrupted run (tests/cli/test_checkpoint.sh,
 * test_checkpoint_plastic.sh); its recording is spooled like a fresh
 * run's (sf_run_options.spool_dir).
 *
 *     sf_checkpoint_options co = {.path = "ck/checkpoint.sfck", .every_s = 600,
 *                                 .on_stop = true};
 *     sf_network_set_checkpoints(ctx, net, &co);
 *     sf_engine_run(ctx, net, &o, &rec);      // writes checkpoints as it goes
 *     ...
 *     sf_checkpoint *ck;
 *     sf_checkpoint_read(ctx, "ck/checkpoint.sfck", &ck);
 *     sf_network_build(ctx, model, threads, &net2);  // same model, any threads
 *     sf_network_restore(ctx, net2, ck);
 *     sf_checkpoint_destroy(ck);
 *     sf_engine_run(ctx, net2, &o, &rec2);    // continues; rec2 holds the whole run
 *
 * The file format (docs/cli.md#checkpoints) is binary, native byte order
 * (checked), with an FNV-1a 64 checksum over everything before it; it is
 * written to a temporary name, flushed to disk (fsync) and renamed, so a
 * checkpoint file is always complete. It carries the hash of the resolved
 * model (sf_model_resolved_json) and the library version; a different model
 * or version, a truncated or corrupt file are refused with a message.
 */
#ifndef SPIKEFIELD_CHECKPOINT_H
#define SPIKEFIELD_CHECKPOINT_H

#include "spikefield/network.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const char *path;      /* the checkpoint file, replaced atomically each time */
    double every_ms;       /* model time between checkpoints (ms); 0: none. A
                              checkpoint is taken at the first slice boundary at
                              or after each multiple of every_ms */
    double every_s;        /* wall-clock time between checkpoints (s); 0: none */
    bool on_stop;          /* when the run's stop flag is set: a checkpoint at the
                              end of the next slice, then the run stops */
    bool keep;             /* also keep each checkpoint as PATH-<step>.sfck (PATH
                              without its .sfck), a hard link */
    const void *meta;      /* the caller's bytes, stored in each checkpoint      */
    size_t meta_len;       /* (sf_checkpoint_meta gives them back)               */
} sf_checkpoint_options;

/* Makes the next sf_engine_run of net write checkpoints as o says (copied;
 * o->path must not be NULL). A checkpoint that cannot be written stops the
 * run with SF_ERR_IO. */
SF_API sf_status sf_network_set_checkpoints(sf_context *ctx, sf_network *net,
                                            const sf_checkpoint_options *o);

/* A checkpoint read from a file. */
typedef struct sf_checkpoint sf_checkpoint;

/* Reads and verifies a checkpoint file (magic, format, byte order, length,
 * checksum, library version). SF_ERR_IO when it cannot be read or is not a
 * whole checkpoint (foreign, truncated, corrupt), SF_ERR_ARG when it is one
 * of another format or spikefield version. */
SF_API sf_status sf_checkpoint_read(sf_context *ctx, const char *path, sf_checkpoint **out);
SF_API void sf_checkpoint_destroy(sf_checkpoint *ck);
/* Model time (ms) at which it was taken, the number of steps simulated. */
SF_API double sf_checkpoint_time(const sf_checkpoint *ck);
SF_API int64_t sf_checkpoint_step(const sf_checkpoint *ck);
/* The caller's bytes given as sf_checkpoint_options.meta (owned by ck). */
SF_API const void *sf_checkpoint_meta(const sf_checkpoint *ck, size_t *len);
/* The hash of a model as checkpoints store it: FNV-1a 64 of
 * sf_model_resolved_json(m). */
SF_API uint64_t sf_model_hash(const sf_model *m);

/* Loads the state of ck into net, which must be built from the same model
 * (same hash; any number of threads; with several processes the same
 * processes and threads per process) and not yet run; SF_ERR_ARG otherwise,
 * naming what differs; SF_ERR_IO for a corrupt state (the network cannot
 * be run then: build a new one). The next sf_engine_run continues from the
 * checkpoint and its recording holds the whole run (what was recorded
 * before the checkpoint as well, loaded when the run starts: a recorded
 * part that does not fit the recorders fails that run with SF_ERR_IO). ck
 * may be destroyed afterwards. */
SF_API sf_status sf_network_restore(sf_context *ctx, sf_network *net, const sf_checkpoint *ck);

/* The file of process `rank` of `ranks` (MPI) for the checkpoint path
 * `path` into buf: path itself for one process, else PATH.rank<r>.sfck
 * (PATH without its .sfck; without one, path.rank<r>). Each process writes
 * and restores its own part, so a checkpoint of P processes with T threads
 * each resumes on P processes with T threads. 0, or -1 when buf is too
 * short. */
SF_API int sf_checkpoint_path(char *buf, size_t len, const char *path, int rank, int ranks);

/* Model time (ms) of the last checkpoint the run wrote, -1 if none. */
SF_API double sf_recording_checkpoint_time(const sf_recording *rec);

#ifdef __cplusplus
}
#endif
#endif
