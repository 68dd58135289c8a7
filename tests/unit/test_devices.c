/* Unit tests of the stimulation and recording devices (src/engine/inputs,
 * src/engine/recorders) and of target subsets: the injected current against
 * closed forms (exactly, up to rounding), the statistics of the stochastic
 * generators against their distributions, windows at the grid edges,
 * subsets, the independence of the results from the number of threads, and
 * the errors bad input gives.
 *
 * The input a generator injects is observed directly: drive() calls the
 * sources of a block as the engine's update phase does and reads the input
 * rows and currents. Statistical checks use fixed seeds; each states the
 * standard error (SE) its tolerance comes from (4 SE unless said). */
#include <hdf5.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "network/network_impl.h"
#include "spikefield/network.h"
#include "theory/map.h"
#include "test_util.h"

/* ------------------------------------------------------------------------
 * Helpers. */

static void sim_build(sim *s, const char *text, int threads)
{
    sim_load(s, text, "devices-test", threads);
}

/* What the inputs give population pop in update k, as the engine's update
 * phase computes it: ev[port * n + i] the events (weight sum) of neuron i
 * into each port, cur[i] its current (i_dc + i_ext). Call with k = 0, 1, ...
 * in order (sources keep cursors). */
static void drive(const sim *s, int pop, int64_t k, double *ev, double *cur)
{
    const sf_network *net = s->net;
    const uint32_t n = s->m->pops[pop].n;
    for (int bi = 0; bi < net->n_blocks; bi++) {
        sf_block *b = &net->blocks[bi];
        if (b->pop != pop)
            continue;
        double *rows[SF_MAX_PORTS];
        for (int c = 0; c < b->n_ports; c++) {
            rows[c] = ev + (size_t)c * n + b->first;
            memset(rows[c], 0, sizeof(double) * b->n);
        }
        if (b->i_ext)
            memset(b->i_ext, 0, sizeof(double) * b->n);
        double i_dc = 0;
        for (int q = 0; q < b->n_inputs; q++)
            b->inputs[q].type->apply(net, b, &b->inputs[q], k, rows, &i_dc);
        for (uint32_t i = 0; i < b->n; i++)
            cur[b->first + i] = i_dc + (b->i_ext ? b->i_ext[i] : 0.0);
    }
}

/* Loads text that must fail with code and a message containing every
 * NULL-terminated string after it. */
static void expect_error(const char *text, sf_status code, ...)
{
    sf_context *ctx = sf_context_create();
    sf_model *m = NULL;
    sf_status st = sf_model_load_string(ctx, text, "bad.yaml", NULL, 0, &m);
    const char *msg = sf_context_errmsg(ctx);
    if (st != code)
        fail_msg("status %d, expected %d; message [%s]", st, code, msg);
    assert_null(m);
    va_list ap;
    va_start(ap, code);
    for (const char *w; (w = va_arg(ap, const char *));)
        if (!strstr(msg, w))
            fail_msg("message [%s] lacks [%s]", msg, w);
    va_end(ap);
    sf_context_destroy(ctx);
}

#define SIM(T) "simulation: {resolution: 0.1, duration: " #T ", seed: 11}\n"

/* ------------------------------------------------------------------------
 * Every neuron type honours the per-neuron current i_ext: a current c given
 * per neuron gives the state the same current as i_dc gives (to rounding),
 * and differs from no current. */
static void test_every_type_takes_i_ext(void **state)
{
    const size_t n = 64;
    const double h = 0.1;
    for (int ti = 0; ti < sf_neuron_type_count(); ti++) {
        const sf_neuron_type *t = sf_neuron_type_at(ti);
        if (t->no_current)
            continue; /* the parser refuses currents onto it (test_bad_input) */
        double p[64];
        for (int i = 0; i < t->n_params; i++)
            p[i] = t->params[i].def;
        void *dv = calloc(1, t->derived_size + 8);
        t->prepare(p, h, dv);
        double *st[3][SF_MAX_STATE], *in[SF_MAX_PORTS];
        for (int v = 0; v < 3; v++)
            for (int s = 0; s < t->n_state; s++)
                st[v][s] = calloc(n, sizeof(double));
        for (int c = 0; c < t->n_ports; c++)
            in[c] = calloc(n, sizeof(double));
        double *scratch = calloc(n, sizeof(double)), *ix = malloc(sizeof(double) * n);
        uint32_t *spk = malloc(sizeof(uint32_t) * n * (size_t)t->max_spikes_per_step);
        const double c = 37.5; /* pA (or the type's drive unit) */
        for (size_t i = 0; i < n; i++)
            ix[i] = c;
        for (int v = 0; v < 3; v++)
            t->init_state(p, st[v], n);
        size_t spikes[3] = {0, 0, 0};
        for (int64_t k = 0; k < 200; k++) {
            sf_step sa = {5, 100, k, h, scratch, NULL}, sb = {5, 100, k, h, scratch, ix};
            spikes[0] += t->update(p, dv, st[0], n, in, c, spk, &sa);   /* as i_dc  */
            spikes[1] += t->update(p, dv, st[1], n, in, 0.0, spk, &sb); /* as i_ext */
            spikes[2] += t->update(p, dv, st[2], n, in, 0.0, spk, &sa); /* none     */
        }
        if (spikes[0] != spikes[1])
            fail_msg("%s: %zu spikes with i_dc, %zu with i_ext", t->name, spikes[0], spikes[1]);
        bool differs = spikes[1] != spikes[2];
        for (int s = 0; s < t->n_state; s++)
            for (size_t i = 0; i < n; i++) {
                double a = st[0][s][i], b = st[1][s][i];
                if (!(fabs(a - b) <= 1e-9 * (1 + fabs(a))))
                    fail_msg("%s: state %s[%zu] %.17g with i_dc, %.17g with i_ext", t->name,
                             t->state_names[s], i, a, b);
                differs |= b != st[2][s][i];
            }
        if (!differs)
            fail_msg("%s ignores sf_step.i_ext", t->name);
        for (int v = 0; v < 3; v++)
            for (int s = 0; s < t->n_state; s++)
                free(st[v][s]);
        for (int q = 0; q < t->n_ports; q++)
            free(in[q]);
        free(scratch);
        free(ix);
        free(spk);
        free(dv);
    }
}

