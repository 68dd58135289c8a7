/* The postsynaptic spike archive (NEST's ArchivingNode): per neuron the
 * times of its spikes with the trace K_minus just after each, read by the
 * spike-timing dependent synapse types. Times are integer time stamps in
 * steps (the spike of update k has stamp k + 1, time (k + 1) h), so the
 * intervals of NEST's get_history are exact without NEST's eps. */
#ifndef SF_SPIKE_ARCHIVE_H
#define SF_SPIKE_ARCHIVE_H

#include "network/network_impl.h"

typedef struct {
    int64_t t;          /* time stamp (steps)                                   */
    double K;           /* K_minus just after this spike (includes its own +1)  */
    uint32_t reads;     /* incoming synapses that have read it (NEST's
                           access_counter)                                      */
} sf_spike_entry;

/* Entries of neuron i with t1 < t <= t2 (stamps), oldest first, at *first;
 * returns their count and counts the read of each (a synapse reads each
 * entry once: its successive intervals (t_last - D, t_s - D] tile time). */
size_t sf_spike_archive_history(void *arch, uint32_t i, int64_t t1, int64_t t2,
                                const sf_spike_entry **first);
/* K_minus of neuron i at stamp t, from its spikes strictly before t
 * (NEST's get_K_value): K e^{-(t - t_j) h / tau_minus} of the last such
 * spike t_j, 0 if none. */
double sf_spike_archive_K(const void *arch, uint32_t i, int64_t t);
/* Entries held in all (for tests of the pruning). */
size_t sf_spike_archive_size(const void *arch);

#endif
