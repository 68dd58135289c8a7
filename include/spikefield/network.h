/* spikefield network and engine: plan (build) and execute (run).
 *
 * sf_network_build allocates everything and draws every connection from
 * counter-based streams keyed by (seed, purpose, entity), so the network is the
 * same for any number of threads. sf_engine_run advances it in slices of the
 * minimum delay; the update and delivery loops allocate nothing.
 *
 *     sf_network *net;
 *     sf_network_build(ctx, model, 2, &net);
 *     sf_run_options o = {0};
 *     sf_recording *rec;
 *     sf_engine_run(ctx, net, &o, &rec);
 *     ... sf_recording_spikes(rec, pop, &ids, &steps, &n) ...
 *     sf_recording_destroy(rec); sf_network_destroy(net);
 */
#ifndef SPIKEFIELD_NETWORK_H
#define SPIKEFIELD_NETWORK_H

#include "spikefield/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sf_network sf_network;

/* Memory the network will need (bytes), before allocating it. */
SF_API sf_status sf_network_estimate(sf_context *ctx, const sf_model *m, int threads,
                                     uint64_t *bytes);

/* Builds the network of m for `threads` threads (m must outlive it). Refuses
 * (SF_ERR_TOO_BIG) a network whose estimate exceeds the available memory. */
SF_API sf_status sf_network_build(sf_context *ctx, const sf_model *m, int threads,
                                  sf_network **out);
/* As sf_network_build, for process `rank` of `ranks` (MPI, spikefield/mpi.h):
 * the blocks are cut for ranks x threads threads, of which this process
 * holds the state and the synapse tables of its own (threads rank*threads ..
 * (rank+1)*threads - 1). The synapse counts are those of the whole network.
 * ranks > 1 needs a library built with MPI (SF_ERR_ARG otherwise). */
SF_API sf_status sf_network_build_part(sf_context *ctx, const sf_model *m, int threads, int rank,
                                       int ranks, sf_network **out);
SF_API void sf_network_destroy(sf_network *net);

SF_API const sf_model *sf_network_model(const sf_network *net);
SF_API int sf_network_threads(const sf_network *net);
SF_API uint64_t sf_network_synapses(const sf_network *net);
/* Synapses of projection i. */
SF_API uint64_t sf_network_projection_synapses(const sf_network *net, int i);
/* Bytes of synapse storage (targets, weights, delays, row offsets) per synapse. */
SF_API double sf_network_bytes_per_synapse(const sf_network *net);
SF_API double sf_network_build_seconds(const sf_network *net);
/* Sources (population-local ids) of target neuron `tgt` of projection i, in
 * storage order; returns the count, fills at most cap entries. Weights (as
 * stored, float precision) and delays (steps) too if not NULL. For tests and
 * connectivity export; O(synapses of the projection). */
SF_API uint64_t sf_network_inputs_of(const sf_network *net, int i, uint32_t tgt, uint32_t *src,
                                     double *w, uint32_t *delay_steps, uint64_t cap);

/* Plasticity: the current weights of projection i (after a run, the
 * learned ones), one entry per synapse in canonical order (sources
 * ascending, then targets ascending, ties in draw order: the same for any
 * number of threads): source and
 * target (population-local ids), weight (double; static_synapse stores
 * float precision) and delay (steps), each if not NULL. Returns the number
 * of synapses, filling at most cap entries; O(synapses of the projection). */
SF_API uint64_t sf_network_weights(const sf_network *net, int i, uint32_t *src, uint32_t *tgt,
                                   double *w, uint32_t *delay_steps, uint64_t cap);
/* Writes the weights of every projection with a plastic synapse model (or
 * of every projection when all is true) to the HDF5 file path, in the
 * layout of SONATA edges: /edges/<projection>/{source_node_id,
 * target_node_id, weight, delay} with attributes source, target (the
 * population names) and model (docs/plasticity.md). */
SF_API sf_status sf_network_write_weights(sf_context *ctx, const sf_network *net,
                                          const char *path, bool all);

/* What a run recorded. */
typedef struct sf_recording sf_recording;

typedef struct {
    volatile int *stop;          /* polled once per slice; non-zero stops the run */
    /* called from the main thread about every progress_interval seconds */
    void (*progress)(void *user, double t_ms, double t_end_ms, double wall_s);
    void *progress_user;
    double progress_interval;    /* s; 0 means 0.5 */
    /* a folder for the recorders' spools: spike lists and traces are kept
     * in unlinked files there and dropped from memory as the run goes, so
     * memory stays bounded whatever the duration (the command passes its
     * output folder); NULL keeps them in memory */
    const char *spool_dir;
} sf_run_options;

