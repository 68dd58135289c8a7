/* binary: stochastic binary neuron n in {0, 1} with asynchronous (Glauber)
 * updates, as NEST's mcculloch_pitts_neuron (sigma = 0) and erfc_neuron
 * (sigma > 0), the model of Ginzburg & Sompolinsky 1994 (PRE 50:3171) and
 * Helias et al. 2014 (PLoS CB 10:e1003428); see science notes spiking.md §2
 * and docs/models-correlations.md.
 *
 *   Each neuron is updated at the points of its own Poisson process of rate
 *   1/tau_m. At an update it sets
 *     n <- H(h + I_dc - theta)                          (sigma = 0; H(0) = 0)
 *     n <- 1 with probability F(h + I_dc), else 0,      (sigma > 0)
 *     F(x) = 0.5 erfc(-(x - theta) / (sqrt 2 sigma)),
 *   where h = sum_j J_ij n_j(t - d_ij) is the input field. NEST's gain
 *   functions (models/mcculloch_pitts_neuron.h: `h > theta`;
 *   models/erfc_neuron.h: `drand() < 0.5 erfc(-(h - theta)/(sqrt(2) sigma))`).
 *
 * Communication (as NEST's binary neurons, models/binary_neuron_impl.h): a
 * neuron emits an event only when its state changes, amplitude +1 for an
 * up-transition 0->1 and -1 for a down-transition 1->0 (event_amplitudes),
 * so a target's h changes by +-J. NEST encodes the sign in the spike
 * multiplicity (2 = up, 1 = down); here the event carries it. h is state
 * and accumulates the input of every step: h += input[0][i]. A `dc` input
 * is added to the field at the update (like NEST's CurrentEvents), so is
 * not part of the stored h. Poisson inputs would make h a random walk; drive
 * binary networks with a population of binary neurons instead.
 *
 * Discretisation (the invariant this file keeps): the neuron stores the time
 * of its next update t_next (ms). In the step [t, t + h) it updates if
 * t_next < t + h, using the field h after this step's input has been added
 * (NEST: incoming events of a step are taken into account at its beginning);
 * the transition is stamped t + h like a spike. Several Poisson points in
 * one step see the same field, so only the last outcome matters, and that
 * outcome has the same law as a single update: the step gets one update,
 * and by memorylessness the next point after t + h is drawn as
 * t_next = t + h + Exp(tau_m). The process is therefore exactly the
 * continuous Poisson update process projected on the grid: a step holds an
 * update with probability q = 1 - exp(-h/tau_m), independently of the other
 * steps (the same law as the per-step Bernoulli(q) scheme, but one random
 * draw per update instead of one per neuron and step). The only
 * approximations are the grid itself: a transition is seen by its targets
 * d later to within +-h (mean d, as the update time and the source's
 * transition time are both spread over their steps), and updates within one
 * step do not see each other. With h << tau_m this approaches the
 * continuous process. `updates` counts the steps with an update.
 *
 * Random numbers: neuron i's stream (seed, SF_RNG_NEURON, global id),
 * block c for its c-th update: words 0-1 the uniform of the next interval,
 * words 2-3 the uniform of the gain; block 0 at the start (first update
 * time, initial state). Draws depend only on (seed, global id, c), so
 * results do not depend on the number of threads.
 *
 * Initial state: n = 1 with probability p_init (or where `initial: {n: 1}`
 * is given; n >= 0.5 counts as 1). Targets' fields start at 0 and learn of
 * initially active neurons through an up-event that every active neuron
 * emits in the first step, so h = sum J n(t - d) holds from t = d on; the
 * events of a neuron therefore always alternate up, down, up, ..., and the
 * recorded events ("spikes": both kinds of transitions) determine n(t).
 *
 * State: [0] n, [1] h (field without dc input), [2] t_next (ms), [3] updates
 * (count; -1 before the first step). */
#include "model/model_impl.h"
#include "neurons/binary.h"

#include <math.h>

enum { S_N, S_H, S_TNEXT, S_UPD, N_STATE };

static const sf_param_spec params[SF_BINARY_N_PARAMS] = {
    [SF_BINARY_TAU_M] = {"tau_m", "ms", 10.0, 0.0, 1e9, true, "mean time between updates"},
    [SF_BINARY_THETA] = {"theta", "", 0.0, -1e9, 1e9, false, "threshold of the gain function"},
    [SF_BINARY_SIGMA] = {"sigma", "", 0.0, 0.0, 1e9, false,
               "width of the erfc gain (0: deterministic step, McCulloch-Pitts)"},
    [SF_BINARY_P_INIT] = {"p_init", "", 0.0, 0.0, 1.0, false,
                "probability that a neuron starts active (n = 1)"},
};
static const char *const state_names[] = {"n", "h", "t_next", "updates"};
static const char *const state_units[] = {"", "", "ms", ""};

