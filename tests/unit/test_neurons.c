/* Unit tests of src/neurons: the exact integration of every neuron model
 * against closed forms computed here (not by the code under test).
 *
 * Two levels:
 *  - direct: the type's update() on hand-built state arrays, in double
 *    precision, compared to the closed forms to 1e-9 mV;
 *  - pipeline: sf_model_load_string + sf_network_build + sf_engine_run, to
 *    pin down the timing conventions (when input arrives, which step a spike
 *    carries). Voltmeter traces are float32, so those comparisons allow
 *    1e-5 relative error; a shift by one step would be off by far more.
 *
 * Conventions checked (see src/engine/run.c): update k advances a neuron
 * from k h to (k+1) h; input of update k is added at the end of that step,
 * so a spike emitted at t_s with delay d shows in V at t_s + d; a spike of
 * update k carries the time (k+1) h and is recorded as step k+1; voltmeter
 * sample j holds the state at (j+1) * interval. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/model_impl.h"
#include "neurons/propagator.h"
#include "spikefield/network.h"
#include "test_util.h"

#define assert_close(a, b, tol)                                                            \
    do {                                                                                   \
        double a_ = (a), b_ = (b), t_ = (tol);                                             \
        if (!(fabs(a_ - b_) <= t_))                                                        \
            fail_msg("%s:%d: %s = %.15g, expected %.15g within %.3g (off by %.3g)",        \
                     __FILE__, __LINE__, #a, a_, b_, t_, fabs(a_ - b_));                   \
    } while (0)

/* ------------------------------------------------------------------------
 * Closed forms. */

/* Membrane response to a DC current I switched on at 0, from rest. */
static double dc_response(double R, double I, double tau_m, double t)
{
    return R * I * (1.0 - exp(-t / tau_m));
}

/* PSP of a current w exp(-t/tau_s) into a leaky membrane (tau_m, C), from
 * V = E_L: (w/C) tau_s tau_m/(tau_m - tau_s) (e^{-t/tau_m} - e^{-t/tau_s}),
 * and (w/C) t e^{-t/tau} when tau_s = tau_m. Long double keeps the
 * difference accurate close to the singular case. */
static double psc_exp_psp(double w, double C, double tau_s, double tau_m, double t)
{
    if (t <= 0)
        return 0.0;
    if (tau_s == tau_m)
        return w / C * t * exp(-t / tau_m);
    long double ts = tau_s, tm = tau_m, tt = t;
    long double r = (long double)w / C * ts * tm / (tm - ts) * (expl(-tt / tm) - expl(-tt / ts));
    return (double)r;
}

/* ------------------------------------------------------------------------
 * Direct update: DC response. */

static void check_dc_response(const char *type, double h)
{
    static const char *const names[] = {"E_L", "C_m", "tau_m", "I_e", "V_th"};
    /* I_e is split between the parameter and the i_dc argument */
    const double E_L = -65.3, C = 237.5, tau_m = 13.7, I = 123.4;
    const double vals[] = {E_L, C, tau_m, 80.15, -40.0};
    cell c;
    cell_init(&c, type, 3, h, names, vals, 5);
    const double R = tau_m / C;
    assert_true(R * I < -40.0 - E_L); /* never reaches threshold */
    double worst = 0;
    for (int k = 0; k < (int)(300.0 / h); k++) {
        assert_int_equal(cell_step(&c, I - 80.15), 0);
        double t = (k + 1) * h;
        double ref = E_L + dc_response(R, I, tau_m, t);
        for (size_t i = 0; i < c.n; i++)
            worst = fmax(worst, fabs(V(&c, i) - ref));
    }
    if (worst > 1e-9)
        fail_msg("%s, h = %g: DC response off by %.3g mV", type, h, worst);
    cell_free(&c);
}

static void test_dc_response(void **state)
{
    (void)state;
    check_dc_response("iaf_psc_delta", 0.1);
    check_dc_response("iaf_psc_delta", 0.25);
    check_dc_response("iaf_psc_exp", 0.1);
    check_dc_response("iaf_psc_exp", 0.025);
}

