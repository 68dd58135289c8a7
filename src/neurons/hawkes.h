/* Parameter indices of hawkes: the order of its parameter table
 * (sf_neuron_type.params), so that the theory and the builder read
 * parameters by constant index, never by name. */
#ifndef SF_NEURONS_HAWKES_H
#define SF_NEURONS_HAWKES_H

enum {
    SF_HAWKES_NU0,
    SF_HAWKES_TAU,
    SF_HAWKES_N_PARAMS
};

#endif
