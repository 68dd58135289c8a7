/* Unit tests of heterogeneity: neuron parameters, weights, delays and input
 * rates drawn per neuron (docs/model-format.md, "Distributions").
 *
 * References are computed here: the drawn parameter of neuron i from its
 * documented stream (seed, SF_RNG_PARAM, global id; parameters in table
 * order, uniform = low + (high - low) u, normal = mean + std z, redrawn
 * outside [min, max]) with the core generator, and its spike count from the
 * LIF first-passage time; weight moments from the closed forms of the
 * lognormal and gamma distributions (and a quadrature for a truncated one);
 * Poisson counts against each neuron's own rate. Statistical tolerances are
 * 4 standard errors, stated at each test. */
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
#include "spikefield/compare.h"
#include "spikefield/network.h"
#include "spikefield/predict.h"
#include "test_util.h"

static void sim_build(sim *s, const char *text, int threads)
{
    sim_load(s, text, "het-test", threads);
}

static void sim_run(sim *s, const char *text, int threads)
{
    sim_build(s, text, threads);
    sim_engine(s);
}

/* Spikes of a LIF (from rest at E_L, reset to E_L) under DC current I up to
 * step n: first passage T = tau_m ln(R I / (R I - theta)) rounded up to the
 * grid, then t_ref steps clamped, repeated. */
static long lif_count(double theta, double R, double I, double tau_m, double t_ref, double h,
                      long n)
{
    if (!(R * I > theta))
        return 0;
    double T = tau_m * log(R * I / (R * I - theta));
    if (fabs(T / h - nearbyint(T / h)) < 1e-6)
        return -1; /* too close to a grid point to decide */
    long first = (long)ceil(T / h), per = (long)nearbyint(t_ref / h) + first;
    return first > n ? 0 : 1 + (n - first) / per;
}

/* Every neuron's own V_th (truncated normal) and I_e (uniform) decide its
 * spike count under DC drive, exactly. */
static void test_params_per_neuron(void **state)
{
    (void)state;
    const char *text =
        "simulation: {resolution: 0.1, duration: 500.0, seed: 2385}\n"
        "populations:\n"
        "  A: {model: iaf_psc_delta, n: 7, params: {E_L: 0.0, V_reset: 0.0, V_th: 15.0}}\n"
        "  B: {model: iaf_psc_delta, n: 60, params: {E_L: 0.0, V_reset: 0.0,\n"
        "      V_th: {distribution: normal, mean: 15.0, std: 1.5, min: 12.0, max: 17.0},\n"
        "      I_e: {distribution: uniform, low: 450.0, high: 650.0}}}\n";
    sim s;
    sim_run(&s, text, 2);
    const sf_population *B = &s.m->pops[1];
    assert_non_null(B->param_dist);
    assert_int_equal(B->first_gid, 7);
    const uint32_t *ids;
    const int64_t *steps;
    size_t n;
    assert_true(sf_recording_spikes(s.rec, 1, &ids, &steps, &n));
    long count[60] = {0};
    for (size_t a = 0; a < n; a++)
        count[ids[a]]++;
    int decided = 0;
    double mean_th = 0;
    for (uint32_t i = 0; i < 60; i++) {
        sf_rng r;
        sf_rng_init(&r, 2385, SF_RNG_PARAM, 7 + i);
        double th;
        do
            th = 15.0 + 1.5 * sf_rng_normal(&r);
        while (th < 12.0 || th > 17.0);
        double I = 450.0 + 200.0 * sf_rng_uniform(&r);
        mean_th += th / 60;
        long want = lif_count(th, 10.0 / 250.0, I, 10.0, 2.0, 0.1, 5000);
        if (want < 0)
            continue;
        decided++;
        if (count[i] != want)
            fail_msg("neuron %u (V_th %.4f mV, I_e %.3f pA): %ld spikes, expected %ld", i, th, I,
                     count[i], want);
    }
    assert_true(decided >= 55);
    /* the model keeps the population means (what the theory reads): the
     * truncated normal's mean, and (450 + 650) / 2 */
    double mth = B->params[sf_param_index(B->type, "V_th")];
    assert_true(fabs(B->params[sf_param_index(B->type, "I_e")] - 550.0) < 1e-12);
    /* sample mean of 60 draws, sd < 1.5: 4 SE = 0.78 mV */
    assert_true(fabs(mth - mean_th) < 4 * 1.5 / sqrt(60.0));
    assert_true(mth < 15.0); /* bounds at -2 sd and +1.33 sd pull the mean down */
    sim_free(&s);
}