/* pif: V(t) = V0 + I t / C exactly (a ramp), and a spike every L C / I. */
static void test_pif_dc(void **state)
{
    (void)state;
    static const char *const names[] = {"C_m", "V_th", "V_reset", "I_e"};
    const double C = 237.5, Vth = 15.3, Vr = 2.1, I = 123.4, h = 0.1;
    const double vals[] = {C, Vth, Vr, I};
    cell c;
    cell_init(&c, "pif_psc_delta", 1, h, names, vals, 4);
    assert_true(V(&c, 0) == Vr); /* rests at V_reset */
    const double L = Vth - Vr;
    long spikes = 0;
    for (int k = 0; k < 5000; k++) {
        spikes += (long)cell_step(&c, 0.0);
        double t = (k + 1) * h;
        /* number of spikes so far: floor(I t / (C L)) (these numbers never
         * come within 1e-6 of a tie); V keeps the remainder */
        double x = I * t / (C * L);
        assert_true(fabs(x - nearbyint(x)) > 1e-6);
        assert_int_equal(spikes, (long)floor(x));
        assert_close(V(&c, 0), Vr + I * t / C - (double)spikes * L, 1e-9);
    }
    cell_free(&c);
}

/* ------------------------------------------------------------------------
 * Direct update: single input spikes. */

static void test_delta_psp(void **state)
{
    (void)state;
    static const char *const names[] = {"E_L", "C_m", "tau_m", "V_th", "V_min"};
    const double E_L = -65.3, tau_m = 13.7, w = 2.385, h = 0.1;
    const double vals[] = {E_L, 237.5, tau_m, -40.0, -68.0};
    cell c;
    cell_init(&c, "iaf_psc_delta", 2, h, names, vals, 5);
    const int k0 = 7;
    for (int k = 0; k < 600; k++) {
        if (k == k0) {
            c.in[0][0] = w;
            c.in[0][1] = -4.0 * w; /* would go to -74.84, is clamped at V_min */
        }
        cell_step(&c, 0.0);
        double t = (k + 1) * h, ta = (k0 + 1) * h;
        double ref = t < ta - 1e-12 ? E_L : E_L + w * exp(-(t - ta) / tau_m);
        assert_close(V(&c, 0), ref, 1e-9);
        /* clamped at V_min = -68, then relaxes: V - E_L = (V_min - E_L) e^{-(t-ta)/tau} */
        double ref1 = t < ta - 1e-12 ? E_L : E_L + (-68.0 - E_L) * exp(-(t - ta) / tau_m);
        assert_close(V(&c, 1), ref1, 1e-9);
    }
    cell_free(&c);
}

/* iaf_psc_exp: the current jumps by w at the end of the arrival step; V then
 * follows the difference of exponentials. Excitatory and inhibitory inputs
 * use their own time constants; responses superpose. */
static void check_exp_psp(double tau_ex, double tau_in)
{
    static const char *const names[] = {"E_L", "C_m", "tau_m", "tau_syn_ex", "tau_syn_in",
                                        "V_th"};
    const double E_L = -65.3, C = 237.5, tau_m = 13.7, h = 0.1;
    const double vals[] = {E_L, C, tau_m, tau_ex, tau_in, -40.0};
    const double w_ex = 385.0, w_in = -211.3;
    cell c;
    cell_init(&c, "iaf_psc_exp", 2, h, names, vals, 6);
    const int k_ex = 4, k_in = 31;
    const double ta_ex = (k_ex + 1) * h, ta_in = (k_in + 1) * h;
    double worst = 0, peak = 0;
    for (int k = 0; k < 1500; k++) {
        if (k == k_ex)
            c.in[0][0] = w_ex; /* neuron 0: excitatory only */
        if (k == k_in) {
            c.in[1][0] = w_in; /* neuron 0: then inhibitory */
            c.in[1][1] = w_in; /* neuron 1: inhibitory only */
        }
        cell_step(&c, 0.0);
        double t = (k + 1) * h;
        double ex = psc_exp_psp(w_ex, C, tau_ex, tau_m, t - ta_ex);
        double in = psc_exp_psp(w_in, C, tau_in, tau_m, t - ta_in);
        worst = fmax(worst, fabs(V(&c, 0) - (E_L + ex + in)));
        worst = fmax(worst, fabs(V(&c, 1) - (E_L + in)));
        peak = fmax(peak, ex);
        /* the currents themselves */
        double iex = t >= ta_ex - 1e-12 ? w_ex * exp(-(t - ta_ex) / tau_ex) : 0.0;
        double iin = t >= ta_in - 1e-12 ? w_in * exp(-(t - ta_in) / tau_in) : 0.0;
        assert_close(c.state[1][0], iex, 1e-9 * fabs(w_ex));
        assert_close(c.state[2][0], iin, 1e-9 * fabs(w_in));
    }
    if (worst > 1e-9)
        fail_msg("iaf_psc_exp tau_syn_ex = %.17g, tau_syn_in = %.17g: PSP off by %.3g mV", tau_ex,
                 tau_in, worst);
    assert_true(peak > 0.5); /* the test has something to see */
    cell_free(&c);
}

