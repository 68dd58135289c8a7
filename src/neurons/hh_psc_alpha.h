/* Parameter indices of hh_psc_alpha: the order of its parameter table
 * (sf_neuron_type.params). */
#ifndef SF_NEURONS_HH_PSC_ALPHA_H
#define SF_NEURONS_HH_PSC_ALPHA_H

enum {
    SF_HH_PSC_ALPHA_E_L,
    SF_HH_PSC_ALPHA_C_M,
    SF_HH_PSC_ALPHA_G_L,
    SF_HH_PSC_ALPHA_G_NA,
    SF_HH_PSC_ALPHA_E_NA,
    SF_HH_PSC_ALPHA_G_K,
    SF_HH_PSC_ALPHA_E_K,
    SF_HH_PSC_ALPHA_T_REF,
    SF_HH_PSC_ALPHA_TAU_SYN_EX,
    SF_HH_PSC_ALPHA_TAU_SYN_IN,
    SF_HH_PSC_ALPHA_I_E,
    SF_HH_PSC_ALPHA_N_PARAMS
};

#endif
