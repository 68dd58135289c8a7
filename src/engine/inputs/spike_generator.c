/* spike_generator (NEST's name): spikes at the listed `times` (ms, on the
 * grid), each of weight `weight`, into every target neuron, arriving `delay`
 * ms later. A spike at t_s arrives at t_s + delay, i.e. it is input of the
 * update that ends there. The state is the list of arrival steps and a
 * cursor. */
#include "network/network_impl.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

typedef struct {
    double weight;
    size_t n, pos;
    int64_t step[]; /* ascending */
} source;

static const sf_input_key keys[] = {
    {"weight", offsetof(sf_input, weight), SF_KEY_NUMBER, true, 0, -INFINITY, INFINITY},
    {"delay", offsetof(sf_input, delay), SF_KEY_DELAY, false, NAN, 0, 0},
    {"times", offsetof(sf_input, times), SF_KEY_TIMES, true, 0, 0, 0},
    {NULL},
};

static double max_delay(const sf_input *in)
{
    return in->delay;
}

static int block_init(const sf_network *net, const sf_block *b, int input, int port, void **state)
{
    const sf_input *in = &net->m->inputs[input];
    source *s = malloc(sizeof *s + sizeof(int64_t) * (in->n_times + 1));
    if (!(*state = s))
        return -1;
    s->weight = in->weight;
    s->n = in->n_times;
    s->pos = 0;
    const double h = net->h;
    for (size_t i = 0; i < in->n_times; i++)
        s->step[i] = (int64_t)nearbyint(in->times[i] / h) + sf_delay_steps(in->delay, h) - 1;
    return 1;
}

static void apply(const sf_network *net, const sf_block *b, const sf_block_input *src, int64_t k,
                  double *const *in, double *i_dc)
{
    source *s = src->state;
    while (s->pos < s->n && s->step[s->pos] < k)
        s->pos++;
    double *restrict dst = in[src->port];
    for (; s->pos < s->n && s->step[s->pos] == k; s->pos++)
        for (uint32_t i = 0; i < b->n; i++)
            dst[i] += s->weight;
}

const sf_input_type sf_input_spike_generator = {
    .name = "spike_generator",
    .doc = "spikes at the listed `times` (ms) of weight `weight` into every target neuron, "
           "arriving `delay` ms later",
    .keys = keys,
    .weighted = true,
    .max_delay = max_delay,
    .block_init = block_init,
    .apply = apply,
    .block_free = free,
};