/* ------------------------------------------------------------------------
 * step_current_generator and dc_generator on a subset: the membrane
 * potential of an iaf_psc_delta neuron below threshold is the closed form
 * V(t) = E_L + R sum_i dI_i (1 - exp(-(t - t_i)/tau_m)) over the changes
 * dI_i of the current at t_i (window edges included); neurons outside the
 * subset stay at E_L. float64 multimeter: 1e-9 mV. */
static double v_closed(double t, const double *tc, const double *dI, int nc, double E_L,
                       double R, double tau)
{
    double v = E_L;
    for (int i = 0; i < nc; i++)
        if (t > tc[i])
            v += R * dI[i] * -expm1(-(t - tc[i]) / tau);
    return v;
}

static void test_step_current_closed_form(void **state)
{
    const char *text =
        SIM(30.0)
        "populations:\n"
        "  P: {model: iaf_psc_delta, n: 4, params: {V_th: 1000.0, tau_m: 10.0, C_m: 250.0,\n"
        "      E_L: -65.0, t_ref: 2.0}}\n"
        "inputs:\n"
        "  st: {kind: step_current_generator, targets: [{population: P, neurons: [1]}],\n"
        "       amplitude_times: [5.0, 12.3, 25.0], amplitude_values: [100.0, -50.0, 30.0],\n"
        "       start: 8.0, stop: 20.0}\n"
        "  dc: {kind: dc_generator, targets: 'P[2:4]', amplitude: 40.0, start: 3.0}\n"
        "recorders:\n"
        "  mm: {kind: multimeter, populations: P, record_from: [V_m], interval: 0.1,\n"
        "       precision: float64}\n";
    sim s;
    /* the current itself, exactly, in every update */
    sim_build(&s, text, 2);
    double ev[4], cur[4];
    for (int64_t k = 0; k < 300; k++) {
        drive(&s, 0, k, ev, cur);
        double t = (double)k * 0.1 + 1e-9;
        double want1 = t < 8.0 || t >= 20.0 ? 0.0 : t < 12.3 ? 100.0 : -50.0;
        assert_true(cur[0] == 0.0);
        assert_true(cur[1] == want1);
        assert_true(cur[2] == (t < 3.0 ? 0.0 : 40.0) && cur[3] == cur[2]);
    }
    sim_free(&s);
    sim_build(&s, text, 1);
    sim_engine(&s);
    const void *d;
    bool f64;
    size_t nt;
    uint32_t nn;
    const uint32_t *ids;
    double t0, dt;
    assert_true(sf_recording_trace_var(s.rec, 0, 0, 0, &d, &f64, &nt, &nn, &ids, &t0, &dt));
    assert_true(f64);
    assert_int_equal(nn, 4);
    assert_int_equal(nt, 300);
    const double *v = d, R = 10.0 / 250.0; /* tau_m / C_m: mV per pA */
    /* neuron 1: 0 until the window opens at 8 (100 pA, set at 5), -50 from
     * 12.3, 0 when the window closes at 20 (the change at 25 is outside) */
    const double tc1[] = {8.0, 12.3, 20.0}, dI1[] = {100.0, -150.0, 50.0};
    /* neurons 2, 3: 40 pA from 3 */
    const double tc2[] = {3.0}, dI2[] = {40.0};
    for (size_t j = 0; j < nt; j++) {
        double t = t0 + (double)j * dt;
        fail_unless_close(v[j * nn + 0], -65.0, 0.0, "neuron 0 (not targeted)");
        fail_unless_close(v[j * nn + 1], v_closed(t, tc1, dI1, 3, -65.0, R, 10.0), 1e-9,
                          "neuron 1 (step current)");
        for (int i = 2; i < 4; i++)
            fail_unless_close(v[j * nn + i], v_closed(t, tc2, dI2, 1, -65.0, R, 10.0), 1e-9,
                              "neurons 2, 3 (dc on a slice)");
    }
    /* the grid edge: the first update with current is the one from 8.0 */
    fail_unless_close(v[79 * nn + 1], -65.0, 0.0, "V(8.0) before the window");
    assert_true(v[80 * nn + 1] > -65.0);
    sim_free(&s);
}

/* ------------------------------------------------------------------------
 * noise_generator: the current is piecewise constant over dt, redrawn at
 * start + j dt, zero outside [start, stop), mean and std across neurons and
 * intervals (SE of the mean std/sqrt(N), of the variance std^2
 * sqrt(2/(N-1))), uncorrelated between neurons (SE 1/sqrt(N)); and the
 * membrane fluctuations of iaf_psc_delta at the interval ends match NEST's
 * Sigma = std tau/C sqrt((1-x)/(1+x)), x = exp(-dt/tau). */