/* The same network, any number of threads: bit-identical spikes. Every kind
 * of heterogeneity at once. */
static void test_same_for_any_threads(void **state)
{
    (void)state;
    const char *text =
        "simulation: {resolution: 0.1, duration: 300.0, seed: 5}\n"
        "populations:\n"
        "  E: {model: iaf_psc_alpha, n: 301, params: {\n"
        "      V_th: {distribution: normal, mean: -55.0, std: 1.0, min: -58.0, max: -52.0},\n"
        "      tau_m: {distribution: lognormal, mu: 2.3, sigma: 0.2, max: 40.0},\n"
        "      t_ref: {distribution: gamma, shape: 4.0, scale: 0.5, max: 10.0}},\n"
        "      initial: {V_m: {distribution: uniform, low: -70.0, high: -56.0}}}\n"
        "  I: {model: izhikevich, n: 77, params: {I_e: 8.0, d: {distribution: uniform, low: 2.0, high: 8.0}}}\n"
        "projections:\n"
        "  EE: {source: E, target: E, rule: fixed_indegree, indegree: 30,\n"
        "       weight: {distribution: gamma, shape: 3.0, scale: 15.0}, delay: {distribution: "
        "gamma, shape: 9.0, scale: 0.2, min: 0.5, max: 5.0}}\n"
        "  IE: {source: I, target: E, rule: fixed_indegree, indegree: 10,\n"
        "       weight: {distribution: lognormal, mu: 4.0, sigma: 0.4, negate: true}, delay: 1.0}\n"
        "  EI: {source: E, target: I, rule: fixed_indegree, indegree: 10, weight: 1.0, delay: 1.0}\n"
        "inputs:\n"
        "  drive: {kind: poisson_generator, targets: E, weight: 60.0,\n"
        "          rate: {distribution: uniform, low: 4000.0, high: 9000.0}}\n";
    sim base;
    sim_run(&base, text, 1);
    const uint32_t *i0[2];
    const int64_t *s0[2];
    size_t n0[2];
    for (int p = 0; p < 2; p++) {
        assert_true(sf_recording_spikes(base.rec, p, &i0[p], &s0[p], &n0[p]));
        if (n0[p] < 100)
            fail_msg("population %d: only %zu spikes", p, n0[p]);
    }
    for (int threads = 2; threads <= 3; threads++) {
        sim s;
        sim_run(&s, text, threads);
        sim_same_spikes(&base, &s, 2, threads);
        sim_free(&s);
    }
    sim_free(&base);
}

/* Weights of the synapses onto all targets: sample mean and sd against the
 * closed forms. n = 40000 synapses per projection: SE of the mean sd/200,
 * of the sd about sd sqrt((kurtosis - 1)/4n) (< sd/50 here); tolerance 4 SE. */
static void check_weights(const sim *s, int proj, double mean, double sd, double lo, double hi)
{
    const uint32_t nt = 400, cap = 200;
    double w[200], sum = 0, sum2 = 0;
    long n = 0;
    for (uint32_t t = 0; t < nt; t++) {
        uint64_t k = sf_network_inputs_of(s->net, proj, t, NULL, w, NULL, cap);
        assert_true(k <= cap);
        for (uint64_t j = 0; j < k; j++) {
            assert_true(w[j] >= lo && w[j] <= hi);
            sum += w[j];
            sum2 += w[j] * w[j];
            n++;
        }
    }
    assert_int_equal(n, 40000);
    double m = sum / n, v = sum2 / n - m * m;
    if (!(fabs(m - mean) < 4 * sd / sqrt(n)) || !(fabs(sqrt(v) - sd) < 4 * sd / 50))
        fail_msg("projection %d: mean %.5g (expected %.5g), sd %.5g (expected %.5g)", proj, m, mean,
                 sqrt(v), sd);
    /* the model's moments (what the theory reads) agree too */
    double dm, dsd;
    sf_dist_moments(&s->m->proj[proj].weight, &dm, &dsd);
    assert_true(fabs(dm - mean) < 1e-9 * fabs(mean) && fabs(dsd - sd) < 1e-9 * sd);
}

