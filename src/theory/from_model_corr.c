/* Model description -> correlation theory (see theory_corr.h, "From a model
 * description"): binary, Hawkes and linear rate networks and the PIF with
 * Poisson input. The mapping mirrors from_model.c (LIF): the model file is
 * the single source of parameters; what the theory cannot represent is
 * refused with a message naming it, never silently approximated. */
#include "model/model_impl.h"
#include "spikefield/theory_corr.h"
#include "theory/linear/kernel.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void sf_theory_corr_model_free(sf_theory_corr_model *cm)
{
    if (!cm)
        return;
    free(cm->bpop);
    free(cm->mean);
    free(cm->N);
    free(cm->K);
    free(cm->w);
    free(cm->nu0);
    free(cm->tau);
    free(cm->delays);
    free(cm->W);
    free(cm->D);
    free(cm->drive);
    memset(cm, 0, sizeof *cm);
}

static bool dist_const(const sf_dist *d)
{
    return d->kind == SF_DIST_CONST || (d->kind == SF_DIST_NORMAL && d->b == 0) ||
           (d->kind == SF_DIST_UNIFORM && d->a == d->b);
}

/* Inputs: refuse spike generators and inputs that switch; dc into dc[a];
 * Poisson inputs are refused unless allow_poisson. */
static sf_status read_inputs(sf_context *ctx, const sf_model *m, bool allow_poisson,
                             const char *what, double *dc)
{
    for (int i = 0; i < m->n_inputs; i++) {
        const sf_input *in = &m->inputs[i];
        if (in->kind == SF_INPUT_SPIKES)
            return sf_fail(ctx, SF_ERR_MODEL,
                           "%s: input %s: spike generators are not part of the stationary theory",
                           m->file, in->name);
        if (in->start > 0 || in->stop < m->sim.duration)
            return sf_fail(ctx, SF_ERR_MODEL,
                           "%s: input %s is switched on or off during the run; the stationary "
                           "theory needs inputs active throughout",
                           m->file, in->name);
        if (in->kind == SF_INPUT_POISSON && !allow_poisson)
            return sf_fail(ctx, SF_ERR_MODEL,
                           "%s: input %s: Poisson input into %s populations is not part of the "
                           "theory (%s)",
                           m->file, in->name, m->pops[in->targets[0]].type->name, what);
        if (in->kind == SF_INPUT_DC && dc)
            for (int k = 0; k < in->n_targets; k++)
                dc[in->targets[k]] += in->amplitude;
    }
    return SF_OK;
}

/* K, mean weight and delay per population pair from the projections. */
static sf_status read_projections(sf_context *ctx, const sf_model *m, bool const_weights,
                                  double *K, double *w,
                                  double *d, bool *outdeg)
{
    const int n = m->n_pops;
    *outdeg = m->n_proj > 0;
    for (int i = 0; i < m->n_proj; i++) {
        const sf_projection *p = &m->proj[i];
        size_t ab = (size_t)p->target * (size_t)n + (size_t)p->source;
        if (!dist_const(&p->delay))
            return sf_fail(ctx, SF_ERR_MODEL,
                           "%s: projection %s: the correlation theory has one delay per "
                           "population pair, not a delay distribution",
                           m->file, p->name);
        if (const_weights && !dist_const(&p->weight))
            return sf_fail(ctx, SF_ERR_MODEL,
                           "%s: projection %s: the binary theory needs a constant weight (the "
                           "weight variance would enter the input variance)",
                           m->file, p->name);
        double Kp = sf_model_mean_indegree(m, p), wm = sf_dist_mean(&p->weight), dm = sf_dist_mean(&p->delay);
        if (K[ab] > 0 && d[ab] != dm)
            return sf_fail(ctx, SF_ERR_MODEL,
                           "%s: projection %s and another one connect %s -> %s with different "
                           "delays; the theory has one delay per pair",
                           m->file, p->name, m->pops[p->source].name, m->pops[p->target].name);
        if (const_weights && K[ab] > 0 && w[ab] != wm)
            return sf_fail(ctx, SF_ERR_MODEL,
                           "%s: projection %s and another one connect %s -> %s with different "
                           "weights; the binary theory needs one weight per pair",
                           m->file, p->name, m->pops[p->source].name, m->pops[p->target].name);
        w[ab] = K[ab] + Kp > 0 ? (K[ab] * w[ab] + Kp * wm) / (K[ab] + Kp) : wm;
        K[ab] += Kp;
        d[ab] = dm;
        *outdeg &= p->rule == SF_RULE_FIXED_OUTDEGREE;
    }
    return SF_OK;
}

