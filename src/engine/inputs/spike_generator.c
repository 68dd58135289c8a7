/* spike_generator (NEST's name): spikes of weight `weight` into its target
 * neurons, arriving `delay` ms later: a spike at t_s is input of the update
 * that ends at t_s + delay. The spikes are `times` (ms, on the grid), the
 * same for every target neuron, or per-neuron trains (`trains`, one list
 * per target neuron, or `file`, a SONATA spike file whose node id j drives
 * target neuron j; target order: targets as listed, neurons ascending).
 * The state is the block's list of (arrival step, neuron) in step order and
 * a cursor. */
#include "engine/inputs/input_util.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    int64_t step;
    uint32_t neuron; /* block-local; UINT32_MAX: every driven neuron */
} event;

typedef struct {
    double weight;
    size_t n, pos;
    event ev[]; /* ascending step */
} source;

static const sf_input_key keys[] = {
    {"weight", offsetof(sf_input, weight), SF_KEY_NUMBER, true, 0, -INFINITY, INFINITY},
    {"delay", offsetof(sf_input, delay), SF_KEY_DELAY, false, NAN, 1, 0},
    {"times", offsetof(sf_input, times), SF_KEY_TIMES, false, 0, 0, 0},
    {"trains", 0, SF_KEY_TRAINS, false, 0, 0, 0},
    {"file", 0, SF_KEY_FILE, false, 0, 0, 0},
    {NULL},
};

/* Exactly one of times, trains and file: the parser fills train for the
 * latter two. */
static bool check(const sf_model *m, const sf_input *in, char *msg, size_t len, const char **key)
{
    (void)m;
    if (!in->train && !in->times) {
        snprintf(msg, len, "a spike_generator needs times, trains or file");
        *key = "kind";
        return false;
    }
    return true;
}

static double max_delay(const sf_input *in)
{
    return in->delay;
}

static int cmp_event(const void *a, const void *b)
{
    const event *x = a, *y = b;
    if (x->step != y->step)
        return x->step < y->step ? -1 : 1;
    return (x->neuron > y->neuron) - (x->neuron < y->neuron);
}

static int block_init(const sf_network *net, const sf_block *b, int input, int port, void **state)
{
    const sf_input *in = &net->m->inputs[input];
    const sf_block_input *src = sf_block_input_pending(b);
    const double h = net->h;
    const int64_t d = sf_delay_steps(in->delay, h) - 1;
    size_t n = 0;
    if (in->train)
        n = in->train[src->rank0 + src->n_sel] - in->train[src->rank0];
    else
        n = in->n_times;
    source *s = malloc(sizeof *s + sizeof(event) * (n + 1));
    if (!(*state = s))
        return -1;
    s->weight = in->weight;
    s->n = n;
    s->pos = 0;
    if (!in->train) {
        for (size_t i = 0; i < n; i++)
            s->ev[i] = (event){(int64_t)nearbyint(in->times[i] / h) + d, UINT32_MAX};
        return 1;
    }
    size_t e = 0;
    for (uint32_t j = 0; j < src->n_sel; j++)
        for (size_t i = in->train[src->rank0 + j]; i < in->train[src->rank0 + j + 1]; i++)
            s->ev[e++] = (event){(int64_t)nearbyint(in->times[i] / h) + d,
                                 sf_block_input_neuron(src, j)};
    qsort(s->ev, n, sizeof(event), cmp_event);
    return 1;
}

static void apply(const sf_network *net, const sf_block *b, const sf_block_input *src, int64_t k,
                  double *const *in, double *i_dc)
{
    source *s = src->state;
    while (s->pos < s->n && s->ev[s->pos].step < k)
        s->pos++;
    double *restrict dst = in[src->port];
    for (; s->pos < s->n && s->ev[s->pos].step == k; s->pos++) {
        if (s->ev[s->pos].neuron != UINT32_MAX)
            dst[s->ev[s->pos].neuron] += s->weight;
        else
            for (uint32_t j = 0; j < src->n_sel; j++)
                dst[sf_block_input_neuron(src, j)] += s->weight;
    }
}

const sf_input_type sf_input_spike_generator = {
    .name = "spike_generator",
    .doc = "spikes at the listed `times` (ms), or per-neuron `trains` or a SONATA spike `file`, "
           "of weight `weight` into the target neurons, arriving `delay` ms later",
    .keys = keys,
    .weighted = true,
    .subsets = true,
    .check = check,
    .max_delay = max_delay,
    .block_init = block_init,
    .apply = apply,
    .block_free = free,
};
