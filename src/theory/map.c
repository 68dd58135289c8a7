/* Model-reading helpers of the theory families' maps (see map.h). Every
 * refusal names the model file and the population, projection or input it
 * concerns; nothing here changes the model. */
#include "theory/map.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double sf_theory_map_param(const sf_model *m, int pop, const sf_neuron_type *type, int index)
{
    assert(pop >= 0 && pop < m->n_pops);
    assert(m->pops[pop].type == type);
    assert(index >= 0 && index < type->n_params);
    (void)type;
    return m->pops[pop].params[index];
}

bool sf_theory_map_dist_is_const(const sf_dist *d)
{
    return d->kind == SF_DIST_CONST || (d->kind == SF_DIST_NORMAL && d->b == 0) ||
           (d->kind == SF_DIST_UNIFORM && d->a == d->b);
}

void sf_theory_map_dist_moments(const sf_dist *d, double *mean, double *sd)
{
    /* the standard deviation of the model's own moments (one formula for
     * the truncated distributions); the mean as sf_dist_mean computes it */
    double m;
    sf_dist_moments(d, &m, sd);
    *mean = sf_dist_mean(d);
}

double sf_theory_map_spectrum_bin(const sf_model *m, double def_ms)
{
    double h = m->sim.resolution, b = m->sim.spectrum_bin > 0 ? m->sim.spectrum_bin : def_ms;
    return fmax(h, h * nearbyint(b / h));
}

double sf_theory_map_spectrum_max(const sf_model *m, double bin_ms)
{
    double nyq = 0.5e3 / bin_ms;
    double top = m->sim.spectrum_max > 0 && isfinite(m->sim.spectrum_max) ? m->sim.spectrum_max
                 : m->sim.spectrum_bin > 0                                 ? nyq
                                                                           : SF_THEORY_MAP_SPECTRUM_MAX_HZ;
    return fmin(top, nyq);
}

bool sf_theory_map_one_type(const sf_model *m, const sf_neuron_type *t, const char *theory,
                            char *why, size_t len)
{
    for (int a = 0; a < m->n_pops; a++)
        if (m->pops[a].type != t) {
            snprintf(why, len,
                     "%s: populations %s (%s) and %s (%s): the %s theory needs one neuron model "
                     "for all populations",
                     m->file, m->pops[0].name, m->pops[0].type->name, m->pops[a].name,
                     m->pops[a].type->name, theory);
            return false;
        }
    return true;
}

bool sf_theory_map_inputs_check(const sf_model *m, bool allow_poisson, const char *why_poisson,
                                char *why, size_t len)
{
    for (int i = 0; i < m->n_inputs; i++) {
        const sf_input *in = &m->inputs[i];
        if (in->type == &sf_input_spike_generator) {
            snprintf(why, len,
                     "%s: input %s: spike generators are not part of the stationary theory",
                     m->file, in->name);
            return false;
        }
        /* the theory has stationary inputs per population (and the sinusoidal
         * ones of a transfer measurement, checked below) */
        const bool sinus = in->type == &sf_input_ac_generator ||
                           in->type == &sf_input_sinusoidal_poisson_generator;
        if (in->type != &sf_input_poisson_generator && in->type != &sf_input_dc_generator &&
            !sinus) {
            snprintf(why, len, "%s: input %s: %s is not part of the stationary theory", m->file,
                     in->name, in->type->name);
            return false;
        }
        for (int k = 0; k < in->n_targets; k++)
            if (in->sel && in->sel[k].idx) {
                snprintf(why, len,
                         "%s: input %s drives a subset of population %s; the theory needs the "
                         "same input for every neuron of a population",
                         m->file, in->name, m->pops[in->targets[k]].name);
                return false;
            }
        if (in->start > 0 || in->stop < m->sim.duration) {
            snprintf(why, len,
                     "%s: input %s is switched on or off during the run; the stationary theory "
                     "needs inputs active throughout",
                     m->file, in->name);
            return false;
        }
        if (sinus && in->amplitude != 0 && !in->transfer) {
            snprintf(why, len,
                     "%s: input %s is modulated in time; the stationary theory takes it only as "
                     "the drive of a transfer measurement (analysis.transfer)",
                     m->file, in->name);
            return false;
        }
        if ((in->type == &sf_input_poisson_generator ||
             in->type == &sf_input_sinusoidal_poisson_generator) && !allow_poisson) {
            snprintf(why, len,
                     "%s: input %s: Poisson input into %s populations is not part of the theory "
                     "(%s)",
                     m->file, in->name, m->pops[in->targets[0]].type->name, why_poisson);
            return false;
        }
    }
    return true;
}

