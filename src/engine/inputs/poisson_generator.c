/* poisson_generator (NEST's name; "poisson" in older model files):
 * independent Poisson spike trains of `rate` Hz into every target neuron,
 * each spike of weight `weight`. The spikes of update s (time stamps
 * (s+1) h), for start <= s h < stop (NEST's (start, stop] of time stamps),
 * arrive `delay` ms later: a spike stamped t is input of the update that
 * ends at t + delay. The default delay 0 makes the train the neuron's input
 * directly (as older files had it); NEST's connection delay d >= h is
 * `delay: d`.
 *
 * The count of neuron i for update s is drawn from value s of its stream of
 * this input (input_util.h) by inverting a cumulative table, so it does not
 * depend on the blocks, threads or the delay. */
#include "engine/inputs/input_util.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    double weight;
    int64_t first, last;  /* generating updates first <= s < last           */
    int64_t delay;        /* steps                                           */
    sf_poisson_cdf cdf;
} source;

static const sf_input_key keys[] = {
    {"rate", offsetof(sf_input, rate), SF_KEY_NUMBER, true, 0, 0.0, 1e9},
    {"weight", offsetof(sf_input, weight), SF_KEY_NUMBER, true, 0, -INFINITY, INFINITY},
    {"delay", offsetof(sf_input, delay), SF_KEY_DELAY, false, 0.0, 0, 0},
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
    if (ps)
        sf_poisson_cdf_free(&ps->cdf);
    free(ps);
}

static int block_init(const sf_network *net, const sf_block *b, int input, int port, void **state)
{
    const sf_input *in = &net->m->inputs[input];
    if (!(in->rate > 0))
        return 0;
    source *ps = calloc(1, sizeof *ps);
    if (!(*state = ps))
        return -1;
    ps->weight = in->weight;
    sf_input_window(in, net->h, &ps->first, &ps->last);
    ps->delay = (int64_t)nearbyint(in->delay / net->h);
    return sf_poisson_cdf_init(&ps->cdf, in->rate * net->h * 1e-3) ? 1 : -1;
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
    if (!src->sel)
        for (uint32_t i = 0; i < b->n; i++)
            dst[i] += (double)sf_poisson_cdf_count(&ps->cdf, u[i]) * w;
    else
        for (uint32_t j = 0; j < src->n_sel; j++)
            dst[src->sel[j]] += (double)sf_poisson_cdf_count(&ps->cdf, u[j]) * w;
}

const sf_input_type sf_input_poisson_generator = {
    .name = "poisson_generator",
    .alias = "poisson",
    .doc = "independent Poisson spike trains of `rate` Hz into every target neuron, "
           "each spike of weight `weight`, generated for start <= t < stop and arriving "
           "`delay` ms later (default 0)",
    .keys = keys,
    .window = true,
    .weighted = true,
    .subsets = true,
    .check = check,
    .block_init = block_init,
    .apply = apply,
    .block_free = block_free,
};