/* Simulates the model's duration (or until *stop). The network keeps its
 * state, so it can be run once. The caller owns *rec. */
SF_API sf_status sf_engine_run(sf_context *ctx, sf_network *net, const sf_run_options *opt,
                               sf_recording **rec);

SF_API void sf_recording_destroy(sf_recording *rec);
SF_API bool sf_recording_interrupted(const sf_recording *rec);
/* Why an interrupted run ended early: "stopped" (the stop flag), or the
 * recorders' "out of memory ..." / "no space left ..." (the run then keeps
 * what was simulated, as for a stop); "" when it ran to the end. */
SF_API const char *sf_recording_stop_reason(const sf_recording *rec);
SF_API double sf_recording_t_end(const sf_recording *rec);      /* ms simulated      */
SF_API double sf_recording_seconds(const sf_recording *rec);    /* wall time of run  */
/* Calendar time the run started and ended (seconds since 1970 UTC). */
SF_API double sf_recording_started(const sf_recording *rec);
SF_API double sf_recording_finished(const sf_recording *rec);
/* Provenance of a recording, for summaries and file attributes: the
 * library version and git commit, the host, start and end as ISO 8601 UTC
 * ("2026-12-01T12:00:00Z"). Writes into buffers of the given size. */
SF_API void sf_recording_provenance(const sf_recording *rec, char *host, size_t host_len,
                                    char *started, char *finished, size_t time_len);
SF_API double sf_recording_cpu_seconds(const sf_recording *rec);
/* Spikes of population pop (empty if not recorded), sorted by time then id:
 * node ids local to the population and time steps (time = (step+1)*h... see
 * docs: the spike of the update from t to t+h carries time t+h, stored here
 * as that step index + 1). Arrays are owned by rec. Returns false if pop is
 * not recorded. A spike recorder of a subset or window keeps only those
 * spikes (sf_recording_spike_subset). */
SF_API bool sf_recording_spikes(const sf_recording *rec, int pop, const uint32_t **ids,
                                const int64_t **steps, size_t *n);
/* What the spike recorder of population pop recorded: the neurons (ids NULL:
 * all of them; else the n_neurons ascending population-local ids) and the
 * window of time stamps start_ms < t <= stop_ms (stop may be infinite).
 * False if pop is not recorded. Statistics over a recording of a subset use
 * these neurons and this window. */
SF_API bool sf_recording_spike_subset(const sf_recording *rec, int pop, const uint32_t **ids,
                                      uint32_t *n_neurons, double *start_ms, double *stop_ms);
/* Voltmeter traces: recorder index r (model order), population k of it.
 * data[t * n_nodes + j]; times in ms. */
SF_API bool sf_recording_trace(const sf_recording *rec, int r, int k, const float **data,
                               size_t *n_times, uint32_t *n_nodes, double *t0, double *dt);
/* Multimeter / voltmeter traces, any variable and precision: variable v
 * (index into the recorder's record_from, sf_model_recorder_variable_at) of
 * population k of recorder r. data[t * n_nodes + j] is a float (*f64 false)
 * or double (*f64 true) array owned by rec; node_ids (may be NULL) receives
 * the population-local ids of the n_nodes recorded neurons, ascending (NULL:
 * 0 .. n_nodes - 1); sample t is the state at t0 + t * dt ms. (For float32
 * recorders, sf_recording_trace gives variable 0; for float64 ones it
 * returns false.) */
SF_API bool sf_recording_trace_var(const sf_recording *rec, int r, int k, int v,
                                   const void **data, bool *f64, size_t *n_times,
                                   uint32_t *n_nodes, const uint32_t **node_ids, double *t0,
                                   double *dt);

/* Plasticity: what weight recorder r (model order) logged: n updates in
 * the order (time, projection, source, target), with time stamps steps[]
 * (time steps[j] * h ms, the presynaptic spike's), projection indices,
 * population-local source and target ids and the weights. Arrays owned by
 * rec; NULL arguments are skipped. False if r is not a weight recorder. */
SF_API bool sf_recording_weights(const sf_recording *rec, int r, size_t *n,
                                 const int64_t **steps, const uint32_t **proj,
                                 const uint32_t **src, const uint32_t **tgt, const double **w);

/* Writes spikes (SONATA) and traces (SONATA reports) into dir: spikes.h5 and
 * <recorder>.h5 (weight recorders: /weights/<projection>/{timestamps,
 * source_node_id, target_node_id, weight}), each written to a temporary name
 * and renamed when complete. */
SF_API sf_status sf_recording_write(sf_context *ctx, const sf_recording *rec, const sf_model *m,
                                    const char *dir);

#ifdef __cplusplus
}
#endif
#endif
