/* Unit tests of the sinusoidal inputs (ac_generator,
 * sinusoidal_poisson_generator), the response estimator
 * (sf_analysis_response), the transfer measurement of the model file
 * (analysis.transfer) and the PIF dynamic response (sf_theory_pif_response).
 *
 * References are independent of the code under test: the closed-form
 * current and rate; Poisson moments; a direct Monte-Carlo of an
 * inhomogeneous Poisson process (thinning, in the test); the master
 * equation integrated in time (RK4, in the test); the limits the theory
 * states (docs/pif.md). Statistical checks use fixed seeds and state the
 * standard error their tolerance comes from. */
#include <complex.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compare/quantity_impl.h"
#include "network/network_impl.h"
#include "spikefield/analysis.h"
#include "spikefield/compare.h"
#include "spikefield/network.h"
#include "spikefield/predict.h"
#include "spikefield/theory.h"
#include "theory/lif/lif_noise.h"
#include "theory/transfer.h"
#include "test_util.h"

static void sim_build(sim *s, const char *text, int threads)
{
    sim_load(s, text, "response-test", threads);
}

/* The block input of input `input` in block b (NULL when it has none). */
static const sf_block_input *block_input(const sf_block *b, int input)
{
    for (int q = 0; q < b->n_inputs; q++)
        if (b->inputs[q].input == input)
            return &b->inputs[q];
    return NULL;
}

/* ---- ac_generator ------------------------------------------------------- */

/* The current of step k against offset + amplitude sin(2 pi f (k+1) h + phi),
 * NEST's value (the oscillator rotated by one step, then read), zero
 * outside start <= k h < stop; the same in every block. Also through the
 * engine: a PIF integrates h I_k / C_m per step. */
static void test_ac_current(void **state)
{
    (void)state;
    const char *text =
        "simulation: {resolution: 0.1, duration: 50.0, seed: 3}\n"
        "populations:\n"
        "  P: {model: pif_psc_delta, n: 70000, params: {V_th: 1.0e5, V_reset: 0.0, C_m: 100.0}}\n"
        "inputs:\n"
        "  ac: {kind: ac_generator, targets: P, amplitude: 30.0, offset: 5.0, frequency: 37.0,\n"
        "       phase: 60.0, start: 10.0, stop: 40.0}\n"
        "recorders:\n"
        "  v: {kind: voltmeter, populations: P, n: 3, interval: 0.1}\n";
    sim s;
    sim_build(&s, text, 2);
    assert_true(s.net->n_blocks >= 2); /* 70000 neurons: blocks of at most 65536 */
    const double h = 0.1;
    for (int bi = 0; bi < s.net->n_blocks; bi++) {
        const sf_block *b = &s.net->blocks[bi];
        const sf_block_input *src = block_input(b, 0);
        assert_non_null(src);
        for (int64_t k = 0; k < 500; k++) {
            double i_dc = 0;
            src->type->apply(s.net, b, src, k, NULL, &i_dc);
            double t = (double)k * h, want = 0;
            if (t >= 10.0 - 1e-9 && t < 40.0 - 1e-9)
                want = 5.0 + 30.0 * sin(2 * M_PI * 37.0 * (double)(k + 1) * h * 1e-3 + M_PI / 3);
            fail_unless_close(i_dc, want, 1e-12, "ac current of step k");
        }
    }
    /* a long run keeps the phase: step 10^9 against the sine at (k+1) h */
    for (int64_t k = 999999990; k < 1000000000; k++) {
        double ref = sin(fmod(2 * M_PI * 37.0 * ((double)(k + 1) * h * 1e-3), 2 * M_PI) + M_PI / 3);
        fail_unless_close(sf_input_sine_at(37.0, 60.0, h, k), ref, 1e-7, "phase after 1e9 steps");
    }
    if (sf_engine_run(s.ctx, s.net, NULL, &s.rec) != SF_OK)
        fail_msg("run: %s", sf_context_errmsg(s.ctx));
    const float *v;
    size_t nt;
    uint32_t nn;
    double t0, dt;
    assert_true(sf_recording_trace(s.rec, 0, 0, &v, &nt, &nn, &t0, &dt));
    double V = 0; /* V after the update ending at t_q = t0 + q dt is the sum of h I_k / C_m */
    for (size_t q = 0; q < nt; q++) {
        int64_t k = (int64_t)nearbyint((t0 + (double)q * dt) / h) - 1;
        double t = (double)k * h;
        if (t >= 10.0 - 1e-9 && t < 40.0 - 1e-9)
            V += h / 100.0 * (5.0 + 30.0 * sin(2 * M_PI * 37.0 * (double)(k + 1) * h * 1e-3 + M_PI / 3));
        fail_unless_close(v[q * nn], V, 1e-5, "PIF potential integrates the ac current");
    }
    sim_free(&s);
}

/* ---- sinusoidal_poisson_generator --------------------------------------- */