typedef struct {
    double tau, theta, inv_s; /* inv_s = 1/(sqrt 2 sigma), 0 for the step */
    double p_init;
} derived;

static void prepare(const double *p, double h, void *out)
{
    derived *d = out;
    (void)h;
    d->tau = p[SF_BINARY_TAU_M];
    d->theta = p[SF_BINARY_THETA];
    d->inv_s = p[SF_BINARY_SIGMA] > 0 ? 1.0 / (M_SQRT2 * p[SF_BINARY_SIGMA]) : 0.0;
    d->p_init = p[SF_BINARY_P_INIT];
}

static void init_state(const double *p, double *const *s, size_t n)
{
    (void)p;
    for (size_t i = 0; i < n; i++) {
        s[S_N][i] = 0.0;
        s[S_H][i] = 0.0;
        s[S_TNEXT][i] = -1.0; /* drawn in the first step */
        s[S_UPD][i] = -1.0;   /* -1: not started        */
    }
}

static inline double gain(const derived *d, double x, double u)
{
    if (d->inv_s == 0.0)
        return x > d->theta ? 1.0 : 0.0;
    return u < 0.5 * erfc(-(x - d->theta) * d->inv_s) ? 1.0 : 0.0;
}

static size_t update(const double *p, const void *dv, double *const *s, size_t n,
                     double *const *input, double i_dc, uint32_t *spikes,
                     const sf_step *step)
{
    const derived *d = dv;
    double *restrict y = s[S_N], *restrict hf = s[S_H], *restrict tn = s[S_TNEXT],
                     *restrict cnt = s[S_UPD];
    const double *restrict in = input[0];
    const double t0 = (double)step->step * step->h, t1 = (double)(step->step + 1) * step->h;
    const double *restrict ix = step->i_ext; /* per-neuron current, or NULL */
    size_t ns = 0;
    for (size_t i = 0; i < n; i++) {
        hf[i] += in[i];
        if (tn[i] >= t1 && cnt[i] >= 0.0)
            continue; /* no update in this step: the common case */
        double old = y[i];
        sf_rng r;
        sf_rng_init(&r, step->seed, SF_RNG_NEURON, step->first_gid + i);
        if (cnt[i] < 0.0) {
            /* first step: first update time and initial state; the targets
             * know the state 0, so an active neuron announces itself */
            double u0 = sf_rng_uniform(&r), u1 = sf_rng_uniform(&r);
            if (tn[i] < 0.0)
                tn[i] = t0 - d->tau * log1p(-u0);
            y[i] = y[i] >= 0.5 || u1 < d->p_init ? 1.0 : 0.0;
            old = 0.0;
            cnt[i] = 0.0;
        }
        if (tn[i] < t1) {
            cnt[i] += 1.0;
            sf_rng_seek(&r, (uint64_t)cnt[i]);
            double u0 = sf_rng_uniform(&r), u1 = sf_rng_uniform(&r);
            y[i] = gain(d, hf[i] + i_dc + (ix ? ix[i] : 0.0), u1);
            tn[i] = t1 - d->tau * log1p(-u0);
        }
        if (y[i] != old)
            spikes[ns++] = (uint32_t)i;
    }
    return ns;
}

static void event_amplitudes(const double *p, const void *dv, double *const *s,
                             const uint32_t *events, size_t n_events, float *amp)
{
    const double *y = s[S_N];
    for (size_t j = 0; j < n_events; j++)
        amp[j] = y[events[j]] != 0.0 ? 1.0f : -1.0f;
}

const sf_neuron_type sf_binary = {
    .name = "binary",
    .doc = "Binary neuron n in {0,1} with asynchronous (Glauber) updates at the points of "
           "a Poisson process of rate 1/tau_m: n <- H(h - theta) (sigma = 0, NEST "
           "mcculloch_pitts_neuron) or n <- 1 with probability 0.5 erfc(-(h - theta)/(sqrt(2) "
           "sigma)) (NEST erfc_neuron); h = sum_j J_ij n_j(t - d) plus dc input. A neuron "
           "emits an event only when its state changes, amplitude +1 (up) or -1 (down), so "
           "targets' h changes by +-J; recorded spikes are both kinds of transitions, "
           "alternating and starting with an up-transition. Exact Poisson update times, "
           "one update per step at most (docs/models-correlations.md).",
    .params = params,
    .n_params = SF_BINARY_N_PARAMS,
    .state_names = state_names,
    .state_units = state_units,
    .n_state = N_STATE,
    .ports = sf_port_single,
    .n_ports = 1,
    .v_offset_param = -1,
    .weight_unit = "1",
    .max_spikes_per_step = 1,
    .derived_size = sizeof(derived),
    .derived_finite = 4,
    .check = NULL,
    .prepare = prepare,
    .init_state = init_state,
    .update = update,
    .event_amplitudes = event_amplitudes,
};
