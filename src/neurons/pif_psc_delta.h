/* Parameter indices of pif_psc_delta: the order of its parameter table
 * (sf_neuron_type.params), so that the theory and the builder read
 * parameters by constant index, never by name. */
#ifndef SF_NEURONS_PIF_PSC_DELTA_H
#define SF_NEURONS_PIF_PSC_DELTA_H

enum {
    SF_PIF_PSC_DELTA_C_M,
    SF_PIF_PSC_DELTA_V_TH,
    SF_PIF_PSC_DELTA_V_RESET,
    SF_PIF_PSC_DELTA_I_E,
    SF_PIF_PSC_DELTA_N_PARAMS
};

#endif
