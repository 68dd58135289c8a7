/* Helpers shared by the input types: see input_util.h. */
#include "engine/inputs/input_util.h"

#include <math.h>
#include <stdlib.h>

bool sf_poisson_cdf_init(sf_poisson_cdf *c, double lambda)
{
    c->cdf = NULL;
    if (!(lambda > 0)) { /* always 0 */
        if (!(c->cdf = malloc(sizeof(double))))
            return false;
        c->cdf[0] = 1.0;
        c->n_cdf = 1;
        c->k0 = 0;
        return true;
    }
    /* k0 > 0 only for lambda > 100 */
    double sd = sqrt(lambda);
    int k0 = lambda > 100 ? (int)floor(lambda - 12.0 * sd) : 0;
    int cap = (int)(lambda + 14.0 * sd + 40.0) - k0;
    if (!(c->cdf = malloc(sizeof(double) * (size_t)cap)))
        return false;
    double pk = exp((double)k0 * log(lambda) - lambda - lgamma(k0 + 1.0)), s = 0;
    int k = 0;
    for (; k < cap - 1; k++) {
        s += pk;
        c->cdf[k] = s;
        pk *= lambda / (k0 + k + 1);
        if (k0 + k > lambda && 1.0 - s < 0x1p-60)
            break;
    }
    c->cdf[k] = 1.0;
    c->n_cdf = k + 1;
    c->k0 = k0;
    return true;
}

void sf_poisson_cdf_free(sf_poisson_cdf *c)
{
    free(c->cdf);
    c->cdf = NULL;
}

/* Calls the vector draw once per run of consecutive driven neurons. */
static void draw_runs(const sf_network *net, const sf_block *b, const sf_block_input *src,
                      uint64_t block, double *out, bool normal)
{
    const uint64_t seed = net->m->sim.seed;
    const uint32_t sub = (uint32_t)src->input;
    if (!src->sel) {
        (normal ? sf_rng_normals : sf_rng_uniforms)(seed, SF_RNG_POISSON, sub, block,
                                                    b->first_gid, b->n, out);
        return;
    }
    for (uint32_t j = 0; j < src->n_sel;) {
        uint32_t r = 1;
        while (j + r < src->n_sel && src->sel[j + r] == src->sel[j] + r)
            r++;
        (normal ? sf_rng_normals : sf_rng_uniforms)(seed, SF_RNG_POISSON, sub, block,
                                                    b->first_gid + src->sel[j], r, out + j);
        j += r;
    }
}

void sf_input_uniforms(const sf_network *net, const sf_block *b, const sf_block_input *src,
                       uint64_t block, double *u)
{
    draw_runs(net, b, src, block, u, false);
}

void sf_input_normals(const sf_network *net, const sf_block *b, const sf_block_input *src,
                      uint64_t block, double *z)
{
    draw_runs(net, b, src, block, z, true);
}

void sf_input_window(const sf_input *in, double h, int64_t *first, int64_t *last)
{
    /* the updates k with start <= k h < stop (a tolerance of 1e-9 steps
     * keeps times on the grid exact) */
    *first = (int64_t)ceil(in->start / h - 1e-9);
    *last = isfinite(in->stop) ? (int64_t)ceil(in->stop / h - 1e-9) : INT64_MAX;
}
