/* mip_generator (NEST 3.x's name and parameters; Kuhn, Aertsen & Rotter
 * 2003, Neural Comput 15:67): correlated Poisson trains by a multiple
 * interaction process. One mother Poisson process of `rate` Hz is shared by
 * all target neurons; each target copies each mother spike independently
 * with probability p_copy, so its train is Poisson of rate p_copy * rate and
 * the count correlation of two targets is p_copy. As in NEST, several spikes
 * of a target in one step are one event of that many times the weight.
 * Spikes of update s are generated for start <= s h < stop and arrive
 * `delay` ms later (default 0), as for poisson_generator.
 *
 * Streams (input_util.h): the mother count of update s is the exact
 * inversion of the SF_INPUT_MOTHER uniform of this input at step s by the
 * Poisson table; a target's copies are Binomial(mother count, p_copy), by
 * exact inversion of the binomial table with the target's uniform at step
 * s. So the mother process is the same in every block and thread. */
#include "engine/inputs/input_util.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

typedef struct {
    double weight, p;
    int64_t first, last, delay;
    sf_poisson_cdf mother;
    double *bin;              /* [max mother count + 1] binomial cdf     */
} source;

static const sf_input_key keys[] = {
    {"rate", offsetof(sf_input, rate), SF_KEY_NUMBER, true, 0, 0.0, 1e9},
    {"p_copy", offsetof(sf_input, p_copy), SF_KEY_NUMBER, false, 1.0, 0.0, 1.0},
    {"weight", offsetof(sf_input, weight), SF_KEY_NUMBER, true, 0, -INFINITY, INFINITY},
    {"delay", offsetof(sf_input, delay), SF_KEY_DELAY, false, 0.0, 0, 0},
    {NULL},
};

static void block_free(void *state)
{
    source *s = state;
    if (!s)
        return;
    sf_poisson_cdf_free(&s->mother);
    free(s->bin);
    free(s);
}

static int block_init(const sf_network *net, const sf_block *b, int input, int port, void **state)
{
    const sf_input *in = &net->m->inputs[input];
    if (!(in->rate > 0) || !(in->p_copy > 0))
        return 0;
    source *s = calloc(1, sizeof *s);
    if (!(*state = s))
        return -1;
    s->weight = in->weight;
    s->p = in->p_copy;
    sf_input_window(in, net->h, &s->first, &s->last);
    s->delay = (int64_t)nearbyint(in->delay / net->h);
    if (!sf_poisson_cdf_init(&s->mother, in->rate * net->h * 1e-3))
        return -1;
    s->bin = malloc(sizeof(double) * ((size_t)sf_poisson_cdf_max(&s->mother) + 1));
    return s->bin ? 1 : -1;
}

/* The binomial cdf of n trials with probability p into c[0..n]. */
static void binomial_cdf(int n, double p, double *c)
{
    if (p >= 1.0) {
        for (int k = 0; k < n; k++)
            c[k] = 0.0;
        c[n] = 1.0;
        return;
    }
    const double lp = log(p), lq = log1p(-p), ln = lgamma(n + 1.0);
    double sum = 0;
    for (int k = 0; k < n; k++) {
        sum += exp(ln - lgamma(k + 1.0) - lgamma(n - k + 1.0) + k * lp + (n - k) * lq);
        c[k] = sum;
    }
    c[n] = 1.0;
}

static void apply(const sf_network *net, const sf_block *b, const sf_block_input *src, int64_t k,
                  double *const *in, double *i_dc)
{
    source *s = src->state;
    const int64_t st = k - s->delay; /* the generating update */
    if (st < s->first || st >= s->last)
        return;
    const sf_input_at at = {net->m->sim.seed, (uint32_t)src->input, (uint64_t)st};
    uint32_t wm;
    sf_rng_words(at.seed, SF_RNG_POISSON, at.input, at.step, SF_INPUT_MOTHER, 1, &wm);
    const int n = sf_poisson_cdf_count(&s->mother, &at, SF_INPUT_MOTHER, wm);
    if (n == 0)
        return;
    binomial_cdf(n, s->p, s->bin);
    uint32_t *restrict w = b->w;
    double *restrict dst = in[src->port];
    sf_input_words(net, b, src, (uint64_t)st, w);
    for (uint32_t j = 0; j < src->n_sel; j++) {
        const uint32_t i = sf_block_input_neuron(src, j);
        sf_input_u u = sf_input_u_make(&at, b->first_gid + i, w[j]);
        int c = 0;
        while (c < n && !sf_input_u_below(&u, s->bin[c]))
            c++;
        if (c)
            dst[i] += (double)c * s->weight;
    }
}

const sf_input_type sf_input_mip_generator = {
    .name = "mip_generator",
    .doc = "correlated Poisson trains (multiple interaction process): a mother process of "
           "`rate` Hz whose spikes each target copies with probability p_copy",
    .keys = keys,
    .window = true,
    .weighted = true,
    .subsets = true,
    .block_init = block_init,
    .apply = apply,
    .block_free = block_free,
};
