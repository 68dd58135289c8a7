/* The accumulator of the ring buffers (sf_block.ring) and of the event
 * queues' input rows (sf_evq.cur): one type for every writer (the synapse
 * types' delivery, the dense path, the queue drain, a checkpoint restore)
 * and every reader (the step's input, run.c, which widens the row to double
 * for the input sources and the neuron update; a checkpoint write).
 *
 * float: a synaptic weight is stored as a float, so one event adds an exact
 * value; the sum of a step's events rounds to float (relative 2^-24 per add,
 * 6e-8), where double rounded at 1e-16. Halving the ring halves the cache
 * it occupies (docs/benchmarks.md, issue 11 round 7, where the difference
 * against double is measured on the NEST traces and the validation
 * statistics). The sums stay in one thread's canonical order, so the results
 * are bit-identical for any thread count. */
#ifndef SF_ACC_H
#define SF_ACC_H

typedef float sf_acc;

#endif
