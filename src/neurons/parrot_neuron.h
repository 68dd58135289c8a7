/* Parameter indices of parrot_neuron (it has none) and its state. */
#ifndef SF_NEURONS_PARROT_NEURON_H
#define SF_NEURONS_PARROT_NEURON_H

enum { SF_PARROT_NEURON_N_PARAMS = 0 };

#endif