/* Counts per step and phase: with f = 100 Hz and h = 0.1 ms one period is 100
 * steps, so step k has phase j = (k+1) mod 100 and the count is Poisson with
 * lambda_j = max(0, rate + amplitude sin(2 pi j / 100 + phi)) h. For every
 * phase the mean and the variance over n_s = neurons x periods samples are
 * checked against lambda_j with 4.5 SE (mean: sqrt(lambda/n_s); variance:
 * sqrt((lambda + 2 lambda^2)/n_s), Poisson's fourth moment), 200 checks per
 * population: a false alarm below 0.2%. Population Q: lambda 25 .. 75 (the
 * search from the mode); R: the rate clipped at 0 (no events at all there);
 * S: one shared train (every neuron the same count). */
static void test_sinusoidal_counts(void **state)
{
    (void)state;
    const char *text =
        "simulation: {resolution: 0.1, duration: 10.0, seed: 11}\n"
        "populations:\n"
        "  P: {model: pif_psc_delta, n: 400, params: {V_th: 1.0e5, V_reset: 0.0}}\n"
        "  Q: {model: pif_psc_delta, n: 100, params: {V_th: 1.0e5, V_reset: 0.0}}\n"
        "  R: {model: pif_psc_delta, n: 100, params: {V_th: 1.0e5, V_reset: 0.0}}\n"
        "  S: {model: pif_psc_delta, n: 50, params: {V_th: 1.0e5, V_reset: 0.0}}\n"
        "inputs:\n"
        "  p: {kind: sinusoidal_poisson_generator, targets: P, rate: 2000.0, amplitude: 1500.0,\n"
        "      frequency: 100.0, phase: 30.0, weight: 1.0}\n"
        "  q: {kind: sinusoidal_poisson_generator, targets: Q, rate: 5.0e5, amplitude: 2.5e5,\n"
        "      frequency: 100.0, weight: 1.0}\n"
        "  r: {kind: sinusoidal_poisson_generator, targets: R, rate: 1000.0, amplitude: 3000.0,\n"
        "      frequency: 100.0, weight: 1.0}\n"
        "  s: {kind: sinusoidal_poisson_generator, targets: S, rate: 1000.0, amplitude: 800.0,\n"
        "      frequency: 100.0, weight: 1.0, individual_spike_trains: false}\n";
    sim s;
    sim_build(&s, text, 1);
    const double h = 0.1;
    const struct {
        int pop, periods;
        double rate, amp, phase;
    } cs[] = {{0, 100, 2000, 1500, 30}, {1, 20, 5e5, 2.5e5, 0}, {2, 50, 1000, 3000, 0},
              {3, 400, 1000, 800, 0}};
    for (int c = 0; c < 4; c++) {
        const sf_block *b = NULL;
        for (int bi = 0; bi < s.net->n_blocks; bi++)
            if (s.net->blocks[bi].pop == cs[c].pop)
                b = &s.net->blocks[bi];
        assert_non_null(b);
        const sf_block_input *src = block_input(b, c);
        assert_non_null(src);
        double *row = calloc(b->n, sizeof *row), *s1 = calloc(100, sizeof *s1),
               *s2 = calloc(100, sizeof *s2);
        double *in[1] = {row};
        for (int64_t k = 0; k < 100 * (int64_t)cs[c].periods; k++) {
            memset(row, 0, b->n * sizeof *row);
            double i_dc = 0;
            src->type->apply(s.net, b, src, k, in, &i_dc);
            int j = (int)((k + 1) % 100);
            for (uint32_t i = 0; i < b->n; i++) {
                assert_true(row[i] >= 0 && row[i] == floor(row[i]));
                if (c == 3)
                    assert_true(row[i] == row[0]); /* one shared train */
                s1[j] += row[i];
                s2[j] += row[i] * row[i];
            }
            assert_true(i_dc == 0);
        }
        const double ns = (double)b->n * cs[c].periods;
        for (int j = 0; j < 100; j++) {
            double lam = fmax(0, cs[c].rate + cs[c].amp * sin(2 * M_PI * j / 100.0 +
                                                              cs[c].phase * M_PI / 180)) *
                         h * 1e-3;
            double mean = s1[j] / ns, var = (s2[j] - ns * mean * mean) / (ns - 1);
            if (lam == 0) {
                assert_true(s1[j] == 0);
                continue;
            }
            if (c == 3) { /* one train: periods samples, not neurons x periods */
                double np = cs[c].periods;
                fail_unless_close(mean, lam, 4.5 * sqrt(lam / np), "shared train mean");
                continue;
            }
            fail_unless_close(mean, lam, 4.5 * sqrt(lam / ns), "count mean per phase");
            fail_unless_close(var, lam, 4.5 * sqrt((lam + 2 * lam * lam) / ns),
                              "count variance per phase");
        }
        free(row);
        free(s1);
        free(s2);
    }
    sim_free(&s);
}

/* Frequency groups (analysis.transfer) and bit-identical results with 1, 2
 * and 3 threads: spikes of a PIF population driven by the grouped
 * sinusoidal input, and potentials of one driven by an ac current. */