static void test_noise_generator(void **state)
{
    const char *text =
        SIM(100.0)
        "populations:\n"
        "  P: {model: iaf_psc_delta, n: 2000, params: {V_th: 1e6, tau_m: 10.0, C_m: 250.0,\n"
        "      E_L: 0.0, V_reset: -10.0}}\n"
        "inputs:\n"
        "  nz: {kind: noise_generator, targets: P, mean: 20.0, std: 50.0, dt: 0.5,\n"
        "       start: 1.0, stop: 96.0}\n"
        "recorders:\n"
        "  mm: {kind: multimeter, populations: P, record_from: [V_m], interval: 0.5,\n"
        "       precision: float64}\n";
    sim s;
    sim_build(&s, text, 1);
    const uint32_t n = 2000;
    double *ev = calloc(n, sizeof(double)), *cur = calloc(n, sizeof(double));
    double *prev = calloc(n, sizeof(double));
    double sum = 0, sum2 = 0, cross = 0;
    size_t N = 0, Nc = 0;
    for (int64_t k = 0; k < 1000; k++) {
        drive(&s, 0, k, ev, cur);
        bool active = k >= 10 && k < 960;
        for (uint32_t i = 0; i < n; i++) {
            if (!active) {
                fail_unless_close(cur[i], 0.0, 0.0, "noise outside the window");
                continue;
            }
            if ((k - 10) % 5 != 0) {
                fail_unless_close(cur[i], prev[i], 0.0, "noise constant within dt");
                continue;
            }
            double x = (cur[i] - 20.0) / 50.0;
            sum += x;
            sum2 += x * x;
            N++;
            if (i + 1 < n) {
                cross += x * (cur[i + 1] - 20.0) / 50.0;
                Nc++;
            }
        }
        memcpy(prev, cur, sizeof(double) * n);
    }
    assert_int_equal(N, (size_t)n * 190);
    double mean = sum / (double)N, var = sum2 / (double)N - mean * mean;
    fail_unless_close(mean, 0.0, 4.0 / sqrt((double)N), "noise mean (units of std)");
    fail_unless_close(var, 1.0, 4.0 * sqrt(2.0 / (double)(N - 1)), "noise variance");
    fail_unless_close(cross / (double)Nc, 0.0, 4.0 / sqrt((double)Nc), "neighbour correlation");
    sim_free(&s);

    /* membrane fluctuations at t = start + j dt, late (stationary) */
    sim_build(&s, text, 2);
    sim_engine(&s);
    const void *d;
    bool f64;
    size_t nt;
    uint32_t nn;
    double t0, dt;
    assert_true(sf_recording_trace_var(s.rec, 0, 0, 0, &d, &f64, &nt, &nn, NULL, &t0, &dt));
    const double *v = d;
    const double x = exp(-0.5 / 10.0), Sigma = 50.0 * 10.0 / 250.0 * sqrt((1 - x) / (1 + x));
    const double mu = 20.0 * 10.0 / 250.0; /* R mean, reached after many tau */
    /* t = 95.0: sample (95 - t0) / dt */
    size_t j = (size_t)nearbyint((95.0 - t0) / dt);
    double m1 = 0, m2 = 0;
    for (uint32_t i = 0; i < nn; i++)
        m1 += v[j * nn + i];
    m1 /= nn;
    for (uint32_t i = 0; i < nn; i++)
        m2 += (v[j * nn + i] - m1) * (v[j * nn + i] - m1);
    m2 /= nn - 1;
    /* mean: SE Sigma/sqrt(n) plus the e^{-94/10} transient; variance: SE
     * Sigma^2 sqrt(2/(n-1)) */
    fail_unless_close(m1, mu, 4.0 * Sigma / sqrt((double)nn) + 1e-3, "mean V_m under noise");
    fail_unless_close(m2, Sigma * Sigma, 4.0 * Sigma * Sigma * sqrt(2.0 / (nn - 1)),
                      "variance of V_m under noise (NEST's Sigma^2)");
    free(ev);
    free(cur);
    free(prev);
    sim_free(&s);
}

/* ------------------------------------------------------------------------
 * poisson_generator with a subset, a window and a delay: counts per step
 * have mean and variance lambda = rate h (SE of the mean sqrt(lambda/N),
 * of the variance sqrt((lambda + 2 lambda^2)/N)); only the subset gets
 * events; the events of update s arrive at s + delay; the train does not
 * depend on the delay (the delayed train is the undelayed one shifted). */
static void test_poisson_window_subset_delay(void **state)
{
    const char *fmt =
        SIM(50.0)
        "populations:\n"
        "  P: {model: iaf_psc_exp, n: 300}\n"
        "inputs:\n"
        "  po: {kind: poisson_generator, targets: 'P[100:300:2]', rate: 10000.0,\n"
        "       weight: 2.0, start: 1.0, stop: 41.0%s}\n";
    char a[1024], b[1024];
    snprintf(a, sizeof a, fmt, ", delay: 0.5");
    snprintf(b, sizeof b, fmt, "");
    sim s, u;
    sim_build(&s, a, 2);
    sim_build(&u, b, 3);
    const uint32_t n = 300;
    const int64_t K = 500, D = 5;
    double *ev = calloc(2 * n, sizeof(double)), *cur = calloc(n, sizeof(double));
    double *evu = calloc(2 * n * (size_t)K, sizeof(double));
    for (int64_t k = 0; k < K; k++)
        drive(&u, 0, k, evu + (size_t)k * 2 * n, cur);
    double sum = 0, sum2 = 0;
    size_t N = 0;
    for (int64_t k = 0; k < K; k++) {
        drive(&s, 0, k, ev, cur);
        const int64_t g = k - D; /* generating update */
        for (uint32_t i = 0; i < n; i++) {
            double e = ev[i] / 2.0; /* port ex */
            assert_true(ev[n + i] == 0.0);
            bool on = g >= 10 && g < 410 && i >= 100 && i % 2 == 0;
            if (!on) {
                fail_unless_close(e, 0.0, 0.0, "events outside the window or subset");
                continue;
            }
            fail_unless_close(ev[i], evu[(size_t)g * 2 * n + i], 0.0, "delayed train = shifted");
            sum += e;
            sum2 += e * e;
            N++;
        }
    }
    assert_int_equal(N, 100 * 400);
    const double lam = 10000.0 * 0.1e-3;
    double mean = sum / N, var = sum2 / N - mean * mean;
    fail_unless_close(mean, lam, 4.0 * sqrt(lam / N), "Poisson count mean");
    fail_unless_close(var, lam, 4.0 * sqrt((lam + 2 * lam * lam) / N), "Poisson count variance");
    free(ev);
    free(cur);
    free(evu);
    sim_free(&s);
    sim_free(&u);
}