static sf_status map_binary(sf_context *ctx, const sf_model *m, sf_theory_corr_model *cm)
{
    const int n = m->n_pops;
    double *dc = calloc((size_t)n, sizeof *dc);
    if (!dc)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    sf_status st = read_inputs(ctx, m, false,
                               "drive binary networks by dc input or by a population of binary "
                               "neurons",
                               dc);
    if (st == SF_OK)
        st = read_projections(ctx, m, true, cm->K, cm->w, cm->delays, &cm->fixed_outdegree);
    if (st != SF_OK) {
        free(dc);
        return st;
    }
    for (int a = 0; a < n; a++) {
        sf_theory_binary_pop *bp = &cm->bpop[a];
        double sigma = sf_model_param(m, a, "sigma");
        bp->theta = sf_model_param(m, a, "theta");
        bp->N = m->pops[a].n;
        bp->tau = sf_model_param(m, a, "tau_m");
        bp->mu_ext = dc[a];
        bp->var_ext = sigma * sigma;
        bool has_input = false;
        for (int b = 0; b < n; b++)
            has_input |= cm->K[(size_t)a * n + b] > 0;
        if (!has_input) {
            bp->external = true;
            bp->m_ext = sigma > 0 ? 0.5 * erfc(-(dc[a] - bp->theta) / (M_SQRT2 * sigma))
                                  : (dc[a] > bp->theta ? 1.0 : 0.0);
        }
    }
    free(dc);
    cm->binary = (sf_theory_binary_net){.n_pop = n, .pop = cm->bpop, .K = cm->K, .J = cm->w,
                                        .delay = 0, .delays = cm->delays};
    return sf_theory_binary_check(ctx, &cm->binary);
}

static sf_status map_hawkes(sf_context *ctx, const sf_model *m, sf_theory_corr_model *cm)
{
    const int n = m->n_pops;
    sf_status st = read_inputs(ctx, m, false, "the baseline is nu0 plus dc inputs", cm->nu0);
    if (st == SF_OK)
        st = read_projections(ctx, m, false, cm->K, cm->w, cm->delays, &cm->fixed_outdegree);
    if (st != SF_OK)
        return st;
    for (int a = 0; a < n; a++) {
        cm->N[a] = m->pops[a].n;
        cm->nu0[a] += sf_model_param(m, a, "nu0");
        cm->tau[a] = sf_model_param(m, a, "tau");
    }
    cm->hawkes = (sf_theory_hawkes_net){.n_pop = n, .N = cm->N, .K = cm->K, .w = cm->w,
                                        .nu0 = cm->nu0, .tau = cm->tau, .delay = 0,
                                        .delays = cm->delays};
    return sf_theory_hawkes_check(ctx, &cm->hawkes);
}

