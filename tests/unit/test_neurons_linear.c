/* Unit tests of iaf_psc_alpha, izhikevich and parrot_neuron against
 * references computed here, independently of the code under test:
 *  - iaf_psc_alpha: the PSP of one alpha current as a closed form (a power
 *    series where the closed form cancels, and the singular case
 *    tau_syn = tau_m), the PSP normalisation of NEST's brunel_alpha_nest.py
 *    (peak from the Lambert W function), spike times and the f-I curve under
 *    DC drive from the first-passage time of the LIF;
 *  - izhikevich: an independent implementation of NEST's documented update
 *    (both integration schemes) and the classic firing patterns of
 *    Izhikevich (2003) (regular spiking, intrinsically bursting, chattering,
 *    fast spiking);
 *  - parrot_neuron: repeats input spikes exactly (times, multiplicity),
 *    poisson_generator -> parrot_neuron -> target delivers exactly the
 *    parrot's spikes;
 *  - all three in one network: bit-identical spikes for 1, 2 and 3 threads.
 * Conventions: update k advances from k h to (k+1) h; input of update k is
 * added at the end of the step (src/engine/run.c). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_sf_lambert.h>

#include "model/model_impl.h"
#include "spikefield/network.h"
#include "test_util.h"

static void sim_run(sim *s, const char *text, int threads)
{
    sim_load(s, text, "neurons-linear-test", threads);
    sim_engine(s);
}

/* ------------------------------------------------------------------------
 * iaf_psc_alpha: closed forms. */

/* int_0^t s e^{-g s} ds: the power series sum_n (-g)^n t^{n+2} / (n! (n+2))
 * when |g t| < 1 (no cancellation, exact at g = 0), else the closed form
 * (1 - e^{-g t} (1 + g t)) / g^2. */
static double ramp_integral(double g, double t)
{
    double x = g * t;
    if (fabs(x) < 1.0) {
        double term = t * t, sum = 0.0; /* term = (-x)^n t^2 / n! */
        for (int n = 0; n < 40; n++) {
            sum += term / (n + 2);
            term *= -x / (n + 1);
        }
        return sum;
    }
    return (1.0 - exp(-x) * (1.0 + x)) / (g * g);
}

/* PSP (mV) at time t after an alpha current w (e/tau_s) t e^{-t/tau_s} (pA)
 * starts, into a membrane (tau_m, C) at rest:
 * (w e / (tau_s C)) e^{-t/tau_m} int_0^t s e^{-(1/tau_s - 1/tau_m) s} ds. */
static double alpha_psp(double w, double C, double tau_s, double tau_m, double t)
{
    if (t <= 0)
        return 0.0;
    return w * M_E / (tau_s * C) * exp(-t / tau_m) * ramp_integral(1.0 / tau_s - 1.0 / tau_m, t);
}

static double alpha_psc(double w, double tau_s, double t)
{
    return t <= 0 ? 0.0 : w * M_E / tau_s * t * exp(-t / tau_s);
}

/* One spike of weight w into port `port` at step 0: the currents start at
 * t = h; V and I_syn of every step against the closed forms. */
static void check_alpha_psp(double tau_s, double tau_m, double h, int port, double w)
{
    static const char *const names[] = {"E_L", "C_m", "tau_m", "tau_syn_ex", "tau_syn_in", "V_th"};
    const double E_L = -65.3, C = 237.5;
    const double vals[] = {E_L, C, tau_m, tau_s, tau_s, 1e5};
    cell c;
    cell_init(&c, "iaf_psc_alpha", 1, h, names, vals, 6);
    c.in[port][0] = w;
    double peak = 0, worst_v = 0, worst_i = 0;
    for (int k = 0; k < (int)(60.0 / h); k++) {
        assert_int_equal(cell_step(&c, 0.0), 0);
        double t = (k + 1) * h - h;
        double ref = alpha_psp(w, C, tau_s, tau_m, t);
        peak = fmax(peak, fabs(ref));
        worst_v = fmax(worst_v, fabs(c.state[0][0] - ref));
        worst_i = fmax(worst_i, fabs(c.state[1 + port][0] - alpha_psc(w, tau_s, t)));
        assert_true(c.state[2 - port][0] == 0.0);
    }
    if (worst_v > 1e-9 * peak || worst_i > 1e-9 * fabs(w))
        fail_msg("tau_s %.12g, tau_m %g, h %g, port %d: V off by %.3g mV (peak %.3g), I off by %.3g pA",
                 tau_s, tau_m, h, port, worst_v, peak, worst_i);
    cell_free(&c);
}

