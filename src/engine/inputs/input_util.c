/* Helpers shared by the input types: see input_util.h. */
#include "engine/inputs/input_util.h"

#include <assert.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>

double sf_input_fine(const sf_input_at *at, uint64_t entity)
{
    double v;
    assert(at->input < SF_INPUT_FINE);
    sf_rng_uniforms(at->seed, SF_RNG_POISSON, at->input | SF_INPUT_FINE, at->step, entity, 1, &v);
    return v;
}

/* The guide table of c->t: 2^g cells, about 128 per table entry, so that
 * few cells are open. */
static bool guide_init(sf_poisson_cdf *c)
{
    int g = 8;
    while (g < 14 && (1 << g) < 128 * c->n_cdf)
        g++;
    c->shift = 32 - g;
    c->t = malloc(sizeof(uint32_t) * (size_t)c->n_cdf);
    c->guide = malloc(sizeof(uint16_t) << g);
    if (!c->t || !c->guide)
        return false;
    for (int j = 0; j < c->n_cdf; j++)
        c->t[j] = c->cdf[j] >= 1.0 ? UINT32_MAX : (uint32_t)(c->cdf[j] * 0x1p32);
    assert(c->n_cdf < (int)SF_GUIDE_OPEN);
    int j = 0;
    for (uint64_t cell = 0; cell < (1u << g); cell++) {
        const uint64_t lo = cell << c->shift, hi = lo + (1ull << c->shift) - 1;
        while (c->t[j] < lo) /* t[n_cdf - 1] = UINT32_MAX >= lo */
            j++;
        c->guide[cell] = (uint16_t)(j | (c->t[j] <= hi ? SF_GUIDE_OPEN : 0u));
    }
    return true;
}

bool sf_poisson_cdf_init(sf_poisson_cdf *c, double lambda)
{
    c->t = NULL;
    c->guide = NULL;
    c->cdf = NULL;
    if (!(lambda > 0)) { /* always 0 */
        if (!(c->cdf = malloc(sizeof(double))))
            return false;
        c->cdf[0] = 1.0;
        c->n_cdf = 1;
        c->k0 = 0;
        return guide_init(c);
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
    return guide_init(c);
}

void sf_poisson_cdf_free(sf_poisson_cdf *c)
{
    free(c->cdf);
    free(c->t);
    free(c->guide);
    c->cdf = NULL;
    c->t = NULL;
    c->guide = NULL;
}

int sf_poisson_cdf_search(const sf_poisson_cdf *c, const sf_input_at *at, uint64_t entity,
                          uint32_t w, int j)
{
    /* entries with t[j] < w have cdf[j] 2^32 < t[j] + 1 <= w <= U 2^32;
     * t[j] > w means cdf[j] 2^32 >= w + 1 > U 2^32 */
    while (c->t[j] < w)
        j++;
    if (c->t[j] > w)
        return j;
    sf_input_u u = sf_input_u_make(at, entity, w);
    while (!sf_input_u_below(&u, c->cdf[j])) /* the last cdf is 1 > U */
        j++;
    return j;
}

void sf_poisson_cdf_add(const sf_poisson_cdf *c, const sf_input_at *at, const sf_block *b,
                        const sf_block_input *src, const uint32_t *restrict w, double weight,
                        double *restrict dst)
{
    const uint16_t *restrict guide = c->guide;
    const int shift = c->shift;
    const double k0 = c->k0;
    const uint32_t n = src->n_sel;
    const uint64_t g0 = b->first_gid;
    if (!src->sel) {
        for (uint32_t i = 0; i < n; i++) {
            unsigned j = guide[w[i] >> shift];
            if (__builtin_expect(j & SF_GUIDE_OPEN, 0))
                j = (unsigned)sf_poisson_cdf_search(c, at, g0 + i, w[i], (int)(j & ~SF_GUIDE_OPEN));
            dst[i] += ((double)j + k0) * weight;
        }
        return;
    }
    const uint32_t *restrict sel = src->sel;
    for (uint32_t q = 0; q < n; q++) {
        const uint32_t i = sel[q];
        unsigned j = guide[w[q] >> shift];
        if (__builtin_expect(j & SF_GUIDE_OPEN, 0))
            j = (unsigned)sf_poisson_cdf_search(c, at, g0 + i, w[q], (int)(j & ~SF_GUIDE_OPEN));
        dst[i] += ((double)j + k0) * weight;
    }
}

sf_poisson_mode sf_poisson_mode_make(double lambda)
{
    sf_poisson_mode P = {lambda, 1.0, 1.0, 0};
    if (lambda > 0) {
        P.mode = (int)floor(lambda);
        P.p_mode = gsl_ran_poisson_pdf((unsigned)P.mode, lambda);
        P.F_mode = gsl_cdf_poisson_P((unsigned)P.mode, lambda);
    }
    return P;
}

int sf_poisson_mode_count(const sf_poisson_mode *P, sf_input_u *u)
{
    const double lam = P->lambda;
    int j = P->mode;
    double p = P->p_mode, F = P->F_mode;
    if (sf_input_u_below(u, F)) {
        while (j > 0 && sf_input_u_below(u, F - p)) {
            F -= p;
            p *= j / lam;
            j--;
        }
    } else {
        const int cap = P->mode + 40 + (int)(40.0 * sqrt(lam));
        while (j < cap && !sf_input_u_below(u, F)) {
            j++;
            p *= lam / j;
            F += p;
        }
    }
    return j;
}

/* Calls the vector draw once per run of consecutive driven neurons. */
static void draw_runs(const sf_network *net, const sf_block *b, const sf_block_input *src,
                      uint64_t block, void *out, int kind)
{
    const uint64_t seed = net->m->sim.seed;
    const uint32_t sub = (uint32_t)src->input;
    for (uint32_t j = 0; j < src->n_sel;) {
        uint32_t r = src->n_sel - j;
        if (src->sel) {
            r = 1;
            while (j + r < src->n_sel && src->sel[j + r] == src->sel[j] + r)
                r++;
        }
        const uint64_t e = b->first_gid + sf_block_input_neuron(src, j);
        if (kind == 0)
            sf_rng_words(seed, SF_RNG_POISSON, sub, block, e, r, (uint32_t *)out + j);
        else
            (kind == 1 ? sf_rng_uniforms : sf_rng_normals)(seed, SF_RNG_POISSON, sub, block, e, r,
                                                           (double *)out + j);
        j += r;
    }
}

void sf_input_words(const sf_network *net, const sf_block *b, const sf_block_input *src,
                    uint64_t step, uint32_t *w)
{
    draw_runs(net, b, src, step, w, 0);
}

void sf_input_uniforms(const sf_network *net, const sf_block *b, const sf_block_input *src,
                       uint64_t block, double *u)
{
    draw_runs(net, b, src, block, u, 1);
}

void sf_input_normals(const sf_network *net, const sf_block *b, const sf_block_input *src,
                      uint64_t block, double *z)
{
    draw_runs(net, b, src, block, z, 2);
}

void sf_input_window(const sf_input *in, double h, int64_t *first, int64_t *last)
{
    /* the updates k with start <= k h < stop (a tolerance of 1e-9 steps
     * keeps times on the grid exact) */
    *first = (int64_t)ceil(in->start / h - 1e-9);
    *last = isfinite(in->stop) ? (int64_t)ceil(in->stop / h - 1e-9) : INT64_MAX;
}
