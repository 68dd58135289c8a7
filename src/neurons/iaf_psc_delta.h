/* Parameter indices of iaf_psc_delta: the order of its parameter table
 * (sf_neuron_type.params), so that the theory and the builder read
 * parameters by constant index, never by name. */
#ifndef SF_NEURONS_IAF_PSC_DELTA_H
#define SF_NEURONS_IAF_PSC_DELTA_H

enum {
    SF_IAF_PSC_DELTA_E_L,
    SF_IAF_PSC_DELTA_C_M,
    SF_IAF_PSC_DELTA_TAU_M,
    SF_IAF_PSC_DELTA_T_REF,
    SF_IAF_PSC_DELTA_V_TH,
    SF_IAF_PSC_DELTA_V_RESET,
    SF_IAF_PSC_DELTA_I_E,
    SF_IAF_PSC_DELTA_V_MIN,
    SF_IAF_PSC_DELTA_N_PARAMS
};

#endif