static void test_alpha_psp(void **state)
{
    (void)state;
    check_alpha_psp(2.385, 13.7, 0.1, 0, 385.0);
    check_alpha_psp(5.7, 13.7, 0.1, 1, -211.3);
    check_alpha_psp(0.5, 20.0, 0.1, 0, 87.8);
    check_alpha_psp(13.7, 13.7, 0.1, 0, 385.0);          /* singular case */
    check_alpha_psp(13.7 * (1 + 1e-7), 13.7, 0.1, 1, -50.0); /* next to it */
    check_alpha_psp(13.7 * (1 - 1e-4), 13.7, 0.025, 0, 120.0);
    check_alpha_psp(0.01, 10.0, 1.0, 0, 100.0);           /* h/tau_s = 100 */
    check_alpha_psp(40.0, 10.0, 0.1, 0, 100.0);           /* tau_s > tau_m */
}

/* NEST's brunel_alpha_nest.py scales the weight by the PSP peak of a 1 pA
 * alpha current, found from t_max = (1/b) (-W_{-1}(-e^{-1/a}/a) - 1/a),
 * a = tau_m/tau_s, b = 1/tau_s - 1/tau_m. The peak of the simulated PSP of
 * weight J/peak must be J. */
static void test_alpha_psp_normalisation(void **state)
{
    (void)state;
    const double tau_m = 20.0, tau_s = 0.5, C = 250.0, J = 0.1, h = 0.01;
    const double a = tau_m / tau_s, b = 1.0 / tau_s - 1.0 / tau_m;
    const double t_max = 1.0 / b * (-gsl_sf_lambert_Wm1(-exp(-1.0 / a) / a) - 1.0 / a);
    /* the peak of the unit PSP, as the script computes it */
    const double unit = M_E / (tau_s * C * b) *
                        ((exp(-t_max / tau_m) - exp(-t_max / tau_s)) / b - t_max * exp(-t_max / tau_s));
    assert_true(fabs(alpha_psp(1.0, C, tau_s, tau_m, t_max) - unit) < 1e-12 * unit);
    static const char *const names[] = {"E_L", "C_m", "tau_m", "tau_syn_ex", "V_th"};
    const double vals[] = {0.0, C, tau_m, tau_s, 20.0};
    cell c;
    cell_init(&c, "iaf_psc_alpha", 1, h, names, vals, 5);
    c.in[0][0] = J / unit;
    double vmax = 0;
    for (int k = 0; k < (int)(20.0 / h); k++) {
        cell_step(&c, 0.0);
        vmax = fmax(vmax, c.state[0][0]);
    }
    /* the grid maximum lies below the peak by at most |V''| h^2 / 8 */
    assert_true(vmax <= J * (1 + 1e-12));
    assert_true(vmax >= J * (1 - 1e-4));
    cell_free(&c);
}

/* Refractoriness: V clamped at V_reset for t_ref, currents keep integrating. */
static void test_alpha_refractory(void **state)
{
    (void)state;
    static const char *const names[] = {"E_L", "V_th", "V_reset", "t_ref", "tau_syn_ex"};
    const double vals[] = {-70.0, -55.0, -70.0, 2.0, 2.0};
    const double h = 0.1;
    cell c;
    cell_init(&c, "iaf_psc_alpha", 1, h, names, vals, 5);
    c.state[0][0] = 20.0; /* above threshold (relative to E_L): spikes in step 0 */
    c.in[0][0] = 100.0;
    assert_int_equal(cell_step(&c, 0.0), 1);
    for (int k = 1; k <= 20; k++) {
        assert_int_equal(cell_step(&c, 0.0), 0);
        assert_true(c.state[0][0] == 0.0); /* V_reset - E_L */
        assert_true(fabs(c.state[1][0] - alpha_psc(100.0, 2.0, k * h)) < 1e-9 * 100.0);
    }
    cell_step(&c, 0.0); /* free again: V integrates the current */
    assert_true(c.state[0][0] > 0.0);
    cell_free(&c);
}

