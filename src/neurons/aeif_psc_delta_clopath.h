/* Parameter indices of aeif_psc_delta_clopath: the order of its parameter
 * table (sf_neuron_type.params), so that code reads parameters by constant
 * index, never by name; and its state columns. The Clopath rule's
 * parameters (A_LTD ... u_ref_squared) live in the neuron, as in NEST's
 * ClopathArchivingNode; src/plasticity/voltage.c reads them. */
#ifndef SF_NEURONS_AEIF_PSC_DELTA_CLOPATH_H
#define SF_NEURONS_AEIF_PSC_DELTA_CLOPATH_H

enum {
    SF_CLOPATH_C_M,
    SF_CLOPATH_T_REF,
    SF_CLOPATH_V_RESET,
    SF_CLOPATH_E_L,
    SF_CLOPATH_G_L,
    SF_CLOPATH_I_E,
    SF_CLOPATH_TAU_U_BAR_PLUS,
    SF_CLOPATH_TAU_U_BAR_MINUS,
    SF_CLOPATH_TAU_U_BAR_BAR,
    SF_CLOPATH_A,
    SF_CLOPATH_B,
    SF_CLOPATH_DELTA_T,
    SF_CLOPATH_TAU_W,
    SF_CLOPATH_TAU_Z,
    SF_CLOPATH_I_SP,
    SF_CLOPATH_V_PEAK,
    SF_CLOPATH_V_TH_MAX,
    SF_CLOPATH_V_TH_REST,
    SF_CLOPATH_TAU_V_TH,
    SF_CLOPATH_T_CLAMP,
    SF_CLOPATH_V_CLAMP,
    SF_CLOPATH_GSL_ERROR_TOL,
    /* the Clopath rule (NEST's ClopathArchivingNode) */
    SF_CLOPATH_A_LTD,
    SF_CLOPATH_A_LTP,
    SF_CLOPATH_THETA_PLUS,
    SF_CLOPATH_THETA_MINUS,
    SF_CLOPATH_A_LTD_CONST,
    SF_CLOPATH_DELAY_U_BARS,
    SF_CLOPATH_U_REF_SQUARED,
    SF_CLOPATH_N_PARAMS
};

/* State columns: the integrated system first (V_m ... u_bar_bar), then the
 * clamp and refractory counts and the carried integration step. */
enum {
    SF_CLOPATH_S_V_M,
    SF_CLOPATH_S_W,
    SF_CLOPATH_S_Z,
    SF_CLOPATH_S_V_TH,
    SF_CLOPATH_S_U_BAR_PLUS,
    SF_CLOPATH_S_U_BAR_MINUS,
    SF_CLOPATH_S_U_BAR_BAR,
    SF_CLOPATH_S_DIM,
    SF_CLOPATH_S_CLAMP = SF_CLOPATH_S_DIM,
    SF_CLOPATH_S_REFRACTORY,
    SF_CLOPATH_S_STEP,
    SF_CLOPATH_N_STATE
};

#endif