static sf_status map_linear(sf_context *ctx, const sf_model *m, sf_theory_corr_model *cm)
{
    const int n = m->n_pops;
    sf_status st = read_inputs(ctx, m, false, "the drive is mu plus dc inputs", cm->drive);
    if (st == SF_OK)
        st = read_projections(ctx, m, false, cm->K, cm->w, cm->delays, &cm->fixed_outdegree);
    if (st != SF_OK)
        return st;
    double out0 = sf_model_param(m, 0, "output_noise");
    for (int a = 0; a < n; a++) {
        double lam = sf_model_param(m, a, "lambda"), tau = sf_model_param(m, a, "tau");
        double g = sf_model_param(m, a, "g"), sig = sf_model_param(m, a, "sigma");
        if (!(lam > 0))
            return sf_fail(ctx, SF_ERR_MODEL,
                           "%s: population %s: lambda = 0 (no leak) has no stationary linear "
                           "theory",
                           m->file, m->pops[a].name);
        if (sf_model_param(m, a, "output_noise") != out0)
            return sf_fail(ctx, SF_ERR_MODEL,
                           "%s: population %s: all populations must have the same noise class "
                           "(output_noise)",
                           m->file, m->pops[a].name);
        cm->N[a] = m->pops[a].n;
        cm->tau[a] = tau / lam;
        cm->drive[a] = (cm->drive[a] + sf_model_param(m, a, "mu")) / lam;
        for (int b = 0; b < n; b++) {
            size_t ab = (size_t)a * n + b;
            cm->W[ab] = g * cm->K[ab] * cm->w[ab] / lam;
        }
        /* white noise sqrt(tau) sigma xi, t in ms: intensity sigma^2 tau_s;
         * input noise is divided by lambda with the equation */
        double Dunit = sig * sig * tau * 1e-3 / (out0 != 0 ? 1.0 : lam * lam);
        cm->D[(size_t)a * n + a] = Dunit / cm->N[a];
    }
    cm->noise = out0 != 0 ? SF_THEORY_NOISE_OUTPUT : SF_THEORY_NOISE_INPUT;
    cm->linear = (sf_theory_linear_net){.n = n, .W = cm->W, .tau = cm->tau, .delay = 0,
                                        .delays = cm->delays, .D = cm->D};
    if ((st = sf_theory_linear_check(ctx, &cm->linear)) != SF_OK)
        return st;
    memcpy(cm->mean, cm->drive, (size_t)n * sizeof *cm->mean);
    st = sf_lr_solve_real(ctx, NULL, n, cm->W, cm->mean, 1);
    if (st == SF_ERR_NUMERIC)
        return sf_fail(ctx, SF_ERR_RANGE, "%s: 1 - W is singular: no stationary mean rate",
                       m->file);
    return st;
}

static sf_status map_pif(sf_context *ctx, const sf_model *m, sf_theory_corr_model *cm)
{
    if (m->n_proj > 0)
        return sf_fail(ctx, SF_ERR_MODEL,
                       "%s: projection %s: the PIF theory is of single neurons driven by Poisson "
                       "input (no recurrent connections)",
                       m->file, m->proj[0].name);
    if (sf_model_param(m, 0, "I_e") != 0)
        return sf_fail(ctx, SF_ERR_MODEL,
                       "%s: population %s: I_e = %g pA; the PIF theory has Poisson input only",
                       m->file, m->pops[0].name, sf_model_param(m, 0, "I_e"));
    sf_status st = read_inputs(ctx, m, true, "", NULL);
    if (st != SF_OK)
        return st;
    sf_theory_pif *p = &cm->pif;
    p->theta = sf_model_param(m, 0, "V_th");
    p->V_r = sf_model_param(m, 0, "V_reset");
    for (int i = 0; i < m->n_inputs; i++) {
        const sf_input *in = &m->inputs[i];
        if (in->kind == SF_INPUT_DC)
            return sf_fail(ctx, SF_ERR_MODEL,
                           "%s: input %s: a dc input is a drift the PIF theory does not have",
                           m->file, in->name);
        double w = fabs(in->weight);
        double *nu = in->weight > 0 ? &p->nu_e : &p->nu_i, *wp = in->weight > 0 ? &p->w_e : &p->w_i;
        if (in->weight == 0)
            continue;
        if (*nu > 0 && *wp != w)
            return sf_fail(ctx, SF_ERR_MODEL,
                           "%s: input %s: the PIF theory has one %s weight (%g and %g mV given)",
                           m->file, in->name, in->weight > 0 ? "excitatory" : "inhibitory", *wp,
                           w);
        *nu += in->rate; /* Hz per target neuron; the one population */
        *wp = w;
    }
    if (p->w_i == 0)
        p->w_i = p->w_e; /* no inhibition: its weight is irrelevant */
    return sf_theory_pif_check(ctx, p);
}