static void test_exp_psp(void **state)
{
    (void)state;
    check_exp_psp(2.385, 5.7);
    check_exp_psp(0.5, 1.25);
    /* the singular case tau_syn = tau_m: (w/C) t e^{-t/tau} */
    check_exp_psp(13.7, 13.7);
    /* close to it on both sides (the closed form in long double) */
    check_exp_psp(13.7 * (1 + 1e-7), 13.7 * (1 - 3e-6));
    /* tau_syn > tau_m */
    check_exp_psp(21.3, 40.0);
}

/* Synaptic time constants far below the step (tau_syn << h): the current
 * decays within one step and P21 must stay finite and exact. The old form
 * e^{-h/tau_s} exprel(h/tau_s - h/tau_m) gave 0 * inf = NaN for tau_s below
 * about h/700, and so NaN membrane potentials without an error. Reference:
 * the difference of exponentials in long double, written here. */
static void test_exp_short_tau(void **state)
{
    (void)state;
    const double C = 250.0, tau_m = 10.0, h = 0.1;
    const double taus[] = {0.05, 1e-3, 1e-4, 1e-6, 1e-300};
    for (size_t i = 0; i < sizeof taus / sizeof taus[0]; i++) {
        long double ts = taus[i], tm = tau_m;
        long double ref = ts * tm / ((long double)C * (tm - ts)) * (expl(-h / tm) - expl(-h / ts));
        double p21 = sf_prop_p21(taus[i], tau_m, C, h);
        if (!isfinite(p21) || fabsl(p21 - ref) > 1e-13L * fabsl(ref))
            fail_msg("tau_syn = %g ms: P21 = %.17g, expected %.17Lg", taus[i], p21, ref);
    }
    /* and the whole update stays finite: one input of 100 pA with tau_syn = 1e-6 ms */
    static const char *const names[] = {"tau_syn_ex", "V_th"};
    const double vals[] = {1e-6, 1e6};
    cell c;
    cell_init(&c, "iaf_psc_exp", 1, h, names, vals, 2);
    c.in[0][0] = 100.0;
    for (int k = 0; k < 20; k++) {
        cell_step(&c, 0.0);
        assert_true(isfinite(c.state[0][0]));
    }
    cell_free(&c);
}

/* ------------------------------------------------------------------------
 * Direct update: refractoriness. */

/* iaf_psc_delta: after a spike V is clamped at V_reset for t_ref and input
 * arriving then is discarded; the first input after it counts. */
static void test_delta_refractory_discards_input(void **state)
{
    (void)state;
    static const char *const names[] = {"E_L", "tau_m", "V_th", "V_reset", "t_ref"};
    const double E_L = -65.3, tau_m = 13.7, Vth = -50.1, Vr = -68.5, h = 0.1;
    const double vals[] = {E_L, tau_m, Vth, Vr, 2.3};
    const int R = 23; /* t_ref / h */
    cell c;
    cell_init(&c, "iaf_psc_delta", 1, h, names, vals, 5);
    c.in[0][0] = 20.0; /* crosses threshold in update 0 */
    assert_int_equal(cell_step(&c, 0.0), 1);
    assert_int_equal(c.spk[0], 0);
    assert_close(V(&c, 0), Vr, 1e-12);
    for (int j = 1; j <= R; j++) {
        c.in[0][0] = 1.25; /* discarded */
        assert_int_equal(cell_step(&c, 1000.0), 0); /* and so is the DC */
        assert_close(V(&c, 0), Vr, 1e-12);
    }
    /* the refractory period is over: this input counts */
    c.in[0][0] = 1.25;
    cell_step(&c, 0.0);
    assert_close(V(&c, 0), E_L + (Vr - E_L) * exp(-h / tau_m) + 1.25, 1e-9);
    cell_free(&c);

    /* t_ref = 0: integration resumes in the next step */
    const double v0[] = {E_L, tau_m, Vth, Vr, 0.0};
    cell_init(&c, "iaf_psc_delta", 1, h, names, v0, 5);
    c.in[0][0] = 20.0;
    assert_int_equal(cell_step(&c, 0.0), 1);
    c.in[0][0] = 1.25;
    cell_step(&c, 0.0);
    assert_close(V(&c, 0), E_L + (Vr - E_L) * exp(-h / tau_m) + 1.25, 1e-9);
    cell_free(&c);
}

