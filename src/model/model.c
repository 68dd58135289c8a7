/* Queries on a loaded model (the public accessors of model.h) and the
 * per-entity random values it describes.
 *
 * Invariant: a model is valid and immutable once loaded, so a query only
 * checks its index (out of range gives NULL, -1, 0 or NaN) and never fails
 * otherwise; sf_model_get_param is the one query that can name a wrong
 * argument, and it says so on ctx. */
#include "model/model_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define IN(i, n) ((i) >= 0 && (i) < (n))

int sf_model_find_pop(const sf_model *m, const char *name)
{
    for (int i = 0; name && i < m->n_pops; i++)
        if (m->pops[i].name && strcmp(m->pops[i].name, name) == 0)
            return i;
    return -1;
}

uint64_t sf_model_neurons(const sf_model *m)
{
    uint64_t n = 0;
    for (int i = 0; i < m->n_pops; i++)
        n += m->pops[i].n;
    return n;
}

const char *sf_model_file(const sf_model *m)
{
    return m->file ? m->file : "";
}

int sf_model_population_count(const sf_model *m)
{
    return m->n_pops;
}

const char *sf_model_population_name(const sf_model *m, int pop)
{
    return pop >= 0 && pop < m->n_pops ? m->pops[pop].name : NULL;
}

uint32_t sf_model_population_size(const sf_model *m, int pop)
{
    return pop >= 0 && pop < m->n_pops ? m->pops[pop].n : 0;
}

const char *sf_model_population_model(const sf_model *m, int pop)
{
    return IN(pop, m->n_pops) ? m->pops[pop].type->name : NULL;
}

sf_status sf_model_get_param(sf_context *ctx, const sf_model *m, int pop, const char *name,
                             double *value)
{
    if (!m || !value)
        return sf_fail(ctx, SF_ERR_ARG, "sf_model_get_param: %s is NULL", m ? "value" : "model");
    if (!IN(pop, m->n_pops))
        return sf_fail(ctx, SF_ERR_ARG,
                       "sf_model_get_param: population index %d is out of range (the model has "
                       "%d populations)", pop, m->n_pops);
    const sf_population *p = &m->pops[pop];
    int k = name ? sf_param_index(p->type, name) : -1;
    if (k < 0) {
        char list[1024] = "";
        for (int i = 0; i < p->type->n_params; i++) {
            strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
            strncat(list, p->type->params[i].name, sizeof list - strlen(list) - 1);
        }
        return sf_fail(ctx, SF_ERR_ARG, "population %s (%s) has no parameter '%s'; its parameters: %s",
                       p->name, p->type->name, name ? name : "(null)", list);
    }
    *value = p->params[k];
    return SF_OK;
}

int sf_model_projection_count(const sf_model *m)
{
    return m->n_proj;
}

const char *sf_model_projection_name(const sf_model *m, int i)
{
    return IN(i, m->n_proj) ? m->proj[i].name : NULL;
}

int sf_model_projection_source(const sf_model *m, int i)
{
    return IN(i, m->n_proj) ? m->proj[i].source : -1;
}

int sf_model_projection_target(const sf_model *m, int i)
{
    return IN(i, m->n_proj) ? m->proj[i].target : -1;
}

const char *sf_model_projection_rule(const sf_model *m, int i)
{
    return IN(i, m->n_proj) ? m->proj[i].rule->name : NULL;
}

double sf_model_projection_indegree(const sf_model *m, int i)
{
    return IN(i, m->n_proj) ? sf_model_mean_indegree(m, &m->proj[i]) : NAN;
}

double sf_model_projection_weight(const sf_model *m, int i)
{
    return IN(i, m->n_proj) ? sf_dist_mean(&m->proj[i].weight) : NAN;
}

double sf_model_projection_delay(const sf_model *m, int i)
{
    return IN(i, m->n_proj) ? sf_dist_mean(&m->proj[i].delay) : NAN;
}

int sf_model_input_count(const sf_model *m)
{
    return m->n_inputs;
}

const char *sf_model_input_name(const sf_model *m, int i)
{
    return IN(i, m->n_inputs) ? m->inputs[i].name : NULL;
}

const char *sf_model_input_kind(const sf_model *m, int i)
{
    return IN(i, m->n_inputs) ? m->inputs[i].type->name : NULL;
}

int sf_model_recorder_count(const sf_model *m)
{
    return m->n_recorders;
}

const char *sf_model_recorder_name(const sf_model *m, int r)
{
    return IN(r, m->n_recorders) ? m->recorders[r].name : NULL;
}

const char *sf_model_recorder_kind(const sf_model *m, int r)
{
    return IN(r, m->n_recorders) ? m->recorders[r].type->name : NULL;
}

int sf_model_recorder_population_count(const sf_model *m, int r)
{
    return IN(r, m->n_recorders) ? m->recorders[r].n_pops : 0;
}

int sf_model_recorder_population(const sf_model *m, int r, int k)
{
    return IN(r, m->n_recorders) && IN(k, m->recorders[r].n_pops) ? m->recorders[r].pops[k] : -1;
}

const char *sf_model_recorder_variable(const sf_model *m, int r)
{
    return IN(r, m->n_recorders) ? m->recorders[r].variable : NULL;
}

int sf_model_recorder_variable_count(const sf_model *m, int r)
{
    return IN(r, m->n_recorders) ? m->recorders[r].n_vars : 0;
}