/* poisson_generator with period P: the events of generating update g >=
 * first are those of the generator without period at update
 * first + (g - first) mod P (a frozen pattern, repeated; per-neuron rates
 * too), for any number of threads; a period off the grid is refused. */
static void test_poisson_period(void **state)
{
    const char *fmt =
        SIM(60.0)
        "populations:\n"
        "  P: {model: iaf_psc_exp, n: 50}\n"
        "inputs:\n"
        "  po: {kind: poisson_generator, targets: [P], rate: %s, weight: 1.5, start: 2.0,\n"
        "       stop: 55.0, delay: 0.3%s}\n";
    const char *rates[2] = {"3000.0", "{distribution: uniform, low: 1000.0, high: 5000.0}"};
    for (int r = 0; r < 2; r++) {
        char a[1024], b[1024];
        snprintf(a, sizeof a, fmt, rates[r], ", period: 12.5");
        snprintf(b, sizeof b, fmt, rates[r], "");
        sim s, u;
        sim_build(&s, a, 3);
        sim_build(&u, b, 1);
        const uint32_t n = 50;
        const int64_t K = 600, D = 3, first = 20, last = 550, P = 125;
        double *ev = calloc(2 * n, sizeof(double)), *cur = calloc(n, sizeof(double));
        double *evu = calloc(2 * n * (size_t)K, sizeof(double));
        for (int64_t k = 0; k < K; k++)
            drive(&u, 0, k, evu + (size_t)k * 2 * n, cur);
        size_t nonzero = 0, repeats = 0;
        for (int64_t k = 0; k < K; k++) {
            drive(&s, 0, k, ev, cur);
            const int64_t g = k - D;
            for (uint32_t i = 0; i < n; i++) {
                if (g < first || g >= last) {
                    fail_unless_close(ev[i], 0.0, 0.0, "events outside the window");
                    continue;
                }
                const int64_t at = first + (g - first) % P + D; /* the update it repeats */
                fail_unless_close(ev[i], evu[(size_t)at * 2 * n + i], 0.0, "repeated pattern");
                nonzero += ev[i] != 0;
                repeats += g - first >= P && ev[i] != 0;
            }
        }
        assert_true(nonzero > 1000 && repeats > 800);
        free(ev);
        free(cur);
        free(evu);
        sim_free(&s);
        sim_free(&u);
    }
    expect_error(SIM(10.0) "populations:\n  P: {model: iaf_psc_exp, n: 5}\n"
                 "inputs:\n  po: {kind: poisson_generator, targets: [P], rate: 10.0, weight: 1.0,"
                 " period: 0.25}\n", SF_ERR_RANGE, "period", "multiple of the resolution", NULL);
}

/* inhomogeneous_poisson_generator: per segment the mean count is
 * rate_i h (SE sqrt(lambda_i / N)); zero before the first time and where
 * the rate is 0. */
static void test_inhomogeneous_poisson(void **state)
{
    const char *text =
        SIM(40.0)
        "populations:\n"
        "  P: {model: iaf_psc_delta, n: 500}\n"
        "inputs:\n"
        "  ih: {kind: inhomogeneous_poisson_generator, targets: P, weight: 1.0,\n"
        "       rate_times: [5.0, 15.0, 25.0], rate_values: [20000.0, 0.0, 5000.0]}\n";
    sim s;
    sim_build(&s, text, 2);
    const uint32_t n = 500;
    double *ev = calloc(n, sizeof(double)), *cur = calloc(n, sizeof(double));
    double cnt[4] = {0};
    size_t N[4] = {0};
    for (int64_t k = 0; k < 400; k++) {
        drive(&s, 0, k, ev, cur);
        int seg = k < 50 ? 0 : k < 150 ? 1 : k < 250 ? 2 : 3;
        for (uint32_t i = 0; i < n; i++) {
            cnt[seg] += ev[i];
            N[seg]++;
        }
    }
    const double lam[4] = {0.0, 2.0, 0.0, 0.5};
    for (int g = 0; g < 4; g++) {
        double mean = cnt[g] / N[g];
        if (lam[g] == 0)
            fail_unless_close(mean, 0.0, 0.0, "no events where the rate is 0");
        else
            fail_unless_close(mean, lam[g], 4.0 * sqrt(lam[g] / N[g]), "segment mean count");
    }
    free(ev);
    free(cur);
    sim_free(&s);
}

/* ------------------------------------------------------------------------
 * mip_generator: a target's count per step has mean p lambda and variance
 * p lambda (Poisson); the count correlation of two targets is p_copy. The
 * SE comes from 20 batches of steps (independent), 4 SE. */
static void test_mip_correlation(void **state)
{
    const char *text =
        SIM(2000.0)
        "populations:\n"
        "  P: {model: iaf_psc_delta, n: 40}\n"
        "inputs:\n"
        "  mip: {kind: mip_generator, targets: P, rate: 4000.0, p_copy: 0.3, weight: 1.0}\n";
    sim s;
    sim_build(&s, text, 3);
    const uint32_t n = 40;
    const int B = 20;
    const int64_t K = 20000, per = K / B;
    double *ev = calloc(n, sizeof(double)), *cur = calloc(n, sizeof(double));
    double rho[20], mean_b[20];
    for (int bt = 0; bt < B; bt++) {
        double s1[40] = {0}, s2[40] = {0}, sx = 0;
        for (int64_t k = bt * per; k < (bt + 1) * per; k++) {
            drive(&s, 0, k, ev, cur);
            for (uint32_t i = 0; i < n; i++) {
                s1[i] += ev[i];
                s2[i] += ev[i] * ev[i];
            }
            for (uint32_t i = 0; i + 1 < n; i += 2)
                sx += ev[i] * ev[i + 1];
        }
        double cov, var = 0, m = 0;
        for (uint32_t i = 0; i < n; i++) {
            double mi = s1[i] / per;
            m += mi / n;
            var += (s2[i] / per - mi * mi) / n;
        }
        double c = sx / (per * (n / 2.0));
        double mm = 0;
        for (uint32_t i = 0; i + 1 < n; i += 2)
            mm += (s1[i] / per) * (s1[i + 1] / per) / (n / 2.0);
        cov = c - mm;
        rho[bt] = cov / var;
        mean_b[bt] = m;
    }
    double r = 0, r2 = 0, mb = 0, mb2 = 0;
    for (int bt = 0; bt < B; bt++) {
        r += rho[bt] / B;
        r2 += rho[bt] * rho[bt] / B;
        mb += mean_b[bt] / B;
        mb2 += mean_b[bt] * mean_b[bt] / B;
    }
    double se_r = sqrt((r2 - r * r) / (B - 1)), se_m = sqrt((mb2 - mb * mb) / (B - 1));
    const double lam = 4000.0 * 0.1e-3;
    fail_unless_close(r, 0.3, 4.0 * se_r, "MIP pairwise count correlation = p_copy");
    fail_unless_close(mb, 0.3 * lam, 4.0 * se_m, "MIP child rate = p_copy rate");
    assert_true(se_r < 0.02); /* the test can tell 0.3 from 0.25 or 0.35 */
    free(ev);
    free(cur);
    sim_free(&s);
}

