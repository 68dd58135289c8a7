/* From a model description to the LIF mean-field theory: the bridge that lets
 * `spikefield predict` use the very file `spikefield run` simulates.
 *
 * sf_theory_from_model maps populations of iaf_psc_delta / iaf_psc_exp
 * neurons, their projections and their Poisson/DC inputs onto an
 * sf_theory_network (docs/theory.md, "From a model file"):
 *   - in-degree K_ab: indegree (fixed_indegree), number / N_a
 *     (fixed_total_number), outdegree N_b / N_a (fixed_outdegree), p N_b
 *     (pairwise_bernoulli, minus the autapse if excluded), 1 (one_to_one),
 *     N_b (all_to_all; N_b - 1 without autapses);
 *   - weight J_ab: the mean of the weight distribution (mV for delta synapses;
 *     pA converted to the PSP-equivalent w tau_s / C_m for iaf_psc_exp);
 *   - delays: mean and standard deviation of the delay distribution
 *     (truncated Gaussian when it is a bounded normal);
 *   - external Poisson inputs: combined into one equivalent input with the
 *     same mean and variance of the input; DC inputs active over the whole
 *     run add to I_e.
 * It refuses (SF_ERR_MODEL, with the population or projection named) what
 * the LIF theory does not describe: other neuron models, iaf_psc_exp with
 * tau_syn_ex != tau_syn_in, inputs switched on or off during the run, spike
 * generators, parameters the diffusion theory has no place for (V_min).
 */
#ifndef SPIKEFIELD_THEORY_MODEL_H
#define SPIKEFIELD_THEORY_MODEL_H

#include "spikefield/model.h"
#include "spikefield/theory.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Owns the arrays an sf_theory_network borrows. */
typedef struct {
    sf_theory_network net;
    sf_theory_pop *pop;
    double *K, *J, *delay, *delay_sd;
    double *J_sd;     /* standard deviation of the weights (mV), for notes   */
    double *ext_events; /* Hz, external Poisson events per neuron (all inputs) */
} sf_theory_model;

/* Fills tm from m. On failure returns non-OK with a message on ctx and
 * leaves nothing to free. Free with sf_theory_model_free. */
SF_API sf_status sf_theory_from_model(sf_context *ctx, const sf_model *m, sf_theory_model *tm);
SF_API void sf_theory_model_free(sf_theory_model *tm);

#ifdef __cplusplus
}
#endif
#endif
