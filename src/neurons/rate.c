/* lin_rate, tanh_rate, erf_rate: rate units with delayed coupling and Gaussian white
 * noise on the input side (Ornstein-Uhlenbeck process) or on the output side,
 * the two classes of linear rate models of Grytskyy et al. 2013 (Front
 * Comput Neurosci 7:131, section 2; science notes spiking.md §3), with the
 * conventions of NEST's rate_neuron_ipn / rate_neuron_opn (Hahne et al.
 * 2017, Front Neuroinform 11:34; models lin_rate_ipn/_opn, tanh_rate_ipn/_opn).
 *
 *   input noise  (output_noise = 0):
 *     tau dr/dt = -lambda r + mu + I_dc + phi(I(t)) + sqrt(tau) sigma xi(t),   y = r
 *   output noise (output_noise = 1):
 *     tau dr/dt = -lambda r + mu + I_dc + phi(I(t)),   y = r + sqrt(tau) sigma xi(t)
 *   I(t) = sum_j w_ij y_j(t - d_ij),
 *   phi(x) = g x (lin_rate),   phi(x) = g tanh(beta (x - theta)) (tanh_rate),
 *   phi(x) = g erf(beta (x - theta)) (erf_rate),
 * with xi unit Gaussian white noise (<xi(t) xi(t')> = delta(t - t'), t in
 * ms). Both classes thus have the noise sqrt(tau) sigma xi of intensity
 * sigma^2 tau: in the theory's units (t in s) D = sigma^2 tau_s
 * (sf_theory_linear_net). An uncoupled input-noise unit has mean
 * (mu + I_dc)/lambda and variance sigma^2/(2 lambda). The nonlinearity acts
 * on the summed input (NEST's default linear_summation = true). With
 * linear_summation = 0 (tanh_rate, erf_rate) it acts on every input
 * separately, as NEST's linear_summation = false:
 *     tau dr/dt = -lambda r + mu + I_dc + I(t) + sqrt(tau) sigma xi(t),
 *     I(t) = sum_j w_ij phi(y_j(t - d_ij)),
 * which with lambda = 1, mu = 0 and tau = 1 is the random network of
 * Sompolinsky, Crisanti & Sommers 1988, dx = (-x + J phi(x)) dt + dW with
 * <dW^2> = sigma^2 dt (docs/dmft.md): the source sends phi(y) as its event
 * amplitude. NEST's multiplicative coupling and rectify_output are not
 * provided.
 *
 * Discretisation (the invariant this file keeps): the input I is held
 * constant over a step and the linear part is integrated exactly
 * (stochastic exponential integrator, as NEST):
 *   r <- P1 r + P2 (mu + I_dc + phi(I)) + sigma N z,
 *   P1 = e^{-lambda h/tau},  P2 = (1 - P1)/lambda,
 *   N^2 = (1 - e^{-2 lambda h/tau}) / (2 lambda)
 * (the exact variance of int_0^h e^{-lambda(h-s)/tau} sqrt(tau) sigma/tau dW_s,
 * i.e. (sigma^2/tau) tau/(2 lambda) (1 - P1^2)); lambda = 0: P2 = h/tau,
 * N^2 = h/tau (exact Wiener increment). So the stationary statistics of an
 * uncoupled unit are exact for any h. Output noise is white noise sampled on
 * the grid: a piecewise constant value of variance sigma^2 tau/h per step
 * (NEST's output_noise_factor sqrt(tau/h)), whose spectrum is flat up to
 * about 1/(2h) with the intensity sigma^2 tau.
 *
 * Coupling: every unit emits one event per step (none when y == 0 exactly)
 * whose amplitude is its output y after the step (event_amplitudes; float
 * precision). A target therefore receives in input[0] the rate-valued
 * current sum_j w_ij y_j, read anew in every step and held over that step --
 * not a jump as for spiking models. The value y_j computed at the end of
 * the source's step [t', t' + h) is the input of the target's step
 * [t' + d, t' + d + h), so the delay of the piecewise-constant input is
 * between d - h and d (d - h/2 on average); with the minimum delay h the
 * coupling acts after one step. Recorded "spikes" of a rate unit are these
 * per-step events and carry no meaning; record `rate` or `output` with a
 * voltmeter instead.
 *
 * Random numbers: one normal per unit and step from the stream (seed,
 * SF_RNG_NEURON, global id), block = step (sf_rng_normals); independent of
 * threads.
 *
 * State: [0] rate r, [1] output y (= r for input noise). */