void sf_theory_map_dc_add(const sf_model *m, double *dc)
{
    for (int i = 0; i < m->n_inputs; i++) {
        const sf_input *in = &m->inputs[i];
        if (in->type == &sf_input_dc_generator)
            for (int k = 0; k < in->n_targets; k++)
                dc[in->targets[k]] += in->amplitude;
        if (in->type == &sf_input_ac_generator) /* its mean; the modulation is measured */
            for (int k = 0; k < in->n_targets; k++)
                dc[in->targets[k]] += in->offset;
    }
}

bool sf_theory_map_projections_check(const sf_model *m, unsigned flags, const char *theory,
                                     char *why, size_t len)
{
    for (int i = 0; i < m->n_proj; i++) {
        const sf_projection *p = &m->proj[i];
        if ((flags & SF_THEORY_MAP_CONST_DELAY) && !sf_theory_map_dist_is_const(&p->delay)) {
            snprintf(why, len,
                     "%s: projection %s: the %s theory has one delay per population pair, not a "
                     "delay distribution",
                     m->file, p->name, theory);
            return false;
        }
        if ((flags & SF_THEORY_MAP_CONST_WEIGHT) && !sf_theory_map_dist_is_const(&p->weight)) {
            snprintf(why, len,
                     "%s: projection %s: the %s theory needs a constant weight (the weight "
                     "variance would enter the input variance)",
                     m->file, p->name, theory);
            return false;
        }
        double dm, dsd, wm;
        sf_theory_map_dist_moments(&p->delay, &dm, &dsd);
        wm = sf_dist_mean(&p->weight);
        for (int j = 0; j < i; j++) {
            const sf_projection *q = &m->proj[j];
            if (q->source != p->source || q->target != p->target ||
                !(sf_model_mean_indegree(m, q) > 0))
                continue;
            double qm, qsd;
            sf_theory_map_dist_moments(&q->delay, &qm, &qsd);
            if (qm != dm || qsd != dsd) {
                snprintf(why, len,
                         "%s: projection %s and another one (%s) connect %s -> %s with "
                         "different delays; the %s theory has one delay%s per pair",
                         m->file, p->name, q->name, m->pops[p->source].name,
                         m->pops[p->target].name, theory,
                         flags & SF_THEORY_MAP_CONST_DELAY ? "" : " distribution");
                return false;
            }
            if ((flags & SF_THEORY_MAP_CONST_WEIGHT) && sf_dist_mean(&q->weight) != wm) {
                snprintf(why, len,
                         "%s: projection %s and another one (%s) connect %s -> %s with "
                         "different weights; the %s theory needs one weight per pair",
                         m->file, p->name, q->name, m->pops[p->source].name,
                         m->pops[p->target].name, theory);
                return false;
            }
        }
    }
    return true;
}

void sf_theory_map_pairs_free(sf_theory_map_pairs *p)
{
    if (!p)
        return;
    free(p->K);
    memset(p, 0, sizeof *p);
}

sf_status sf_theory_map_pairs_read(sf_context *ctx, const sf_model *m, sf_theory_map_pairs *p)
{
    memset(p, 0, sizeof *p);
    const int n = m->n_pops;
    const size_t n2 = (size_t)n * (size_t)n;
    double *all = calloc(5 * (n2 ? n2 : 1), sizeof *all);
    if (!all)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    p->n = n;
    p->K = all;
    p->w = all + n2;
    p->w_sd = all + 2 * n2;
    p->delay = all + 3 * n2;
    p->delay_sd = all + 4 * n2;
    p->fixed_outdegree = m->n_proj > 0;
    for (int i = 0; i < m->n_proj; i++) {
        const sf_projection *pr = &m->proj[i];
        const size_t ab = (size_t)pr->target * (size_t)n + (size_t)pr->source;
        double K = sf_model_mean_indegree(m, pr), wm, wsd, dm, dsd;
        sf_theory_map_dist_moments(&pr->weight, &wm, &wsd);
        sf_theory_map_dist_moments(&pr->delay, &dm, &dsd);
        double K0 = p->K[ab];
        p->w[ab] = K0 + K > 0 ? (K0 * p->w[ab] + K * wm) / (K0 + K) : wm;
        p->K[ab] = K0 + K;
        p->w_sd[ab] = wsd;
        p->delay[ab] = dm;
        p->delay_sd[ab] = dsd;
        p->fixed_outdegree &= pr->rule == &sf_rule_fixed_outdegree;
    }
    return SF_OK;
}
