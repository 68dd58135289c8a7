/* sde_poly: the one-dimensional stochastic nonlinear "neuron" of Stapmanns,
 * Kuehn, Dahmen, Luu, Honerkamp & Helias, "Self-consistent formulations for
 * stochastic nonlinear neuronal dynamics", PRE 101, 042124 (2020),
 * arXiv:1812.09345 (science notes theory.md section 4a): a leaky unit with a
 * polynomial gain, in the Ito form
 *
 *   dx = [ f(x) + I(t) ] ds + sqrt(D) dW(s),   s = t / tau,
 *   f(x) = -l x + (alpha/2!) x^2 + (beta/3!) x^3,
 *
 * with W a standard Wiener process in the dimensionless time s (so
 * <xi(s) xi(s')> = D delta(s - s'); an OU unit, alpha = beta = 0, has
 * variance D / (2 l)). I(t) is the dc input (i_dc + sf_step.i_ext, a
 * dimensionless drift); a synaptic event adds weight x amplitude to x (a
 * jump, the kick of a linear-response probe). Without inputs, a population
 * is many independent trajectories of the same SDE.
 *
 * Regime (check): l > 0, and beta < 0 or alpha = beta = 0, the cases with a
 * normalisable stationary density p(x) ~ exp(-2 U(x) / D), U' = -f. With
 * beta = 0 and alpha != 0 the quadratic drift sends trajectories to infinity
 * in finite time (metastable: no stationary state), and beta > 0 does so for
 * any alpha; both are refused.
 *
 * Schemes (parameter scheme), with h' = h / tau and z ~ N(0, 1):
 *   0 Euler-Maruyama:   x <- x + f(x) h' + sqrt(D h') z         (weak order 1)
 *   1 stochastic Heun:  y = x + f(x) h' + sqrt(D h') z,
 *                       x <- x + (f(x) + f(y)) h'/2 + sqrt(D h') z
 *     (weak order 2 for additive noise; Kloeden & Platen 1992, section 15.1;
 *      on the OU process the stationary variance is off by O(h'^2):
 *      docs/fluctuations.md gives both closed forms, test_sde checks them).
 * The dc input is part of the drift of both stages; a synaptic jump is
 * added after the step.
 *
 * Random numbers: one Box-Muller pair per unit and two steps from the
 * stream (seed, SF_RNG_NEURON, global id), block = step / 2
 * (sf_rng_normal_pairs): step 2j uses the cosine part, step 2j + 1 the sine
 * part, kept in the state xi in between (half the cost of a fresh pair per
 * step, which dominates the update). The same for any number of threads
 * (a run starts at step 0). The type emits no events.
 *
 * State: [0] x, [1] xi (the normal of the next odd step; internal).
 */
#include "model/model_impl.h"
#include "neurons/sde_poly.h"

#include <math.h>
#include <stdio.h>

static const sf_param_spec params[SF_SDE_N_PARAMS] = {
    [SF_SDE_TAU] = {"tau", "ms", 10.0, 0.0, 1e9, true, "unit of time of the SDE (s = t / tau)"},
    [SF_SDE_L] = {"l", "", 1.0, 0.0, 1e9, true, "leak: drift term -l x"},
    [SF_SDE_ALPHA] = {"alpha", "", 0.0, -1e9, 1e9, false, "quadratic gain: drift term (alpha/2) x^2"},
    [SF_SDE_BETA] = {"beta", "", 0.0, -1e9, 0.0, false,
                     "cubic gain: drift term (beta/6) x^3 (<= 0; < 0 when alpha != 0)"},
    [SF_SDE_D] = {"D", "", 0.5, 0.0, 1e9, false, "noise intensity: <xi(s) xi(s')> = D delta(s - s')"},
    [SF_SDE_SCHEME] = {"scheme", "", 0.0, 0.0, 1.0, false,
                       "0: Euler-Maruyama (weak order 1), 1: stochastic Heun (weak order 2)"},
};
static const char *const state_names[] = {"x", "xi"};
static const char *const state_units[] = {"", ""};