#include "model/model_impl.h"
#include "neurons/rate.h"

#include <math.h>
#include <stdio.h>


#define COMMON_PARAMS                                                                      \
    [SF_RATE_TAU] = {"tau", "ms", 10.0, 0.0, 1e9, true, "time constant"},                          \
    [SF_RATE_LAMBDA] = {"lambda", "", 1.0, 0.0, 1e9, false, "passive decay rate (in units of 1/tau)"}, \
    [SF_RATE_MU] = {"mu", "", 0.0, -1e9, 1e9, false, "constant input (outside the nonlinearity)"}, \
    [SF_RATE_SIGMA] = {"sigma", "", 1.0, 0.0, 1e9, false, "noise amplitude (intensity sigma^2 tau)"}, \
    [SF_RATE_OUTPUT_NOISE] = {"output_noise", "", 0.0, 0.0, 1.0, false,                            \
                      "0: noise on the input (Ornstein-Uhlenbeck), 1: noise on the output"}

static const sf_param_spec lin_params[SF_RATE_N_LIN] = {
    COMMON_PARAMS,
    [SF_RATE_G] = {"g", "", 1.0, -1e9, 1e9, false, "gain: phi(x) = g x"},
};
static const sf_param_spec tanh_params[SF_RATE_N_PARAMS] = {
    COMMON_PARAMS,
    [SF_RATE_G] = {"g", "", 1.0, -1e9, 1e9, false, "gain: phi(x) = g tanh(beta (x - theta))"},
    [SF_RATE_BETA] = {"beta", "", 1.0, -1e9, 1e9, false, "slope of the tanh"},
    [SF_RATE_THETA] = {"theta", "", 0.0, -1e9, 1e9, false, "threshold of the tanh"},
    [SF_RATE_LINEAR_SUMMATION] = {"linear_summation", "", 1.0, 0.0, 1.0, false,
                                  "1: phi of the summed input (NEST default); 0: sum of phi of "
                                  "each input (I = sum_j w_ij phi(y_j), the SCS network)"},
};
static const sf_param_spec erf_params[SF_RATE_N_PARAMS] = {
    COMMON_PARAMS,
    [SF_RATE_G] = {"g", "", 1.0, -1e9, 1e9, false, "gain: phi(x) = g erf(beta (x - theta))"},
    [SF_RATE_BETA] = {"beta", "", 1.0, -1e9, 1e9, false, "slope of the erf"},
    [SF_RATE_THETA] = {"theta", "", 0.0, -1e9, 1e9, false, "threshold of the erf"},
    [SF_RATE_LINEAR_SUMMATION] = {"linear_summation", "", 1.0, 0.0, 1.0, false,
                                  "1: phi of the summed input (NEST default); 0: sum of phi of "
                                  "each input (I = sum_j w_ij phi(y_j), the SCS network)"},
};
static const char *const state_names[] = {"rate", "output"};
static const char *const state_units[] = {"", ""};

typedef struct {
    double P1, P2;   /* propagators                                   */
    double in_sd;    /* sigma N: input noise per step (0 for output)   */
    double out_sd;   /* sigma sqrt(tau/h): output noise (0 for input)  */
    int gain;        /* GAIN_LIN, GAIN_TANH, GAIN_ERF                   */
    bool per_input;  /* linear_summation = 0: phi applied by the source */
} derived;

enum { GAIN_LIN, GAIN_TANH, GAIN_ERF };

/* phi(x) = g s(beta (x - theta)), s = tanh or erf. */
static inline double gain_of(const double *p, int gain, double x)
{
    const double u = p[SF_RATE_BETA] * (x - p[SF_RATE_THETA]);
    return p[SF_RATE_G] * (gain == GAIN_ERF ? erf(u) : tanh(u));
}

