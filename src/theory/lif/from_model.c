/* Model description -> LIF mean-field network (see theory_model.h). */
#include "spikefield/theory_model.h"

#include "model/model_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void sf_theory_model_free(sf_theory_model *tm)
{
    if (!tm)
        return;
    free(tm->pop);
    free(tm->K);
    free(tm->J);
    free(tm->delay);
    free(tm->delay_sd);
    free(tm->J_sd);
    free(tm->ext_events);
    memset(tm, 0, sizeof *tm);
}

/* Mean and standard deviation of a distribution after the redraw bounds. */
static void dist_moments(const sf_dist *d, double *mean, double *sd)
{
    *mean = sf_dist_mean(d);
    switch (d->kind) {
    case SF_DIST_CONST:
        *sd = 0;
        return;
    case SF_DIST_UNIFORM: {
        double lo = fmax(d->a, d->min), hi = fmin(d->b, d->max);
        *sd = (hi - lo) / sqrt(12.0);
        return;
    }
    case SF_DIST_NORMAL: {
        if (d->b == 0) {
            *sd = 0;
            return;
        }
        /* variance of the truncated normal (Johnson, Kotz & Balakrishnan) */
        double a = (d->min - d->a) / d->b, b = (d->max - d->a) / d->b;
        double pa = isfinite(a) ? exp(-0.5 * a * a) / sqrt(2 * M_PI) : 0;
        double pb = isfinite(b) ? exp(-0.5 * b * b) / sqrt(2 * M_PI) : 0;
        double z = 0.5 * (erfc(a / M_SQRT2) - erfc(b / M_SQRT2));
        double ta = isfinite(a) ? a * pa : 0, tb = isfinite(b) ? b * pb : 0;
        double v = 1 + (ta - tb) / z - ((pa - pb) / z) * ((pa - pb) / z);
        *sd = d->b * sqrt(fmax(v, 0));
        return;
    }
    }
    *sd = 0;
}

/* PSP-equivalent weight (mV) of a weight w of projection onto population a. */
static double psp_weight(const sf_model *m, int a, double w)
{
    const sf_population *pop = &m->pops[a];
    if (strcmp(pop->type->name, "iaf_psc_exp") != 0)
        return w;
    double tau_s = sf_model_param(m, a, w >= 0 ? "tau_syn_ex" : "tau_syn_in");
    return sf_theory_psc_to_psp(w, tau_s, sf_model_param(m, a, "C_m"));
}