/* Expected spike steps under DC I from rest (V = E_L at t = 0): first
 * passage T0 = tau_m ln(R I / (R I - theta)), then t_ref steps clamped and
 * T1 = tau_m ln((R I - v_r) / (R I - theta)) (theta, v_r relative to E_L).
 * Returns the count of spikes up to step n_steps. */
static int lif_spikes(double th, double vr, double R, double I, double tau_m, double t_ref, double h,
                      int64_t n_steps, int64_t *out, int cap)
{
    const double T0 = tau_m * log(R * I / (R * I - th)), T1 = tau_m * log((R * I - vr) / (R * I - th));
    assert_true(fabs(T0 / h - nearbyint(T0 / h)) > 1e-6 && fabs(T1 / h - nearbyint(T1 / h)) > 1e-6);
    int64_t ref = (int64_t)nearbyint(t_ref / h), k = (int64_t)ceil(T0 / h);
    int n = 0;
    while (k <= n_steps) {
        if (n < cap)
            out[n] = k;
        n++;
        k += ref + (int64_t)ceil(T1 / h);
    }
    return n;
}

static void test_alpha_dc_spike_times(void **state)
{
    (void)state;
    const double E_L = -65.3, Vth = -50.1, Vr = -68.5, tau_m = 13.7, C = 237.5, I = 385.0;
    const double t_ref = 2.3, h = 0.1;
    char text[1024];
    snprintf(text, sizeof text,
             "simulation: {resolution: 0.1, duration: 200.0, seed: 1}\n"
             "populations:\n"
             "  N: {model: iaf_psc_alpha, n: 3, params: {E_L: %g, V_th: %g, V_reset: %g, "
             "tau_m: %g, C_m: %g, t_ref: %g, I_e: %g}}\n",
             E_L, Vth, Vr, tau_m, C, t_ref, I);
    sim s;
    sim_run(&s, text, 0);
    int64_t want[64];
    int nw = lif_spikes(Vth - E_L, Vr - E_L, tau_m / C, I, tau_m, t_ref, h, 2000, want, 64);
    assert_true(nw >= 8 && nw <= 64);
    const uint32_t *ids;
    const int64_t *steps;
    size_t n;
    assert_true(sf_recording_spikes(s.rec, 0, &ids, &steps, &n));
    assert_int_equal(n, 3u * (size_t)nw);
    for (int q = 0; q < nw; q++)
        for (uint32_t i = 0; i < 3; i++) {
            size_t a = (size_t)q * 3 + i;
            if (ids[a] != i || steps[a] != want[q])
                fail_msg("spike %zu is (neuron %u, step %lld), expected (%u, %lld)", a, ids[a],
                         (long long)steps[a], i, (long long)want[q]);
        }
    sim_free(&s);
}

/* f-I curve: one neuron per current; the rate over 2 s is the grid count of
 * the first-passage construction exactly, and within the grid's bound of the
 * LIF formula with refractoriness, nu = 1 / (t_ref + tau_m ln((R I - v_r) /
 * (R I - theta))) (each ISI is rounded up to the grid: 0 <= ISI - T < h). */
static void test_alpha_fi_curve(void **state)
{
    (void)state;
    const double I[] = {380.0, 400.0, 500.0, 700.0, 1000.0, 1500.0};
    const int nI = 6;
    const double tau_m = 10.0, C = 250.0, th = 15.0, t_ref = 2.0, h = 0.1, T = 2000.0;
    char text[2048];
    int at = snprintf(text, sizeof text,
                      "simulation: {resolution: 0.1, duration: 2000.0, seed: 1}\npopulations:\n");
    for (int j = 0; j < nI; j++)
        at += snprintf(text + at, sizeof text - (size_t)at,
                       "  N%d: {model: iaf_psc_alpha, n: 1, params: {I_e: %.1f}}\n", j, I[j]);
    sim s;
    sim_run(&s, text, 0);
    const double R = tau_m / C;
    for (int j = 0; j < nI; j++) {
        const uint32_t *ids;
        const int64_t *steps;
        size_t n;
        assert_true(sf_recording_spikes(s.rec, j, &ids, &steps, &n));
        int64_t want[1];
        int nw = lif_spikes(th, 0.0, R, I[j], tau_m, t_ref, h, (int64_t)(T / h), want, 1);
        assert_int_equal((int)n, nw);
        double isi = t_ref + tau_m * log(R * I[j] / (R * I[j] - th));
        double nu = 1000.0 / isi, nu_grid = n / (T * 1e-3);
        double nu_lo = 1000.0 / (isi + h);
        /* the first spike comes from rest: T0 = isi - t_ref, one ISI less or more */
        if (!(nu_grid <= nu + 1000.0 / T + 1e-9 && nu_grid >= nu_lo - 1000.0 / T - 1e-9))
            fail_msg("I = %g pA: %.3f Hz, LIF formula %.3f Hz (grid bound %.3f)", I[j], nu_grid, nu,
                     nu_lo);
    }
    sim_free(&s);
}