static bool check(const double *p, char *msg, size_t len)
{
    if (p[SF_RATE_OUTPUT_NOISE] != 0.0 && p[SF_RATE_OUTPUT_NOISE] != 1.0) {
        snprintf(msg, len, "output_noise must be 0 (input noise) or 1 (output noise), not %g",
                 p[SF_RATE_OUTPUT_NOISE]);
        return false;
    }
    return true;
}

static bool check_nonlin(const double *p, char *msg, size_t len)
{
    if (!check(p, msg, len))
        return false;
    if (p[SF_RATE_LINEAR_SUMMATION] != 0.0 && p[SF_RATE_LINEAR_SUMMATION] != 1.0) {
        snprintf(msg, len, "linear_summation must be 0 (phi of each input) or 1 (phi of the sum), "
                 "not %g", p[SF_RATE_LINEAR_SUMMATION]);
        return false;
    }
    return true;
}

static void prepare_common(const double *p, double h, derived *d)
{
    const double a = h / p[SF_RATE_TAU], lam = p[SF_RATE_LAMBDA];
    double var;
    if (lam > 0) {
        d->P1 = exp(-lam * a);
        d->P2 = -expm1(-lam * a) / lam;
        var = -0.5 * expm1(-2.0 * lam * a) / lam;
    } else {
        d->P1 = 1.0;
        d->P2 = a;
        var = a;
    }
    const bool out = p[SF_RATE_OUTPUT_NOISE] != 0.0;
    d->in_sd = out ? 0.0 : p[SF_RATE_SIGMA] * sqrt(var);
    d->out_sd = out ? p[SF_RATE_SIGMA] * sqrt(p[SF_RATE_TAU] / h) : 0.0;
}

static void prepare_lin(const double *p, double h, void *out)
{
    derived *d = out;
    prepare_common(p, h, d);
    d->gain = GAIN_LIN;
    d->per_input = false;
}

static void prepare_tanh(const double *p, double h, void *out)
{
    derived *d = out;
    prepare_common(p, h, d);
    d->gain = GAIN_TANH;
    d->per_input = p[SF_RATE_LINEAR_SUMMATION] == 0.0;
}

static void prepare_erf(const double *p, double h, void *out)
{
    derived *d = out;
    prepare_common(p, h, d);
    d->gain = GAIN_ERF;
    d->per_input = p[SF_RATE_LINEAR_SUMMATION] == 0.0;
}

static void init_state(const double *p, double *const *s, size_t n)
{
    (void)p;
    for (size_t i = 0; i < n; i++) {
        s[0][i] = 0.0;
        s[1][i] = 0.0;
    }
}

static size_t update(const double *p, const void *dv, double *const *s, size_t n,
                     double *const *input, double i_dc, uint32_t *spikes,
                     const sf_step *step)
{
    const derived *d = dv;
    double *restrict r = s[0], *restrict y = s[1];
    const double *restrict in = input[0];
    double *restrict z = step->scratch;
    const double drive = d->P2 * (p[SF_RATE_MU] + i_dc), P1 = d->P1, P2g = d->P2 * p[SF_RATE_G];
    const double *restrict ix = step->i_ext; /* per-neuron current, or NULL */
    if (p[SF_RATE_SIGMA] > 0)
        sf_rng_normals(step->seed, SF_RNG_NEURON, 0, (uint64_t)step->step, step->first_gid,
                       (uint32_t)n, z);
    else
        for (size_t i = 0; i < n; i++)
            z[i] = 0.0;
    if (d->per_input) {
        /* linear_summation = 0: the input is already sum_j w_ij phi(y_j) */
        for (size_t i = 0; i < n; i++) {
            r[i] = P1 * r[i] + drive + d->P2 * in[i] + d->in_sd * z[i] +
                   (ix ? d->P2 * ix[i] : 0.0);
            y[i] = r[i] + d->out_sd * z[i];
        }
        size_t ns = 0;
        for (size_t i = 0; i < n; i++)
            if (gain_of(p, d->gain, y[i]) != 0.0)
                spikes[ns++] = (uint32_t)i;
        return ns;
    }
    if (d->gain != GAIN_LIN) {
        const double beta = p[SF_RATE_BETA], theta = p[SF_RATE_THETA];
        const bool is_erf = d->gain == GAIN_ERF;
        for (size_t i = 0; i < n; i++) {
            const double u = beta * (in[i] - theta);
            r[i] = P1 * r[i] + drive + P2g * (is_erf ? erf(u) : tanh(u)) + d->in_sd * z[i] +
                   (ix ? d->P2 * ix[i] : 0.0);
            y[i] = r[i] + d->out_sd * z[i];
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            r[i] = P1 * r[i] + drive + P2g * in[i] + d->in_sd * z[i] + (ix ? d->P2 * ix[i] : 0.0);
            y[i] = r[i] + d->out_sd * z[i];
        }
    }
    size_t ns = 0;
    for (size_t i = 0; i < n; i++)
        if (y[i] != 0.0)
            spikes[ns++] = (uint32_t)i;
    return ns;
}