/* iaf_psc_exp: during t_ref V is clamped, but the synaptic currents keep
 * integrating input, and act on V once the period is over. */
static void test_exp_refractory_keeps_current(void **state)
{
    (void)state;
    static const char *const names[] = {"E_L", "C_m", "tau_m", "tau_syn_ex", "V_th", "V_reset",
                                        "t_ref"};
    const double E_L = -65.3, C = 237.5, tau_m = 13.7, tau_s = 2.385, Vth = -50.1, Vr = -68.5;
    const double h = 0.1;
    const double vals[] = {E_L, C, tau_m, tau_s, Vth, Vr, 2.3};
    const int R = 23;
    cell c;
    cell_init(&c, "iaf_psc_exp", 1, h, names, vals, 7);
    /* drive it over threshold with a current pulse (peak PSP ~ 21 mV) */
    c.in[0][0] = 3000.0;
    cell_step(&c, 0.0);
    int k = 1;
    while (cell_step(&c, 0.0) == 0)
        assert_true(++k < 100);
    /* spike in update k, time (k+1) h. Current right after the spike: */
    double I_spike = c.state[1][0];
    assert_close(V(&c, 0), Vr, 1e-12);
    /* an input during the refractory period, in update k + 1 */
    const double w = 385.0;
    c.in[0][0] = w;
    for (int j = 1; j <= R; j++) {
        assert_int_equal(cell_step(&c, 0.0), 0);
        assert_close(V(&c, 0), Vr, 1e-12);
        /* the current decays and took the input */
        double ref = I_spike * exp(-j * h / tau_s) + w * exp(-(j - 1) * h / tau_s);
        assert_close(c.state[1][0], ref, 1e-9 * ref);
    }
    /* after t_ref, V starts from V_reset with the current it has then:
     * V - E_L = (V_r - E_L) e^{-s/tau_m} + PSP of I0 = I(t_ref end), s >= 0 */
    double I0 = c.state[1][0];
    for (int j = 1; j <= 200; j++) {
        size_t ns = cell_step(&c, 0.0);
        double s = j * h;
        double ref = E_L + (Vr - E_L) * exp(-s / tau_m) + psc_exp_psp(I0, C, tau_s, tau_m, s);
        assert_true(ref < Vth - 1.0); /* the test's numbers stay subthreshold */
        assert_int_equal(ns, 0);
        assert_close(V(&c, 0), ref, 1e-9);
    }
    cell_free(&c);
}

/* ------------------------------------------------------------------------
 * pif_psc_delta: overshoot-preserving reset. */

static void test_pif_reset(void **state)
{
    (void)state;
    static const char *const names[] = {"V_th", "V_reset"};
    const double Vth = 15.3, Vr = 2.1, L = Vth - Vr, h = 0.1;
    const double vals[] = {Vth, Vr};
    cell c;
    cell_init(&c, "pif_psc_delta", 3, h, names, vals, 2);
    /* neuron 0: one jump of 30 from 2.1 -> 32.1 -> two spikes, V = 32.1 - 2L */
    c.in[0][0] = 30.0;
    /* neuron 1: a jump that lands exactly on threshold spikes once, V = V_reset */
    c.in[0][1] = L;
    /* neuron 2: a jump below threshold does nothing */
    c.in[0][2] = L - 1e-9;
    size_t ns = cell_step(&c, 0.0);
    assert_int_equal(ns, 3);
    assert_int_equal(c.spk[0], 0);
    assert_int_equal(c.spk[1], 0);
    assert_int_equal(c.spk[2], 1);
    assert_close(V(&c, 0), Vr + 30.0 - 2 * L, 1e-12);
    assert_close(V(&c, 1), Vr, 1e-12);
    assert_close(V(&c, 2), Vr + L - 1e-9, 1e-12);

    /* the overshoot is kept: 5.7 + 12 = 17.7 -> one spike, 17.7 - L */
    c.in[0][0] = 12.0;
    assert_int_equal(cell_step(&c, 0.0), 1);
    assert_close(V(&c, 0), Vr + 30.0 - 2 * L + 12.0 - L, 1e-12);

    /* a huge jump: at most max_spikes_per_step in this step, the rest of
     * the excess is released in the next steps; the total number of spikes
     * is floor((V - V_reset)/L) as if there were no cap */
    double v = V(&c, 0) + 200.0;
    long total = (long)floor((v - Vr) / L);
    c.in[0][0] = 200.0;
    int cap = c.t->max_spikes_per_step;
    ns = cell_step(&c, 0.0);
    assert_int_equal(ns, cap < total ? cap : total);
    long sum = (long)ns;
    for (int k = 0; k < 10; k++)
        sum += (long)cell_step(&c, 0.0);
    assert_int_equal(sum, total);
    assert_close(V(&c, 0), v - (double)total * L, 1e-9);
    assert_true(V(&c, 0) >= Vr && V(&c, 0) < Vth);
    cell_free(&c);
}

