/* Parameter indices of binary: the order of its parameter table
 * (sf_neuron_type.params), so that the theory and the builder read
 * parameters by constant index, never by name. */
#ifndef SF_NEURONS_BINARY_H
#define SF_NEURONS_BINARY_H

enum {
    SF_BINARY_TAU_M,
    SF_BINARY_THETA,
    SF_BINARY_SIGMA,
    SF_BINARY_P_INIT,
    SF_BINARY_N_PARAMS
};

#endif
