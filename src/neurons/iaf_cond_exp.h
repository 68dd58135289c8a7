/* Parameter indices of iaf_cond_exp: the order of its parameter table
 * (sf_neuron_type.params), so that code reads parameters by constant index,
 * never by name. */
#ifndef SF_NEURONS_IAF_COND_EXP_H
#define SF_NEURONS_IAF_COND_EXP_H

enum {
    SF_IAF_COND_EXP_E_L,
    SF_IAF_COND_EXP_C_M,
    SF_IAF_COND_EXP_G_L,
    SF_IAF_COND_EXP_T_REF,
    SF_IAF_COND_EXP_V_TH,
    SF_IAF_COND_EXP_V_RESET,
    SF_IAF_COND_EXP_E_EX,
    SF_IAF_COND_EXP_E_IN,
    SF_IAF_COND_EXP_TAU_SYN_EX,
    SF_IAF_COND_EXP_TAU_SYN_IN,
    SF_IAF_COND_EXP_I_E,
    SF_IAF_COND_EXP_N_PARAMS
};

#endif