/* ------------------------------------------------------------------------
 * spike_generator with per-neuron trains (model file and SONATA file): a
 * spike at t reaches target neuron j in update t/h + delay/h - 1, of its
 * weight; target order is populations as listed, neurons ascending. */
static void write_spike_file(const char *path, const char *pop, const double *t,
                             const uint64_t *id, size_t n)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hid_t g1 = H5Gcreate2(f, "spikes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t g = H5Gcreate2(g1, pop, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t dim = n;
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    hid_t d1 = H5Dcreate2(g, "timestamps", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT,
                          H5P_DEFAULT);
    H5Dwrite(d1, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, t);
    hid_t d2 = H5Dcreate2(g, "node_ids", H5T_STD_U64LE, sp, H5P_DEFAULT, H5P_DEFAULT,
                          H5P_DEFAULT);
    H5Dwrite(d2, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, id);
    H5Dclose(d1);
    H5Dclose(d2);
    H5Sclose(sp);
    H5Gclose(g);
    H5Gclose(g1);
    H5Fclose(f);
}

static void check_trains(const char *text, const double *const *trains, const int *len,
                         const uint32_t *neuron, int nt, double delay)
{
    sim s;
    sim_build(&s, text, 2);
    const uint32_t n = s.m->pops[0].n;
    double *ev = calloc(n, sizeof(double)), *cur = calloc(n, sizeof(double));
    for (int64_t k = 0; k < 300; k++) {
        drive(&s, 0, k, ev, cur);
        for (uint32_t i = 0; i < n; i++) {
            double want = 0;
            for (int j = 0; j < nt; j++)
                if (neuron[j] == i)
                    for (int q = 0; q < len[j]; q++)
                        want += nearbyint(trains[j][q] / 0.1) + nearbyint(delay / 0.1) - 1 ==
                                        (double)k
                                    ? 1.5
                                    : 0.0;
            fail_unless_close(ev[i], want, 0.0, "spike train arrival");
        }
    }
    free(ev);
    free(cur);
    sim_free(&s);
}

static void test_spike_generator_trains(void **state)
{
    const double t0[] = {1.0, 2.0, 2.0}, t1[] = {0.0}, t2[] = {0.5, 20.0};
    const double *trains[] = {t0, t1, t2};
    const int len[] = {3, 0, 2};
    const uint32_t neuron[] = {3, 5, 7};
    check_trains(SIM(30.0) "populations: {P: {model: iaf_psc_delta, n: 10}}\n"
                           "inputs:\n"
                           "  sg: {kind: spike_generator, weight: 1.5, delay: 1.0,\n"
                           "       targets: [{population: P, neurons: [7, 3, 5]}],\n"
                           "       trains: [[1.0, 2.0, 2.0], [], [0.5, 20.0]]}\n",
                 trains, len, neuron, 3, 1.0);
    /* the same from a SONATA file, unsorted, relative to the model file */
    char dir[] = "/tmp/sf_devices_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char h5[256], yaml[256];
    snprintf(h5, sizeof h5, "%s/in.h5", dir);
    snprintf(yaml, sizeof yaml, "%s/model.yaml", dir);
    const double ft[] = {20.0, 1.0, 2.0, 0.5, 2.0};
    const uint64_t fid[] = {2, 0, 0, 2, 0};
    write_spike_file(h5, "src", ft, fid, 5);
    FILE *f = fopen(yaml, "w");
    fputs(SIM(30.0) "populations: {P: {model: iaf_psc_delta, n: 10}}\n"
                    "inputs:\n"
                    "  sg: {kind: spike_generator, weight: 1.5, delay: 1.0,\n"
                    "       targets: 'P[3:8:2]', file: {path: in.h5, population: src}}\n",
          f);
    fclose(f);
    sim s;
    memset(&s, 0, sizeof s);
    s.ctx = sf_context_create();
    if (sf_model_load(s.ctx, yaml, NULL, 0, &s.m) != SF_OK)
        fail_msg("%s", sf_context_errmsg(s.ctx));
    const sf_input *in = &s.m->inputs[0];
    assert_int_equal(in->n_neurons, 3);
    assert_int_equal(in->train[1] - in->train[0], 3);
    assert_int_equal(in->train[2] - in->train[1], 0);
    assert_int_equal(in->train[3] - in->train[2], 2);
    sim_free(&s);
    /* errors: a missing file, a missing group, a node id beyond the targets */
    char text[1024];
    snprintf(text, sizeof text, SIM(30.0) "populations: {P: {model: iaf_psc_delta, n: 10}}\n"
             "inputs: {sg: {kind: spike_generator, weight: 1.0, targets: P, file: %s/none.h5}}\n",
             dir);
    expect_error(text, SF_ERR_IO, "inputs.sg.file", "cannot open spike file", "none.h5", NULL);
    snprintf(text, sizeof text, SIM(30.0) "populations: {P: {model: iaf_psc_delta, n: 10}}\n"
             "inputs: {sg: {kind: spike_generator, weight: 1.0, targets: P, file: %s}}\n", h5);
    expect_error(text, SF_ERR_IO, "inputs.sg.file", "has no group /spikes/P", NULL);
    snprintf(text, sizeof text, SIM(30.0) "populations: {P: {model: iaf_psc_delta, n: 10}}\n"
             "inputs: {sg: {kind: spike_generator, weight: 1.0, targets: 'P[0:2]',\n"
             "  file: {path: %s, population: src}}}\n", h5);
    expect_error(text, SF_ERR_RANGE, "node_ids[0] = 2", "2 target neurons", NULL);
    unlink(h5);
    unlink(yaml);
    rmdir(dir);
}

