/* Parameter indices of lin_rate, tanh_rate and erf_rate (lin_rate has the first SF_RATE_N_LIN): the order of its parameter table
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
    SF_RATE_LINEAR_SUMMATION,
    SF_RATE_N_PARAMS
};

enum { SF_RATE_N_LIN = SF_RATE_BETA };

/* g erf(beta (x - theta)); the other two are declared in model_impl.h. */
struct sf_neuron_type;
extern const struct sf_neuron_type sf_erf_rate;

#endif
