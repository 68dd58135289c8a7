/* Parameter indices of lin_rate and tanh_rate (lin_rate has the first SF_RATE_N_LIN): the order of its parameter table
 * (sf_neuron_type.params), so that the theory and the builder read
 * parameters by constant index, never by name. */
#ifndef SF_NEURONS_RATE_H
#define SF_NEURONS_RATE_H

enum {
    SF_RATE_TAU,
    SF_RATE_LAMBDA,
    SF_RATE_MU,
    SF_RATE_SIGMA,
    SF_RATE_G,
    SF_RATE_OUTPUT_NOISE,
    SF_RATE_BETA,
    SF_RATE_THETA,
    SF_RATE_N_PARAMS
};

enum { SF_RATE_N_LIN = SF_RATE_BETA };

#endif