/* ------------------------------------------------------------------------
 * Recorders: a multimeter with several variables, a window (start < t <=
 * stop at grid edges) and a subset; a spike recorder with a window and a
 * subset keeps exactly the spikes of the full recording in that window and
 * subset. */
static void test_recorders_window_subset(void **state)
{
    const char *base =
        SIM(200.0)
        "populations:\n"
        "  E: {model: iaf_psc_exp, n: 60}\n"
        "projections:\n"
        "  EE: {source: E, target: E, rule: fixed_indegree, indegree: 10, weight: 20.0,\n"
        "       delay: 1.0}\n"
        "inputs:\n"
        "  bg: {kind: poisson_generator, targets: E, rate: 9000.0, weight: 90.0}\n";
    char full[2048], part[2048];
    snprintf(full, sizeof full, "%srecorders:\n  sp: {kind: spike_recorder, populations: E}\n"
             "  mm: {kind: multimeter, populations: E, record_from: [V_m, I_syn_ex],\n"
             "       interval: 1.0}\n", base);
    snprintf(part, sizeof part, "%srecorders:\n"
             "  sp: {kind: spike_recorder, populations: ['E[10:20]', 'E[40]'], start: 50.0,\n"
             "       stop: 120.0}\n"
             "  mm: {kind: multimeter, populations: 'E[5:60:10]', record_from: [I_syn_ex, V_m],\n"
             "       interval: 1.0, start: 5.0, stop: 10.0}\n", base);
    sim a, b;
    sim_build(&a, full, 1);
    sim_engine(&a);
    sim_build(&b, part, 2);
    sim_engine(&b);
    const uint32_t *ia, *ib;
    const int64_t *sa, *sb;
    size_t na, nb, j = 0;
    assert_true(sf_recording_spikes(a.rec, 0, &ia, &sa, &na));
    assert_true(sf_recording_spikes(b.rec, 0, &ib, &sb, &nb));
    for (size_t i = 0; i < na; i++) {
        bool keep = sa[i] > 500 && sa[i] <= 1200 && ((ia[i] >= 10 && ia[i] < 20) || ia[i] == 40);
        if (!keep)
            continue;
        assert_true(j < nb);
        assert_int_equal(ib[j], ia[i]);
        assert_int_equal(sb[j], sa[i]);
        j++;
    }
    assert_int_equal(j, nb);
    assert_true(nb > 20);
    /* multimeter: samples at 6, 7, 8, 9, 10 ms of neurons 5, 15, ..., 55 */
    const void *da, *db;
    bool f64;
    size_t nta, ntb;
    uint32_t nna, nnb;
    const uint32_t *ids;
    double t0a, t0b, dta, dtb;
    assert_true(sf_recording_trace_var(b.rec, 1, 0, 1, &db, &f64, &ntb, &nnb, &ids, &t0b, &dtb));
    assert_false(f64);
    assert_int_equal(ntb, 5);
    assert_int_equal(nnb, 6);
    fail_unless_close(t0b, 6.0, 1e-12, "first sample after start");
    for (uint32_t q = 0; q < nnb; q++)
        assert_int_equal(ids[q], 5 + 10 * q);
    for (int v = 0; v < 2; v++) {
        assert_true(sf_recording_trace_var(a.rec, 1, 0, v, &da, &f64, &nta, &nna, &ids, &t0a, &dta));
        assert_null(ids);
        assert_true(sf_recording_trace_var(b.rec, 1, 0, 1 - v, &db, &f64, &ntb, &nnb, &ids, &t0b,
                                           &dtb));
        for (size_t t = 0; t < ntb; t++)
            for (uint32_t q = 0; q < nnb; q++)
                fail_unless_close(((const float *)db)[t * nnb + q],
                                  ((const float *)da)[(t + 5) * nna + 5 + 10 * q], 0.0,
                                  "windowed subset sample = full sample");
    }
    assert_false(sf_recording_trace_var(b.rec, 1, 0, 2, &db, &f64, &ntb, &nnb, &ids, &t0b, &dtb));
    assert_int_equal(sf_model_recorder_variable_count(b.m, 1), 2);
    assert_string_equal(sf_model_recorder_variable_at(b.m, 1, 0), "I_syn_ex");
    sim_free(&a);
    sim_free(&b);
}

/* ------------------------------------------------------------------------
 * Every device on subsets: spikes and traces bit-identical for 1, 2 and 3
 * threads. */
