/* Model description -> LIF mean-field network (see lif_map.h). accepts()
 * and create() share one set of checks, so the reasons are the same words
 * whether they come from the registry or from a direct map. */
#include "theory/lif/lif_map.h"

#include "neurons/iaf_psc_delta.h"
#include "neurons/iaf_psc_exp.h"
#include "theory/map.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_exp(const sf_model *m, int a) { return m->pops[a].type == &sf_iaf_psc_exp; }

/* Parameter of population a by the index of either type. */
static double par(const sf_model *m, int a, int i_delta, int i_exp)
{
    return is_exp(m, a) ? sf_theory_map_param(m, a, &sf_iaf_psc_exp, i_exp)
                        : sf_theory_map_param(m, a, &sf_iaf_psc_delta, i_delta);
}

/* Synaptic time constant (ms) of population a: that of its receptor ports
 * (accepts() requires them all equal), 0 for delta synapses. */
static double tau_syn(const sf_model *m, int a)
{
    const sf_neuron_type *t = m->pops[a].type;
    return t->n_ports > 0 && t->ports[0].tau_param >= 0 ? m->pops[a].params[t->ports[0].tau_param]
                                                        : 0.0;
}

/* PSP-equivalent weight (mV) of a weight w onto population a: a current
 * (pA) through an exponential synapse is converted by its charge. */
static double psp_weight(const sf_model *m, int a, double w)
{
    if (!is_exp(m, a))
        return w;
    return sf_theory_psc_to_psp(w, tau_syn(m, a),
                                sf_theory_map_param(m, a, &sf_iaf_psc_exp, SF_IAF_PSC_EXP_C_M));
}

/* Mean and variance (mV, mV^2 per ms scaled by rate) of the external
 * Poisson input of every population, and the events per neuron. */
static void poisson_moments(const sf_model *m, double *mean, double *var, double *events)
{
    for (int i = 0; i < m->n_inputs; i++) {
        const sf_input *in = &m->inputs[i];
        if (in->type != &sf_input_poisson_generator &&
            in->type != &sf_input_sinusoidal_poisson_generator) /* its mean rate */
            continue;
        for (int k = 0; k < in->n_targets; k++) {
            int a = in->targets[k];
            double J = psp_weight(m, a, in->weight);
            mean[a] += in->rate * J;
            var[a] += in->rate * J * J;
            events[a] += in->rate;
        }
    }
}

bool sf_lif_map_accepts(const sf_model *m, char *why, size_t len)
{
    for (int a = 0; a < m->n_pops; a++) {
        const sf_population *P = &m->pops[a];
        const sf_neuron_type *t = P->type;
        for (int k = 1; k < t->n_ports; k++) {
            int i0 = t->ports[0].tau_param, ik = t->ports[k].tau_param;
            if (i0 >= 0 && ik >= 0 && P->params[i0] != P->params[ik]) {
                snprintf(why, len,
                         "%s: population %s: the theory needs equal synaptic time constants on "
                         "all receptor ports (%s %g != %s %g ms)",
                         m->file, P->name, t->params[i0].name, P->params[i0], t->params[ik].name,
                         P->params[ik]);
                return false;
            }
        }
        if (!is_exp(m, a) && isfinite(par(m, a, SF_IAF_PSC_DELTA_V_MIN, -1))) {
            snprintf(why, len, "%s: population %s: V_min is not part of the theory", m->file, P->name);
            return false;
        }
    }
    if (!sf_theory_map_inputs_check(m, true, NULL, why, len))
        return false;
    size_t n = (size_t)m->n_pops;
    double *mom = calloc(3 * n + 1, sizeof(double));
    if (!mom) {
        snprintf(why, len, "out of memory");
        return false;
    }
    poisson_moments(m, mom, mom + n, mom + 2 * n);
    for (int a = 0; a < m->n_pops; a++)
        if (mom[n + (size_t)a] > 0 && (!(mom[a] != 0) || !isfinite(mom[n + (size_t)a] / mom[a]))) {
            snprintf(why, len,
                     "%s: population %s: the Poisson inputs cancel in the mean; the theory's single "
                     "external input cannot represent them",
                     m->file, m->pops[a].name);
            free(mom);
            return false;
        }
    free(mom);
    return sf_theory_map_projections_check(m, 0, "LIF mean-field", why, len);
}

void sf_lif_map_destroy(sf_lif_map *map)
{
    if (!map)
        return;
    free(map->pop);
    free(map->K);
    free(map->J);
    free(map->delay);
    free(map->delay_sd);
    free(map->J_sd);
    free(map->J2);
    free(map->ext_events);
    sf_theory_delays_free(&map->delays);
    free(map);
}