typedef struct {
    double hs;   /* h / tau            */
    double sd;   /* sqrt(D h / tau)    */
} derived;

static bool check(const double *p, char *msg, size_t len)
{
    if (p[SF_SDE_SCHEME] != 0.0 && p[SF_SDE_SCHEME] != 1.0) {
        snprintf(msg, len, "scheme must be 0 (Euler-Maruyama) or 1 (stochastic Heun), not %g",
                 p[SF_SDE_SCHEME]);
        return false;
    }
    if (p[SF_SDE_BETA] == 0.0 && p[SF_SDE_ALPHA] != 0.0) {
        snprintf(msg, len, "alpha = %g needs beta < 0: with beta = 0 the quadratic drift "
                 "(alpha/2) x^2 drives trajectories to infinity in finite time (no stationary "
                 "state)", p[SF_SDE_ALPHA]);
        return false;
    }
    return true;
}

static void prepare(const double *p, double h, void *out)
{
    derived *d = out;
    d->hs = h / p[SF_SDE_TAU];
    d->sd = sqrt(p[SF_SDE_D] * d->hs);
}

static void init_state(const double *p, double *const *s, size_t n)
{
    (void)p;
    for (size_t i = 0; i < n; i++)
        s[0][i] = s[1][i] = 0.0;
}

static size_t update(const double *p, const void *dv, double *const *s, size_t n,
                     double *const *input, double i_dc, uint32_t *spikes, const sf_step *step)
{
    const derived *d = dv;
    double *restrict x = s[0];
    const double *restrict in = input[0];
    const double *restrict ix = step->i_ext;
    const double l = p[SF_SDE_L], a = p[SF_SDE_ALPHA], b = p[SF_SDE_BETA], hs = d->hs;
    /* z: the cosine part drawn now (even step) or the sine part kept */
    const double *restrict z = s[1]; /* D = 0: never drawn, 0 */
    if (!(step->step & 1) && d->sd > 0) {
        sf_rng_normal_pairs(step->seed, SF_RNG_NEURON, 0, (uint64_t)step->step >> 1,
                            step->first_gid, (uint32_t)n, step->scratch, s[1]);
        z = step->scratch;
    }
    const double sd = d->sd;
    if (p[SF_SDE_SCHEME] == 0.0) {
        for (size_t i = 0; i < n; i++) {
            const double I = i_dc + (ix ? ix[i] : 0.0);
            x[i] += (sf_sde_drift(l, a, b, x[i]) + I) * hs + sd * z[i] + in[i];
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            const double I = i_dc + (ix ? ix[i] : 0.0), w = sd * z[i];
            const double f0 = sf_sde_drift(l, a, b, x[i]) + I;
            const double y = x[i] + f0 * hs + w;
            x[i] += 0.5 * (f0 + sf_sde_drift(l, a, b, y) + I) * hs + w + in[i];
        }
    }
    (void)spikes;
    return 0;
}

const sf_neuron_type sf_sde_poly = {
    .name = "sde_poly",
    .doc = "One-dimensional stochastic nonlinear unit of Stapmanns et al. 2020 (PRE 101, "
           "042124): dx = [-l x + (alpha/2) x^2 + (beta/6) x^3 + I] ds + sqrt(D) dW, s = t/tau "
           "(Ito, additive noise), beta < 0 (or alpha = beta = 0: Ornstein-Uhlenbeck); "
           "Euler-Maruyama (scheme 0) or stochastic Heun (scheme 1); a dc input is the "
           "drift I, a synaptic event a jump of x. Emits no events; record x with a "
           "multimeter. Theory family sde (docs/fluctuations.md).",
    .params = params,
    .n_params = SF_SDE_N_PARAMS,
    .state_names = state_names,
    .state_units = state_units,
    .n_state = 2,
    .ports = sf_port_single,
    .n_ports = 1,
    .v_offset_param = -1,
    .weight_unit = "1",
    .max_spikes_per_step = 1,
    .continuous = true,
    .derived_size = sizeof(derived),
    .derived_finite = 2,
    .check = check,
    .prepare = prepare,
    .init_state = init_state,
    .update = update,
};