/* Timing through the engine: spike_generator spike at 3.2 ms, delay 1.7 ms:
 * the alpha current starts at 4.9 ms. */
static void test_alpha_pipeline_timing(void **state)
{
    (void)state;
    const char *text =
        "simulation: {resolution: 0.1, duration: 40.0, seed: 1}\n"
        "populations:\n"
        "  N: {model: iaf_psc_alpha, n: 1,\n"
        "      params: {E_L: 0.0, V_th: 100.0, V_reset: -10.0, tau_m: 13.7, C_m: 237.5,\n"
        "               tau_syn_ex: 2.385, tau_syn_in: 5.7}}\n"
        "inputs:\n"
        "  ex: {kind: spike_generator, targets: N, times: [3.2], weight: 385.0, delay: 1.7}\n"
        "  in: {kind: spike_generator, targets: N, times: [6.1], weight: -211.3, delay: 0.5}\n"
        "recorders:\n"
        "  vm: {kind: voltmeter, populations: N, interval: 0.1}\n";
    sim s;
    sim_run(&s, text, 0);
    const float *v;
    size_t nt;
    uint32_t nn;
    double t0, dt;
    assert_true(sf_recording_trace(s.rec, 0, 0, &v, &nt, &nn, &t0, &dt));
    double peak = 0;
    for (size_t j = 0; j < nt; j++)
        peak = fmax(peak, fabs(alpha_psp(385.0, 237.5, 2.385, 13.7, t0 + j * dt - 4.9)));
    for (size_t j = 0; j < nt; j++) {
        double t = t0 + (double)j * dt;
        double ref = alpha_psp(385.0, 237.5, 2.385, 13.7, t - 4.9) +
                     alpha_psp(-211.3, 237.5, 5.7, 13.7, t - 6.6);
        if (!(fabs(v[j] - ref) <= 1e-5 * peak))
            fail_msg("t = %.1f ms: V = %.7g mV, expected %.7g", t, v[j], ref);
    }
    sim_free(&s);
}

/* ------------------------------------------------------------------------
 * izhikevich. */

/* NEST's documented update, written out again: forward Euler on the old
 * values, or the published two half steps. */
static int izh_ref_step(double *v, double *u, const double *pp, double h, double I, double J,
                        bool consistent)
{
    const double a = pp[0], b = pp[1], c = pp[2], d = pp[3], vth = pp[4], vmin = pp[5];
    if (consistent) {
        double dv = 0.04 * *v * *v + 5.0 * *v + 140.0 - *u + I;
        double du = a * (b * *v - *u);
        *v += h * dv + J;
        *u += h * du;
    } else {
        for (int half = 0; half < 2; half++)
            *v += h / 2 * (0.04 * *v * *v + 5.0 * *v + 140.0 - *u + I + J);
        *u += h * a * (b * *v - *u);
    }
    if (*v < vmin)
        *v = vmin;
    if (*v >= vth) {
        *v = c;
        *u += d;
        return 1;
    }
    return 0;
}

