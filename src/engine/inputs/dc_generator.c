/* dc_generator (NEST's name; "dc" in older model files): a constant current
 * of `amplitude` pA into every target neuron for start <= t < stop, passed to
 * the neuron update as i_dc (whole blocks) or i_ext (a subset of neurons);
 * it uses no receptor port. */
#include "engine/inputs/input_util.h"

#include <math.h>
#include <stddef.h>

static const sf_input_key keys[] = {
    {"amplitude", offsetof(sf_input, amplitude), SF_KEY_NUMBER, true, 0, -INFINITY, INFINITY},
    {NULL},
};

static int block_init(const sf_network *net, const sf_block *b, int input, int port, void **state)
{
    *state = NULL;
    return 1;
}

static void apply(const sf_network *net, const sf_block *b, const sf_block_input *src, int64_t k,
                  double *const *in, double *i_dc)
{
    const sf_input *di = &net->m->inputs[src->input];
    const double h = net->h, t = (double)k * h; /* active when start <= t < stop */
    if (t < di->start - 1e-9 * h || t >= di->stop - 1e-9 * h)
        return;
    sf_input_add_current(b, src, di->amplitude, i_dc);
}

const sf_input_type sf_input_dc_generator = {
    .name = "dc_generator",
    .alias = "dc",
    .doc = "a constant current of `amplitude` pA into every target neuron for start <= t < stop",
    .keys = keys,
    .window = true,
    .subsets = true,
    .current = true,
    .block_init = block_init,
    .apply = apply,
};