static const char *const GROUPS =
    "simulation: {resolution: 0.1, duration: 300.0, seed: 5}\n"
    "analysis:\n"
    "  transfer: {input: s, frequencies: [5.0, 50.0, 500.0]}\n"
    "populations:\n"
    "  P: {model: pif_psc_delta, n: 301, params: {V_th: 10.0, V_reset: 0.0}}\n"
    "  Q: {model: iaf_psc_delta, n: 7}\n"
    "inputs:\n"
    "  s: {kind: sinusoidal_poisson_generator, targets: P, rate: 800.0, amplitude: 400.0,\n"
    "      frequency: 10.0, weight: 0.5}\n"
    "  a: {kind: ac_generator, targets: Q, amplitude: 200.0, offset: 300.0, frequency: 20.0}\n"
    "recorders:\n"
    "  sp: {kind: spike_recorder, populations: P}\n"
    "  vq: {kind: voltmeter, populations: Q, n: 7, interval: 0.1}\n";

static void test_groups_threads(void **state)
{
    (void)state;
    sim ref;
    sim_build(&ref, GROUPS, 1);
    const sf_input *in = &ref.m->inputs[0];
    assert_true(in->transfer && in->n_freq == 3 && in->freq[2] == 500.0);
    /* the groups are contiguous: neurons 0..100, 101..200, 201..300 */
    assert_int_equal(sf_input_frequency_group(in, 100, 301), 0);
    assert_int_equal(sf_input_frequency_group(in, 101, 301), 1);
    assert_int_equal(sf_input_frequency_group(in, 300, 301), 2);
    sf_transfer_point pts[4];
    assert_int_equal(sf_transfer_points(ref.m, -1, pts, 4), 3);
    assert_true(pts[1].f == 50.0 && pts[1].first == 101 && pts[1].count == 100);
    assert_true(pts[2].first == 201 && pts[2].count == 100);
    if (sf_engine_run(ref.ctx, ref.net, NULL, &ref.rec) != SF_OK)
        fail_msg("run: %s", sf_context_errmsg(ref.ctx));
    const uint32_t *ids0;
    const int64_t *st0;
    size_t n0;
    assert_true(sf_recording_spikes(ref.rec, 0, &ids0, &st0, &n0));
    assert_true(n0 > 1000);
    const float *v0;
    size_t nt0;
    uint32_t nn0;
    double t00, dt0;
    assert_true(sf_recording_trace(ref.rec, 1, 0, &v0, &nt0, &nn0, &t00, &dt0));
    for (int threads = 2; threads <= 3; threads++) {
        sim s;
        sim_build(&s, GROUPS, threads);
        if (sf_engine_run(s.ctx, s.net, NULL, &s.rec) != SF_OK)
            fail_msg("run: %s", sf_context_errmsg(s.ctx));
        const uint32_t *ids;
        const int64_t *st;
        size_t n;
        assert_true(sf_recording_spikes(s.rec, 0, &ids, &st, &n));
        assert_int_equal(n, n0);
        assert_memory_equal(ids, ids0, n * sizeof *ids);
        assert_memory_equal(st, st0, n * sizeof *st);
        const float *v;
        size_t nt;
        uint32_t nn;
        double t0, dt;
        assert_true(sf_recording_trace(s.rec, 1, 0, &v, &nt, &nn, &t0, &dt));
        assert_int_equal(nt * nn, nt0 * nn0);
        assert_memory_equal(v, v0, nt * nn * sizeof *v);
        sim_free(&s);
    }
    sim_free(&ref);
}

