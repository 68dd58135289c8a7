/* sinusoidal_poisson_generator (NEST's name and parameters, NEST 3.x docs):
 * Poisson spike trains of instantaneous rate
 *     r(t) = max(0, rate + amplitude sin(2 pi frequency t + phase))  (Hz, phase deg)
 * into every target neuron, each spike of weight `weight`, active for
 * start <= t < stop; with individual_spike_trains (default true) every
 * target gets its own train, otherwise all targets get the same one.
 *
 * The count of step k is Poisson with mean r((k+1) h) h, the rate's point
 * value at the end of the step, not its integral over the step: NEST
 * rotates its oscillator by one step and then draws with lambda = r h
 * (sinusoidal_poisson_generator::update), so this is NEST's process; the
 * spikes of step k are stamped (k+1) h by the engine, so the rate is taken
 * where the events sit. (The integral would give the amplitude a factor
 * sinc(omega h / 2) and a phase lag omega h / 2 against the point value:
 * 0.998 and 0.9 degrees at 100 Hz and h = 0.1 ms.) Like poisson_generator,
 * the events are input of step k itself (no delay).
 *
 * Random numbers: the count of neuron i in step k is the exact inversion
 * (from the mode, sf_poisson_mode_count) of its uniform of this input at
 * step k, as for every Poisson-type input (input_util.h); a shared train
 * uses the uniform of entity SF_INPUT_MOTHER for all targets. So nothing
 * depends on the blocks or threads.
 *
 * With analysis.transfer frequencies (sf_input.freq), neuron j of a target
 * population of n neurons is modulated at freq[sf_input_frequency_group].
 */
#include "engine/inputs/input_util.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    double weight, rate, amp, phase;
    int64_t first, last;    /* active for steps first <= k < last            */
    bool individual;
    int n_groups;           /* frequency groups met in this block            */
    double f[];             /* [n_groups] frequency, then [n_groups + 1]
                               block-local group boundaries (as doubles)   */
} source;

static const sf_input_key keys[] = {
    {"rate", offsetof(sf_input, rate), SF_KEY_NUMBER, false, 0, 0.0, 1e9},
    {"amplitude", offsetof(sf_input, amplitude), SF_KEY_NUMBER, false, 0, -1e9, 1e9},
    {"frequency", offsetof(sf_input, frequency), SF_KEY_NUMBER, false, 0, 0, INFINITY},
    {"phase", offsetof(sf_input, phase), SF_KEY_NUMBER, false, 0, -INFINITY, INFINITY},
    {"weight", offsetof(sf_input, weight), SF_KEY_NUMBER, true, 0, -INFINITY, INFINITY},
    {"individual_spike_trains", offsetof(sf_input, individual), SF_KEY_BOOL, false, 1, 0, 0},
    {NULL},
};

static bool check(const sf_model *m, const sf_input *in, char *msg, size_t len, const char **key)
{
    if ((in->rate + fabs(in->amplitude)) * m->sim.resolution * 1e-3 <= 1e4)
        return true;
    snprintf(msg, len, "rate %g Hz + amplitude %g Hz is too high (more than 1e4 events per step)",
             in->rate, in->amplitude);
    *key = "rate";
    return false;
}

static int block_init(const sf_network *net, const sf_block *b, int input, int port, void **state)
{
    const sf_input *in = &net->m->inputs[input];
    if (!(in->rate > 0) && in->amplitude == 0)
        return 0;
    const uint64_t n_pop = net->m->pops[b->pop].n;
    size_t g0 = 0, g1 = 0;
    if (in->n_freq && b->n) {
        g0 = sf_input_frequency_group(in, b->first, n_pop);
        g1 = sf_input_frequency_group(in, (uint64_t)b->first + b->n - 1, n_pop);
    }
    int ng = (int)(g1 - g0 + 1);
    source *s = malloc(sizeof *s + sizeof(double) * (size_t)(2 * ng + 1));
    if (!(*state = s))
        return -1;
    const double h = net->h;
    s->weight = in->weight;
    s->rate = in->rate;
    s->amp = in->amplitude;
    s->phase = in->phase;
    s->individual = in->individual;
    s->first = (int64_t)nearbyint(in->start / h);
    s->last = isfinite(in->stop) ? (int64_t)nearbyint(in->stop / h) : INT64_MAX;
    s->n_groups = ng;
    double *bound = s->f + ng;
    bound[0] = 0;
    for (int g = 0; g < ng; g++) {
        s->f[g] = in->n_freq ? in->freq[g0 + (size_t)g] : in->frequency;
        /* the first block-local neuron of group g0 + g + 1 */
        uint32_t e = b->n;
        if (in->n_freq)
            for (uint32_t i = 0; i < b->n; i++)
                if (sf_input_frequency_group(in, (uint64_t)b->first + i, n_pop) > g0 + (size_t)g) {
                    e = i;
                    break;
                }
        bound[g + 1] = e;
    }
    return 1;
}

static void apply(const sf_network *net, const sf_block *b, const sf_block_input *src, int64_t k,
                  double *const *in, double *i_dc)
{
    const source *s = src->state;
    if (k < s->first || k >= s->last)
        return;
    const double h = net->h;
    uint32_t *restrict w = b->w;
    double *restrict dst = in[src->port];
    const sf_input_at at = {net->m->sim.seed, (uint32_t)src->input, (uint64_t)k};
    if (s->individual)
        sf_input_words(net, b, src, (uint64_t)k, w);
    else
        sf_rng_words(at.seed, SF_RNG_POISSON, at.input, at.step, SF_INPUT_MOTHER, 1, w);
    const double *bound = s->f + s->n_groups;
    for (int g = 0; g < s->n_groups; g++) {
        double r = s->rate + s->amp * sf_input_sine_at(s->f[g], s->phase, h, k);
        if (!(r > 0))
            continue;
        const sf_poisson_mode P = sf_poisson_mode_make(r * h * 1e-3);
        const uint32_t i0 = (uint32_t)bound[g], i1 = (uint32_t)bound[g + 1];
        if (!s->individual) {
            sf_input_u u = sf_input_u_make(&at, SF_INPUT_MOTHER, w[0]);
            const int c = sf_poisson_mode_count(&P, &u);
            for (uint32_t i = i0; i < i1; i++)
                dst[i] += (double)c * s->weight;
            continue;
        }
        for (uint32_t i = i0; i < i1; i++) {
            sf_input_u u = sf_input_u_make(&at, b->first_gid + i, w[i]);
            dst[i] += (double)sf_poisson_mode_count(&P, &u) * s->weight;
        }
    }
}

const sf_input_type sf_input_sinusoidal_poisson_generator = {
    .name = "sinusoidal_poisson_generator",
    .doc = "Poisson spike trains of rate max(0, rate + amplitude sin(2 pi frequency t + phase)) "
           "Hz (phase in degrees; the rate at the end of each step), each spike of weight "
           "`weight`, independent per target (individual_spike_trains: true) or one shared "
           "train, active for start <= t < stop",
    .keys = keys,
    .window = true,
    .weighted = true,
    .check = check,
    .block_init = block_init,
    .apply = apply,
    .block_free = free,
};
