/* hawkes: linear Poisson neuron (Hawkes process) with exponential kernels
 * (Hawkes 1971, Biometrika 58:83; Grytskyy et al. 2013, Front Comput
 * Neurosci 7:131, section 4; science notes spiking.md §3).
 *
 *   lambda(t) = [nu0 + I_dc + x(t)]_+,
 *   x(t) = sum_k w_k kappa(t - t_k - d_k),   kappa(t) = e^{-t/tau}/tau H(t),
 * so that a weight w is the integral of the kernel: the expected number of
 * extra output spikes caused by one input spike (dimensionless). Without
 * rectification the stationary rates of a network are r = (1 - W)^-1 nu0
 * (spectral radius of W below 1).
 *
 * Discretisation (the invariant this file keeps): x is integrated exactly,
 *   x <- x e^{-h/tau} + 1000 in / tau     (Hz; in = sum of arriving weights),
 * and the spike count of the step [t, t + h) is drawn as
 *   count ~ Poisson(Lambda),  Lambda = int_t^{t+h} lambda(s) ds,
 * computed in closed form from x(t) (nu0 + I_dc + x(s) is monotone within
 * the step; where it crosses zero the integral of the rectified intensity
 * is taken exactly). As spikes reach targets at least one step later
 * (delays >= h), the intensity within a step does not depend on the step's
 * own spikes, so the count is exactly Poisson given the past: rates carry
 * no O(h) bias (unlike Bernoulli(lambda h) or Poisson(lambda(t) h) with
 * lambda sampled at the step start). What the grid does change: a spike is
 * stamped at the end of its step (t + h), so its effect on targets starts
 * at stamp + d, i.e. d plus up to one step after the spike's continuous
 * time (mean d + h/2) -- this shifts high-frequency spectra, not rates.
 * At most HAWKES_MAX_SPIKES = 8 spikes per neuron and step are emitted; a
 * larger draw is truncated (probability < 1e-12 per step for Lambda < 0.1,
 * i.e. lambda < 1 kHz at h = 0.1 ms).
 *
 * Random numbers: one uniform per neuron and step from the stream (seed,
 * SF_RNG_NEURON, global id), block = step (sf_rng_uniforms), inverted
 * through the Poisson cumulative distribution; independent of threads.
 * A `dc` input's amplitude is added to nu0 (read as Hz).
 *
 * State: [0] lambda = nu0 + x (Hz, before rectification and without dc
 * input; stored relative to nu0, i.e. the kernel trace x). */
#include "model/model_impl.h"
#include "neurons/hawkes.h"

#include <math.h>

#define HAWKES_MAX_SPIKES 8

static const sf_param_spec params[SF_HAWKES_N_PARAMS] = {
    [SF_HAWKES_NU0] = {"nu0", "Hz", 10.0, 0.0, 1e6, false, "baseline intensity"},
    [SF_HAWKES_TAU] = {"tau", "ms", 10.0, 0.0, 1e9, true, "time constant of the exponential kernel"},
};
static const char *const state_names[] = {"lambda"};
static const char *const state_units[] = {"Hz"};

typedef struct {
    double P;        /* e^{-h/tau}                                   */
    double h_s;      /* h in s                                       */
    double tau_s;    /* tau in s                                     */
    double q;        /* tau_s (1 - P): integral over the step of e^{-s/tau} */
    double in_scale; /* 1000/tau: Hz per unit weight                 */
} derived;

static void prepare(const double *p, double h, void *out)
{
    derived *d = out;
    d->P = exp(-h / p[SF_HAWKES_TAU]);
    d->h_s = 1e-3 * h;
    d->tau_s = 1e-3 * p[SF_HAWKES_TAU];
    d->q = -d->tau_s * expm1(-h / p[SF_HAWKES_TAU]);
    d->in_scale = 1000.0 / p[SF_HAWKES_TAU];
}

static void init_state(const double *p, double *const *s, size_t n)
{
    (void)p;
    for (size_t i = 0; i < n; i++)
        s[0][i] = 0.0;
}

/* Integral over one step of [a + b e^{-s/tau}]_+ (expected count). */
static double step_integral(const derived *d, double a, double b)
{
    double f0 = a + b, f1 = a + b * d->P;
    if (f0 >= 0.0 && f1 >= 0.0)
        return a * d->h_s + b * d->q;
    if (f0 <= 0.0 && f1 <= 0.0)
        return 0.0;
    /* one zero crossing at s* where b exp(-s* / tau) = -a */
    double e = -a / b, ts = -d->tau_s * log(e);
    if (f0 > 0.0) /* positive on [0, s*) */
        return fmax(0.0, a * ts + b * d->tau_s * (1.0 - e));
    return fmax(0.0, a * (d->h_s - ts) + b * d->tau_s * (e - d->P)); /* on (s*, h] */
}

static size_t update(const double *p, const void *dv, double *const *s, size_t n,
                     double *const *input, double i_dc, uint32_t *spikes,
                     const sf_step *step)
{
    const derived *d = dv;
    double *restrict x = s[0];
    const double *restrict in = input[0];
    double *restrict u = step->scratch;
    const double a = p[SF_HAWKES_NU0] + i_dc;
    const double *restrict ix = step->i_ext; /* per-neuron current, or NULL */
    sf_rng_uniforms(step->seed, SF_RNG_NEURON, 0, (uint64_t)step->step, step->first_gid,
                    (uint32_t)n, u);
    size_t ns = 0;
    for (size_t i = 0; i < n; i++) {
        double L = step_integral(d, ix ? a + ix[i] : a, x[i]);
        x[i] = x[i] * d->P + in[i] * d->in_scale;
        /* P(0) = e^{-L} >= 1 - L: most steps need no exponential */
        if (u[i] < 1.0 - L)
            continue;
        double pk = exp(-L), cdf = pk;
        int k = 0;
        while (u[i] >= cdf && k < HAWKES_MAX_SPIKES) {
            k++;
            pk *= L / k;
            cdf += pk;
        }
        for (int j = 0; j < k; j++)
            spikes[ns++] = (uint32_t)i;
    }
    return ns;
}

const sf_neuron_type sf_hawkes = {
    .name = "hawkes",
    .doc = "Linear Poisson neuron (Hawkes process): intensity lambda = [nu0 + sum_k w_k "
           "e^{-(t - t_k - d)/tau}/tau]_+, so a weight is the expected number of extra "
           "output spikes per input spike; rates r = (1 - W)^-1 nu0. Exact exponential "
           "kernel trace, spike counts per step Poisson with the exact integral of the "
           "intensity over the step (at most 8 per step); a dc input adds to nu0 (Hz). "
           "Grytskyy et al. 2013 (docs/models-correlations.md).",
    .params = params,
    .n_params = SF_HAWKES_N_PARAMS,
    .state_names = state_names,
    .state_units = state_units,
    .n_state = 1,
    .ports = sf_port_single,
    .n_ports = 1,
    .v_offset_param = SF_HAWKES_NU0,
    .weight_unit = "1",
    .max_spikes_per_step = HAWKES_MAX_SPIKES,
    .derived_size = sizeof(derived),
    .derived_finite = sizeof(derived) / sizeof(double),
    .check = NULL,
    .prepare = prepare,
    .init_state = init_state,
    .update = update,
    .event_amplitudes = NULL,
};