/* ------------------------------------------------------------------------
 * Pipeline helpers. */

static void sim_run(sim *s, const char *text)
{
    sim_load(s, text, "neurons-test", 0);
    sim_engine(s);
}

/* Float trace of recorder r, population k (n_nodes must be 1 unless
 * node >= 0 picks one). */
static void get_trace(const sim *s, int r, int k, const float **data, size_t *n_times,
                      uint32_t *n_nodes, double *t0, double *dt)
{
    assert_true(sf_recording_trace(s->rec, r, k, data, n_times, n_nodes, t0, dt));
}

/* ------------------------------------------------------------------------
 * Pipeline: timing of input spikes. */

static void test_pipeline_delta_timing(void **state)
{
    (void)state;
    /* two input spikes: t = 3.2 ms and 11.0 ms, delay 1.7 ms: V jumps at
     * 4.9 ms and 12.7 ms */
    const char *text =
        "simulation: {resolution: 0.1, duration: 30.0, seed: 1}\n"
        "populations:\n"
        "  N: {model: iaf_psc_delta, n: 2,\n"
        "      params: {E_L: -65.3, V_th: -40.0, V_reset: -70.0, tau_m: 13.7, C_m: 237.5}}\n"
        "inputs:\n"
        "  g: {kind: spike_generator, targets: N, times: [3.2, 11.0], weight: 2.385, delay: 1.7}\n"
        "recorders:\n"
        "  vm: {kind: voltmeter, populations: N, n: 2, interval: 0.1}\n";
    sim s;
    sim_run(&s, text);
    const float *d;
    size_t nt;
    uint32_t nn;
    double t0, dt;
    get_trace(&s, 0, 0, &d, &nt, &nn, &t0, &dt);
    assert_int_equal(nn, 2);
    assert_int_equal(nt, 300);
    assert_close(t0, 0.1, 1e-12);
    assert_close(dt, 0.1, 1e-12);
    const double E_L = -65.3, w = 2.385, tau_m = 13.7, arr[2] = {4.9, 12.7};
    for (size_t j = 0; j < nt; j++) {
        double t = t0 + (double)j * dt, ref = E_L;
        for (int a = 0; a < 2; a++)
            if (t >= arr[a] - 1e-9)
                ref += w * exp(-(t - arr[a]) / tau_m);
        for (uint32_t i = 0; i < nn; i++)
            if (!(fabs(d[j * nn + i] - ref) <= 1e-5 * fabs(ref)))
                fail_msg("t = %.1f ms, neuron %u: V = %.7g mV, expected %.7g", t, i,
                         d[j * nn + i], ref);
    }
    sim_free(&s);
}