/* Truncated lognormal moments by quadrature in log space (Simpson, 20000
 * panels over [ln lo, ln hi]). */
static void lognormal_trunc(double mu, double s, double lo, double hi, double *mean, double *sd)
{
    const int N = 20000;
    double a = log(lo), b = log(hi), dx = (b - a) / N, z = 0, m1 = 0, m2 = 0;
    for (int k = 0; k <= N; k++) {
        double x = a + k * dx, wgt = (k == 0 || k == N) ? 1 : (k % 2 ? 4 : 2);
        double f = exp(-0.5 * (x - mu) * (x - mu) / (s * s)); /* density of ln X */
        z += wgt * f;
        m1 += wgt * f * exp(x);
        m2 += wgt * f * exp(2 * x);
    }
    *mean = m1 / z;
    *sd = sqrt(m2 / z - *mean * *mean);
}

static void test_weight_distributions(void **state)
{
    (void)state;
    const char *text =
        "simulation: {resolution: 0.1, duration: 1.0, seed: 9}\n"
        "populations:\n"
        "  S: {model: iaf_psc_exp, n: 500}\n"
        "  T: {model: iaf_psc_exp, n: 400}\n"
        "projections:\n"
        "  ln: {source: S, target: T, rule: fixed_indegree, indegree: 100,\n"
        "       weight: {distribution: lognormal, mu: 1.0, sigma: 0.5}}\n"
        "  gm: {source: S, target: T, rule: fixed_indegree, indegree: 100,\n"
        "       weight: {distribution: gamma, shape: 3.0, scale: 2.0}}\n"
        "  gs: {source: S, target: T, rule: fixed_indegree, indegree: 100,\n"
        "       weight: {distribution: gamma, shape: 0.5, scale: 4.0}}\n"
        "  lt: {source: S, target: T, rule: fixed_indegree, indegree: 100,\n"
        "       weight: {distribution: lognormal, mu: 2.0, sigma: 0.8, negate: true, min: -20.0,\n"
        "                max: -3.0}}\n";
    sim s;
    sim_build(&s, text, 2);
    double s2 = 0.25;
    check_weights(&s, 0, exp(1.0 + s2 / 2), sqrt((exp(s2) - 1) * exp(2.0 + s2)), 0, INFINITY);
    check_weights(&s, 1, 6.0, sqrt(3.0) * 2.0, 0, INFINITY);
    check_weights(&s, 2, 2.0, sqrt(0.5) * 4.0, 0, INFINITY);
    double m, sd;
    lognormal_trunc(2.0, 0.8, 3.0, 20.0, &m, &sd);
    check_weights(&s, 3, -m, sd, -20.0, -3.0);
    sim_free(&s);
}

/* poisson_generator with rate uniform in [500, 1500] Hz into parrots: the
 * count of neuron i over T = 2 s is Poisson with mean lambda_i = rate_i T,
 * rate_i from the stream (seed, PARAM, (input + 1) << 32 | gid). Tests: the
 * summed deviation sum (c_i - lambda_i) / sqrt(sum lambda_i) within 4, and
 * the dispersion sum (c_i - lambda_i)^2 / lambda_i within N +- 4 sqrt(2N)
 * (it would be ~100 N if the rates were given to the wrong neurons). */
