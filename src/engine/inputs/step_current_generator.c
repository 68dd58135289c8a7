/* step_current_generator (NEST 3.x's name and parameters): a piecewise
 * constant current into every target neuron. The amplitude is
 * amplitude_values[i] pA from amplitude_times[i] (ms, on the grid, strictly
 * increasing, as NEST with allow_offgrid_times false) until the next time,
 * 0 before the first; active for start <= t < stop.
 *
 * Timing (NEST's on-grid semantics with the minimal delay of one step): the
 * amplitude set at t_i drives the updates from t_i on, i.e. the update
 * [k h, (k+1) h] sees values[i] for the last t_i <= k h. As for
 * dc_generator, the current enters the neuron update as i_dc (whole
 * blocks) or i_ext (a subset). The state is a cursor into the times. */
#include "engine/inputs/input_util.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    int64_t first, last; /* active window                    */
    size_t n, pos;       /* change steps seen: step[0..pos)  */
    const double *value;
    int64_t step[];      /* strictly increasing              */
} source;

static const sf_input_key keys[] = {
    {"amplitude_times", offsetof(sf_input, times), SF_KEY_TIMES, true, 0, 0, 0},
    {"amplitude_values", offsetof(sf_input, values), SF_KEY_VALUES, true, 0, -INFINITY, INFINITY},
    {NULL},
};

static bool check(const sf_model *m, const sf_input *in, char *msg, size_t len, const char **key)
{
    const double h = m->sim.resolution;
    for (size_t i = 1; i < in->n_times; i++)
        if (nearbyint(in->times[i] / h) <= nearbyint(in->times[i - 1] / h)) {
            snprintf(msg, len, "amplitude_times must be strictly increasing (%g after %g ms)",
                     in->times[i], in->times[i - 1]);
            *key = "amplitude_times";
            return false;
        }
    return true;
}

static int block_init(const sf_network *net, const sf_block *b, int input, int port, void **state)
{
    const sf_input *in = &net->m->inputs[input];
    source *s = malloc(sizeof *s + sizeof(int64_t) * (in->n_times + 1));
    if (!(*state = s))
        return -1;
    sf_input_window(in, net->h, &s->first, &s->last);
    s->n = in->n_times;
    s->pos = 0;
    s->value = in->values;
    for (size_t i = 0; i < in->n_times; i++)
        s->step[i] = (int64_t)nearbyint(in->times[i] / net->h);
    return 1;
}

static void apply(const sf_network *net, const sf_block *b, const sf_block_input *src, int64_t k,
                  double *const *in, double *i_dc)
{
    source *s = src->state;
    while (s->pos < s->n && s->step[s->pos] <= k)
        s->pos++;
    if (k < s->first || k >= s->last || s->pos == 0)
        return;
    sf_input_add_current(b, src, s->value[s->pos - 1], i_dc);
}

const sf_input_type sf_input_step_current_generator = {
    .name = "step_current_generator",
    .doc = "a piecewise constant current: amplitude_values[i] pA from amplitude_times[i] ms "
           "(on the grid, strictly increasing) on, 0 before the first; start <= t < stop",
    .keys = keys,
    .window = true,
    .subsets = true,
    .current = true,
    .check = check,
    .block_init = block_init,
    .apply = apply,
    .block_free = free,
};