static void test_pipeline_exp_timing(void **state)
{
    (void)state;
    /* excitatory spike at 3.2 ms (delay 1.7) and inhibitory at 6.1 ms
     * (delay 0.5): currents jump at 4.9 ms and 6.6 ms. E_L = 0 so that V is
     * the PSP itself and float precision is relative to it. */
    const char *text =
        "simulation: {resolution: 0.1, duration: 40.0, seed: 1}\n"
        "populations:\n"
        "  N: {model: iaf_psc_exp, n: 1,\n"
        "      params: {E_L: 0.0, V_th: 100.0, V_reset: -10.0, tau_m: 13.7, C_m: 237.5,\n"
        "               tau_syn_ex: 2.385, tau_syn_in: 5.7}}\n"
        "inputs:\n"
        "  ex: {kind: spike_generator, targets: N, times: [3.2], weight: 385.0, delay: 1.7}\n"
        "  in: {kind: spike_generator, targets: N, times: [6.1], weight: -211.3, delay: 0.5}\n"
        "recorders:\n"
        "  vm: {kind: voltmeter, populations: N, interval: 0.1}\n"
        "  iex: {kind: voltmeter, populations: N, variable: I_syn_ex}\n"
        "  iin: {kind: voltmeter, populations: N, variable: I_syn_in}\n";
    sim s;
    sim_run(&s, text);
    const float *v, *ie, *ii;
    size_t nt;
    uint32_t nn;
    double t0, dt;
    get_trace(&s, 0, 0, &v, &nt, &nn, &t0, &dt);
    get_trace(&s, 1, 0, &ie, &nt, &nn, &t0, &dt);
    get_trace(&s, 2, 0, &ii, &nt, &nn, &t0, &dt);
    const double C = 237.5, tau_m = 13.7;
    double peak = 0;
    for (size_t j = 0; j < nt; j++) {
        double t = t0 + (double)j * dt;
        peak = fmax(peak, fabs(psc_exp_psp(385.0, C, 2.385, tau_m, t - 4.9)));
    }
    for (size_t j = 0; j < nt; j++) {
        double t = t0 + (double)j * dt;
        double ref = psc_exp_psp(385.0, C, 2.385, tau_m, t - 4.9) +
                     psc_exp_psp(-211.3, C, 5.7, tau_m, t - 6.6);
        if (!(fabs(v[j] - ref) <= 1e-5 * peak))
            fail_msg("t = %.1f ms: V = %.7g mV, expected %.7g", t, v[j], ref);
        double rex = t >= 4.9 - 1e-9 ? 385.0 * exp(-(t - 4.9) / 2.385) : 0.0;
        double rin = t >= 6.6 - 1e-9 ? -211.3 * exp(-(t - 6.6) / 5.7) : 0.0;
        if (!(fabs(ie[j] - rex) <= 1e-5 * 385.0) || !(fabs(ii[j] - rin) <= 1e-5 * 211.3))
            fail_msg("t = %.1f ms: I_ex = %.7g (expected %.7g), I_in = %.7g (expected %.7g)", t,
                     ie[j], rex, ii[j], rin);
    }
    sim_free(&s);
}

/* ------------------------------------------------------------------------
 * Pipeline: spike times under DC drive match the first-passage time. */

/* Expected spike steps of a leaky neuron from rest (V = E_L at t = 0) under
 * current I switched on at step k_on: the first grid step where V >= V_th,
 * then after each spike t_ref of clamping and a new passage from V_reset.
 * First passage from V0: T = tau_m ln((R I - (V0 - E_L)) / (R I - (V_th - E_L))). */
static int expected_spikes(double E_L, double Vth, double Vr, double tau_m, double C, double I,
                           double t_ref, double h, int64_t k_on, int64_t n_steps, int64_t *out,
                           int cap)
{
    const double R = tau_m / C, th = Vth - E_L, vr = Vr - E_L;
    assert_true(R * I > th);
    const double T0 = tau_m * log(R * I / (R * I - th));
    const double T1 = tau_m * log((R * I - vr) / (R * I - th));
    /* keep away from grid points, where rounding could decide */
    assert_true(fabs(T0 / h - nearbyint(T0 / h)) > 1e-6);
    assert_true(fabs(T1 / h - nearbyint(T1 / h)) > 1e-6);
    const int64_t ref = (int64_t)nearbyint(t_ref / h);
    int n = 0;
    int64_t k = k_on + (int64_t)ceil(T0 / h);
    while (k <= n_steps && n < cap) {
        out[n++] = k;
        k += ref + (int64_t)ceil(T1 / h);
    }
    return n;
}

