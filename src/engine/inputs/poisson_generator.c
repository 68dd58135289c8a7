/* poisson_generator (NEST's name; "poisson" in older model files):
 * independent Poisson spike trains of `rate` Hz into every target neuron,
 * each spike of weight `weight`. The spikes of update s (time stamps
 * (s+1) h), for start <= s h < stop (NEST's (start, stop] of time stamps),
 * arrive `delay` ms later: a spike stamped t is input of the update that
 * ends at t + delay. The default delay 0 makes the train the neuron's input
 * directly (as older files had it); NEST's connection delay d >= h is
 * `delay: d`. `rate` may be a distribution: each target neuron then draws
 * its own rate from the stream (seed, PARAM, (input + 1) << 32 | gid).
 *
 * The count of neuron i for update s is drawn from value s of its stream of
 * this input (input_util.h) by inverting a cumulative table (one rate) or
 * the neuron's own distribution function, searched from its mode
 * (per-neuron rates), so it does not depend on the blocks, threads or the
 * delay. */
#include "engine/inputs/input_util.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    double weight;
    int64_t first, last;  /* generating updates first <= s < last           */
    int64_t delay;        /* steps                                           */
    sf_poisson_cdf cdf;   /* one rate for every neuron (lam NULL)            */
    /* per-neuron rates: per driven neuron j the mean count per step, its
     * mode, and the probability and distribution function there */
    double *lam, *p_mode, *F_mode;
    int *mode;
} source;

static const sf_input_key keys[] = {
    {"rate", offsetof(sf_input, rate), SF_KEY_DIST, true, 0, 0.0, 1e9},
    {"weight", offsetof(sf_input, weight), SF_KEY_NUMBER, true, 0, -INFINITY, INFINITY},
    {"delay", offsetof(sf_input, delay), SF_KEY_DELAY, false, 0.0, 0, 0},
    {NULL},
};

static bool check(const sf_model *m, const sf_input *in, char *msg, size_t len, const char **key)
{
    double lo, hi;
    sf_dist_range(&in->dist, &lo, &hi);
    double top = sf_dist_is_const(&in->dist) ? in->rate : hi;
    if (top * m->sim.resolution * 1e-3 <= 1e5)
        return true;
    snprintf(msg, len, "rate %g Hz is too high (more than 1e5 events per step)", top);
    *key = "rate";
    return false;
}

static void block_free(void *state)
{
    source *ps = state;
    if (ps) {
        sf_poisson_cdf_free(&ps->cdf);
        free(ps->lam);
        free(ps->p_mode);
        free(ps->F_mode);
        free(ps->mode);
    }
    free(ps);
}

/* Per-neuron rates: each driven neuron's mean count per step and its
 * distribution function at the mode. */
static int init_rates(const sf_network *net, const sf_block *b, int input, source *ps)
{
    const sf_input *in = &net->m->inputs[input];
    const sf_block_input *src = sf_block_input_pending(b);
    const uint32_t n = src->sel ? src->n_sel : b->n;
    ps->lam = malloc(sizeof(double) * n);
    ps->p_mode = malloc(sizeof(double) * n);
    ps->F_mode = malloc(sizeof(double) * n);
    ps->mode = malloc(sizeof(int) * n);
    if (!ps->lam || !ps->p_mode || !ps->F_mode || !ps->mode)
        return -1;
    for (uint32_t j = 0; j < n; j++) {
        sf_rng r;
        sf_rng_init(&r, net->m->sim.seed, SF_RNG_PARAM,
                    ((uint64_t)(input + 1) << 32) | (b->first_gid + sf_block_input_neuron(src, j)));
        double lam = sf_dist_draw(&in->dist, &r) * net->h * 1e-3;
        unsigned k = (unsigned)floor(lam);
        ps->lam[j] = lam;
        ps->mode[j] = (int)k;
        ps->p_mode[j] = lam > 0 ? gsl_ran_poisson_pdf(k, lam) : 1.0;
        ps->F_mode[j] = lam > 0 ? gsl_cdf_poisson_P(k, lam) : 1.0;
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
    ps->weight = in->weight;
    sf_input_window(in, net->h, &ps->first, &ps->last);
    ps->delay = sf_time_steps(in->delay, net->h);
    if (per_neuron)
        return init_rates(net, b, input, ps);
    return sf_poisson_cdf_init(&ps->cdf, in->rate * net->h * 1e-3) ? 1 : -1;
}

/* Per-neuron rates: the smallest count j with F(j) > u, searched from the
 * mode (down while F(j - 1) > u, up while F(j) <= u), about sqrt(lambda)
 * steps; the upward search stops where the remaining tail is below the
 * rounding of F. */
static int count_from_mode(const source *ps, uint32_t i, double u)
{
    const double lam = ps->lam[i];
    int j = ps->mode[i];
    double p = ps->p_mode[i], F = ps->F_mode[i];
    if (u < F) {
        while (j > 0 && u < F - p) {
            F -= p;
            p *= j / lam;
            j--;
        }
    } else {
        const int cap = ps->mode[i] + 40 + (int)(40.0 * sqrt(lam));
        while (u >= F && j < cap) {
            j++;
            p *= lam / j;
            F += p;
        }
    }
    return j;
}

static void apply(const sf_network *net, const sf_block *b, const sf_block_input *src, int64_t k,
                  double *const *in, double *i_dc)
{
    const source *ps = src->state;
    const int64_t s = k - ps->delay; /* the generating update */
    if (s < ps->first || s >= ps->last)
        return;
    double *restrict u = b->u;
    double *restrict dst = in[src->port];
    const double w = ps->weight;
    sf_input_uniforms(net, b, src, (uint64_t)s, u);
    const uint32_t n = src->sel ? src->n_sel : b->n;
    if (ps->lam) {
        for (uint32_t j = 0; j < n; j++)
            dst[sf_block_input_neuron(src, j)] += (double)count_from_mode(ps, j, u[j]) * w;
    } else if (!src->sel) {
        for (uint32_t i = 0; i < b->n; i++)
            dst[i] += (double)sf_poisson_cdf_count(&ps->cdf, u[i]) * w;
    } else {
        for (uint32_t j = 0; j < src->n_sel; j++)
            dst[src->sel[j]] += (double)sf_poisson_cdf_count(&ps->cdf, u[j]) * w;
    }
}

const sf_input_type sf_input_poisson_generator = {
    .name = "poisson_generator",
    .alias = "poisson",
    .doc = "independent Poisson spike trains of `rate` Hz (a number, or a distribution drawn "
           "per target neuron) into every target neuron, each spike of weight `weight`, "
           "generated for start <= t < stop and arriving `delay` ms later (default 0)",
    .keys = keys,
    .window = true,
    .weighted = true,
    .subsets = true,
    .check = check,
    .block_init = block_init,
    .apply = apply,
    .block_free = block_free,
};
