/* Parameter indices of iaf_psc_alpha: the order of its parameter table
 * (sf_neuron_type.params), so that the theory and the builder read
 * parameters by constant index, never by name. */
#ifndef SF_NEURONS_IAF_PSC_ALPHA_H
#define SF_NEURONS_IAF_PSC_ALPHA_H

enum {
    SF_IAF_PSC_ALPHA_E_L,
    SF_IAF_PSC_ALPHA_C_M,
    SF_IAF_PSC_ALPHA_TAU_M,
    SF_IAF_PSC_ALPHA_TAU_SYN_EX,
    SF_IAF_PSC_ALPHA_TAU_SYN_IN,
    SF_IAF_PSC_ALPHA_T_REF,
    SF_IAF_PSC_ALPHA_V_TH,
    SF_IAF_PSC_ALPHA_V_RESET,
    SF_IAF_PSC_ALPHA_I_E,
    SF_IAF_PSC_ALPHA_V_MIN,
    SF_IAF_PSC_ALPHA_N_PARAMS
};

#endif
