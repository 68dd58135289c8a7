/* Parameter indices of pp_cond_exp_mc_urbanczik (the order of its parameter
 * table), its state columns and ports. NEST keeps the per-compartment
 * parameters in the sub-dictionaries "soma" and "dendritic"; here they are
 * flat names with that prefix (soma_g_L, dendritic_g_L, ...). The rate
 * function phi and the plasticity weighting h (Urbanczik & Senn 2014, as
 * NEST's pp_cond_exp_mc_urbanczik_parameters) are inline below, for the
 * neuron and the Urbanczik-Senn rule (src/plasticity/voltage.c). */
#ifndef SF_NEURONS_PP_COND_EXP_MC_URBANCZIK_H
#define SF_NEURONS_PP_COND_EXP_MC_URBANCZIK_H

#include <math.h>

enum {
    SF_URB_T_REF,
    SF_URB_PHI_MAX,
    SF_URB_RATE_SLOPE,
    SF_URB_BETA,
    SF_URB_THETA,
    SF_URB_G_SP,
    SF_URB_G_PS,
    SF_URB_S_G_L,
    SF_URB_S_C_M,
    SF_URB_S_E_EX,
    SF_URB_S_E_IN,
    SF_URB_S_E_L,
    SF_URB_S_TAU_SYN_EX,
    SF_URB_S_TAU_SYN_IN,
    SF_URB_S_I_E,
    SF_URB_D_G_L,
    SF_URB_D_C_M,
    SF_URB_D_E_EX,
    SF_URB_D_E_IN,
    SF_URB_D_E_L,
    SF_URB_D_TAU_SYN_EX,
    SF_URB_D_TAU_SYN_IN,
    SF_URB_D_I_E,
    SF_URB_N_PARAMS
};

/* State columns: the integrated system (soma V, g_ex, g_in; dendrite V,
 * I_ex, I_in), then the dead-time count and the carried integration step. */
enum {
    SF_URB_V_S,
    SF_URB_G_EX_S,
    SF_URB_G_IN_S,
    SF_URB_V_D,
    SF_URB_I_EX_D,
    SF_URB_I_IN_D,
    SF_URB_DIM,
    SF_URB_REFRACTORY = SF_URB_DIM,
    SF_URB_STEP,
    SF_URB_N_STATE
};

/* Receptor ports, NEST's names and order (NEST numbers them from 1). */
enum { SF_URB_SOMA_EXC, SF_URB_SOMA_INH, SF_URB_DEND_EXC, SF_URB_DEND_INH, SF_URB_N_PORTS };

/* phi(u) = phi_max / (1 + rate_slope exp(beta (theta - u))), in 1/ms. */
static inline double sf_urbanczik_phi(const double *p, double u)
{
    return p[SF_URB_PHI_MAX] / (1.0 + p[SF_URB_RATE_SLOPE] * exp(p[SF_URB_BETA] * (p[SF_URB_THETA] - u)));
}

/* h(u) = 15 beta / (1 + exp(-beta (theta - u)) / rate_slope). */
static inline double sf_urbanczik_h(const double *p, double u)
{
    return 15.0 * p[SF_URB_BETA] /
           (1.0 + exp(-p[SF_URB_BETA] * (p[SF_URB_THETA] - u)) / p[SF_URB_RATE_SLOPE]);
}

#endif