static void check_izh_trace(bool consistent, double h)
{
    static const char *const names[] = {"a", "b", "c", "d", "I_e", "V_th", "V_min",
                                        "consistent_integration"};
    const double pp[] = {0.02, 0.25, -60.0, 6.0, 30.0, -75.0}; /* a b c d V_th V_min */
    const double vals[] = {0.02, 0.25, -60.0, 6.0, 4.5, 30.0, -75.0, consistent ? 1.0 : 0.0};
    cell c;
    cell_init(&c, "izhikevich", 2, h, names, vals, 8);
    assert_true(c.state[0][0] == -65.0 && c.state[1][0] == 0.0); /* NEST's initial state */
    double v = -65.0, u = 0.0;
    int spikes = 0;
    sf_rng r;
    sf_rng_init(&r, 5, SF_RNG_TEST, 0);
    for (int k = 0; k < (int)(2000.0 / h); k++) {
        double J = sf_rng_uniform(&r) < 0.05 ? 30.0 * (sf_rng_uniform(&r) - 0.6) : 0.0;
        double I = 3.0 * sin(k * h / 50.0); /* i_dc */
        c.in[0][0] = c.in[0][1] = J;
        size_t ns = cell_step(&c, I);
        int s = izh_ref_step(&v, &u, pp, h, 4.5 + I, J, consistent);
        spikes += s;
        if ((int)ns != 2 * s) fail_msg("step %d (%s, h %g): %zu spikes, reference %d; V %.17g ref V %.17g", k, consistent ? "euler" : "published", h, ns, s, c.state[0][0], v);
        for (int i = 0; i < 2; i++)
            if (!(fabs(c.state[0][i] - v) <= 1e-9 * fmax(1, fabs(v))) ||
                !(fabs(c.state[1][i] - u) <= 1e-9 * fmax(1, fabs(u))))
                fail_msg("step %d: V = %.15g U = %.15g, expected %.15g %.15g", k, c.state[0][i],
                         c.state[1][i], v, u);
    }
    assert_true(spikes > 10);
    cell_free(&c);
}

static void test_izhikevich_update(void **state)
{
    (void)state;
    check_izh_trace(true, 0.1);
    check_izh_trace(false, 1.0);
    check_izh_trace(false, 0.1);
}

/* Spike times (ms) of a neuron with parameters (a, b, c, d), I_e = 10,
 * started at V = -65, U = b V, for 1 s at h = 0.1 ms through the engine. */
static int izh_pattern(double a, double b, double c, double d, bool consistent, double *t, int cap)
{
    char text[1024];
    snprintf(text, sizeof text,
             "simulation: {resolution: 0.1, duration: 1000.0}\n"
             "populations:\n"
             "  N: {model: izhikevich, n: 1, params: {a: %g, b: %g, c: %g, d: %g, I_e: 10.0, "
             "consistent_integration: %s}, initial: {V_m: -65.0, U_m: %g}}\n",
             a, b, c, d, consistent ? "true" : "false", b * -65.0);
    sim s;
    sim_run(&s, text, 0);
    const uint32_t *ids;
    const int64_t *steps;
    size_t n;
    assert_true(sf_recording_spikes(s.rec, 0, &ids, &steps, &n));
    assert_true(n <= (size_t)cap);
    for (size_t j = 0; j < n; j++)
        t[j] = steps[j] * 0.1;
    sim_free(&s);
    return (int)n;
}

/* The documented behaviour of the classic parameter sets (Izhikevich 2003,
 * Fig. 2) under a step of I = 10: RS fires tonically with adaptation (the
 * first ISI clearly shorter than the steady one, then regular), IB fires an
 * initial burst and then single spikes, CH fires repeated bursts (short ISIs
 * within, long between), FS fires fast (> 100 Hz) with no adaptation. */
static void test_izhikevich_patterns(void **state)
{
    (void)state;
    for (int mode = 0; mode < 2; mode++) {
        bool consistent = mode == 0;
        double t[400];
        /* regular spiking */
        int n = izh_pattern(0.02, 0.2, -65, 8, consistent, t, 400);
        assert_true(n >= 15 && n <= 30);
        double isi0 = t[1] - t[0], isi_end = t[n - 1] - t[n - 2];
        assert_true(isi0 < 0.7 * isi_end);
        for (int j = n / 2; j < n - 1; j++)
            assert_true(fabs((t[j + 1] - t[j]) - isi_end) < 0.05 * isi_end);
        /* intrinsically bursting */
        n = izh_pattern(0.02, 0.2, -55, 4, consistent, t, 400);
        assert_true(n > 10);
        assert_true(t[1] - t[0] < 6.0 && t[2] - t[1] < 6.0);
        for (int j = 3; j < n - 1; j++)
            assert_true(t[j + 1] - t[j] > 25.0);
        /* chattering */
        n = izh_pattern(0.02, 0.2, -50, 2, consistent, t, 400);
        int bursts = 0;
        for (int j = 0; j < n - 1; j++) {
            double isi = t[j + 1] - t[j];
            assert_true(isi < 10.0 || isi > 30.0);
            bursts += isi > 30.0;
        }
        assert_true(bursts >= 10 && n >= 3 * bursts);
        /* fast spiking */
        n = izh_pattern(0.1, 0.2, -65, 2, consistent, t, 400);
        assert_true(n > 100);
        double lo = 1e9, hi = 0;
        for (int j = 3; j < n - 1; j++) {
            lo = fmin(lo, t[j + 1] - t[j]);
            hi = fmax(hi, t[j + 1] - t[j]);
        }
        assert_true(hi < 1.2 * lo && hi < 10.0);
    }
}

