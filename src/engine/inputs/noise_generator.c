/* noise_generator (NEST 3.x's name, parameters and semantics, without
 * std_mod): a piecewise constant Gaussian current, independent for every
 * target neuron, redrawn every dt ms from the onset t0 = start:
 *
 *     I_i(t) = mean + std N_ij   for t0 + j dt <= t < t0 + (j+1) dt,
 *
 * with N_ij standard normal (NEST documents the interval as
 * (t0 + j dt, t0 + (j+1) dt] of time stamps; with its minimal delay of one
 * step that is the updates from t0 + j dt on, as here). All targets change
 * at the same times. dt is a multiple of the resolution (default 10 steps,
 * NEST's default). N_ij is the normal of value j of neuron i's stream of
 * this input (input_util.h), so it does not depend on blocks or threads.
 * The current enters the neuron update as i_ext. */
#include "engine/inputs/input_util.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

typedef struct {
    int64_t first, last, every; /* window, steps per interval          */
    int64_t j;                  /* interval of cur[] (-1: none yet)     */
    double mean, std;
    double cur[];               /* [n_sel] current of interval j (pA)   */
} source;

static const sf_input_key keys[] = {
    {"mean", offsetof(sf_input, mean), SF_KEY_NUMBER, false, 0, -INFINITY, INFINITY},
    {"std", offsetof(sf_input, std), SF_KEY_NUMBER, false, 0, 0, INFINITY},
    {"dt", offsetof(sf_input, dt), SF_KEY_STEP, false, NAN, 10, 0},
    {NULL},
};

static int block_init(const sf_network *net, const sf_block *b, int input, int port, void **state)
{
    const sf_input *in = &net->m->inputs[input];
    const sf_block_input *src = sf_block_input_pending(b);
    source *s = malloc(sizeof *s + sizeof(double) * ((size_t)src->n_sel + 1));
    if (!(*state = s))
        return -1;
    sf_input_window(in, net->h, &s->first, &s->last);
    s->every = (int64_t)nearbyint(in->dt / net->h);
    s->j = -1;
    s->mean = in->mean;
    s->std = in->std;
    return 1;
}

static void apply(const sf_network *net, const sf_block *b, const sf_block_input *src, int64_t k,
                  double *const *in, double *i_dc)
{
    source *s = src->state;
    if (k < s->first || k >= s->last)
        return;
    int64_t j = (k - s->first) / s->every;
    if (j != s->j) {
        sf_input_normals(net, b, src, (uint64_t)j, s->cur);
        for (uint32_t q = 0; q < src->n_sel; q++)
            s->cur[q] = s->mean + s->std * s->cur[q];
        s->j = j;
    }
    for (uint32_t q = 0; q < src->n_sel; q++)
        b->i_ext[sf_block_input_neuron(src, q)] += s->cur[q];
}

const sf_input_type sf_input_noise_generator = {
    .name = "noise_generator",
    .doc = "a Gaussian current, mean + std N (pA), independent per target neuron, redrawn every "
           "dt ms (default 10 steps) from start on; start <= t < stop",
    .keys = keys,
    .window = true,
    .subsets = true,
    .current = true,
    .per_neuron = true,
    .block_init = block_init,
    .apply = apply,
    .block_free = free,
};
