/* Dense coupling delivery (issue 15): a projection whose every source
 * sends an event every step (a rate population: `continuous` types) onto
 * every target (`all_to_all`) is delivered as a dense matrix-vector
 * product per step instead of a walk along its synapse rows.
 *
 * Chosen per synapse table, at the start of a run, when (the rule):
 *   the rule is all_to_all, the synapse type static_synapse, the source
 *   population's type continuous, every synapse of the table has the same
 *   delay and a weight that a float holds exactly, the table's matrix (4
 *   bytes per target and source) can be allocated, and simulation.dense is
 *   not `off`.
 * The tables stay as they are (every reader of synapses is unchanged); the
 * matrix is an extra copy for the run (4 bytes per synapse).
 *
 * Arithmetic: the sparse path adds w_s a_s to the ring buffer one source
 * at a time in canonical order, each add rounded to the ring's float
 * accumulator (network/acc.h); the dense path forms each target's sum
 * y_r = sum_s W_rs a_s over all sources in double with sf_dense_gemv's
 * fixed order (8 partial sums by source index mod 8, each a chain of
 * multiply-adds, fused where the hardware has FMA, then a fixed pairwise
 * reduction) and then adds y_r to the ring buffer, rounded once to float.
 * The two differ by the float roundings of the sparse sum (relative 6e-8
 * per add).
 *
 * Invariant: a target's sum depends only on the matrix row and the vector
 * of all sources' amplitudes of the step (gathered from every thread's
 * event lists by source index), never on the partition into blocks or
 * threads: results are bit-identical for any thread count, as the sparse
 * path's are. The hot loop allocates nothing.
 */
#ifndef SF_ENGINE_DENSE_H
#define SF_ENGINE_DENSE_H

#include "engine/engine_impl.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct sf_dense sf_dense;

/* The dense tables of net for a run (*out NULL when none qualifies).
 * SF_ERR_NOMEM only for the small bookkeeping; a matrix that cannot be
 * allocated leaves its table sparse. */
sf_status sf_dense_create(sf_context *ctx, const sf_network *net, sf_dense **out);
void sf_dense_destroy(sf_dense *d);
/* Tables delivered densely (for the run's notes and tests). */
int sf_dense_count(const sf_dense *d);
/* Whether table `table` is delivered densely. */
bool sf_dense_has(const sf_dense *d, int table);

/* Delivers table `table` for step k (lag within the slice, event lists of
 * parity par of all threads) when it is dense: returns false (and does
 * nothing) when it is not. Called by the thread owning the table. */
bool sf_dense_deliver(const sf_dense *d, const sf_network *net, const sf_thread_state *all,
                      int table, int par, int lag, int64_t k, int mask);

/* y[r] = sum_s W[r * ld + s] a[s] for r < rows, s < n, in the fixed order
 * above; with b and yb (both non-NULL) also yb = W b in the same pass over
 * W. Bit-identical for any rows and any alignment of W. */
void sf_dense_gemv(const float *W, size_t ld, size_t rows, size_t n, const double *a,
                   const double *b, double *y, double *yb);

#endif