static void event_amplitudes(const double *p, const void *dv, double *const *s,
                             const uint32_t *events, size_t n_events, float *amp)
{
    const derived *d = dv;
    const double *y = s[1];
    if (d->per_input)
        for (size_t j = 0; j < n_events; j++)
            amp[j] = (float)gain_of(p, d->gain, y[events[j]]);
    else
        for (size_t j = 0; j < n_events; j++)
            amp[j] = (float)y[events[j]];
}

#define RATE_TYPE_COMMON                                                                   \
    .state_names = state_names, .state_units = state_units, .n_state = 2, .ports = sf_port_single, \
    .n_ports = 1, .v_offset_param = -1, .weight_unit = "1", .max_spikes_per_step = 1, \
    .continuous = true, \
    .derived_size = sizeof(derived), .derived_finite = 4, .init_state = init_state,             \
    .update = update, .event_amplitudes = event_amplitudes

const sf_neuron_type sf_lin_rate = {
    .name = "lin_rate",
    .doc = "Linear rate unit with delayed coupling, tau dr/dt = -lambda r + mu + g I + "
           "noise, I = sum_j w_ij y_j(t - d); Gaussian white noise sqrt(tau) sigma xi on "
           "the input (output_noise = 0: Ornstein-Uhlenbeck, y = r) or on the output "
           "(output_noise = 1: y = r + sqrt(tau) sigma xi), the two classes of Grytskyy et al. "
           "2013. Exact exponential integration; each unit sends its output y every step as "
           "a graded event (a rate-valued input, not a jump). As NEST lin_rate_ipn / "
           "lin_rate_opn; a dc input adds to mu.",
    .params = lin_params,
    .n_params = SF_RATE_N_LIN,
    .prepare = prepare_lin,
    .check = check,
    RATE_TYPE_COMMON,
};

const sf_neuron_type sf_tanh_rate = {
    .name = "tanh_rate",
    .doc = "Rate unit with tanh nonlinearity, tau dr/dt = -lambda r + mu + g tanh(beta (I - "
           "theta)) + noise, I = sum_j w_ij y_j(t - d); noise and coupling as lin_rate "
           "(output_noise selects the class). As NEST tanh_rate_ipn / tanh_rate_opn with "
           "linear_summation = true (default) or false (linear_summation = 0: I = sum_j w_ij "
           "phi(y_j), the random network of Sompolinsky et al. 1988); a dc input adds to mu.",
    .params = tanh_params,
    .n_params = SF_RATE_N_PARAMS,
    .prepare = prepare_tanh,
    .check = check_nonlin,
    RATE_TYPE_COMMON,
};

const sf_neuron_type sf_erf_rate = {
    .name = "erf_rate",
    .doc = "Rate unit with error-function nonlinearity, tau dr/dt = -lambda r + mu + g erf(beta "
           "(I - theta)) + noise; noise, coupling and linear_summation as tanh_rate "
           "(linear_summation = 0: I = sum_j w_ij g erf(beta (y_j - theta))). Not a NEST "
           "model; its Gaussian averages are closed (docs/dmft.md).",
    .params = erf_params,
    .n_params = SF_RATE_N_PARAMS,
    .prepare = prepare_erf,
    .check = check_nonlin,
    RATE_TYPE_COMMON,
};