static void check_dc_spikes(const char *model, const char *drive, int64_t k_on)
{
    const double E_L = -65.3, Vth = -50.1, Vr = -68.5, tau_m = 13.7, C = 237.5, I = 385.0;
    const double t_ref = 2.3, h = 0.1, T = 200.0;
    char text[1024];
    snprintf(text, sizeof text,
             "simulation: {resolution: 0.1, duration: 200.0, seed: 1}\n"
             "populations:\n"
             "  N: {model: %s, n: 3,\n"
             "      params: {E_L: %g, V_th: %g, V_reset: %g, tau_m: %g, C_m: %g, t_ref: %g%s}}\n"
             "%s",
             model, E_L, Vth, Vr, tau_m, C, t_ref, drive ? "" : ", I_e: 385.0",
             drive ? drive : "");
    sim s;
    sim_run(&s, text);
    int64_t want[64];
    int nw = expected_spikes(E_L, Vth, Vr, tau_m, C, I, t_ref, h, k_on,
                             (int64_t)nearbyint(T / h), want, 64);
    assert_true(nw >= 8); /* several periods */
    const uint32_t *ids;
    const int64_t *steps;
    size_t n;
    assert_true(sf_recording_spikes(s.rec, 0, &ids, &steps, &n));
    if (n != 3u * (size_t)nw)
        fail_msg("%s: %zu spikes, expected %d per neuron x 3", model, n, nw);
    for (int q = 0; q < nw; q++)
        for (uint32_t i = 0; i < 3; i++) {
            size_t a = (size_t)q * 3 + i;
            if (ids[a] != i || steps[a] != want[q])
                fail_msg("%s: spike %zu is (neuron %u, step %lld), expected (%u, %lld)", model, a,
                         ids[a], (long long)steps[a], i, (long long)want[q]);
        }
    sim_free(&s);
}

static void test_pipeline_dc_spike_times(void **state)
{
    (void)state;
    check_dc_spikes("iaf_psc_delta", NULL, 0);
    check_dc_spikes("iaf_psc_exp", NULL, 0);
    /* the same current from a dc input, and from one switched on at 5 ms
     * (active from the step that starts at 5 ms) */
    check_dc_spikes("iaf_psc_delta", "inputs: {dc: {kind: dc, targets: N, amplitude: 385.0}}\n", 0);
    check_dc_spikes("iaf_psc_exp",
                    "inputs: {dc: {kind: dc, targets: N, amplitude: 385.0, start: 5.0}}\n", 50);
}

/* ------------------------------------------------------------------------
 * pif_psc_delta driven by Poisson input: rate nu w / L.
 *
 * With overshoot-preserving reset and jumps w < L, V stays in [V_reset,
 * V_th) after every step, so a neuron with initial V0 that received M input
 * events by time T has emitted exactly S = floor((V0 - V_reset + w M) / L)
 * spikes. With V0 uniform on [V_reset, V_th), E[floor(U + x)] = x for U
 * uniform on [0, 1), so E[S | M] = w M / L and E[S] = w nu T / L.
 * Var S = Var E[S|M] + E Var[S|M] = (w/L)^2 nu T + E[f(1 - f)] with f the
 * fractional part of w M / L, so Var S <= (w/L)^2 nu T + 1/4. Neurons are
 * independent (own V0 and Poisson stream), so the mean count over N neurons
 * has SE <= sqrt(((w/L)^2 nu T + 1/4) / N). Tolerance: 4 SE. */
static void test_pif_poisson_rate(void **state)
{
    (void)state;
    const char *text =
        "simulation: {resolution: 0.1, duration: 1000.0, seed: 2385}\n"
        "populations:\n"
        "  P: {model: pif_psc_delta, n: 500, params: {V_th: 15.3, V_reset: 2.1},\n"
        "      initial: {V_m: {distribution: uniform, low: 2.1, high: 15.3}}}\n"
        "inputs:\n"
        "  drive: {kind: poisson, targets: P, rate: 5000.0, weight: 0.85}\n"
        "recorders:\n"
        "  sp: {kind: spikes, populations: P}\n";
    sim s;
    sim_run(&s, text);
    const int N = 500;
    const double nu = 5000.0, w = 0.85, L = 15.3 - 2.1, T = 1.0; /* s */
    const uint32_t *ids;
    const int64_t *steps;
    size_t n;
    assert_true(sf_recording_spikes(s.rec, 0, &ids, &steps, &n));
    long *count = calloc(N, sizeof(long));
    assert_non_null(count);
    for (size_t a = 0; a < n; a++) {
        assert_true(ids[a] < (uint32_t)N);
        count[ids[a]]++;
    }
    double mean = 0, var = 0;
    for (int i = 0; i < N; i++)
        mean += (double)count[i];
    mean /= N;
    for (int i = 0; i < N; i++)
        var += ((double)count[i] - mean) * ((double)count[i] - mean);
    var /= N - 1;
    const double expect = nu * T * w / L; /* 321.97 spikes, i.e. Hz */
    const double var_bound = (w / L) * (w / L) * nu * T + 0.25;
    const double se = sqrt(var_bound / N);
    if (!(fabs(mean - expect) <= 4 * se))
        fail_msg("rate %.4f Hz, expected %.4f Hz +- %.4f (4 SE)", mean / T, expect / T, 4 * se / T);
    /* the spread across neurons agrees with the derivation: between the
     * lower bound (w/L)^2 nu T and the upper bound, within 4 SE of a sample
     * variance (~ var sqrt(2/(N-1))) */
    const double var_lo = (w / L) * (w / L) * nu * T;
    assert_true(var > var_lo * (1 - 4 * sqrt(2.0 / (N - 1))));
    assert_true(var < var_bound * (1 + 4 * sqrt(2.0 / (N - 1))));
    free(count);
    sim_free(&s);
}