static void test_rate_per_neuron(void **state)
{
    (void)state;
    const char *text =
        "simulation: {resolution: 0.1, duration: 2000.0, seed: 31}\n"
        "populations:\n"
        "  X: {model: iaf_psc_delta, n: 3}\n"
        "  P: {model: parrot_neuron, n: 400}\n"
        "inputs:\n"
        "  other: {kind: poisson_generator, targets: X, rate: 10.0, weight: 1.0}\n"
        "  drive: {kind: poisson_generator, targets: P, weight: 1.0,\n"
        "          rate: {distribution: uniform, low: 500.0, high: 1500.0}}\n";
    sim s;
    sim_run(&s, text, 3);
    assert_true(fabs(s.m->inputs[1].rate - 1000.0) < 1e-12);
    const uint32_t *ids;
    const int64_t *steps;
    size_t n;
    assert_true(sf_recording_spikes(s.rec, 1, &ids, &steps, &n));
    long c[400] = {0};
    for (size_t a = 0; a < n; a++)
        c[ids[a]]++;
    double dev = 0, sl = 0, chi = 0;
    for (uint32_t i = 0; i < 400; i++) {
        sf_rng r;
        sf_rng_init(&r, 31, SF_RNG_PARAM, ((uint64_t)2 << 32) | (3 + i));
        double lam = (500.0 + 1000.0 * sf_rng_uniform(&r)) * 2.0;
        dev += c[i] - lam;
        sl += lam;
        chi += (c[i] - lam) * (c[i] - lam) / lam;
    }
    if (!(fabs(dev / sqrt(sl)) < 4) || !(fabs(chi - 400) < 4 * sqrt(800.0)))
        fail_msg("z = %.3f, dispersion %.1f (expected 400 +- %.1f)", dev / sqrt(sl), chi,
                 4 * sqrt(800.0));
    sim_free(&s);
}

/* A large per-neuron rate (about 200 events per step) through the chop-down
 * search from the mode: mean count per neuron and step within 4 SE. */
static void test_rate_per_neuron_large(void **state)
{
    (void)state;
    const char *text =
        "simulation: {resolution: 0.1, duration: 100.0, seed: 3}\n"
        "populations:\n"
        "  P: {model: pif_psc_delta, n: 50, params: {V_th: 1e6, V_reset: 0.0},\n"
        "      initial: {V_m: 0.0}}\n"
        "inputs:\n"
        "  drive: {kind: poisson_generator, targets: P, weight: 1.0,\n"
        "          rate: {distribution: uniform, low: 1.9e6, high: 2.1e6}}\n"
        "recorders:\n"
        "  vm: {kind: voltmeter, populations: P, n: 50, interval: 100.0}\n";
    sim s;
    sim_run(&s, text, 1);
    const float *v;
    size_t nt;
    uint32_t nn;
    double t0, dt;
    assert_true(sf_recording_trace(s.rec, 0, 0, &v, &nt, &nn, &t0, &dt));
    double dev = 0, sl = 0;
    for (uint32_t i = 0; i < 50; i++) {
        sf_rng r;
        sf_rng_init(&r, 3, SF_RNG_PARAM, ((uint64_t)1 << 32) | i);
        double lam = (1.9e6 + 0.2e6 * sf_rng_uniform(&r)) * 0.1;
        dev += v[i] - lam; /* V counts the events (weight 1) */
        sl += lam;
    }
    /* float32 trace: 2e5 is exact to 1/64 */
    if (!(fabs(dev / sqrt(sl)) < 4))
        fail_msg("z = %.3f", dev / sqrt(sl));
    sim_free(&s);
}

static void expect_error(const char *text, const char *a, const char *b)
{
    sf_context *ctx = sf_context_create();
    sf_model *m = NULL;
    sf_status st = sf_model_load_string(ctx, text, "het.yaml", NULL, 0, &m);
    const char *msg = sf_context_errmsg(ctx);
    if (st == SF_OK || m || !strstr(msg, a) || (b && !strstr(msg, b)))
        fail_msg("status %d, message [%s], expected [%s] and [%s]", st, msg, a, b ? b : "");
    sf_context_destroy(ctx);
}