/* ------------------------------------------------------------------------
 * parrot_neuron. */

static void test_parrot_update(void **state)
{
    (void)state;
    cell c;
    cell_init(&c, "parrot_neuron", 4, 0.1, NULL, NULL, 0);
    c.in[0][0] = 1.0;
    c.in[0][1] = 3.0;
    c.in[0][2] = 11.0; /* more than the 8 entries a step may list */
    c.in[0][3] = 0.0;
    size_t ns = cell_step(&c, 0.0);
    assert_int_equal(ns, 1 + 3 + 8);
    double sum[4] = {0};
    int cnt[4] = {0};
    for (size_t j = 0; j < ns; j++) {
        sum[c.spk[j]] += c.amp[j];
        cnt[c.spk[j]]++;
    }
    assert_true(sum[0] == 1 && sum[1] == 3 && sum[2] == 11 && sum[3] == 0);
    assert_int_equal(cnt[2], 8);
    assert_int_equal(cell_step(&c, 0.0), 0); /* nothing carried over */
    cell_free(&c);
}

/* Spike times in, the same out: a spike at t with delay d leaves the parrot
 * at t + d, repeated times as repeated spikes. */
static void test_parrot_repeats(void **state)
{
    (void)state;
    const char *text =
        "simulation: {resolution: 0.1, duration: 20.0}\n"
        "populations:\n"
        "  P: {model: parrot_neuron, n: 2}\n"
        "inputs:\n"
        "  g: {kind: spike_generator, targets: P, times: [1.0, 2.5, 2.5, 2.5, 7.3], weight: 1.0, "
        "delay: 1.0}\n";
    sim s;
    sim_run(&s, text, 0);
    const uint32_t *ids;
    const int64_t *steps;
    size_t n;
    assert_true(sf_recording_spikes(s.rec, 0, &ids, &steps, &n));
    const int64_t want[] = {20, 35, 35, 35, 83};
    assert_int_equal(n, 10);
    size_t at = 0;
    for (int q = 0; q < 5; q++) {
        int same = q >= 1 && q <= 3 ? 3 : 1;
        if (q == 2 || q == 3)
            continue;
        for (uint32_t i = 0; i < 2; i++)
            for (int r = 0; r < same; r++, at++) {
                assert_int_equal(steps[at], want[q]);
                assert_int_equal(ids[at], i);
            }
    }
    sim_free(&s);
}

/* poisson_generator -> parrot_neuron -> target: the parrots fire Poisson
 * trains of the generator's rate, and each one_to_one target (pif_psc_delta
 * with an unreachable threshold, V(T) = w x spikes received) receives exactly
 * the parrot's spikes that left it at least one delay before the end.
 * Rate: N = 200 parrots, 5 kHz x 1 s: the mean count has SE sqrt(5000/200);
 * tolerance 4 SE. */
