/* poisson_generator (NEST's name; "poisson" in older model files):
 * independent Poisson spike trains of `rate` Hz into every target neuron,
 * each spike of weight `weight`, active for start <= t < stop. `rate` may be
 * a distribution: each target neuron then draws its own rate from the
 * stream (seed, PARAM, (input + 1) << 32 | gid).
 *
 * The count of neuron i in step k is drawn from the stream
 * (seed, POISSON, (input, gid)), block k, by inverting a cumulative table
 * (one rate) or the neuron's own distribution function, searched from its
 * mode (per-neuron rates), so it does not depend on the blocks or threads. */
#include "network/network_impl.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    double weight;
    int64_t first, last;  /* active for steps first <= k < last                 */
    int n_cdf, k0;        /* counts k0 .. k0 + n_cdf - 1                       */
    double *cdf;          /* cumulative Poisson probabilities, cdf[n_cdf-1] = 1 */
    /* per-neuron rates (cdf NULL): per target neuron the mean count per
     * step, its mode, and the probability and distribution function there */
    double *lam, *p_mode, *F_mode;
    int *mode;
} source;

static const sf_input_key keys[] = {
    {"rate", offsetof(sf_input, rate), SF_KEY_DIST, true, 0, 0.0, 1e9},
    {"weight", offsetof(sf_input, weight), SF_KEY_NUMBER, true, 0, -INFINITY, INFINITY},
    {NULL},
};

static bool check(const sf_model *m, const sf_input *in, char *msg, size_t len, const char **key)
{
    if (in->rate * m->sim.resolution * 1e-3 <= 1e5)
        return true;
    snprintf(msg, len, "rate %g Hz is too high (more than 1e5 events per step)", in->rate);
    *key = "rate";
    return false;
}

static void block_free(void *state)
{
    source *ps = state;
    if (ps) {
        free(ps->cdf);
        free(ps->lam);
        free(ps->p_mode);
        free(ps->F_mode);
        free(ps->mode);
    }
    free(ps);
}

/* Per-neuron rates: each neuron's mean count per step and its distribution
 * function at the mode. */
static int init_rates(const sf_network *net, const sf_block *b, int input, source *ps)
{
    const sf_input *in = &net->m->inputs[input];
    const uint32_t n = b->n;
    ps->lam = malloc(sizeof(double) * n);
    ps->p_mode = malloc(sizeof(double) * n);
    ps->F_mode = malloc(sizeof(double) * n);
    ps->mode = malloc(sizeof(int) * n);
    if (!ps->lam || !ps->p_mode || !ps->F_mode || !ps->mode)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        sf_rng r;
        sf_rng_init(&r, net->m->sim.seed, SF_RNG_PARAM,
                    ((uint64_t)(input + 1) << 32) | (b->first_gid + i));
        double lam = sf_dist_draw(&in->dist, &r) * net->h * 1e-3;
        unsigned k = (unsigned)floor(lam);
        ps->lam[i] = lam;
        ps->mode[i] = (int)k;
        ps->p_mode[i] = lam > 0 ? gsl_ran_poisson_pdf(k, lam) : 1.0;
        ps->F_mode[i] = lam > 0 ? gsl_cdf_poisson_P(k, lam) : 1.0;
    }
    return 1;
}

static int block_init(const sf_network *net, const sf_block *b, int input, int port, void **state)
{
    const sf_input *in = &net->m->inputs[input];
    bool per_neuron = !sf_dist_is_const(&in->dist);
    if (!(in->rate > 0))
        return 0;
    source *ps = calloc(1, sizeof *ps);
    if (!(*state = ps))
        return -1;
    double h = net->h, lambda = in->rate * h * 1e-3;
    ps->weight = in->weight;
    ps->first = (int64_t)nearbyint(in->start / h);
    ps->last = isfinite(in->stop) ? (int64_t)nearbyint(in->stop / h) : INT64_MAX;
    if (per_neuron)
        return init_rates(net, b, input, ps);
    /* cumulative table over [k0, k0 + n_cdf), where the probability outside
     * is below 2^-60 (k0 > 0 only for lambda > 100) */
    double sd = sqrt(lambda);
    int k0 = lambda > 100 ? (int)floor(lambda - 12.0 * sd) : 0;
    int cap = (int)(lambda + 14.0 * sd + 40.0) - k0;
    if (!(ps->cdf = malloc(sizeof(double) * (size_t)cap)))
        return -1;
    double pk = exp((double)k0 * log(lambda) - lambda - lgamma(k0 + 1.0)), c = 0;
    int k = 0;
    for (; k < cap - 1; k++) {
        c += pk;
        ps->cdf[k] = c;
        pk *= lambda / (k0 + k + 1);
        if (k0 + k > lambda && 1.0 - c < 0x1p-60)
            break;
    }
    ps->cdf[k] = 1.0;
    ps->n_cdf = k + 1;
    ps->k0 = k0;
    return 1;
}

/* Per-neuron rates: the smallest count j with F(j) > u, searched from the
 * mode (down while F(j - 1) > u, up while F(j) <= u), about sqrt(lambda)
 * steps; the upward search stops where the remaining tail is below the
 * rounding of F. */
static void apply_rates(const source *ps, uint32_t n, const double *restrict u,
                        double *restrict dst)
{
    const double w = ps->weight;
    for (uint32_t i = 0; i < n; i++) {
        const double lam = ps->lam[i];
        int j = ps->mode[i];
        double p = ps->p_mode[i], F = ps->F_mode[i];
        if (u[i] < F) {
            while (j > 0 && u[i] < F - p) {
                F -= p;
                p *= j / lam;
                j--;
            }
        } else {
            const int cap = ps->mode[i] + 40 + (int)(40.0 * sqrt(lam));
            while (u[i] >= F && j < cap) {
                j++;
                p *= lam / j;
                F += p;
            }
        }
        dst[i] += (double)j * w;
    }
}

static void apply(const sf_network *net, const sf_block *b, const sf_block_input *src, int64_t k,
                  double *const *in, double *i_dc)
{
    const source *ps = src->state;
    if (k < ps->first || k >= ps->last)
        return;
    double *restrict u = b->u;
    double *restrict dst = in[src->port];
    const double *restrict cdf = ps->cdf;
    const double w = ps->weight;
    const int nc = ps->n_cdf;
    sf_rng_uniforms(net->m->sim.seed, SF_RNG_POISSON, (uint32_t)src->input, (uint64_t)k,
                    b->first_gid, b->n, u);
    if (!cdf) {
        apply_rates(ps, b->n, u, dst);
        return;
    }
    for (uint32_t i = 0; i < b->n; i++) {
        int j;
        if (nc <= 48) {
            j = 0;
            while (cdf[j] <= u[i])
                j++;
        } else { /* binary search for the first cdf[j] > u */
            int lo = 0, hi = nc - 1;
            while (lo < hi) {
                int mid = (lo + hi) >> 1;
                if (cdf[mid] <= u[i])
                    lo = mid + 1;
                else
                    hi = mid;
            }
            j = lo;
        }
        dst[i] += (double)(j + ps->k0) * w;
    }
}

const sf_input_type sf_input_poisson_generator = {
    .name = "poisson_generator",
    .alias = "poisson",
    .doc = "independent Poisson spike trains of `rate` Hz into every target neuron, "
           "each spike of weight `weight`, active for start <= t < stop",
    .keys = keys,
    .window = true,
    .weighted = true,
    .check = check,
    .block_init = block_init,
    .apply = apply,
    .block_free = block_free,
};
