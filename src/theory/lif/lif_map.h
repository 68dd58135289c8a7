/* The LIF diffusion family's view of a model (src/theory/lif/lif_map.c):
 * populations of iaf_psc_delta / iaf_psc_exp neurons, their projections and
 * their Poisson / dc inputs mapped onto an sf_theory_network
 * (docs/theory.md, "From a model file"):
 *   - in-degree K_ab: sf_model_mean_indegree, added over projections;
 *   - weight J_ab: the mean of the weight distribution (mV for delta
 *     synapses; pA converted to the PSP-equivalent w tau_s / C_m for
 *     iaf_psc_exp), K-weighted over projections of the same pair; the
 *     input variance uses the mean square weight E[J^2] (mean^2 + variance
 *     after the redraw bounds), K-weighted likewise;
 *   - delays: the exact distribution of the whole-step delays the builder
 *     draws (src/theory/delay.h, timing of events: no offset);
 *   - external Poisson inputs: combined into one equivalent input with the
 *     same mean and variance of the input; dc inputs active over the whole
 *     run add to I_e.
 * Refused, with the population, projection or input named: iaf_psc_exp with
 * tau_syn_ex != tau_syn_in, V_min on iaf_psc_delta, spike generators, inputs
 * switched on or off during the run, Poisson inputs that cancel in the mean,
 * two projections of one pair with different delays.
 * Parameters are read by index (src/neurons/<type>.h), never by name.
 */
#ifndef SF_THEORY_LIF_MAP_H
#define SF_THEORY_LIF_MAP_H

#include "model/model_impl.h"
#include "spikefield/theory.h"
#include "theory/delay.h"

/* Owns the arrays its network borrows. */
typedef struct {
    sf_theory_network net;
    sf_theory_pop *pop;
    double *K, *J, *delay, *delay_sd;
    double *J_sd;       /* standard deviation of the weights (mV), for notes   */
    double *J2;         /* mV^2, K-weighted mean square weight of each pair:
                           mean^2 + variance of every projection's weight
                           distribution after its redraw bounds (net.J2)     */
    double *ext_events; /* Hz, external Poisson events per neuron (all inputs) */
    bool renewal_noise; /* theory.noise = renewal: spectra with the renewal
                           neuron's spike-train spectrum as the noise term  */
    sf_theory_delays delays; /* the delay model; net.delay_pmf points into it */
} sf_lif_map;

/* True when the LIF theory describes m (every population already known to
 * be iaf_psc_delta or iaf_psc_exp); else the reason in why. */
bool sf_lif_map_accepts(const sf_model *m, char *why, size_t len);
/* The map of m (accepted), owned by the caller; NULL on failure with the
 * message on ctx. sf_lif_map_destroy(NULL) is a no-op. */
sf_status sf_lif_map_create(sf_context *ctx, const sf_model *m, sf_lif_map **out);
void sf_lif_map_destroy(sf_lif_map *map);

#endif