static void test_parrot_poisson(void **state)
{
    (void)state;
    const char *text =
        "simulation: {resolution: 0.1, duration: 1000.0, seed: 11}\n"
        "populations:\n"
        "  P: {model: parrot_neuron, n: 200}\n"
        "  T: {model: pif_psc_delta, n: 200, params: {V_th: 1e5, V_reset: 0.0},\n"
        "      initial: {V_m: 0.0}}\n"
        "projections:\n"
        "  pt: {source: P, target: T, rule: one_to_one, weight: 0.25, delay: 1.5}\n"
        "inputs:\n"
        "  drive: {kind: poisson_generator, targets: P, rate: 5000.0, weight: 1.0}\n"
        "recorders:\n"
        "  sp: {kind: spike_recorder, populations: P}\n"
        "  vm: {kind: voltmeter, populations: T, n: 200, interval: 1000.0}\n";
    sim s;
    sim_run(&s, text, 0);
    const uint32_t *ids;
    const int64_t *steps;
    size_t n;
    assert_true(sf_recording_spikes(s.rec, 0, &ids, &steps, &n));
    double mean = (double)n / 200.0;
    if (!(fabs(mean - 5000.0) <= 4 * sqrt(5000.0 / 200)))
        fail_msg("parrot rate %.1f Hz, expected 5000 +- %.1f", mean, 4 * sqrt(5000.0 / 200));
    long got[200] = {0};
    for (size_t a = 0; a < n; a++)
        if (steps[a] + 15 <= 10000) /* arrived by the end (delay 15 steps) */
            got[ids[a]]++;
    const float *v;
    size_t nt;
    uint32_t nn;
    double t0, dt;
    assert_true(sf_recording_trace(s.rec, 1, 0, &v, &nt, &nn, &t0, &dt));
    assert_int_equal(nt, 1);
    assert_int_equal(nn, 200);
    for (uint32_t i = 0; i < 200; i++)
        if (!(fabs(v[i] - 0.25 * got[i]) <= 1e-6 * 0.25 * got[i]))
            fail_msg("target %u: V = %.7g mV, expected 0.25 x %ld", i, v[i], got[i]);
    sim_free(&s);
}

/* ------------------------------------------------------------------------
 * One network of the three types: the same spikes for 1, 2 and 3 threads. */
static void test_same_for_any_threads(void **state)
{
    (void)state;
    const char *text =
        "simulation: {resolution: 0.1, duration: 300.0, seed: 7}\n"
        "populations:\n"
        "  P: {model: parrot_neuron, n: 101}\n"
        "  A: {model: iaf_psc_alpha, n: 203, params: {tau_syn_ex: 0.5, tau_syn_in: 0.5},\n"
        "      initial: {V_m: {distribution: uniform, low: -70.0, high: -55.0}}}\n"
        "  Z: {model: izhikevich, n: 97, params: {I_e: 3.0}}\n"
        "projections:\n"
        "  pa: {source: P, target: A, rule: fixed_indegree, indegree: 20, weight: 180.0, delay: 1.0}\n"
        "  aa: {source: A, target: A, rule: fixed_indegree, indegree: 30, weight: -60.0, delay: 1.5}\n"
        "  az: {source: A, target: Z, rule: fixed_indegree, indegree: 10, weight: 2.0, delay: 2.0}\n"
        "  za: {source: Z, target: A, rule: fixed_indegree, indegree: 10, weight: 30.0, delay: 1.2}\n"
        "inputs:\n"
        "  drive: {kind: poisson_generator, targets: P, rate: 400.0, weight: 1.0}\n";
    const uint32_t *id0[3];
    const int64_t *st0[3];
    size_t n0[3];
    sim base;
    sim_run(&base, text, 1);
    for (int p = 0; p < 3; p++) {
        assert_true(sf_recording_spikes(base.rec, p, &id0[p], &st0[p], &n0[p]));
        assert_true(n0[p] > 50);
    }
    for (int threads = 2; threads <= 3; threads++) {
        sim s;
        sim_run(&s, text, threads);
        sim_same_spikes(&base, &s, 3, threads);
        sim_free(&s);
    }
    sim_free(&base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alpha_psp),
        cmocka_unit_test(test_alpha_psp_normalisation),
        cmocka_unit_test(test_alpha_refractory),
        cmocka_unit_test(test_alpha_dc_spike_times),
        cmocka_unit_test(test_alpha_fi_curve),
        cmocka_unit_test(test_alpha_pipeline_timing),
        cmocka_unit_test(test_izhikevich_update),
        cmocka_unit_test(test_izhikevich_patterns),
        cmocka_unit_test(test_parrot_update),
        cmocka_unit_test(test_parrot_repeats),
        cmocka_unit_test(test_parrot_poisson),
        cmocka_unit_test(test_same_for_any_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