static void test_devices_same_for_any_threads(void **state)
{
    const char *text =
        SIM(150.0)
        "populations:\n"
        "  E: {model: iaf_psc_exp, n: 97}\n"
        "  I: {model: iaf_psc_delta, n: 41}\n"
        "projections:\n"
        "  EI: {source: E, target: I, rule: fixed_indegree, indegree: 10, weight: 0.5,\n"
        "       delay: 1.5}\n"
        "  IE: {source: I, target: E, rule: fixed_indegree, indegree: 5, weight: -40.0,\n"
        "       delay: 1.0}\n"
        "inputs:\n"
        "  bg: {kind: poisson_generator, targets: [E, 'I[0:30]'], rate: 8000.0, weight: 40.0,\n"
        "       delay: 0.7}\n"
        "  nz: {kind: noise_generator, targets: 'E[20:90:3]', mean: 100.0, std: 200.0, dt: 0.3}\n"
        "  st: {kind: step_current_generator, targets: 'I[5:41]', amplitude_times: [20.0, 90.0],\n"
        "       amplitude_values: [300.0, 100.0]}\n"
        "  ih: {kind: inhomogeneous_poisson_generator, targets: 'I[10:20]', weight: 0.3,\n"
        "       rate_times: [10.0, 100.0], rate_values: [20000.0, 3000.0]}\n"
        "  mip: {kind: mip_generator, targets: 'E[0:50]', rate: 3000.0, p_copy: 0.4,\n"
        "        weight: 60.0}\n"
        "  sg: {kind: spike_generator, targets: 'I[39:41]', weight: 8.0, trains: [[5.0], [7.0]]}\n"
        "recorders:\n"
        "  sp: {kind: spike_recorder}\n"
        "  mm: {kind: multimeter, populations: ['E[0:97:7]', 'I[3]'], record_from: [V_m],\n"
        "       interval: 0.5}\n";
    sim r[3];
    for (int t = 0; t < 3; t++) {
        sim_build(&r[t], text, t + 1);
        sim_engine(&r[t]);
    }
    size_t total = 0;
    for (int p = 0; p < 2; p++) {
        const uint32_t *i0;
        const int64_t *s0;
        size_t n0;
        assert_true(sf_recording_spikes(r[0].rec, p, &i0, &s0, &n0));
        total += n0;
        for (int t = 1; t < 3; t++) {
            const uint32_t *it;
            const int64_t *st;
            size_t nt;
            assert_true(sf_recording_spikes(r[t].rec, p, &it, &st, &nt));
            assert_int_equal(nt, n0);
            assert_memory_equal(it, i0, n0 * sizeof *i0);
            assert_memory_equal(st, s0, n0 * sizeof *s0);
        }
        const void *d0, *dt_;
        bool f;
        size_t m0, mt;
        uint32_t k0, kt;
        double a, b;
        assert_true(sf_recording_trace_var(r[0].rec, 1, p, 0, &d0, &f, &m0, &k0, NULL, &a, &b));
        for (int t = 1; t < 3; t++) {
            assert_true(sf_recording_trace_var(r[t].rec, 1, p, 0, &dt_, &f, &mt, &kt, NULL, &a, &b));
            assert_int_equal(mt * kt, m0 * k0);
            assert_memory_equal(dt_, d0, m0 * k0 * sizeof(float));
        }
    }
    assert_true(total > 500);
    for (int t = 0; t < 3; t++)
        sim_free(&r[t]);
}

/* ------------------------------------------------------------------------
 * Bad input: messages name the key and say what is wrong. */
static void test_bad_input(void **state)
{
    const char *pre = SIM(50.0) "populations: {E: {model: iaf_psc_exp, n: 10}}\n";
    char t[1024];
#define BAD(body, code, ...)                                                               \
    do {                                                                                   \
        snprintf(t, sizeof t, "%s%s", pre, body);                                          \
        expect_error(t, code, __VA_ARGS__, NULL);                                          \
    } while (0)
    BAD("inputs: {s: {kind: step_current_generator, targets: E, amplitude_times: [5.0, 2.0],"
        " amplitude_values: [1.0, 2.0]}}\n",
        SF_ERR_RANGE, "inputs.s.amplitude_times", "ascending");
    BAD("inputs: {s: {kind: step_current_generator, targets: E, amplitude_times: [5.0, 5.0],"
        " amplitude_values: [1.0, 2.0]}}\n",
        SF_ERR_RANGE, "inputs.s.amplitude_times", "strictly increasing");
    BAD("inputs: {s: {kind: step_current_generator, targets: E, amplitude_times: [5.0, 6.0],"
        " amplitude_values: [1.0]}}\n",
        SF_ERR_MODEL, "inputs.s.amplitude_values", "1 entries but amplitude_times has 2");
    BAD("inputs: {s: {kind: step_current_generator, targets: E, amplitude_times: [5.05],"
        " amplitude_values: [1.0]}}\n",
        SF_ERR_RANGE, "inputs.s.amplitude_times", "grid");
    BAD("inputs: {n: {kind: noise_generator, targets: E, std: 1.0, dt: -0.5}}\n", SF_ERR_RANGE,
        "inputs.n.dt", "must be positive");
    BAD("inputs: {n: {kind: noise_generator, targets: E, std: 1.0, dt: 0.25}}\n", SF_ERR_RANGE,
        "inputs.n.dt", "not a multiple of the resolution");
    BAD("inputs: {n: {kind: noise_generator, targets: E, std: -1.0}}\n", SF_ERR_RANGE,
        "inputs.n.std", "out of range");
    BAD("inputs: {i: {kind: inhomogeneous_poisson_generator, targets: E, weight: 1.0,"
        " rate_times: [1.0], rate_values: [-5.0]}}\n",
        SF_ERR_RANGE, "inputs.i.rate_values", "out of range");
    BAD("inputs: {m: {kind: mip_generator, targets: E, rate: 10.0, p_copy: 1.5, weight: 1.0}}\n",
        SF_ERR_RANGE, "inputs.m.p_copy", "out of range");
    BAD("inputs: {p: {kind: poisson_generator, targets: [E, 'E[0:3]'], rate: 1.0, weight: 1.0}}\n",
        SF_ERR_MODEL, "inputs.p.targets", "neuron 0 of population E is listed twice");
    BAD("inputs: {p: {kind: poisson_generator, targets: 'E[5:20]', rate: 1.0, weight: 1.0}}\n",
        SF_ERR_RANGE, "inputs.p.targets", "exceeds population E (10 neurons)");
    BAD("inputs: {p: {kind: poisson_generator, targets: [{population: E, neurons: [1, 12]}],"
        " rate: 1.0, weight: 1.0}}\n",
        SF_ERR_RANGE, "neuron 12 is out of range");
    BAD("inputs: {p: {kind: poisson_generator, targets: 'E[a:b]', rate: 1.0, weight: 1.0}}\n",
        SF_ERR_MODEL, "inputs.p.targets", "NAME[a:b]");
    BAD("inputs: {p: {kind: poisson_generator, targets: E, rate: 1.0, weight: 1.0,"
        " delay: 0.05}}\n",
        SF_ERR_RANGE, "inputs.p.delay", "below the resolution");
    BAD("inputs: {g: {kind: spike_generator, targets: E, weight: 1.0}}\n", SF_ERR_RANGE,
        "needs times, trains or file");
    BAD("inputs: {g: {kind: spike_generator, targets: E, weight: 1.0, times: [1.0],"
        " trains: [[1.0]]}}\n",
        SF_ERR_MODEL, "inputs.g.trains", "one of times, trains and file");
    BAD("inputs: {g: {kind: spike_generator, targets: 'E[0:2]', weight: 1.0,"
        " trains: [[1.0]]}}\n",
        SF_ERR_MODEL, "inputs.g.trains", "1 spike trains for 2 target neurons");
    BAD("inputs: {g: {kind: spike_generator, targets: 'E[0:2]', weight: 1.0,"
        " trains: [[2.0, 1.0], []]}}\n",
        SF_ERR_RANGE, "inputs.g.trains[0]", "ascending");
    BAD("recorders: {m: {kind: multimeter, populations: E, record_from: [V_m, V_x]}}\n",
        SF_ERR_MODEL, "recorders.m.record_from", "no state variable 'V_x'",
        "(state variables: V_m, I_syn_ex, I_syn_in");
    BAD("recorders: {m: {kind: multimeter, populations: E}}\n", SF_ERR_MODEL, "recorders.m",
        "needs record_from");
    BAD("recorders: {m: {kind: multimeter, populations: E, record_from: [V_m],"
        " precision: half}}\n",
        SF_ERR_MODEL, "recorders.m.precision", "float32 or float64");
    BAD("recorders: {m: {kind: multimeter, populations: 'E[0:2]', n: 2, record_from: [V_m]}}\n",
        SF_ERR_MODEL, "recorders.m.n", "not both");
    BAD("recorders: {s: {kind: spike_recorder, start: 10.05}}\n", SF_ERR_RANGE,
        "recorders.s.start", "not a multiple of the resolution");
    BAD("recorders: {s: {kind: spike_recorder, start: 10.0, stop: 5.0}}\n", SF_ERR_RANGE,
        "recorders.s.stop", "start < stop");
    BAD("recorders: {a: {kind: spike_recorder}, b: {kind: spike_recorder, populations: 'E[0:3]'}}\n",
        SF_ERR_MODEL, "recorders.b.populations", "one set of spikes is kept per population");
#undef BAD
}