/* The receptor ports of every registered type: at least one, at most the
 * engine's SF_MAX_PORTS (8), distinct names, a time constant that is a
 * parameter in ms (or none), and a default port that honours the port's
 * sign for weights of either sign. iaf_psc_exp follows NEST: w >= 0 -> ex,
 * w < 0 -> in, both signs -> no port. */
static void test_receptor_ports(void **state)
{
    (void)state;
    for (int i = 0; i < sf_neuron_type_count(); i++) {
        const sf_neuron_type *t = sf_neuron_type_at(i);
        assert_non_null(t->ports);
        assert_true(t->n_ports >= 1 && t->n_ports <= 8);
        for (int a = 0; a < t->n_ports; a++) {
            const sf_receptor_port *pa = &t->ports[a];
            assert_non_null(pa->name);
            assert_non_null(pa->doc);
            assert_int_equal(sf_receptor_find(t, pa->name), a);
            assert_true(pa->sign >= -1 && pa->sign <= 1);
            if (pa->tau_param >= 0) {
                assert_true(pa->tau_param < t->n_params);
                assert_string_equal(t->params[pa->tau_param].unit, "ms");
            } else {
                assert_int_equal(pa->tau_param, -1);
            }
        }
        const double ranges[][2] = {{0.0, 0.0}, {0.5, 2.0}, {-2.0, -0.5}};
        for (int r = 0; r < 3; r++) {
            int k = t->default_port ? t->default_port(ranges[r][0], ranges[r][1]) : 0;
            assert_true(k >= 0 && k < t->n_ports);
            if (t->ports[k].sign > 0)
                assert_true(ranges[r][0] >= 0);
            if (t->ports[k].sign < 0)
                assert_true(ranges[r][1] <= 0);
        }
    }
    const sf_neuron_type *e = sf_neuron_type_find("iaf_psc_exp");
    assert_int_equal(e->n_ports, 2);
    assert_int_equal(e->default_port(0.0, 0.0), sf_receptor_find(e, "ex"));
    assert_int_equal(e->default_port(-3.0, -3.0), sf_receptor_find(e, "in"));
    assert_int_equal(e->default_port(-1.0, 1.0), -1);
    assert_int_equal(e->ports[sf_receptor_find(e, "ex")].tau_param, sf_param_index(e, "tau_syn_ex"));
    assert_int_equal(e->ports[sf_receptor_find(e, "in")].tau_param, sf_param_index(e, "tau_syn_in"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dc_response),
        cmocka_unit_test(test_pif_dc),
        cmocka_unit_test(test_delta_psp),
        cmocka_unit_test(test_exp_psp),
        cmocka_unit_test(test_exp_short_tau),
        cmocka_unit_test(test_delta_refractory_discards_input),
        cmocka_unit_test(test_exp_refractory_keeps_current),
        cmocka_unit_test(test_pif_reset),
        cmocka_unit_test(test_pipeline_delta_timing),
        cmocka_unit_test(test_pipeline_exp_timing),
        cmocka_unit_test(test_pipeline_dc_spike_times),
        cmocka_unit_test(test_pif_poisson_rate),
        cmocka_unit_test(test_receptor_ports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