const char *sf_model_recorder_variable_at(const sf_model *m, int r, int v)
{
    return IN(r, m->n_recorders) && IN(v, m->recorders[r].n_vars) ? m->recorders[r].vars[v] : NULL;
}

double sf_model_resolution(const sf_model *m)
{
    return m->sim.resolution;
}

double sf_model_duration(const sf_model *m)
{
    return m->sim.duration;
}

uint64_t sf_model_seed(const sf_model *m)
{
    return m->sim.seed;
}

int sf_model_threads(const sf_model *m)
{
    return m->sim.threads;
}

double sf_model_analysis_start(const sf_model *m)
{
    return m->sim.t_analysis;
}

double sf_model_analysis_bin(const sf_model *m)
{
    return m->sim.bin;
}

uint32_t sf_model_analysis_pairs(const sf_model *m)
{
    return m->sim.corr_pairs;
}

double sf_model_param(const sf_model *m, int pop, const char *name)
{
    if (pop < 0 || pop >= m->n_pops)
        return NAN;
    int k = sf_param_index(m->pops[pop].type, name);
    return k < 0 ? NAN : m->pops[pop].params[k];
}

double sf_model_mean_indegree(const sf_model *m, const sf_projection *p)
{
    return p->rule->mean_indegree(m, p);
}

double sf_model_expected_synapses(const sf_model *m, int i)
{
    if (!IN(i, m->n_proj))
        return NAN;
    return m->proj[i].rule->expected_synapses(m, &m->proj[i]);
}

bool sf_dist_is_const(const sf_dist *d)
{
    return d->kind == SF_DIST_CONST || (d->kind == SF_DIST_NORMAL && d->b == 0);
}

void sf_dist_range(const sf_dist *d, double *lo, double *hi)
{
    if (sf_dist_is_const(d)) {
        *lo = *hi = d->a;
    } else if (d->kind == SF_DIST_UNIFORM) {
        *lo = fmax(d->a, d->min);
        *hi = fmin(d->b, d->max);
    } else {
        *lo = d->min;
        *hi = d->max;
    }
}

static double draw_once(const sf_dist *d, sf_rng *r)
{
    switch (d->kind) {
    case SF_DIST_CONST:
        return d->a;
    case SF_DIST_UNIFORM:
        return d->a + (d->b - d->a) * sf_rng_uniform(r);
    case SF_DIST_NORMAL:
        return d->a + d->b * sf_rng_normal(r);
    }
    return d->a;
}

double sf_dist_draw(const sf_dist *d, sf_rng *r)
{
    double v = draw_once(d, r);
    /* NEST's redraw: values outside [min, max] are drawn again; the parser
     * guarantees an acceptance probability of at least 1e-3 */
    for (int k = 0; k < 100000 && (v < d->min || v > d->max); k++)
        v = draw_once(d, r);
    return v < d->min ? d->min : v > d->max ? d->max : v;
}

double sf_dist_mean(const sf_dist *d)
{
    switch (d->kind) {
    case SF_DIST_CONST:
        return d->a;
    case SF_DIST_UNIFORM: {
        double lo = fmax(d->a, d->min), hi = fmin(d->b, d->max);
        return 0.5 * (lo + hi);
    }
    case SF_DIST_NORMAL: {
        if (d->b == 0)
            return d->a;
        /* mean of the truncated normal */
        double a = (d->min - d->a) / d->b, b = (d->max - d->a) / d->b;
        double pa = isfinite(a) ? exp(-0.5 * a * a) : 0, pb = isfinite(b) ? exp(-0.5 * b * b) : 0;
        double z = 0.5 * (erfc(a / M_SQRT2) - erfc(b / M_SQRT2));
        return d->a + d->b * (pa - pb) / (sqrt(2 * M_PI) * z);
    }
    }
    return d->a;
}

static void transform(const sf_dist *d, uint64_t n, double *out)
{
    if (d->kind == SF_DIST_UNIFORM) {
        const double a = d->a, w = d->b - d->a;
        for (uint64_t i = 0; i < n; i++)
            out[i] = a + w * out[i];
    } else {
        const double a = d->a, b = d->b;
        for (uint64_t i = 0; i < n; i++)
            out[i] = a + b * out[i];
    }
}

static void raw(const sf_dist *d, uint64_t seed, sf_rng_purpose purpose, uint64_t entity,
                uint64_t block0, uint64_t n, double *out)
{
    if (d->kind == SF_DIST_UNIFORM)
        sf_rng_uniforms_blocks(seed, purpose, entity, block0, n, out);
    else
        sf_rng_normals_blocks(seed, purpose, entity, block0, n, out);
    transform(d, n, out);
}

void sf_dist_draw_n(const sf_dist *d, uint64_t seed, sf_rng_purpose purpose, uint64_t entity,
                    uint64_t n, double *out)
{
    if (d->kind == SF_DIST_CONST) {
        for (uint64_t i = 0; i < n; i++)
            out[i] = d->a;
        return;
    }
    raw(d, seed, purpose, entity, 0, n, out);
    if (isinf(d->min) && isinf(d->max))
        return;
    for (uint64_t i = 0; i < n; i++) {
        for (uint64_t r = 1; r <= 1000 && (out[i] < d->min || out[i] > d->max); r++)
            raw(d, seed, purpose, entity, r * n + i, 1, &out[i]);
        out[i] = out[i] < d->min ? d->min : out[i] > d->max ? d->max : out[i];
    }
}