/* Errors of analysis.transfer name the key and say what is wrong. */
static void test_transfer_errors(void **state)
{
    (void)state;
    static const struct {
        const char *section, *inputs, *msg;
    } cases[] = {
        {"{input: x}", "", "no input named 'x'"},
        {"{input: d}", "", "needs an ac_generator or a sinusoidal_poisson_generator"},
        {"{input: a, frequencies: [1.0, 2.0]}", "", "cannot modulate groups of them at 2"},
        {"{input: s0}", "", "needs a frequency > 0"},
        {"{input: s, frequencies: [0.0]}", "", "out of range"},
        {"{input: s, frequencies: [6000.0]}", "", "out of range"},
        {"{input: s, bands: 3}", "", "bands"},
        {"{input: [a, s]}", "", "measure one kind per population"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char text[2048];
        snprintf(text, sizeof text,
                 "simulation: {resolution: 0.1, duration: 100.0}\n"
                 "analysis: {transfer: %s}\n"
                 "populations: {P: {model: pif_psc_delta, n: 10}}\n"
                 "inputs:\n"
                 "  d: {kind: dc_generator, targets: P, amplitude: 1.0}\n"
                 "  a: {kind: ac_generator, targets: P, amplitude: 1.0, frequency: 3.0}\n"
                 "  s: {kind: sinusoidal_poisson_generator, targets: P, rate: 10.0, "
                 "amplitude: 5.0, frequency: 3.0, weight: 1.0}\n"
                 "  s0: {kind: sinusoidal_poisson_generator, targets: P, rate: 10.0, "
                 "amplitude: 5.0, weight: 1.0}\n%s",
                 cases[c].section, cases[c].inputs);
        sf_context *ctx = sf_context_create();
        sf_model *m = NULL;
        assert_int_not_equal(sf_model_load_string(ctx, text, "t", NULL, 0, &m), SF_OK);
        if (!strstr(sf_context_errmsg(ctx), cases[c].msg) ||
            !strstr(sf_context_errmsg(ctx), "analysis.transfer"))
            fail_msg("case %zu: message '%s' lacks '%s'", c, sf_context_errmsg(ctx), cases[c].msg);
        assert_null(m);
        sf_context_destroy(ctx);
    }
}

/* ---- the response estimator ------------------------------------------- */

/* Inhomogeneous Poisson trains r(t) = r0 + a sin(w t + phi) by thinning a
 * homogeneous train of rate r0 + a (drawn here with its own stream), on the
 * grid h (time = step h, at most one spike per step and neuron: r h << 1).
 * X = a e^{i phi}. Over R = 200 independent repetitions of N = 100 neurons
 * and T = 2 s: (1) the z-scores of Re X, Im X, the amplitude and the phase
 * have mean 0 (4 SE: 4/sqrt(R)) and standard deviation 1 (within 4 SE of a
 * sample SD, 4/sqrt(2R)), so the stated SE is right; (2) the SE of Re X
 * matches the closed form sqrt(2 r0 / (N T)) for a Poisson train, 10%; (3)
 * the mean amplitude and phase match a and phi within 4 SE of their means. */
static void test_response_estimator(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    const double h = 0.1, T = 2000.0, r0 = 30.0, a = 12.0, phi = 0.7, f = 7.0;
    const uint32_t N = 100;
    const int R = 200;
    const size_t cap = (size_t)(N * (r0 + a) * T * 1e-3 * 2 + 1000);
    uint32_t *ids = malloc(cap * sizeof *ids);
    int64_t *steps = malloc(cap * sizeof *steps);
    double zs[4][2] = {{0}}, amp_m = 0, ph_m = 0, se_re = 0;
    sf_rng rng;
    for (int rep = 0; rep < R; rep++) {
        sf_rng_init(&rng, 99, SF_RNG_ANALYSIS, (uint64_t)rep);
        size_t ns = 0;
        const int64_t nk = (int64_t)(T / h);
        for (int64_t k = 1; k <= nk; k++) {
            double t = (double)k * h, lam = (r0 + a * sin(2e-3 * M_PI * f * t + phi)) * h * 1e-3;
            for (uint32_t j = 0; j < N; j++)
                if (sf_rng_uniform(&rng) < lam) {
                    assert_true(ns < cap);
                    ids[ns] = j;
                    steps[ns++] = k;
                }
        }
        sf_spikes sp = {ids, steps, ns, N, 0, h};
        sf_response r;
        assert_int_equal(sf_analysis_response(ctx, &sp, 0, N, 0.0, T + h, f, &r), SF_OK);
        assert_true(fabs(r.t_used_ms - T) < 1e-6); /* 14 whole periods */
        double z[4] = {(r.re - a * cos(phi)) / sqrt(r.var_re), (r.im - a * sin(phi)) / sqrt(r.var_im),
                       (r.amplitude - a) / r.amplitude_se, remainder(r.phase - phi, 2 * M_PI) / r.phase_se};
        for (int q = 0; q < 4; q++) {
            zs[q][0] += z[q];
            zs[q][1] += z[q] * z[q];
        }
        amp_m += r.amplitude;
        ph_m += r.phase;
        se_re += sqrt(r.var_re);
    }
    static const char *const what[4] = {"Re X", "Im X", "amplitude", "phase"};
    for (int q = 0; q < 4; q++) {
        double mz = zs[q][0] / R, sdz = sqrt(zs[q][1] / R - mz * mz);
        if (!(fabs(mz) <= 4 / sqrt(R)) || !(fabs(sdz - 1) <= 4 / sqrt(2.0 * R)))
            fail_msg("%s: z mean %.3f, sd %.3f over %d repetitions", what[q], mz, sdz, R);
    }
    se_re /= R;
    fail_unless_close(se_re, sqrt(2 * r0 / (N * T * 1e-3)), 0.1 * se_re, "SE of Re X (Poisson)");
    fail_unless_close(amp_m / R, a, 4 * se_re / sqrt(R), "mean amplitude");
    fail_unless_close(ph_m / R, phi, 4 * se_re / a / sqrt(R), "mean phase");
    /* too short a window, too few neurons: an error that says so */
    sf_spikes sp = {ids, steps, 0, N, 0, h};
    sf_response r;
    assert_int_equal(sf_analysis_response(ctx, &sp, 0, N, 0.0, 100.0, 7.0, &r), SF_ERR_RANGE);
    assert_non_null(strstr(sf_context_errmsg(ctx), "no whole period"));
    assert_int_equal(sf_analysis_response(ctx, &sp, 0, 1, 0.0, 1000.0, 7.0, &r), SF_ERR_RANGE);
    free(ids);
    free(steps);
    sf_context_destroy(ctx);
}

/* ---- PIF dynamic response ----------------------------------------------- */

/* Excitation alone: exact and diffusion are both all-pass, w/L: the exact
 * by the translation argument, the diffusion because mu and D are
 * modulated in proportion (a time change). Proportional modulation of E and
 * I (a_e/nu_e = a_i/nu_i = eps) is a time change of the whole input: both
 * H = eps r at every frequency, a non-trivial identity for the lattice
 * solver and the 4 x 4 system alike. */
static void test_pif_response_identities(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    double f[] = {0.0, 0.3, 3.0, 30.0, 300.0, 3000.0, 3e4};
    double complex ex[7], df[7];
    sf_theory_pif e_only = {10, 0, 400, 0.7, 0, 0.7}; /* w does not divide L */
    assert_int_equal(sf_theory_pif_response(ctx, &e_only, 1, 0, f, 7, ex, df), SF_OK);
    for (int k = 0; k < 7; k++) {
        fail_unless_close(creal(ex[k]), 0.07, 1e-14, "exact, excitation alone");
        fail_unless_close(cimag(ex[k]), 0, 1e-14, "exact phase, excitation alone");
        fail_unless_close(cabs(df[k] - 0.07), 0, 1e-10, "diffusion, excitation alone");
    }
    sf_theory_pif ei = {10, 0, 400, 0.5, 200, 0.5};
    const double eps = 0.1, r = 10.0;
    assert_int_equal(sf_theory_pif_response(ctx, &ei, eps * 400, eps * 200, f, 7, ex, df), SF_OK);
    for (int k = 0; k < 7; k++) {
        fail_unless_close(cabs(ex[k] - eps * r), 0, 1e-9, "exact, proportional modulation");
        fail_unless_close(cabs(df[k] - eps * r), 0, 1e-9, "diffusion, proportional modulation");
    }
    /* no exact solution off the lattice: an error naming the weights */
    sf_theory_pif off = {10, 0, 400, 0.5, 200, 0.3};
    assert_int_equal(sf_theory_pif_response(ctx, &off, 1, 0, f, 2, ex, NULL), SF_ERR_ARG);
    assert_non_null(strstr(sf_context_errmsg(ctx), "w_i = 0.3"));
    assert_int_equal(sf_theory_pif_response(ctx, &off, 1, 0, f, 2, NULL, df), SF_OK);
    sf_context_destroy(ctx);
}

/* The limits of docs/pif.md: (1) f -> 0: both give d r / d nu_e = w/L and
 * d r / d nu_i = -w/L (the rate mu/L is exact), at 1e-6 Hz to 1e-6;
 * (2) f -> inf: exact -> P_1 = (1 - q) w / L for excitation (the mass just
 * below threshold fires at once) and -> 0 for inhibition; diffusion ->
 * (D_1/D) r for both (only the noise-intensity channel passes), approached
 * as f^-1/2 (at 1e9 Hz within 0.3%); (3) small jumps: the exact lattice
 * response converges to the diffusion one at fixed mu, D as w -> 0, with
 * the difference shrinking like w (n = 50 -> 400: at least 4x smaller at
 * 10 and 30 Hz, and below 0.2% at n = 400). */
static void test_pif_response_limits(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    const sf_theory_pif p = {10, 0, 400, 0.5, 200, 0.5};
    const double L = 10, w = 0.5, q = 0.5, r = 10, D = 0.5 * (400 + 200) * w * w;
    double f0 = 1e-6, fh[2] = {1e7, 1e9};
    double complex ex, df, exh[2], dfh[2];
    assert_int_equal(sf_theory_pif_response(ctx, &p, 1, 0, &f0, 1, &ex, &df), SF_OK);
    fail_unless_close(cabs(ex - w / L), 0, 1e-6 * w / L, "exact d r/d nu_e at 1 uHz");
    fail_unless_close(cabs(df - w / L), 0, 1e-6 * w / L, "diffusion d r/d nu_e at 1 uHz");
    assert_int_equal(sf_theory_pif_response(ctx, &p, 0, 1, &f0, 1, &ex, &df), SF_OK);
    fail_unless_close(cabs(ex + w / L), 0, 1e-6 * w / L, "exact d r/d nu_i at 1 uHz");
    fail_unless_close(cabs(df + w / L), 0, 1e-6 * w / L, "diffusion d r/d nu_i at 1 uHz");
    assert_int_equal(sf_theory_pif_response(ctx, &p, 1, 0, fh, 2, exh, dfh), SF_OK);
    const double lim_d = 0.5 * w * w / D * r;
    fail_unless_close(cabs(exh[0] - (1 - q) * w / L), 0, 1e-6, "exact excitatory limit");
    fail_unless_close(cabs(dfh[1] - lim_d), 0, 3e-3 * lim_d, "diffusion excitatory limit");
    assert_true(cabs(dfh[1] - lim_d) < 0.2 * cabs(dfh[0] - lim_d)); /* ~ f^-1/2 */
    assert_int_equal(sf_theory_pif_response(ctx, &p, 0, 1, fh, 2, exh, dfh), SF_OK);
    fail_unless_close(cabs(exh[0]), 0, 1e-6, "exact inhibitory limit");
    fail_unless_close(cabs(dfh[1] - lim_d), 0, 3e-3 * lim_d, "diffusion inhibitory limit");
    /* small jumps at fixed mu = 100 mV/s, D = 75 mV^2/s: w = L/n,
     * nu_e + nu_i = 2D/w^2, nu_e - nu_i = mu/w */
    double fs[2] = {10, 30}, dif[2][2];
    const long ns[2] = {50, 400};
    for (int c = 0; c < 2; c++) {
        double wn = L / (double)ns[c], sum = 2 * 75.0 / (wn * wn), dif_ = 100.0 / wn;
        sf_theory_pif pn = {10, 0, 0.5 * (sum + dif_), wn, 0.5 * (sum - dif_), wn};
        double complex e2[2], d2[2];
        assert_int_equal(sf_theory_pif_response(ctx, &pn, 1, 0, fs, 2, e2, d2), SF_OK);
        for (int k = 0; k < 2; k++)
            dif[c][k] = cabs(e2[k] - d2[k]) / cabs(d2[k]);
    }
    for (int k = 0; k < 2; k++) {
        if (!(dif[1][k] < dif[0][k] / 4 && dif[1][k] < 2e-3))
            fail_msg("f = %g Hz: exact - diffusion %.3g (n = 50), %.3g (n = 400)", fs[k],
                     dif[0][k], dif[1][k]);
    }
    sf_context_destroy(ctx);
}

/* The exact lattice response against an independent method: the master
 * equation integrated in time (RK4, step 1e-5 s, states k = 1 .. 80) under
 * nu_e(t) = nu_e + eps sin(w t), from the stationary occupations, for 3
 * periods after 0.3 s of settling (the slowest relaxation is ~1/r = 20 ms); the response is the Fourier component of
 * r(t) = nu_e(t) P_1(t), per unit eps (eps = 1e-3 nu_e: the second order
 * is below 1e-6 relative). n = 4, q = 0.5, f = 20 and 200 Hz; 1e-4 relative. */
static void rhs(const double *P, int K, int n, double ne, double ni, double *dP)
{
    for (int k = 1; k <= K; k++) {
        double up = k < K ? P[k] : 0, dn = k > 1 ? P[k - 2] : 0;
        dP[k - 1] = ne * (up - P[k - 1]) + ni * (dn - P[k - 1]) + (k == n ? ne * P[0] : 0);
    }
}

static void test_pif_response_master_equation(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    enum { K = 80, n = 4 };
    const double ne = 400, ni = 200, q = 0.5, eps = 0.4;
    const sf_theory_pif p = {2.0, 0.0, ne, 0.5, ni, 0.5};
    double fr[2] = {20, 200};
    double complex H[2];
    assert_int_equal(sf_theory_pif_response(ctx, &p, 1, 0, fr, 2, H, NULL), SF_OK);
    for (int c = 0; c < 2; c++) {
        double P[K], k1[K], k2[K], k3[K], k4[K], tmp[K];
        for (int k = 1; k <= K; k++)
            P[k - 1] = k <= n ? (1 - pow(q, k)) / n : (1 - pow(q, n)) * pow(q, k - n) / n;
        const double w = 2 * M_PI * fr[c], dt = 1e-5, Tp = 1 / fr[c];
        const long settle = (long)nearbyint(0.3 / dt) / (long)nearbyint(Tp / dt) * (long)nearbyint(Tp / dt), meas = (long)nearbyint(3 * Tp / dt);
        double complex acc = 0;
        double t = 0;
        for (long s = 0; s < settle + meas; s++) {
            double nu[3] = {ne + eps * sin(w * t), ne + eps * sin(w * (t + dt / 2)),
                            ne + eps * sin(w * (t + dt))};
            if (s >= settle) { /* trapezoid-free: left Riemann sum of r e^{-i w t} */
                acc += nu[0] * P[0] * cexp(-I * w * t) * dt;
            }
            rhs(P, K, n, nu[0], ni, k1);
            for (int i = 0; i < K; i++) tmp[i] = P[i] + 0.5 * dt * k1[i];
            rhs(tmp, K, n, nu[1], ni, k2);
            for (int i = 0; i < K; i++) tmp[i] = P[i] + 0.5 * dt * k2[i];
            rhs(tmp, K, n, nu[1], ni, k3);
            for (int i = 0; i < K; i++) tmp[i] = P[i] + dt * k3[i];
            rhs(tmp, K, n, nu[2], ni, k4);
            for (int i = 0; i < K; i++) P[i] += dt / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
            t += dt;
        }
        /* r(t) = r0 + Im(eps H e^{i w t}): (2/T) int r e^{-i w t} = -i eps H */
        double complex Hn = I * (2 / (3 * Tp)) * acc / eps;
        if (!(cabs(Hn - H[c]) <= 1e-3 * cabs(H[c])))
            fail_msg("f = %g Hz: lattice solver %.8f%+.8fi, time integration %.8f%+.8fi", fr[c],
                     creal(H[c]), cimag(H[c]), creal(Hn), cimag(Hn));
    }
    sf_context_destroy(ctx);
}


/* ---- the LIF family's transfer expectation ------------------------------ */

/* compare on a small run: for the ac-driven population without recurrent
 * input the expectation is |H| tau_m / C_m and arg H of the LIF transfer
 * function at the predicted working point (mu from the Poisson drive plus
 * the ac offset as dc); for a modulated Poisson rate of weight J the sum of
 * the mean channel (tau J per Hz) and the noise channel (tau J^2 / 2 per
 * Hz); a recurrently connected population gets NaN with a note saying why. */
static void test_lif_transfer_hook(void **state)
{
    (void)state;
    const char *text =
        "simulation: {resolution: 0.1, duration: 600.0, seed: 4, threads: 1}\n"
        "analysis: {start: 100.0, transfer: {input: [a, b, c]}}\n"
        "populations:\n"
        "  A: {model: iaf_psc_delta, n: 50, params: &p {tau_m: 20.0, C_m: 250.0, t_ref: 2.0,\n"
        "      E_L: 0.0, V_th: 20.0, V_reset: 10.0}}\n"
        "  B: {model: iaf_psc_delta, n: 50, params: *p}\n"
        "  C: {model: iaf_psc_delta, n: 50, params: *p}\n"
        "projections:\n"
        "  BB: {source: B, target: B, rule: fixed_indegree, indegree: 5, weight: 0.1, delay: 1.0}\n"
        "inputs:\n"
        "  bg: {kind: poisson_generator, targets: [A, B, C], rate: 1250.0, weight: 0.6}\n"
        "  a: {kind: ac_generator, targets: A, amplitude: 20.0, offset: 50.0, frequency: 40.0}\n"
        "  b: {kind: ac_generator, targets: B, amplitude: 20.0, frequency: 40.0}\n"
        "  c: {kind: sinusoidal_poisson_generator, targets: C, rate: 100.0, amplitude: 50.0,\n"
        "      frequency: 40.0, weight: 0.2}\n";
    sim s;
    sim_build(&s, text, 1);
    if (sf_engine_run(s.ctx, s.net, NULL, &s.rec) != SF_OK)
        fail_msg("run: %s", sf_context_errmsg(s.ctx));
    sf_quantities *pred = NULL, *cmp = NULL;
    if (sf_predict(s.ctx, s.m, NULL, &pred) != SF_OK || sf_compare(s.ctx, s.m, s.rec, pred, &cmp) != SF_OK)
        fail_msg("compare: %s", sf_context_errmsg(s.ctx));
    /* mu of A: tau (nu J + I/C) = 20 ms (1250 Hz 0.6 mV + 50 pA / 250 pF) */
    long im = sf_quantities_find(pred, "mu", 0, -1), is = sf_quantities_find(pred, "sigma", 0, -1);
    double mu = sf_quantity_values(pred, (size_t)im)[0], sg = sf_quantity_values(pred, (size_t)is)[0];
    fail_unless_close(mu, 20e-3 * 1250 * 0.6 + 20.0 * 50.0 / 250.0, 1e-9, "mu with the ac offset");
    sf_theory_pop tp = {.tau_m = 20, .t_ref = 2, .V_th = 20, .V_reset = 10, .E_L = 0, .C_m = 250, .N = 50};
    sf_theory_workspace *ws = sf_theory_workspace_create(1);
    double f = 40;
    double complex H;
    assert_int_equal(sf_theory_lif_transfer(s.ctx, &tp, mu, sg, &f, 1, false, ws, &H), SF_OK);
    sf_theory_workspace_destroy(ws);
    long ia = sf_quantities_find(cmp, "transfer_amplitude", 0, -1);
    long ip = sf_quantities_find(cmp, "transfer_phase", 0, -1);
    assert_true(ia >= 0 && ip >= 0);
    assert_string_equal(sf_quantity_unit(cmp, (size_t)ia), "Hz/pA");
    fail_unless_close(sf_quantity_predicted(cmp, (size_t)ia)[0], cabs(H) * 20.0 / 250.0, 1e-12,
                      "LIF |H| tau/C");
    double ph = sf_quantity_predicted(cmp, (size_t)ip)[0];
    fail_unless_close(remainder(ph - carg(H) * 180 / M_PI, 360.0), 0, 1e-9, "LIF arg H");
    assert_true(isfinite(sf_quantity_values(cmp, (size_t)ia)[0]) && sf_quantity_se(cmp, (size_t)ia)[0] > 0);
    long ib = sf_quantities_find(cmp, "transfer_amplitude", 1, -1);
    long ic = sf_quantities_find(cmp, "transfer_amplitude", 2, -1);
    assert_true(ib >= 0 && ic >= 0);
    assert_true(isnan(sf_quantity_predicted(cmp, (size_t)ib)[0]));
    assert_non_null(strstr(sf_quantity_notes(cmp, (size_t)ib), "recurrent input"));
    /* the modulated rate (J = 0.2 mV): both channels at C's working point */
    im = sf_quantities_find(pred, "mu", 2, -1);
    is = sf_quantities_find(pred, "sigma", 2, -1);
    mu = sf_quantity_values(pred, (size_t)im)[0];
    sg = sf_quantity_values(pred, (size_t)is)[0];
    fail_unless_close(mu, 20e-3 * (1250 * 0.6 + 100 * 0.2), 1e-9, "mu with the mean modulated rate");
    double complex Hd;
    ws = sf_theory_workspace_create(1);
    assert_int_equal(sf_theory_lif_transfer(s.ctx, &tp, mu, sg, &f, 1, false, ws, &H), SF_OK);
    assert_int_equal(sf_theory_lif_transfer_noise(s.ctx, &tp, mu, sg, &f, 1, ws, &Hd), SF_OK);
    sf_theory_workspace_destroy(ws);
    fail_unless_close(sf_quantity_predicted(cmp, (size_t)ic)[0],
                      cabs(H * 0.02 * 0.2 + Hd * 0.5 * 0.02 * 0.2 * 0.2), 1e-12,
                      "LIF rate response: mean and noise channel");
    assert_string_equal(sf_quantity_unit(cmp, (size_t)ic), "Hz/Hz");
    sf_quantities_destroy(cmp);
    sf_quantities_destroy(pred);
    sim_free(&s);
}

/* The noise channel of the LIF response against its two limits, each from
 * an independent quantity: f -> 0: d nu / d D of the Siegert rate by a
 * central difference in D = sigma^2/2 (sf_theory_lif_rate, step 1e-4 mV^2,
 * error ~1e-8 relative), to 1e-6 at 1e-6 Hz; f -> inf: nu / D (the flux
 * -D(t) dP0/dV at threshold follows D(t) while the density cannot), to 1 %
 * at 1e6 Hz (the approach goes as f^-1/2), in a fluctuation-driven and a
 * mean-driven working point. White noise only: tau_s > 0 is refused. */
static void test_lif_noise_limits(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    sf_theory_pop tp = {.tau_m = 20, .t_ref = 2, .V_th = 20, .V_reset = 10, .E_L = 0, .C_m = 250,
                        .N = 1};
    sf_theory_workspace *ws = sf_theory_workspace_create(1);
    const double mus[2] = {15, 25}, sgs[2] = {3, 2};
    for (int c = 0; c < 2; c++) {
        double d = 1e-4, D = 0.5 * sgs[c] * sgs[c];
        sf_theory_rate_result r0, rp, rm;
        assert_int_equal(sf_theory_lif_rate(ctx, &tp, SF_THEORY_SHIFT, mus[c], sgs[c], &r0), SF_OK);
        assert_int_equal(sf_theory_lif_rate(ctx, &tp, SF_THEORY_SHIFT, mus[c], sqrt(2 * (D + d)), &rp),
                         SF_OK);
        assert_int_equal(sf_theory_lif_rate(ctx, &tp, SF_THEORY_SHIFT, mus[c], sqrt(2 * (D - d)), &rm),
                         SF_OK);
        const double nu = r0.rate, nu_p = rp.rate, nu_m = rm.rate;
        double f[2] = {1e-6, 1e6};
        double complex H[2];
        assert_int_equal(sf_theory_lif_transfer_noise(ctx, &tp, mus[c], sgs[c], f, 2, ws, H), SF_OK);
        double dnu = (nu_p - nu_m) / (2 * d);
        fail_unless_close(cabs(H[0] - dnu), 0, 1e-6 * fabs(dnu), "H_D(0) = d nu / d D");
        fail_unless_close(cabs(H[1] - nu / D), 0, 1e-2 * nu / D, "H_D(inf) = nu / D");
    }
    tp.tau_s = 2;
    double f = 10;
    double complex H;
    assert_int_equal(sf_theory_lif_transfer_noise(ctx, &tp, 15, 3, &f, 1, ws, &H), SF_ERR_ARG);
    sf_theory_workspace_destroy(ws);
    sf_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ac_current),
        cmocka_unit_test(test_sinusoidal_counts),
        cmocka_unit_test(test_groups_threads),
        cmocka_unit_test(test_transfer_errors),
        cmocka_unit_test(test_response_estimator),
        cmocka_unit_test(test_pif_response_identities),
        cmocka_unit_test(test_pif_response_limits),
        cmocka_unit_test(test_pif_response_master_equation),
        cmocka_unit_test(test_lif_transfer_hook),
        cmocka_unit_test(test_lif_noise_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