sf_status sf_theory_from_model(sf_context *ctx, const sf_model *m, sf_theory_model *tm)
{
    memset(tm, 0, sizeof *tm);
    int n = m->n_pops;
    size_t n2 = (size_t)n * (size_t)n;
    tm->pop = calloc((size_t)n, sizeof *tm->pop);
    tm->K = calloc(n2, sizeof(double));
    tm->J = calloc(n2, sizeof(double));
    tm->delay = calloc(n2, sizeof(double));
    tm->delay_sd = calloc(n2, sizeof(double));
    tm->J_sd = calloc(n2, sizeof(double));
    tm->ext_events = calloc((size_t)n, sizeof(double));
    if (!tm->pop || !tm->K || !tm->J || !tm->delay || !tm->delay_sd || !tm->J_sd || !tm->ext_events) {
        sf_theory_model_free(tm);
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    }
    sf_status st = SF_OK;
    double *ext_mean = calloc((size_t)n, sizeof(double)), *ext_var = calloc((size_t)n, sizeof(double));
    if (!ext_mean || !ext_var) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (int a = 0; a < n; a++) {
        const sf_population *P = &m->pops[a];
        bool exp_syn = !strcmp(P->type->name, "iaf_psc_exp");
        if (!exp_syn && strcmp(P->type->name, "iaf_psc_delta") != 0) {
            st = sf_fail(ctx, SF_ERR_MODEL,
                         "%s: population %s uses model %s; the LIF mean-field theory covers "
                         "iaf_psc_delta and iaf_psc_exp",
                         m->file, P->name, P->type->name);
            goto out;
        }
        if (exp_syn && sf_model_param(m, a, "tau_syn_ex") != sf_model_param(m, a, "tau_syn_in")) {
            st = sf_fail(ctx, SF_ERR_MODEL,
                         "%s: population %s: the theory needs tau_syn_ex == tau_syn_in (%g != %g ms)",
                         m->file, P->name, sf_model_param(m, a, "tau_syn_ex"),
                         sf_model_param(m, a, "tau_syn_in"));
            goto out;
        }
        if (!exp_syn && isfinite(sf_model_param(m, a, "V_min"))) {
            st = sf_fail(ctx, SF_ERR_MODEL, "%s: population %s: V_min is not part of the theory",
                         m->file, P->name);
            goto out;
        }
        sf_theory_pop *tp = &tm->pop[a];
        tp->tau_m = sf_model_param(m, a, "tau_m");
        tp->t_ref = sf_model_param(m, a, "t_ref");
        tp->V_th = sf_model_param(m, a, "V_th");
        tp->V_reset = sf_model_param(m, a, "V_reset");
        tp->E_L = sf_model_param(m, a, "E_L");
        tp->C_m = sf_model_param(m, a, "C_m");
        tp->tau_s = exp_syn ? sf_model_param(m, a, "tau_syn_ex") : 0.0;
        tp->I_e = sf_model_param(m, a, "I_e");
        tp->N = P->n;
    }
    for (int i = 0; i < m->n_inputs; i++) {
        const sf_input *in = &m->inputs[i];
        if (in->kind == SF_INPUT_SPIKES) {
            st = sf_fail(ctx, SF_ERR_MODEL,
                         "%s: input %s: spike generators are not part of the stationary theory",
                         m->file, in->name);
            goto out;
        }
        if (in->start > 0 || in->stop < m->sim.duration) {
            st = sf_fail(ctx, SF_ERR_MODEL,
                         "%s: input %s is switched on or off during the run; the stationary "
                         "theory needs inputs active throughout",
                         m->file, in->name);
            goto out;
        }
        for (int k = 0; k < in->n_targets; k++) {
            int a = in->targets[k];
            if (in->kind == SF_INPUT_DC) {
                tm->pop[a].I_e += in->amplitude;
            } else {
                double J = psp_weight(m, a, in->weight);
                ext_mean[a] += in->rate * J;
                tm->ext_events[a] += in->rate;
                ext_var[a] += in->rate * J * J;
            }
        }
    }
    /* one equivalent external input with the same mean and variance */
    for (int a = 0; a < n; a++) {
        if (ext_var[a] > 0) {
            tm->pop[a].J_ext = ext_var[a] / ext_mean[a];
            tm->pop[a].ext_rate = ext_mean[a] * ext_mean[a] / ext_var[a];
            if (!(ext_mean[a] != 0) || !isfinite(tm->pop[a].J_ext)) {
                st = sf_fail(ctx, SF_ERR_MODEL,
                             "%s: population %s: the Poisson inputs cancel in the mean; the "
                             "theory's single external input cannot represent them",
                             m->file, m->pops[a].name);
                goto out;
            }
        }
    }
    for (int i = 0; i < m->n_proj; i++) {
        const sf_projection *p = &m->proj[i];
        size_t ab = (size_t)p->target * (size_t)n + (size_t)p->source;
        double K = sf_model_mean_indegree(m, p), wm, wsd, dm, dsd;
        dist_moments(&p->weight, &wm, &wsd);
        dist_moments(&p->delay, &dm, &dsd);
        double J = psp_weight(m, p->target, wm);
        /* several projections between the same pair add up: K-weighted */
        double K0 = tm->K[ab];
        if (K0 > 0 && (tm->delay[ab] != dm || tm->delay_sd[ab] != dsd)) {
            st = sf_fail(ctx, SF_ERR_MODEL,
                         "%s: projections %s and another one connect %s -> %s with different "
                         "delays; the theory has one delay distribution per pair",
                         m->file, p->name, m->pops[p->source].name, m->pops[p->target].name);
            goto out;
        }
        tm->J[ab] = K0 + K > 0 ? (K0 * tm->J[ab] + K * J) / (K0 + K) : J;
        tm->J_sd[ab] = fabs(psp_weight(m, p->target, wsd));
        tm->K[ab] = K0 + K;
        tm->delay[ab] = dm;
        tm->delay_sd[ab] = dsd;
    }
    bool any_sd = false, trunc = false;
    for (size_t k = 0; k < n2; k++)
        any_sd |= tm->delay_sd[k] > 0;
    for (int i = 0; i < m->n_proj; i++)
        trunc |= m->proj[i].delay.kind == SF_DIST_NORMAL && isfinite(m->proj[i].delay.min);
    tm->net.n_pop = n;
    tm->net.pop = tm->pop;
    tm->net.K = tm->K;
    tm->net.J = tm->J;
    tm->net.delay = tm->delay;
    tm->net.delay_sd = tm->delay_sd;
    tm->net.delay_dist = !any_sd ? SF_THEORY_DELAY_NONE
                         : trunc ? SF_THEORY_DELAY_TRUNCATED_GAUSSIAN
                                 : SF_THEORY_DELAY_GAUSSIAN;
    tm->net.colored = SF_THEORY_SHIFT;
    st = sf_theory_network_check(ctx, &tm->net);
out:
    free(ext_mean);
    free(ext_var);
    if (st)
        sf_theory_model_free(tm);
    return st;
}