sf_status sf_lif_map_create(sf_context *ctx, const sf_model *m, sf_lif_map **out)
{
    *out = NULL;
    char why[1024];
    if (!sf_lif_map_accepts(m, why, sizeof why))
        return sf_fail(ctx, SF_ERR_MODEL, "%s", why);
    int n = m->n_pops;
    size_t n2 = (size_t)n * (size_t)n;
    sf_lif_map *tm = calloc(1, sizeof *tm);
    double *mom = calloc(2 * (size_t)n + 1, sizeof(double));
    sf_theory_map_pairs pairs;
    sf_status st = sf_theory_map_pairs_read(ctx, m, &pairs);
    if (tm) {
        tm->pop = calloc((size_t)n, sizeof *tm->pop);
        tm->K = calloc(n2, sizeof(double));
        tm->J = calloc(n2, sizeof(double));
        tm->delay = calloc(n2, sizeof(double));
        tm->delay_sd = calloc(n2, sizeof(double));
        tm->J_sd = calloc(n2, sizeof(double));
        tm->J2 = calloc(n2, sizeof(double));
        tm->ext_events = calloc((size_t)n, sizeof(double));
    }
    if (st != SF_OK || !tm || !mom || !tm->pop || !tm->K || !tm->J || !tm->delay || !tm->delay_sd ||
        !tm->J_sd || !tm->J2 || !tm->ext_events) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (int a = 0; a < n; a++) {
        sf_theory_pop *tp = &tm->pop[a];
        tp->tau_m = par(m, a, SF_IAF_PSC_DELTA_TAU_M, SF_IAF_PSC_EXP_TAU_M);
        tp->t_ref = par(m, a, SF_IAF_PSC_DELTA_T_REF, SF_IAF_PSC_EXP_T_REF);
        tp->V_th = par(m, a, SF_IAF_PSC_DELTA_V_TH, SF_IAF_PSC_EXP_V_TH);
        tp->V_reset = par(m, a, SF_IAF_PSC_DELTA_V_RESET, SF_IAF_PSC_EXP_V_RESET);
        tp->E_L = par(m, a, SF_IAF_PSC_DELTA_E_L, SF_IAF_PSC_EXP_E_L);
        tp->C_m = par(m, a, SF_IAF_PSC_DELTA_C_M, SF_IAF_PSC_EXP_C_M);
        tp->tau_s = tau_syn(m, a);
        tp->I_e = par(m, a, SF_IAF_PSC_DELTA_I_E, SF_IAF_PSC_EXP_I_E);
        tp->N = m->pops[a].n;
    }
    double *dc = calloc((size_t)n, sizeof(double));
    if (!dc) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
        goto out;
    }
    sf_theory_map_dc_add(m, dc);
    for (int a = 0; a < n; a++)
        tm->pop[a].I_e += dc[a];
    free(dc);
    /* one equivalent external input with the same mean and variance */
    double *ext_mean = mom, *ext_var = mom + n;
    poisson_moments(m, ext_mean, ext_var, tm->ext_events);
    for (int a = 0; a < n; a++)
        if (ext_var[a] > 0) {
            tm->pop[a].J_ext = ext_var[a] / ext_mean[a];
            tm->pop[a].ext_rate = ext_mean[a] * ext_mean[a] / ext_var[a];
        }
    for (size_t ab = 0; ab < n2; ab++) {
        int a = (int)(ab / (size_t)n);
        tm->K[ab] = pairs.K[ab];
        tm->J[ab] = psp_weight(m, a, pairs.w[ab]);
        tm->J_sd[ab] = fabs(psp_weight(m, a, pairs.w_sd[ab]));
    }
    /* mean square weight per pair: sum_p K_p E[J_p^2] / sum_p K_p */
    for (int i = 0; i < m->n_proj; i++) {
        const sf_projection *pr = &m->proj[i];
        size_t ab = (size_t)pr->target * (size_t)n + (size_t)pr->source;
        double K = sf_model_mean_indegree(m, pr), wm, wsd;
        if (!(K > 0) || !(tm->K[ab] > 0))
            continue;
        sf_theory_map_dist_moments(&pr->weight, &wm, &wsd);
        double Jm = psp_weight(m, pr->target, wm), Js = psp_weight(m, pr->target, wsd);
        tm->J2[ab] += K / tm->K[ab] * (Jm * Jm + Js * Js);
    }
    for (size_t ab = 0; ab < n2; ab++) /* rounding: a mean square is >= the square mean */
        tm->J2[ab] = fmax(tm->J2[ab], tm->J[ab] * tm->J[ab]);
    /* the delays of the simulation: whole steps, spikes at the stamp */
    if ((st = sf_theory_delays_read(ctx, m, SF_THEORY_TIMING_EVENT, &tm->delays)) != SF_OK)
        goto out;
    memcpy(tm->delay, tm->delays.mean, n2 * sizeof(double));
    memcpy(tm->delay_sd, tm->delays.sd, n2 * sizeof(double));
    tm->net.n_pop = n;
    tm->net.pop = tm->pop;
    tm->net.K = tm->K;
    tm->net.J = tm->J;
    tm->net.delay = tm->delay;
    tm->net.delay_sd = tm->delay_sd;
    tm->net.J2 = tm->J2;
    tm->net.delay_dist = SF_THEORY_DELAY_NONE; /* replaced by the pmfs */
    tm->net.delay_pmf = tm->delays.pmf;
    tm->net.colored = m->sim.theory_method == 1 ? SF_THEORY_TAYLOR : SF_THEORY_SHIFT;
    tm->renewal_noise = m->sim.theory_noise == 1;
    st = sf_theory_network_check(ctx, &tm->net);
out:
    free(mom);
    sf_theory_map_pairs_free(&pairs);
    if (st != SF_OK)
        sf_lif_map_destroy(tm);
    else
        *out = tm;
    return st;
}