/* The theory refuses what it cannot represent. */
static void test_theory_refuses_subsets(void **state)
{
    const char *text = SIM(50.0) "populations: {E: {model: iaf_psc_delta, n: 10}}\n"
                                 "inputs: {p: {kind: poisson_generator, targets: 'E[0:5]',"
                                 " rate: 1000.0, weight: 0.1}}\n";
    sf_context *ctx = sf_context_create();
    sf_model *m = NULL;
    assert_int_equal(sf_model_load_string(ctx, text, "t.yaml", NULL, 0, &m), SF_OK);
    char why[1024];
    assert_false(sf_theory_map_inputs_check(m, true, "", why, sizeof why));
    assert_non_null(strstr(why, "subset of population E"));
    sf_model_destroy(m);
    sf_context_destroy(ctx);
}

/* The device registry (public API) lists the inputs, then the recorders;
 * docs/model-format.md documents every one (when run from the source tree). */
static void test_device_registry(void **state)
{
    int n = sf_device_count();
    assert_int_equal(n, sf_input_type_count() + sf_recorder_type_count());
    assert_string_equal(sf_device_name(0), "poisson_generator");
    assert_string_equal(sf_device_alias(0), "poisson");
    assert_int_equal(sf_device_is_recorder(0), 0);
    int mm = -1;
    for (int i = 0; i < n; i++)
        if (!strcmp(sf_device_name(i), "multimeter"))
            mm = i;
    assert_true(mm >= sf_input_type_count());
    assert_int_equal(sf_device_is_recorder(mm), 1);
    assert_null(sf_device_alias(mm));
    assert_null(sf_device_name(n));
    assert_null(sf_device_doc(-1));
    assert_int_equal(sf_device_is_recorder(n), -1);
    FILE *f = fopen("docs/model-format.md", "r");
    if (!f)
        return;
    static char doc[1 << 17];
    size_t len = fread(doc, 1, sizeof doc - 1, f);
    doc[len] = '\0';
    fclose(f);
    for (int i = 0; i < n; i++) {
        char key[128];
        assert_true(sf_device_doc(i) && strlen(sf_device_doc(i)) > 20);
        snprintf(key, sizeof key, "`%s`", sf_device_name(i));
        if (!strstr(doc, key))
            fail_msg("docs/model-format.md does not document %s", key);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type_takes_i_ext),
        cmocka_unit_test(test_step_current_closed_form),
        cmocka_unit_test(test_noise_generator),
        cmocka_unit_test(test_poisson_window_subset_delay),
        cmocka_unit_test(test_poisson_period),
        cmocka_unit_test(test_inhomogeneous_poisson),
        cmocka_unit_test(test_mip_correlation),
        cmocka_unit_test(test_spike_generator_trains),
        cmocka_unit_test(test_recorders_window_subset),
        cmocka_unit_test(test_devices_same_for_any_threads),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_theory_refuses_subsets),
        cmocka_unit_test(test_device_registry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
