/* poisson_generator (NEST's name; "poisson" in older model files):
 * independent Poisson spike trains of `rate` Hz into every target neuron,
 * each spike of weight `weight`. The spikes of update s (time stamps
 * (s+1) h), for start <= s h < stop (NEST's (start, stop] of time stamps),
 * arrive `delay` ms later: a spike stamped t is input of the update that
 * ends at t + delay. The default delay 0 makes the train the neuron's input
 * directly (as older files had it); NEST's connection delay d >= h is
 * `delay: d`. `rate` may be a distribution: each target neuron then draws
 * its own rate from the stream (seed, PARAM, (input + 1) << 32 | gid).
 * `period` P > 0 (ms, on the grid) freezes the pattern: update s draws the
 * numbers of update first + (s - first) mod (P / h), so the trains of the
 * first P ms after start repeat every P ms (NEST's Urbanczik-Senn example
 * records one such pattern and replays it through spike_generators).
 *
 * The count of neuron i for update s is the exact inversion of its uniform
 * of this input at step s (input_util.h): by the guide table of one rate,
 * or from the mode of the neuron's own distribution (per-neuron rates), so
 * it does not depend on the blocks, threads or the delay. */
#include "engine/inputs/input_util.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    double weight;
    int64_t first, last;  /* generating updates first <= s < last           */
    int64_t delay;        /* steps                                           */
    int64_t period;       /* steps of the repeated pattern (0: none)         */
    sf_poisson_cdf cdf;   /* one rate for every neuron (lam NULL)            */
    sf_poisson_mode *per;  /* per-neuron rates: per driven neuron           */
} source;

static const sf_input_key keys[] = {
    {"rate", offsetof(sf_input, rate), SF_KEY_DIST, true, 0, 0.0, 1e9},
    {"weight", offsetof(sf_input, weight), SF_KEY_NUMBER, true, 0, -INFINITY, INFINITY},
    {"delay", offsetof(sf_input, delay), SF_KEY_DELAY, false, 0.0, 0, 0},
    {"period", offsetof(sf_input, period), SF_KEY_NUMBER, false, 0.0, 0.0, INFINITY},
    {NULL},
};

static bool check(const sf_model *m, const sf_input *in, char *msg, size_t len, const char **key)
{
    double lo, hi, h = m->sim.resolution, ps = in->period / h;
    if (in->period > 0 && (ps < 1 - 1e-9 || fabs(ps - nearbyint(ps)) > 1e-9 * ps || ps > 1e15)) {
        snprintf(msg, len, "period %g ms must be a positive multiple of the resolution %g ms "
                 "(or 0: no repetition)", in->period, h);
        *key = "period";
        return false;
    }
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
        free(ps->per);
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
    if (!(ps->per = malloc(sizeof *ps->per * n)))
        return -1;
    for (uint32_t j = 0; j < n; j++) {
        sf_rng r;
        sf_rng_init(&r, net->m->sim.seed, SF_RNG_PARAM,
                    ((uint64_t)(input + 1) << 32) | (b->first_gid + sf_block_input_neuron(src, j)));
        ps->per[j] = sf_poisson_mode_make(sf_dist_draw(&in->dist, &r) * net->h * 1e-3);
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
    ps->period = in->period > 0 ? sf_time_steps(in->period, net->h) : 0;
    if (per_neuron)
        return init_rates(net, b, input, ps);
    return sf_poisson_cdf_init(&ps->cdf, in->rate * net->h * 1e-3) ? 1 : -1;
}

static void apply(const sf_network *net, const sf_block *b, const sf_block_input *src, int64_t k,
                  double *const *in, double *i_dc)
{
    const source *ps = src->state;
    const int64_t sg = k - ps->delay; /* the generating update */
    if (sg < ps->first || sg >= ps->last)
        return;
    /* the update whose numbers it takes: itself, or its place in the pattern */
    const int64_t s = ps->period ? ps->first + (sg - ps->first) % ps->period : sg;
    uint32_t *restrict w = b->w;
    double *restrict dst = in[src->port];
    const double wt = ps->weight;
    const sf_input_at at = {net->m->sim.seed, (uint32_t)src->input, (uint64_t)s};
    const uint64_t g0 = b->first_gid;
    sf_input_words(net, b, src, (uint64_t)s, w);
    if (ps->per) {
        for (uint32_t j = 0; j < src->n_sel; j++) {
            const uint32_t i = sf_block_input_neuron(src, j);
            sf_input_u u = sf_input_u_make(&at, g0 + i, w[j]);
            dst[i] += (double)sf_poisson_mode_count(&ps->per[j], &u) * wt;
        }
    } else {
        sf_poisson_cdf_add(&ps->cdf, &at, b, src, w, wt, dst);
    }
}

const sf_input_type sf_input_poisson_generator = {
    .name = "poisson_generator",
    .alias = "poisson",
    .doc = "independent Poisson spike trains of `rate` Hz (a number, or a distribution drawn "
           "per target neuron) into every target neuron, each spike of weight `weight`, "
           "generated for start <= t < stop and arriving `delay` ms later (default 0); "
           "`period` > 0 ms repeats the trains of the first period after start (a frozen "
           "pattern)",
    .keys = keys,
    .window = true,
    .weighted = true,
    .subsets = true,
    .check = check,
    .block_init = block_init,
    .apply = apply,
    .block_free = block_free,
};
