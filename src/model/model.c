/* Queries on a loaded model and the per-entity random values it describes.
 * Quantities that depend on the connection rule come from its descriptor. */
#include "model/model_impl.h"

#include <math.h>
#include <string.h>

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
