/* ac_generator (NEST's name and parameters, NEST 3.x docs): a sinusoidal
 * current of `offset` + `amplitude` sin(2 pi `frequency` t + `phase`) pA
 * (phase in degrees) into every target neuron for start <= t < stop, passed
 * to the neuron update as i_dc (it uses no receptor port), like dc_generator.
 *
 * The current of step k (the update from k h to (k+1) h) is the value at the
 * end of the step, I_k = offset + amplitude sin(omega (k+1) h + phi): NEST
 * advances its oscillator (y0, y1) = amplitude (cos, sin)(omega t + phi) by
 * one exact rotation per step and then sends offset + y1, so the current of
 * step k is the sine at (k+1) h. Here it is evaluated directly from k, with
 * the argument reduced to one period, which equals NEST's rotation up to
 * its accumulated rounding and depends on nothing but k: every block, on
 * any thread, gives the same current. Start and stop only window the
 * current; they do not shift its time axis (NEST 3.x). */
#include "network/network_impl.h"

#include <math.h>
#include <stddef.h>

static const sf_input_key keys[] = {
    {"amplitude", offsetof(sf_input, amplitude), SF_KEY_NUMBER, false, 0, -INFINITY, INFINITY},
    {"offset", offsetof(sf_input, offset), SF_KEY_NUMBER, false, 0, -INFINITY, INFINITY},
    {"frequency", offsetof(sf_input, frequency), SF_KEY_NUMBER, false, 0, 0, INFINITY},
    {"phase", offsetof(sf_input, phase), SF_KEY_NUMBER, false, 0, -INFINITY, INFINITY},
    {NULL},
};

/* sin(2 pi f t + phase_deg pi/180) with t = (k+1) h ms, f Hz: the number
 * of periods f t / 1000 is reduced to [0, 1) exactly as far as double
 * allows (f h / 1000 per step, times k+1), so long runs keep the phase. */
double sf_input_sine_at(double f, double phase_deg, double h, int64_t k)
{
    double cyc = f * h * 1e-3, n = (double)(k + 1);
    /* fractional part of n cyc, computed as fma-exact product remainder */
    double p = n * cyc, e = fma(n, cyc, -p); /* n cyc = p + e exactly */
    double fr = p - floor(p) + e;
    return sin(2.0 * M_PI * fr + phase_deg * (M_PI / 180.0));
}

static int block_init(const sf_network *net, const sf_block *b, int input, int port, void **state)
{
    *state = NULL;
    return 1;
}

static void apply(const sf_network *net, const sf_block *b, const sf_block_input *src, int64_t k,
                  double *const *in, double *i_dc)
{
    const sf_input *ai = &net->m->inputs[src->input];
    const double h = net->h, t = (double)k * h; /* active when start <= t < stop */
    if (t < ai->start - 1e-9 * h || t >= ai->stop - 1e-9 * h)
        return;
    double f = ai->n_freq ? ai->freq[0] : ai->frequency;
    *i_dc += ai->offset + ai->amplitude * sf_input_sine_at(f, ai->phase, h, k);
}

const sf_input_type sf_input_ac_generator = {
    .name = "ac_generator",
    .doc = "a sinusoidal current offset + amplitude sin(2 pi frequency t + phase) pA (phase in "
           "degrees; the value at the end of each step) into every target neuron for "
           "start <= t < stop",
    .keys = keys,
    .window = true,
    .block_init = block_init,
    .apply = apply,
};