static void test_errors(void **state)
{
    (void)state;
    /* a neuron whose V_th falls below V_reset: the check names it */
    expect_error("simulation: {duration: 10.0}\n"
                 "populations:\n"
                 "  E: {model: iaf_psc_exp, n: 1000, params: {V_reset: -65.0,\n"
                 "      V_th: {distribution: normal, mean: -55.0, std: 4.0}}}\n",
                 "het.yaml:3:", "of population E (drawn: V_th = ");
    /* a drawn value out of the parameter's range */
    expect_error("simulation: {duration: 10.0}\n"
                 "populations:\n"
                 "  E: {model: iaf_psc_exp, n: 1000, params: {\n"
                 "      tau_m: {distribution: normal, mean: 10.0, std: 4.0}}}\n",
                 "populations.E.params.tau_m: neuron ", "draws tau_m = -");
    expect_error("simulation: {duration: 10.0}\n"
                 "populations:\n"
                 "  E: {model: iaf_psc_exp, n: 10, params: {\n"
                 "      E_L: {distribution: uniform, low: -70.0, high: -65.0}}}\n",
                 "E_L cannot vary across neurons", NULL);
    expect_error("simulation: {duration: 10.0}\n"
                 "populations:\n"
                 "  E: {model: izhikevich, n: 10, params: {\n"
                 "      consistent_integration: {distribution: uniform, low: 0, high: 1}}}\n",
                 "consistent_integration", "expected true or false");
    expect_error("simulation: {duration: 10.0}\n"
                 "populations: {E: {model: iaf_psc_exp, n: 10}}\n"
                 "projections: {EE: {source: E, target: E, rule: all_to_all,\n"
                 "  weight: {distribution: normal, mean: 1.0, std: 0.1, negate: true}}}\n",
                 "negate applies to the lognormal and gamma", NULL);
    expect_error("simulation: {duration: 10.0}\n"
                 "populations: {E: {model: iaf_psc_exp, n: 10}}\n"
                 "projections: {EE: {source: E, target: E, rule: all_to_all,\n"
                 "  weight: {distribution: gamma, shape: 2.0, scale: 1.0, min: 100.0}}}\n",
                 "of the gamma distribution lies within [min, max]", NULL);
    expect_error("simulation: {duration: 10.0}\n"
                 "populations: {E: {model: iaf_psc_exp, n: 10}}\n"
                 "inputs: {d: {kind: poisson_generator, targets: E, weight: 1.0,\n"
                 "  rate: {distribution: normal, mean: 100.0, std: 10.0}}}\n",
                 "inputs.d.rate", "can draw values outside [0, 1e+09]");
}

/* The theory uses the population means and says so. */
static void test_theory_notes(void **state)
{
    (void)state;
    const char *text =
        "simulation: {resolution: 0.1, duration: 1000.0, seed: 1}\n"
        "populations:\n"
        "  E: {model: iaf_psc_delta, n: 500, params: {E_L: 0.0, V_reset: 10.0,\n"
        "      V_th: {distribution: uniform, low: 19.0, high: 21.0}}}\n"
        "  I: {model: iaf_psc_delta, n: 125, params: {E_L: 0.0, V_reset: 10.0, V_th: 20.0}}\n"
        "projections:\n"
        "  EE: {source: E, target: [E], rule: fixed_indegree, indegree: 50, weight: 0.2,\n"
        "       delay: {distribution: gamma, shape: 9.0, scale: 0.17, min: 0.5, max: 5.0}}\n"
        "inputs:\n"
        "  drive: {kind: poisson_generator, targets: [E, I], rate: 20000.0, weight: 0.1}\n";
    sf_context *ctx = sf_context_create();
    sf_model *m = NULL;
    char *t = strdup(text);
    char *at = strstr(t, "[E]");
    memcpy(at, " E ", 3);
    assert_int_equal(sf_model_load_string(ctx, t, "notes", NULL, 0, &m), SF_OK);
    sf_quantities *q = NULL;
    if (sf_predict(ctx, m, NULL, &q) != SF_OK)
        fail_msg("predict: %s", sf_context_errmsg(ctx));
    long iE = sf_quantities_find(q, "rate", 0, -1), iI = sf_quantities_find(q, "rate", 1, -1);
    assert_true(iE >= 0 && iI >= 0);
    assert_non_null(strstr(sf_quantity_notes(q, (size_t)iE), "varying across the neurons of E: V_th"));
    assert_non_null(strstr(sf_quantity_notes(q, (size_t)iE), "population means (an approximation)"));
    assert_null(strstr(sf_quantity_notes(q, (size_t)iI), "varying"));
    assert_non_null(strstr(sf_quantities_notes(q), "population means"));
    /* the LIF family's stability analysis takes the gamma delays as Gaussian */
    assert_non_null(strstr(sf_quantities_notes(q), "projection EE: the gamma delays enter the "
                                                   "stability analysis as a Gaussian"));
    sf_quantities_destroy(q);
    sf_model_destroy(m);
    free(t);
    sf_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_params_per_neuron),
        cmocka_unit_test(test_same_for_any_threads),
        cmocka_unit_test(test_weight_distributions),
        cmocka_unit_test(test_rate_per_neuron),
        cmocka_unit_test(test_rate_per_neuron_large),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_theory_notes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
