/* inhomogeneous_poisson_generator (NEST 3.x's name and parameters):
 * independent Poisson spike trains into every target neuron at a piecewise
 * constant rate: rate_values[i] Hz from rate_times[i] (ms, on the grid,
 * strictly increasing) on, 0 before the first. Each spike has weight
 * `weight` and, as for poisson_generator, the spikes of update s (time
 * stamps (s+1) h) use the rate set at the last t_i <= s h, are generated
 * for start <= s h < stop and arrive `delay` ms later (default 0).
 *
 * Counts are the exact inversion of the neuron's uniform of this input at
 * step s (input_util.h) by the table of the current rate. */
#include "engine/inputs/input_util.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    double weight;
    int64_t first, last, delay;
    size_t n, pos;            /* rate changes seen: step[0..pos)         */
    int64_t *step;
    sf_poisson_cdf *cdf;      /* [n] one table per rate                  */
} source;

static const sf_input_key keys[] = {
    {"rate_times", offsetof(sf_input, times), SF_KEY_TIMES, true, 0, 0, 0},
    {"rate_values", offsetof(sf_input, values), SF_KEY_VALUES, true, 0, 0.0, 1e9},
    {"weight", offsetof(sf_input, weight), SF_KEY_NUMBER, true, 0, -INFINITY, INFINITY},
    {"delay", offsetof(sf_input, delay), SF_KEY_DELAY, false, 0.0, 0, 0},
    {NULL},
};

static bool check(const sf_model *m, const sf_input *in, char *msg, size_t len, const char **key)
{
    const double h = m->sim.resolution;
    for (size_t i = 0; i < in->n_times; i++) {
        if (i > 0 && nearbyint(in->times[i] / h) <= nearbyint(in->times[i - 1] / h)) {
            snprintf(msg, len, "rate_times must be strictly increasing (%g after %g ms)",
                     in->times[i], in->times[i - 1]);
            *key = "rate_times";
            return false;
        }
        if (in->values[i] * h * 1e-3 > 1e5) {
            snprintf(msg, len, "rate %g Hz is too high (more than 1e5 events per step)",
                     in->values[i]);
            *key = "rate_values";
            return false;
        }
    }
    return true;
}

static void block_free(void *state)
{
    source *s = state;
    if (!s)
        return;
    for (size_t i = 0; s->cdf && i < s->n; i++)
        sf_poisson_cdf_free(&s->cdf[i]);
    free(s->cdf);
    free(s->step);
    free(s);
}

static int block_init(const sf_network *net, const sf_block *b, int input, int port, void **state)
{
    const sf_input *in = &net->m->inputs[input];
    source *s = calloc(1, sizeof *s);
    if (!(*state = s))
        return -1;
    s->weight = in->weight;
    sf_input_window(in, net->h, &s->first, &s->last);
    s->delay = (int64_t)nearbyint(in->delay / net->h);
    s->n = in->n_times;
    s->step = malloc(sizeof(int64_t) * (s->n + 1));
    s->cdf = calloc(s->n + 1, sizeof *s->cdf);
    if (!s->step || !s->cdf)
        return -1;
    for (size_t i = 0; i < s->n; i++) {
        s->step[i] = (int64_t)nearbyint(in->times[i] / net->h);
        if (!sf_poisson_cdf_init(&s->cdf[i], in->values[i] * net->h * 1e-3))
            return -1;
    }
    return 1;
}

static void apply(const sf_network *net, const sf_block *b, const sf_block_input *src, int64_t k,
                  double *const *in, double *i_dc)
{
    source *ps = src->state;
    const int64_t s = k - ps->delay; /* the generating update */
    while (ps->pos < ps->n && ps->step[ps->pos] <= s)
        ps->pos++;
    if (s < ps->first || s >= ps->last || ps->pos == 0)
        return;
    const sf_poisson_cdf *cdf = &ps->cdf[ps->pos - 1];
    if (cdf->n_cdf == 1 && cdf->k0 == 0)
        return; /* rate 0 */
    uint32_t *restrict w = b->w;
    double *restrict dst = in[src->port];
    const sf_input_at at = {net->m->sim.seed, (uint32_t)src->input, (uint64_t)s};
    sf_input_words(net, b, src, (uint64_t)s, w);
    sf_poisson_cdf_add(cdf, &at, b, src, w, ps->weight, dst);
}

const sf_input_type sf_input_inhomogeneous_poisson_generator = {
    .name = "inhomogeneous_poisson_generator",
    .doc = "independent Poisson spike trains at a piecewise constant rate: rate_values[i] Hz "
           "from rate_times[i] ms on (0 before), weight `weight`, arriving `delay` ms later",
    .keys = keys,
    .window = true,
    .weighted = true,
    .subsets = true,
    .check = check,
    .block_init = block_init,
    .apply = apply,
    .block_free = block_free,
};