sf_status sf_theory_corr_from_model(sf_context *ctx, const sf_model *m, sf_theory_corr_model *cm)
{
    memset(cm, 0, sizeof *cm);
    if (!m || m->n_pops < 1)
        return sf_fail(ctx, SF_ERR_ARG, "correlation theory: no model or no populations");
    const int n = m->n_pops;
    const char *t0 = m->pops[0].type->name;
    for (int a = 1; a < n; a++)
        if (strcmp(m->pops[a].type->name, t0) != 0)
            return sf_fail(ctx, SF_ERR_MODEL,
                           "%s: populations %s (%s) and %s (%s): the correlation theory needs "
                           "one neuron model for all populations",
                           m->file, m->pops[0].name, t0, m->pops[a].name,
                           m->pops[a].type->name);
    if (!strcmp(t0, "binary"))
        cm->kind = SF_CORR_MODEL_BINARY;
    else if (!strcmp(t0, "hawkes"))
        cm->kind = SF_CORR_MODEL_HAWKES;
    else if (!strcmp(t0, "lin_rate"))
        cm->kind = SF_CORR_MODEL_LINEAR;
    else if (!strcmp(t0, "pif_psc_delta") && n == 1)
        cm->kind = SF_CORR_MODEL_PIF;
    else
        return sf_fail(ctx, SF_ERR_MODEL,
                       "%s: population %s uses model %s; the correlation theory covers binary, "
                       "hawkes, lin_rate networks and a single pif_psc_delta population%s",
                       m->file, m->pops[0].name, t0,
                       !strcmp(t0, "pif_psc_delta") ? " (this model has several)"
                       : !strcmp(t0, "tanh_rate") ? " (tanh_rate is nonlinear: not linearised)"
                                                  : "");
    size_t n2 = (size_t)n * (size_t)n;
    cm->n_pop = n;
    cm->bpop = calloc((size_t)n, sizeof *cm->bpop);
    cm->mean = calloc((size_t)n, sizeof(double));
    cm->N = calloc((size_t)n, sizeof(double));
    cm->nu0 = calloc((size_t)n, sizeof(double));
    cm->tau = calloc((size_t)n, sizeof(double));
    cm->drive = calloc((size_t)n, sizeof(double));
    cm->K = calloc(n2, sizeof(double));
    cm->w = calloc(n2, sizeof(double));
    cm->delays = calloc(n2, sizeof(double));
    cm->W = calloc(n2, sizeof(double));
    cm->D = calloc(n2, sizeof(double));
    if (!cm->bpop || !cm->mean || !cm->N || !cm->nu0 || !cm->tau || !cm->drive || !cm->K ||
        !cm->w || !cm->delays || !cm->W || !cm->D) {
        sf_theory_corr_model_free(cm);
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    }
    sf_status st = cm->kind == SF_CORR_MODEL_BINARY   ? map_binary(ctx, m, cm)
                   : cm->kind == SF_CORR_MODEL_HAWKES ? map_hawkes(ctx, m, cm)
                   : cm->kind == SF_CORR_MODEL_LINEAR ? map_linear(ctx, m, cm)
                                                      : map_pif(ctx, m, cm);
    if (st != SF_OK) {
        sf_theory_corr_kind k = cm->kind;
        sf_theory_corr_model_free(cm);
        cm->kind = k;
    }
    return st;
}
