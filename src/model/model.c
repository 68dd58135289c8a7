/* Queries on a loaded model (the public accessors of model.h) and the
 * per-entity random values it describes.
 *
 * Invariant: a model is valid and immutable once loaded, so a query only
 * checks its index (out of range gives NULL, -1, 0 or NaN) and never fails
 * otherwise; sf_model_get_param is the one query that can name a wrong
 * argument, and it says so on ctx. */
#include "model/model_impl.h"

#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <stdbool.h>
#ifdef __AVX2__
#include <immintrin.h>
#endif
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

const char *sf_model_resolved_json(const sf_model *m)
{
    return m->resolved ? m->resolved : "{}";
}

int sf_model_override_count(const sf_model *m)
{
    return m->n_sets;
}

const char *sf_model_override(const sf_model *m, int i)
{
    return i >= 0 && i < m->n_sets ? m->sets[i] : NULL;
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

const char *sf_model_projection_synapse(const sf_model *m, int i)
{
    return IN(i, m->n_proj) ? m->proj[i].synapse->name : NULL;
}

bool sf_model_projection_plastic(const sf_model *m, int i)
{
    return IN(i, m->n_proj) && m->proj[i].synapse->plastic;
}

double sf_model_projection_synapse_param(const sf_model *m, int i, const char *name)
{
    if (!IN(i, m->n_proj) || !name)
        return NAN;
    int k = sf_synapse_param_index(m->proj[i].synapse, name);
    return k < 0 ? NAN : m->proj[i].syn_params[k];
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

static bool positive_kind(const sf_dist *d)
{
    return d->kind == SF_DIST_LOGNORMAL || d->kind == SF_DIST_GAMMA;
}

/* Bounds of the positive variable X of a lognormal or gamma (value +-X). */
static void positive_bounds(const sf_dist *d, double *lo, double *hi)
{
    *lo = fmax(0.0, d->negate ? -d->max : d->min);
    *hi = d->negate ? -d->min : d->max;
}

void sf_dist_range(const sf_dist *d, double *lo, double *hi)
{
    if (sf_dist_is_const(d)) {
        *lo = *hi = d->a;
    } else if (d->kind == SF_DIST_UNIFORM) {
        *lo = fmax(d->a, d->min);
        *hi = fmin(d->b, d->max);
    } else if (positive_kind(d)) {
        double xl, xh;
        positive_bounds(d, &xl, &xh);
        *lo = d->negate ? -xh : xl;
        *hi = d->negate ? -xl : xh;
    } else {
        *lo = d->min;
        *hi = d->max;
    }
}

/* Standard normal distribution function. */
static double Phi(double x)
{
    return 0.5 * erfc(-x / M_SQRT2);
}

/* E[X^k; lo < X < hi] of the positive variable of a lognormal or gamma, k = 0, 1, 2. */
static double positive_partial_moment(const sf_dist *d, int k, double lo, double hi)
{
    if (d->kind == SF_DIST_LOGNORMAL) {
        const double mu = d->a, s = d->b;
        double l = lo > 0 ? (log(lo) - mu - k * s * s) / s : -INFINITY;
        double h = isfinite(hi) ? (log(hi) - mu - k * s * s) / s : INFINITY;
        return exp(k * mu + 0.5 * k * k * s * s) * (Phi(h) - Phi(l));
    }
    const double a = d->a, th = d->b; /* gamma: shape, scale */
    double f = k == 0 ? 1.0 : k == 1 ? a * th : a * (a + 1) * th * th;
    double P_hi = isfinite(hi) ? gsl_sf_gamma_inc_P(a + k, hi / th) : 1.0;
    double P_lo = lo > 0 ? gsl_sf_gamma_inc_P(a + k, lo / th) : 0.0;
    return f * (P_hi - P_lo);
}

double sf_dist_mass(const sf_dist *d)
{
    double lo, hi;
    switch (d->kind) {
    case SF_DIST_CONST:
        return d->a >= d->min && d->a <= d->max;
    case SF_DIST_UNIFORM:
        lo = fmax(d->a, d->min), hi = fmin(d->b, d->max);
        return hi > lo ? (hi - lo) / (d->b - d->a) : 0.0;
    case SF_DIST_NORMAL:
        if (d->b == 0)
            return d->a >= d->min && d->a <= d->max;
        return Phi((d->max - d->a) / d->b) - Phi((d->min - d->a) / d->b);
    case SF_DIST_LOGNORMAL:
    case SF_DIST_GAMMA:
        positive_bounds(d, &lo, &hi);
        return hi > lo ? positive_partial_moment(d, 0, lo, hi) : 0.0;
    }
    return 0.0;
}

/* Standard gamma variate of shape k (Marsaglia & Tsang 2000, ACM TOMS 26:363;
 * shape < 1 by the boost G(k) = G(k + 1) U^{1/k}). */
static double gamma_unit(sf_rng *r, double k)
{
    if (k < 1.0)
        return gamma_unit(r, k + 1.0) * pow(sf_rng_uniform_pos(r), 1.0 / k);
    const double dd = k - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * dd);
    for (;;) {
        double x = sf_rng_normal(r), v = 1.0 + c * x;
        if (v <= 0)
            continue;
        v = v * v * v;
        if (log(sf_rng_uniform_pos(r)) < 0.5 * x * x + dd - dd * v + dd * log(v))
            return dd * v;
    }
}

static double draw_once(const sf_dist *d, sf_rng *r)
{
    const double sg = d->negate ? -1.0 : 1.0;
    switch (d->kind) {
    case SF_DIST_CONST:
        return d->a;
    case SF_DIST_UNIFORM:
        return d->a + (d->b - d->a) * sf_rng_uniform(r);
    case SF_DIST_NORMAL:
        return d->a + d->b * sf_rng_normal(r);
    case SF_DIST_LOGNORMAL:
        return sg * exp(d->a + d->b * sf_rng_normal(r));
    case SF_DIST_GAMMA:
        return sg * d->b * gamma_unit(r, d->a);
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

void sf_dist_moments(const sf_dist *d, double *mean, double *sd)
{
    switch (d->kind) {
    case SF_DIST_CONST:
        *mean = d->a;
        *sd = 0;
        return;
    case SF_DIST_UNIFORM: {
        double lo = fmax(d->a, d->min), hi = fmin(d->b, d->max);
        *mean = 0.5 * (lo + hi);
        *sd = (hi - lo) / sqrt(12.0);
        return;
    }
    case SF_DIST_NORMAL: {
        if (d->b == 0) {
            *mean = d->a;
            *sd = 0;
            return;
        }
        /* the truncated normal (Johnson, Kotz & Balakrishnan) */
        double a = (d->min - d->a) / d->b, b = (d->max - d->a) / d->b;
        double pa = isfinite(a) ? exp(-0.5 * a * a) / sqrt(2 * M_PI) : 0;
        double pb = isfinite(b) ? exp(-0.5 * b * b) / sqrt(2 * M_PI) : 0;
        double z = 0.5 * (erfc(a / M_SQRT2) - erfc(b / M_SQRT2));
        double ta = isfinite(a) ? a * pa : 0, tb = isfinite(b) ? b * pb : 0;
        double v = 1 + (ta - tb) / z - ((pa - pb) / z) * ((pa - pb) / z);
        *mean = d->a + d->b * (pa - pb) / z;
        *sd = d->b * sqrt(fmax(v, 0));
        return;
    }
    case SF_DIST_LOGNORMAL:
    case SF_DIST_GAMMA: {
        double lo, hi;
        positive_bounds(d, &lo, &hi);
        double z = positive_partial_moment(d, 0, lo, hi);
        double m1 = positive_partial_moment(d, 1, lo, hi) / z;
        double m2 = positive_partial_moment(d, 2, lo, hi) / z;
        *mean = d->negate ? -m1 : m1;
        *sd = sqrt(fmax(m2 - m1 * m1, 0.0));
        return;
    }
    }
    *mean = d->a;
    *sd = 0;
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
    case SF_DIST_LOGNORMAL:
    case SF_DIST_GAMMA:
        break;
    }
    double m, sd;
    sf_dist_moments(d, &m, &sd);
    return m;
}

void sf_population_neuron_params(const sf_model *m, int pop, uint32_t i, double *row)
{
    const sf_population *p = &m->pops[pop];
    const int np = p->type->n_params;
    memcpy(row, p->params, sizeof(double) * (size_t)np);
    if (!p->param_dist)
        return;
    sf_rng r;
    sf_rng_init(&r, m->sim.seed, SF_RNG_PARAM, p->first_gid + i);
    for (int k = 0; k < np; k++)
        if (p->param_dist[k].kind != SF_DIST_CONST)
            row[k] = sf_dist_draw(&p->param_dist[k], &r);
}

static void transform(const sf_dist *d, uint64_t n, double *out)
{
    if (d->kind == SF_DIST_LOGNORMAL) {
        const double a = d->a, b = d->b, sg = d->negate ? -1.0 : 1.0;
        for (uint64_t i = 0; i < n; i++)
            out[i] = sg * exp(a + b * out[i]);
    } else if (d->kind == SF_DIST_UNIFORM) {
        const double a = d->a, w = d->b - d->a;
        for (uint64_t i = 0; i < n; i++)
            out[i] = a + w * out[i];
    } else {
        const double a = d->a, b = d->b;
        for (uint64_t i = 0; i < n; i++)
            out[i] = a + b * out[i];
    }
}

/* Blocks of the stream reserved for one gamma value (Marsaglia-Tsang needs a
 * variable number of draws; 16 blocks hold about ten attempts). */
#define GAMMA_BLOCKS 16

static void raw(const sf_dist *d, uint64_t seed, sf_rng_purpose purpose, uint64_t entity,
                uint64_t block0, uint64_t n, double *out)
{
    if (d->kind == SF_DIST_GAMMA) {
        const double sg = d->negate ? -d->b : d->b;
        sf_rng r;
        sf_rng_init(&r, seed, purpose, entity);
        for (uint64_t i = 0; i < n; i++) {
            sf_rng_seek(&r, (block0 + i) * GAMMA_BLOCKS);
            out[i] = sg * gamma_unit(&r, d->a);
        }
        return;
    }
    if (d->kind == SF_DIST_UNIFORM)
        sf_rng_uniforms_blocks(seed, purpose, entity, block0, n, out);
    else
        sf_rng_normals_blocks(seed, purpose, entity, block0, n, out);
    transform(d, n, out);
}

/* raw() of one value at each of the indices idx[0 .. m) (blocks, normals or
 * gamma slots as raw's block0 + i), the same values as m calls of raw(d,
 * ..., idx[j], 1, ...). */
static void raw_at(const sf_dist *d, uint64_t seed, sf_rng_purpose purpose, uint64_t entity,
                   const uint64_t *idx, uint32_t m, double *out)
{
    if (d->kind == SF_DIST_GAMMA) {
        for (uint32_t j = 0; j < m; j++)
            raw(d, seed, purpose, entity, idx[j], 1, &out[j]);
        return;
    }
    if (d->kind == SF_DIST_UNIFORM)
        sf_rng_uniforms_at(seed, purpose, entity, idx, m, out);
    else
        sf_rng_normals_at(seed, purpose, entity, idx, m, out);
    transform(d, m, out);
}

#define REDRAW_CHUNK 256

void sf_dist_draw_n(const sf_dist *d, uint64_t seed, sf_rng_purpose purpose, uint64_t entity,
                    uint64_t n, double *out)
{
    if (d->kind == SF_DIST_CONST) {
        for (uint64_t i = 0; i < n; i++)
            out[i] = d->a;
        return;
    }
    raw(d, seed, purpose, entity, 0, n, out);
    const double lo = d->min, hi = d->max; /* locals: out cannot change them */
    if (isinf(lo) && isinf(hi))
        return;
    /* value i is redrawn as value r n + i of the stream for r = 1, 2, ...
     * until it is in range (at most 1000 times); the positions out of
     * [lo, hi] are collected (four at a time with AVX2) and each round's
     * values drawn together, REDRAW_CHUNK positions at a time */
    uint64_t pos[REDRAW_CHUNK], idx[REDRAW_CHUNK];
    double v[REDRAW_CHUNK];
    bool left = false; /* some value still out of range after 1000 rounds */
    for (uint64_t i0 = 0; i0 < n;) {
        uint32_t m = 0;
#ifdef __AVX2__
        const __m256d vlo = _mm256_set1_pd(lo), vhi = _mm256_set1_pd(hi);
        for (; i0 + 4 <= n && m <= REDRAW_CHUNK - 4; i0 += 4) {
            const __m256d x = _mm256_loadu_pd(out + i0);
            unsigned bits = (unsigned)_mm256_movemask_pd(
                _mm256_or_pd(_mm256_cmp_pd(x, vlo, _CMP_LT_OQ), _mm256_cmp_pd(x, vhi, _CMP_GT_OQ)));
            for (; bits; bits &= bits - 1)
                pos[m++] = i0 + (uint64_t)__builtin_ctz(bits);
        }
#endif
        for (; i0 < n && m < REDRAW_CHUNK; i0++)
            if (out[i0] < lo || out[i0] > hi)
                pos[m++] = i0;
        for (uint64_t r = 1; r <= 1000 && m; r++) {
            for (uint32_t j = 0; j < m; j++)
                idx[j] = r * n + pos[j];
            raw_at(d, seed, purpose, entity, idx, m, v);
            uint32_t k = 0;
            for (uint32_t j = 0; j < m; j++) {
                out[pos[j]] = v[j];
                if (v[j] < lo || v[j] > hi)
                    pos[k++] = pos[j];
            }
            m = k;
        }
        left |= m > 0;
    }
    if (!left) /* every value in range (or NaN): the clipping changes none */
        return;
    for (uint64_t i = 0; i < n; i++) /* after 1000 redraws: clipped */
        out[i] = out[i] < lo ? lo : out[i] > hi ? hi : out[i];
}
