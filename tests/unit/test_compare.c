/* Unit tests of src/compare/: quantity lists and the generic comparison.
 *
 *  - building a list: shapes, zeroed values, SE arrays only where the kind
 *    has them, notes appended with "; ", find by (name, populations);
 *  - the comparison loop on hand-made lists with known answers: z, relative
 *    difference, verdicts, NaN SE -> "n/a", an estimate without prediction,
 *    predictions without estimate left out, median |z| and the fraction
 *    beyond 3 over an evaluation band, complex values (z of real and
 *    imaginary parts);
 *  - the JSON writer leaves the file and no temporary behind (the CLI test
 *    tests/cli/test_predict.sh parses the files with python's json);
 *  - sf_predict through the registry: the Brunel (2000) model A of
 *    examples/brunel.yaml gives the rate of the LIF network theory called
 *    directly with the parameters written out here (independent of the
 *    map); models that no family describes fail with SF_ERR_MODEL and a
 *    message naming the population and the reason;
 *  - sf_estimate / sf_compare on a small simulated LIF network: the rate
 *    estimate equals the spike count over neurons and window counted here,
 *    the comparison carries the prediction, z and the stated band of the
 *    cross-spectrum (also under ASan: every list freed).
 */
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

#include "compare/quantity_impl.h"
#include "spikefield/network.h"
#include "spikefield/predict.h"
#include "spikefield/theory.h"

#define assert_close(a, b, tol)                                                           \
    do {                                                                                  \
        double a_ = (a), b_ = (b), t_ = (tol);                                            \
        if (!(fabs(a_ - b_) <= t_))                                                       \
            fail_msg("%s = %.10g, expected %.10g +- %.3g", #a, a_, b_, t_);               \
    } while (0)

static sf_context *ctx;

static void test_build(void **state)
{
    (void)state;
    sf_quantities *p = sf_quantities_new(ctx, SF_QUANTITIES_PREDICTION, "fam");
    assert_non_null(p);
    assert_int_equal(sf_quantities_get_kind(p), SF_QUANTITIES_PREDICTION);
    assert_string_equal(sf_quantities_family(p), "fam");
    assert_string_equal(sf_quantities_notes(p), "");
    sf_quantity *r = sf_quantities_add_scalar(ctx, p, "rate", "Hz", 1, -1, 12.5);
    assert_non_null(r);
    assert_null(r->se);
    assert_true(isnan(r->accuracy));
    sf_quantity *s = sf_quantities_add(ctx, p, "spectrum", "Hz", 0, 1, SF_AXIS_FREQUENCY, 3, 1, true);
    assert_non_null(s);
    for (int k = 0; k < 6; k++)
        assert_true(s->value[k] == 0);
    for (int k = 0; k < 3; k++)
        assert_true(s->axis_values[k] == 0);
    assert_int_equal(sf_quantity_size(s), 6);
    assert_int_equal(sf_quantity_note(s, "first %d", 1), SF_OK);
    assert_int_equal(sf_quantity_note(s, "second"), SF_OK);
    assert_int_equal(sf_quantity_note(s, "%s", ""), SF_OK); /* empty: nothing appended */
    assert_int_equal(sf_quantity_assume(s, "linear response"), SF_OK);
    assert_int_equal(sf_quantities_note(p, "list %s", "note"), SF_OK);
    sf_quantity *m = sf_quantities_add(ctx, p, "cov", "", -1, -1, SF_AXIS_NONE, 2, 3, false);
    assert_non_null(m);
    assert_null(m->axis_values);

    assert_int_equal(sf_quantities_count(p), 3);
    assert_int_equal(sf_quantities_find(p, "rate", 1, -1), 0);
    assert_int_equal(sf_quantities_find(p, "rate", 0, -1), -1);
    assert_int_equal(sf_quantities_find(p, "spectrum", 0, 1), 1);
    assert_int_equal(sf_quantities_find(p, "spectrum", 1, 0), -1);
    assert_int_equal(sf_quantities_find(p, "cov", -1, -1), 2);
    assert_int_equal(sf_quantities_find(p, "nothing", -1, -1), -1);
    assert_string_equal(sf_quantity_name(p, 1), "spectrum");
    assert_string_equal(sf_quantity_unit(p, 0), "Hz");
    assert_int_equal(sf_quantity_pop(p, 1, 0), 0);
    assert_int_equal(sf_quantity_pop(p, 1, 1), 1);
    assert_int_equal(sf_quantity_pop(p, 0, 1), -1);
    assert_int_equal(sf_quantity_axis(p, 1), SF_AXIS_FREQUENCY);
    assert_int_equal(sf_quantity_rows(p, 2), 2);
    assert_int_equal(sf_quantity_cols(p, 2), 3);
    assert_true(sf_quantity_is_complex(p, 1));
    assert_false(sf_quantity_is_complex(p, 0));
    assert_true(sf_quantity_values(p, 0)[0] == 12.5);
    assert_null(sf_quantity_se(p, 0));
    assert_null(sf_quantity_predicted(p, 0));
    assert_null(sf_quantity_axis_values(p, 0));
    assert_non_null(sf_quantity_axis_values(p, 1));
    assert_string_equal(sf_quantity_notes(p, 1), "first 1; second");
    assert_string_equal(sf_quantity_assumptions(p, 1), "linear response");
    assert_string_equal(sf_quantities_notes(p), "list note");
    /* out of range: defaults, no crash */
    assert_string_equal(sf_quantity_name(p, 7), "");
    assert_null(sf_quantity_values(p, 7));
    /* a zero-sized quantity is refused */
    assert_null(sf_quantities_add(ctx, p, "empty", "", -1, -1, SF_AXIS_NONE, 0, 1, false));
    assert_int_equal(sf_context_status(ctx), SF_ERR_ARG);
    assert_int_equal(sf_quantities_count(p), 3);
    sf_quantities_destroy(p);

    sf_quantities *e = sf_quantities_new(ctx, SF_QUANTITIES_ESTIMATE, "");
    sf_quantity *er = sf_quantities_add_scalar(ctx, e, "rate", "Hz", 0, -1, 3.25);
    assert_non_null(er->se);
    assert_true(isnan(er->se[0]));
    sf_quantity *ev = sf_quantities_add(ctx, e, "v", "", 0, -1, SF_AXIS_LAG, 4, 1, false);
    for (int k = 0; k < 4; k++)
        assert_true(ev->se[k] == 0);
    /* many quantities: the list grows */
    for (int k = 0; k < 100; k++)
        assert_non_null(sf_quantities_add_scalar(ctx, e, "x", "", k, -1, k));
    assert_int_equal(sf_quantities_find(e, "x", 57, -1), 59);
    sf_quantities_destroy(e);
    sf_quantities_destroy(NULL);
}

/* Scalars: z = (sim - pred) / SE, relative difference, verdicts. */
static void test_compare_scalars(void **state)
{
    (void)state;
    sf_quantities *est = sf_quantities_new(ctx, SF_QUANTITIES_ESTIMATE, "");
    sf_quantities *exp_ = sf_quantities_new(ctx, SF_QUANTITIES_PREDICTION, "fam");
    sf_quantity *x;
    x = sf_quantities_add_scalar(ctx, est, "rate", "Hz", 0, -1, 10.6);
    x->se[0] = 0.25;                         /* z = 2.4: agree */
    sf_quantity_note(x, "sim note");
    x = sf_quantities_add_scalar(ctx, est, "rate", "Hz", 1, -1, 8.85);
    x->se[0] = 0.3;                          /* z = -3.5: differ */
    x = sf_quantities_add_scalar(ctx, est, "cv", "", 0, -1, 0.9);
    x->se[0] = NAN;                          /* n/a */
    x = sf_quantities_add_scalar(ctx, est, "cv", "", 1, -1, 0.8);
    x->se[0] = 0;                            /* n/a */
    x = sf_quantities_add_scalar(ctx, est, "extra", "", 0, -1, 1.0);
    x->se[0] = 0.1;                          /* no prediction */
    sf_quantities_note(est, "estimate list note");

    x = sf_quantities_add_scalar(ctx, exp_, "cv", "", 0, -1, 0.7);
    x = sf_quantities_add_scalar(ctx, exp_, "rate", "Hz", 1, -1, 9.9);
    x = sf_quantities_add_scalar(ctx, exp_, "rate", "Hz", 0, -1, 10.0);
    x->accuracy = 0.03;
    sf_quantity_note(x, "theory note");
    sf_quantity_assume(x, "diffusion approximation");
    x = sf_quantities_add_scalar(ctx, exp_, "cv", "", 1, -1, 0.75);
    x = sf_quantities_add_scalar(ctx, exp_, "unmatched", "", 0, -1, 5.0);
    sf_quantities_note(exp_, "theory list note");

    sf_quantities *c = NULL;
    assert_int_equal(sf_quantities_compare(ctx, est, exp_, &c), SF_OK);
    assert_int_equal(sf_quantities_get_kind(c), SF_QUANTITIES_COMPARISON);
    assert_string_equal(sf_quantities_family(c), "fam");
    assert_string_equal(sf_quantities_notes(c), "theory list note; estimate list note");
    assert_int_equal(sf_quantities_count(c), 5); /* the estimates, in their order */
    assert_int_equal(sf_quantities_find(c, "unmatched", 0, -1), -1);

    size_t i = (size_t)sf_quantities_find(c, "rate", 0, -1);
    assert_int_equal(i, 0);
    assert_close(sf_quantity_values(c, i)[0], 10.6, 1e-15);
    assert_close(sf_quantity_se(c, i)[0], 0.25, 1e-15);
    assert_close(sf_quantity_predicted(c, i)[0], 10.0, 1e-15);
    assert_close(sf_quantity_z(c, i)[0], 2.4, 1e-12);
    assert_close(sf_quantity_median_abs_z(c, i), 2.4, 1e-12);
    assert_close(sf_quantity_fraction_beyond_3(c, i), 0, 0);
    assert_close(sf_quantity_rel_diff(c, i), 0.06, 1e-12);
    assert_int_equal(sf_quantity_z_count(c, i), 1);
    assert_string_equal(sf_quantity_verdict(c, i), "agree");
    assert_string_equal(sf_quantity_notes(c, i), "theory note; sim note");
    assert_string_equal(sf_quantity_assumptions(c, i), "diffusion approximation");
    assert_close(sf_quantity_accuracy(c, i), 0.03, 0);

    i = (size_t)sf_quantities_find(c, "rate", 1, -1);
    assert_close(sf_quantity_z(c, i)[0], -3.5, 1e-12);
    assert_close(sf_quantity_median_abs_z(c, i), 3.5, 1e-12);
    assert_close(sf_quantity_fraction_beyond_3(c, i), 1, 0);
    assert_close(sf_quantity_rel_diff(c, i), (8.85 - 9.9) / 9.9, 1e-12);
    assert_string_equal(sf_quantity_verdict(c, i), "differ");

    for (int a = 0; a < 2; a++) {
        i = (size_t)sf_quantities_find(c, "cv", a, -1);
        assert_true(isnan(sf_quantity_z(c, i)[0]));
        assert_true(isnan(sf_quantity_median_abs_z(c, i)));
        assert_int_equal(sf_quantity_z_count(c, i), 0);
        assert_string_equal(sf_quantity_verdict(c, i), "n/a");
        assert_false(isnan(sf_quantity_rel_diff(c, i))); /* still defined */
    }
    i = (size_t)sf_quantities_find(c, "extra", 0, -1);
    assert_true(isnan(sf_quantity_predicted(c, i)[0]));
    assert_string_equal(sf_quantity_verdict(c, i), "n/a");
    assert_string_equal(sf_quantity_notes(c, i), "no prediction");

    sf_quantities_destroy(c);
    sf_quantities_destroy(est);
    sf_quantities_destroy(exp_);
}

/* Vectors: z per value, summary over the band; complex parts separately;
 * shape mismatch. */
static void test_compare_vectors(void **state)
{
    (void)state;
    sf_quantities *est = sf_quantities_new(ctx, SF_QUANTITIES_ESTIMATE, "");
    sf_quantities *exp_ = sf_quantities_new(ctx, SF_QUANTITIES_PREDICTION, "fam");
    /* 6 frequencies 50..300 Hz; z = 0.5, -1, 4, 0.25, 9, -7 (x 10 on SE 0.1) */
    const double z[6] = {0.5, -1, 4, 0.25, 9, -7};
    sf_quantity *e = sf_quantities_add(ctx, est, "spectrum", "Hz", 0, -1, SF_AXIS_FREQUENCY, 6, 1, false);
    sf_quantity *p = sf_quantities_add(ctx, exp_, "spectrum", "Hz", 0, -1, SF_AXIS_FREQUENCY, 6, 1, false);
    for (int k = 0; k < 6; k++) {
        e->axis_values[k] = p->axis_values[k] = 50.0 * (k + 1);
        p->value[k] = 2.0 + k;
        e->se[k] = 0.1;
        e->value[k] = p->value[k] + z[k] * 0.1;
    }
    e->se[5] = NAN; /* the last has no SE: left out */
    /* the family states the band f <= 200 Hz: z 0.5, -1, 4, 0.25 */
    p->band[1] = 200;
    /* complex, 3 lags: z (re, im) = (1, -2), (0.5, 6), (NaN, -0.1) */
    sf_quantity *ec = sf_quantities_add(ctx, est, "xs", "", 0, 1, SF_AXIS_LAG, 3, 1, true);
    sf_quantity *pc = sf_quantities_add(ctx, exp_, "xs", "", 0, 1, SF_AXIS_LAG, 3, 1, true);
    const double zc[6] = {1, -2, 0.5, 6, 0, -0.1};
    for (int k = 0; k < 6; k++) {
        pc->value[k] = 0.3 * k - 1;
        ec->se[k] = 0.5;
        ec->value[k] = pc->value[k] + zc[k] * 0.5;
    }
    for (int k = 0; k < 3; k++)
        ec->axis_values[k] = pc->axis_values[k] = k - 1.0;
    ec->se[4] = NAN;
    /* same name, other shape */
    sf_quantity *em = sf_quantities_add(ctx, est, "mat", "", -1, -1, SF_AXIS_NONE, 2, 2, false);
    em->se[0] = 1;
    sf_quantities_add(ctx, exp_, "mat", "", -1, -1, SF_AXIS_NONE, 2, 1, false);

    sf_quantities *c = NULL;
    assert_int_equal(sf_quantities_compare(ctx, est, exp_, &c), SF_OK);
    size_t i = (size_t)sf_quantities_find(c, "spectrum", 0, -1);
    for (int k = 0; k < 5; k++)
        assert_close(sf_quantity_z(c, i)[k], z[k], 1e-9);
    assert_true(isnan(sf_quantity_z(c, i)[5]));
    assert_int_equal(sf_quantity_z_count(c, i), 4);
    /* sorted |z| in band: 0.25 0.5 1 4 -> element 2 */
    assert_close(sf_quantity_median_abs_z(c, i), 1.0, 1e-9);
    assert_close(sf_quantity_fraction_beyond_3(c, i), 0.25, 0);
    assert_close(sf_quantity_band_hi(c, i), 200, 0);
    assert_true(isinf(sf_quantity_band_lo(c, i)));
    assert_true(isnan(sf_quantity_rel_diff(c, i)));
    assert_string_equal(sf_quantity_verdict(c, i), "differ"); /* 25 % beyond 3 */
    assert_close(sf_quantity_axis_values(c, i)[3], 200, 0);

    i = (size_t)sf_quantities_find(c, "xs", 0, 1);
    assert_true(sf_quantity_is_complex(c, i));
    for (int k = 0; k < 6; k++)
        if (k != 4)
            assert_close(sf_quantity_z(c, i)[k], zc[k], 1e-9);
    assert_int_equal(sf_quantity_z_count(c, i), 5);
    /* sorted |z|: 0.1 0.5 1 2 6 -> 1 */
    assert_close(sf_quantity_median_abs_z(c, i), 1.0, 1e-9);
    assert_close(sf_quantity_fraction_beyond_3(c, i), 0.2, 1e-15);

    i = (size_t)sf_quantities_find(c, "mat", -1, -1);
    assert_true(isnan(sf_quantity_predicted(c, i)[0]));
    assert_string_equal(sf_quantity_notes(c, i), "prediction has another shape");
    assert_string_equal(sf_quantity_verdict(c, i), "n/a");
    sf_quantities_destroy(c);

    /* all within: agree (median 0.5 <= 1.5, none beyond 3) */
    for (int k = 0; k < 6; k++) {
        e->value[k] = p->value[k] + (k % 2 ? -0.05 : 0.05);
        e->se[k] = 0.1;
    }
    assert_int_equal(sf_quantities_compare(ctx, est, exp_, &c), SF_OK);
    i = (size_t)sf_quantities_find(c, "spectrum", 0, -1);
    assert_close(sf_quantity_median_abs_z(c, i), 0.5, 1e-9);
    assert_string_equal(sf_quantity_verdict(c, i), "agree");
    sf_quantities_destroy(c);

    /* correlated values (a covariance function's lags): the summary is
     * computed, the verdict is n/a, whether the values agree or not */
    e->correlated = true;
    assert_int_equal(sf_quantities_compare(ctx, est, exp_, &c), SF_OK);
    i = (size_t)sf_quantities_find(c, "spectrum", 0, -1);
    assert_close(sf_quantity_median_abs_z(c, i), 0.5, 1e-9);
    assert_string_equal(sf_quantity_verdict(c, i), "n/a");
    sf_quantities_destroy(c);
    e->value[0] = p->value[0] + 10 * e->se[0];
    e->value[1] = p->value[1] + 10 * e->se[1];
    assert_int_equal(sf_quantities_compare(ctx, est, exp_, &c), SF_OK);
    i = (size_t)sf_quantities_find(c, "spectrum", 0, -1);
    assert_close(sf_quantity_fraction_beyond_3(c, i), 0.5, 1e-15); /* 2 of 4 in the band */
    assert_string_equal(sf_quantity_verdict(c, i), "n/a");
    sf_quantities_destroy(c);
    sf_quantities_destroy(est);
    sf_quantities_destroy(exp_);
}

static void test_json_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/sf_test_compare_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], part[256];
    snprintf(path, sizeof path, "%s/q.json", dir);
    snprintf(part, sizeof part, "%s/.q.json.part", dir);
    sf_quantities *p = sf_quantities_new(ctx, SF_QUANTITIES_PREDICTION, "fam \"quoted\"");
    sf_quantities_add_scalar(ctx, p, "rate", "Hz", 0, -1, NAN);
    sf_quantity *s = sf_quantities_add(ctx, p, "s", "", 0, 0, SF_AXIS_FREQUENCY, 2, 1, true);
    s->value[3] = INFINITY; /* imaginary part of the second value */
    assert_int_equal(sf_quantities_write_json(ctx, p, NULL, path), SF_OK);
    assert_int_equal(access(path, R_OK), 0);
    assert_int_not_equal(access(part, F_OK), 0);
    FILE *f = fopen(path, "r");
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "\"family\": \"fam \\\"quoted\\\"\""));
    assert_non_null(strstr(buf, "\"value\": null"));
    assert_non_null(strstr(buf, "\"values\": [[0, 0], [0, null]]"));
    remove(path);
    /* an unwritable place: SF_ERR_IO naming the path */
    snprintf(path, sizeof path, "%s/no/such/dir.json", dir);
    assert_int_equal(sf_quantities_write_json(ctx, p, NULL, path), SF_ERR_IO);
    assert_non_null(strstr(sf_context_errmsg(ctx), "no/such/dir.json"));
    assert_int_equal(sf_quantities_write_json(ctx, NULL, NULL, path), SF_ERR_ARG);
    sf_quantities_destroy(p);
    rmdir(dir);
}

/* examples/brunel.yaml without its recorders. */
static const char *const BRUNEL =
    "simulation: {resolution: 0.1, duration: 1000.0, seed: 1, threads: 2}\n"
    "populations:\n"
    "  E: {model: iaf_psc_delta, n: 10000, params: &lif {E_L: 0.0, V_th: 20.0, V_reset: 10.0, "
    "tau_m: 20.0, t_ref: 2.0, C_m: 250.0}}\n"
    "  I: {model: iaf_psc_delta, n: 2500, params: *lif}\n"
    "projections:\n"
    "  EE: {source: E, target: E, rule: fixed_indegree, indegree: 1000, weight: 0.1, delay: 1.5}\n"
    "  EI: {source: E, target: I, rule: fixed_indegree, indegree: 1000, weight: 0.1, delay: 1.5}\n"
    "  IE: {source: I, target: E, rule: fixed_indegree, indegree: 250, weight: -0.5, delay: 1.5}\n"
    "  II: {source: I, target: I, rule: fixed_indegree, indegree: 250, weight: -0.5, delay: 1.5}\n"
    "inputs:\n"
    "  background: {kind: poisson, targets: [E, I], rate: 20000.0, weight: 0.1}\n";

static void test_predict_brunel(void **state)
{
    (void)state;
    sf_model *m = NULL;
    assert_int_equal(sf_model_load_string(ctx, BRUNEL, "brunel", NULL, 0, &m), SF_OK);
    assert_string_equal(sf_theory_family_of(ctx, m), "lif_diffusion");
    double f[3] = {0, 10, 100};
    sf_predict_options o = {.freq = f, .n_freq = 3};
    sf_quantities *p = NULL;
    assert_int_equal(sf_predict(ctx, m, &o, &p), SF_OK);
    assert_int_equal(sf_quantities_get_kind(p), SF_QUANTITIES_PREDICTION);
    assert_string_equal(sf_quantities_family(p), "lif_diffusion");

    /* the same network written out (Brunel 2000, model A, g = 5, eta = 2) */
    sf_theory_pop pop[2];
    for (int a = 0; a < 2; a++)
        pop[a] = (sf_theory_pop){.tau_m = 20, .t_ref = 2, .V_th = 20, .V_reset = 10, .E_L = 0,
                                 .C_m = 250, .tau_s = 0, .I_e = 0, .N = a ? 2500 : 10000,
                                 .ext_rate = 20000, .J_ext = 0.1};
    double K[4] = {1000, 250, 1000, 250}, J[4] = {0.1, -0.5, 0.1, -0.5}, d[4] = {1.5, 1.5, 1.5, 1.5};
    sf_theory_network net = {.n_pop = 2, .pop = pop, .K = K, .J = J, .delay = d};
    double rates[2], mu[2], sigma[2];
    sf_theory_fixed_point fp = {.rates = rates, .mu = mu, .sigma = sigma};
    assert_int_equal(sf_theory_rates_solve(ctx, &net, NULL, NULL, &fp), SF_OK);
    for (int a = 0; a < 2; a++) {
        long i = sf_quantities_find(p, "rate", a, -1);
        assert_true(i >= 0);
        assert_close(sf_quantity_values(p, (size_t)i)[0], rates[a], 1e-9 * rates[a]);
        assert_string_equal(sf_quantity_unit(p, (size_t)i), "Hz");
        i = sf_quantities_find(p, "mu", a, -1);
        assert_close(sf_quantity_values(p, (size_t)i)[0], mu[a], 1e-9);
        i = sf_quantities_find(p, "sigma", a, -1);
        assert_close(sf_quantity_values(p, (size_t)i)[0], sigma[a], 1e-9);
    }
    /* Brunel's model A: about 38 Hz (docs/theory.md) */
    assert_true(rates[0] > 35 && rates[0] < 41);
    long i = sf_quantities_find(p, "transfer", 0, -1);
    assert_true(i >= 0);
    assert_int_equal(sf_quantity_rows(p, (size_t)i), 3);
    assert_true(sf_quantity_is_complex(p, (size_t)i));
    assert_int_equal(sf_quantity_axis(p, (size_t)i), SF_AXIS_FREQUENCY);
    assert_close(sf_quantity_axis_values(p, (size_t)i)[2], 100, 0);
    assert_true(sf_quantities_find(p, "cross_spectrum", 0, 1) >= 0);
    assert_true(sf_quantities_find(p, "cross_spectrum", 1, 0) < 0);
    assert_true(sf_quantities_find(p, "fixed_point_stable", -1, -1) >= 0);
    sf_quantities_destroy(p);
    /* no frequencies: no spectra */
    assert_int_equal(sf_predict(ctx, m, NULL, &p), SF_OK);
    assert_true(sf_quantities_find(p, "spectrum", 0, -1) < 0);
    sf_quantities_destroy(p);
    sf_model_destroy(m);
}

static void test_predict_refused(void **state)
{
    (void)state;
    assert_true(sf_theory_family_count() >= 1);
    for (int i = 0; i < sf_theory_family_count(); i++) {
        assert_non_null(sf_theory_family_name(i));
        assert_true(strlen(sf_theory_family_doc(i)) > 10);
    }
    assert_null(sf_theory_family_name(sf_theory_family_count()));
    struct {
        const char *yaml, *words[2];
    } bad[] = {
        {"simulation: {duration: 10.0}\npopulations:\n  Rx: {model: tanh_rate, n: 5}\n",
         {"population Rx uses model tanh_rate", "lif_diffusion"}},
        {"simulation: {duration: 10.0}\npopulations:\n  Ex: {model: iaf_psc_exp, n: 5, params: "
         "{tau_syn_ex: 2.0, tau_syn_in: 5.0}}\ninputs:\n  b: {kind: dc, targets: Ex, amplitude: 1.0}\n",
         {"population Ex", "equal synaptic time constants"}},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        sf_model *m = NULL;
        assert_int_equal(sf_model_load_string(ctx, bad[k].yaml, "bad", NULL, 0, &m), SF_OK);
        sf_quantities *p = (sf_quantities *)&p; /* must be reset to NULL */
        assert_int_equal(sf_predict(ctx, m, NULL, &p), SF_ERR_MODEL);
        assert_null(p);
        for (int w = 0; w < 2; w++)
            if (!strstr(sf_context_errmsg(ctx), bad[k].words[w]))
                fail_msg("message \"%s\" lacks \"%s\"", sf_context_errmsg(ctx), bad[k].words[w]);
        assert_null(sf_theory_family_of(ctx, m));
        sf_model_destroy(m);
    }
    assert_int_equal(sf_predict(ctx, NULL, NULL, NULL), SF_ERR_ARG);
}

/* The three verdict grades (issue 8): within the statistical error;
 * beyond it but within the accuracy the theory states (the note then gives
 * the size and the source); beyond both. Vectors use the median relative
 * difference over the band. */
static void test_compare_grades(void **state)
{
    (void)state;
    sf_quantities *est = sf_quantities_new(ctx, SF_QUANTITIES_ESTIMATE, "");
    sf_quantities *exp_ = sf_quantities_new(ctx, SF_QUANTITIES_PREDICTION, "fam");
    sf_quantity *x;
    /* -1.4 % with SE 0.03 Hz (z = -17.7) against a stated 4 %: within */
    x = sf_quantities_add_scalar(ctx, est, "rate", "Hz", 0, -1, 37.418);
    x->se[0] = 0.03;
    x = sf_quantities_add_scalar(ctx, exp_, "rate", "Hz", 0, -1, 37.95);
    assert_int_equal(sf_quantity_accuracy_set(x, 0.04, "measured -3.6 %% (%s)", "val"), SF_OK);
    /* -36 % against 5 %: differ */
    x = sf_quantities_add_scalar(ctx, est, "cv_isi", "", 0, -1, 0.43);
    x->se[0] = 0.001;
    x = sf_quantities_add_scalar(ctx, exp_, "cv_isi", "", 0, -1, 0.675);
    sf_quantity_accuracy_set(x, 0.05, "independent neurons");
    /* within the SE and within the accuracy: agree (the first grade wins) */
    x = sf_quantities_add_scalar(ctx, est, "rate", "Hz", 1, -1, 10.1);
    x->se[0] = 0.2;
    x = sf_quantities_add_scalar(ctx, exp_, "rate", "Hz", 1, -1, 10.0);
    sf_quantity_accuracy_set(x, 0.04, "src");
    /* beyond the SE, no accuracy stated: differ */
    x = sf_quantities_add_scalar(ctx, est, "mu", "mV", 0, -1, 10.3);
    x->se[0] = 0.01;
    sf_quantities_add_scalar(ctx, exp_, "mu", "mV", 0, -1, 10.0);
    /* a vector 3 % off everywhere with tiny SEs, against 5 % and 2 % */
    for (int w = 0; w < 2; w++) {
        sf_quantity *e = sf_quantities_add(ctx, est, "spectrum", "Hz", w, -1, SF_AXIS_FREQUENCY, 4, 1,
                                           false);
        sf_quantity *p = sf_quantities_add(ctx, exp_, "spectrum", "Hz", w, -1, SF_AXIS_FREQUENCY, 4,
                                           1, false);
        for (int k = 0; k < 4; k++) {
            e->axis_values[k] = p->axis_values[k] = 10.0 * (k + 1);
            p->value[k] = 1.0 + k;
            e->value[k] = 1.03 * p->value[k];
            e->se[k] = 1e-4;
        }
        sf_quantity_accuracy_set(p, w ? 0.02 : 0.05, "spec src");
    }
    sf_quantities *c = NULL;
    assert_int_equal(sf_quantities_compare(ctx, est, exp_, &c), SF_OK);
    size_t i = (size_t)sf_quantities_find(c, "rate", 0, -1);
    assert_string_equal(sf_quantity_verdict(c, i), "agree within theory accuracy");
    assert_close(sf_quantity_accuracy(c, i), 0.04, 0);
    assert_string_equal(sf_quantity_accuracy_source(c, i), "measured -3.6 % (val)");
    assert_non_null(strstr(sf_quantity_notes(c, i), "1.4 % from the theory"));
    assert_non_null(strstr(sf_quantity_notes(c, i), "stated accuracy of 4 % (measured -3.6 % (val))"));
    i = (size_t)sf_quantities_find(c, "cv_isi", 0, -1);
    assert_string_equal(sf_quantity_verdict(c, i), "differ");
    assert_non_null(strstr(sf_quantity_notes(c, i), "beyond its stated accuracy of 5 %"));
    i = (size_t)sf_quantities_find(c, "rate", 1, -1);
    assert_string_equal(sf_quantity_verdict(c, i), "agree");
    assert_null(strstr(sf_quantity_notes(c, i), "stated accuracy"));
    i = (size_t)sf_quantities_find(c, "mu", 0, -1);
    assert_string_equal(sf_quantity_verdict(c, i), "differ");
    i = (size_t)sf_quantities_find(c, "spectrum", 0, -1);
    assert_string_equal(sf_quantity_verdict(c, i), "agree within theory accuracy");
    i = (size_t)sf_quantities_find(c, "spectrum", 1, -1);
    assert_string_equal(sf_quantity_verdict(c, i), "differ");
    /* the JSON carries the source */
    char *text = NULL;
    assert_int_equal(sf_quantities_json(ctx, c, NULL, &text), SF_OK);
    assert_non_null(strstr(text, "\"accuracy_source\": \"measured -3.6 % (val)\""));
    assert_non_null(strstr(text, "\"verdict\": \"agree within theory accuracy\""));
    free(text);
    sf_quantities_destroy(c);
    sf_quantities_destroy(est);
    sf_quantities_destroy(exp_);
}

/* The LIF family declares its accuracy and regime from the theory: Brunel's
 * rate (small PSPs, 38 Hz) 4 % with its source; its CV is mean-driven (mu
 * above threshold): a note, no accuracy. */
static void test_lif_regimes(void **state)
{
    (void)state;
    sf_model *m = NULL;
    sf_quantities *p = NULL;
    assert_int_equal(sf_model_load_string(ctx, BRUNEL, "brunel", NULL, 0, &m), SF_OK);
    assert_int_equal(sf_predict(ctx, m, NULL, &p), SF_OK);
    size_t i = (size_t)sf_quantities_find(p, "rate", 0, -1);
    assert_close(sf_quantity_accuracy(p, i), 0.04, 0);
    assert_non_null(strstr(sf_quantity_accuracy_source(p, i), "val_lif_theory.sh"));
    i = (size_t)sf_quantities_find(p, "cv_isi", 0, -1);
    assert_true(isnan(sf_quantity_accuracy(p, i)));
    assert_non_null(strstr(sf_quantity_notes(p, i), "mean-driven"));
    sf_quantities_destroy(p);
    sf_model_destroy(m);
}

/* A window of one spectrum segment (700 - 100 ms < 2 x 512 ms): the
 * estimates say that the spectra have no standard error, and why. */
static void test_compare_one_segment(void **state)
{
    (void)state;
    const char *yaml =
        "simulation: {resolution: 0.1, duration: 700.0, seed: 5, threads: 1}\n"
        "analysis: {start: 100.0, bin: 10.0, pairs: 20}\n"
        "populations:\n"
        "  E: {model: iaf_psc_delta, n: 50, params: {E_L: 0.0, V_th: 20.0, V_reset: 10.0, "
        "tau_m: 20.0, t_ref: 2.0, C_m: 250.0}}\n"
        "inputs:\n"
        "  bg: {kind: poisson, targets: [E], rate: 15000.0, weight: 0.1}\n"
        "recorders:\n"
        "  spikes: {kind: spikes, populations: [E]}\n";
    sf_model *m = NULL;
    sf_network *net = NULL;
    sf_recording *rec = NULL;
    sf_quantities *est = NULL;
    assert_int_equal(sf_model_load_string(ctx, yaml, "short", NULL, 0, &m), SF_OK);
    assert_int_equal(sf_network_build(ctx, m, 1, &net), SF_OK);
    assert_int_equal(sf_engine_run(ctx, net, NULL, &rec), SF_OK);
    assert_int_equal(sf_estimate(ctx, m, rec, &est), SF_OK);
    assert_non_null(strstr(sf_quantities_notes(est), "holds 1 segment(s) of 512 ms"));
    long i = sf_quantities_find(est, "spectrum", 0, -1);
    assert_true(i >= 0 && isnan(sf_quantity_se(est, (size_t)i)[0]));
    /* the quantity itself says how long to run: 100 ms + 2 x 512 ms */
    assert_non_null(strstr(sf_quantity_notes(est, (size_t)i),
                           "needs >= 2 segments: run for at least 1.124 s"));
    sf_quantities_destroy(est);
    sf_recording_destroy(rec);
    sf_network_destroy(net);
    sf_model_destroy(m);
}

static void test_compare_simulated(void **state)
{
    (void)state;
    const char *yaml =
        "simulation: {resolution: 0.1, duration: 1200.0, seed: 5, threads: 1}\n"
        "analysis: {start: 100.0, bin: 10.0, pairs: 20}\n"
        "populations:\n"
        "  E: {model: iaf_psc_delta, n: 160, params: &lif {E_L: 0.0, V_th: 20.0, V_reset: 10.0, "
        "tau_m: 20.0, t_ref: 2.0, C_m: 250.0}, initial: {V_m: {distribution: uniform, low: 0.0, "
        "high: 20.0}}}\n"
        "  I: {model: iaf_psc_delta, n: 40, params: *lif}\n"
        "projections:\n"
        "  EE: {source: E, target: E, rule: fixed_indegree, indegree: 16, weight: 0.2, delay: 1.5}\n"
        "  IE: {source: I, target: E, rule: fixed_indegree, indegree: 4, weight: -1.0, delay: 1.5}\n"
        "inputs:\n"
        "  bg: {kind: poisson, targets: [E, I], rate: 15000.0, weight: 0.1}\n"
        "recorders:\n"
        "  spikes: {kind: spikes, populations: [E, I]}\n";
    sf_model *m = NULL;
    sf_network *net = NULL;
    sf_recording *rec = NULL;
    assert_int_equal(sf_model_load_string(ctx, yaml, "small", NULL, 0, &m), SF_OK);
    assert_int_equal(sf_network_build(ctx, m, 1, &net), SF_OK);
    assert_int_equal(sf_engine_run(ctx, net, NULL, &rec), SF_OK);
    sf_quantities *est = NULL, *c = NULL;
    assert_int_equal(sf_estimate(ctx, m, rec, &est), SF_OK);
    assert_int_equal(sf_quantities_get_kind(est), SF_QUANTITIES_ESTIMATE);
    /* the rate of E counted here: spikes in [100, 1200) ms over 160 neurons */
    const uint32_t *ids;
    const int64_t *steps;
    size_t ns, cnt = 0;
    assert_true(sf_recording_spikes(rec, 0, &ids, &steps, &ns));
    for (size_t k = 0; k < ns; k++)
        cnt += steps[k] >= 1000 && steps[k] < 12000;
    double rate = (double)cnt / 160.0 / 1.1;
    long i = sf_quantities_find(est, "rate", 0, -1);
    assert_true(i >= 0);
    assert_close(sf_quantity_values(est, (size_t)i)[0], rate, 1e-9 * rate + 1e-12);
    assert_true(sf_quantity_se(est, (size_t)i)[0] > 0);
    assert_true(rate > 1);
    /* two segments of 512 ms: spectra have SEs, no note about it */
    assert_null(strstr(sf_quantities_notes(est), "segment(s) of 512 ms"));

    assert_int_equal(sf_compare(ctx, m, rec, NULL, &c), SF_OK);
    assert_int_equal(sf_quantities_get_kind(c), SF_QUANTITIES_COMPARISON);
    assert_string_equal(sf_quantities_family(c), "lif_diffusion");
    assert_int_equal(sf_quantities_count(c), sf_quantities_count(est));
    i = sf_quantities_find(c, "rate", 1, -1);
    size_t u = (size_t)i;
    assert_true(i >= 0 && isfinite(sf_quantity_predicted(c, u)[0]) && isfinite(sf_quantity_z(c, u)[0]));
    assert_close(sf_quantity_z(c, u)[0],
                 (sf_quantity_values(c, u)[0] - sf_quantity_predicted(c, u)[0]) / sf_quantity_se(c, u)[0],
                 1e-12);
    i = sf_quantities_find(c, "cross_spectrum", 0, 1);
    assert_true(i >= 0);
    u = (size_t)i;
    assert_true(sf_quantity_is_complex(c, u));
    /* compared up to 500 Hz, the default analysis.spectrum_max (200 Hz before issue 8, defect 4) */
    assert_close(sf_quantity_band_hi(c, u), 500, 0);
    assert_true(sf_quantity_rows(c, u) == 2560);                /* 512 ms in 0.1 ms bins, f > 0 */
    assert_close(sf_quantity_axis_values(c, u)[0], 1000.0 / 512.0, 1e-12);
    /* two segments: finite SEs, a summary over f <= 500 Hz (re and im): 256 frequencies */
    assert_int_equal(sf_quantity_z_count(c, u), 2 * 256);
    assert_true(isfinite(sf_quantity_median_abs_z(c, u)));
    /* a user prediction (with spectra at other frequencies) gives the same comparison */
    double f[2] = {10, 20};
    sf_predict_options o = {.freq = f, .n_freq = 2};
    sf_quantities *p = NULL, *c2 = NULL;
    assert_int_equal(sf_predict(ctx, m, &o, &p), SF_OK);
    assert_int_equal(sf_compare(ctx, m, rec, p, &c2), SF_OK);
    i = sf_quantities_find(c2, "cross_spectrum", 0, 1);
    assert_close(sf_quantity_median_abs_z(c2, (size_t)i), sf_quantity_median_abs_z(c, u), 0);
    sf_quantities_destroy(c2);
    sf_quantities_destroy(p);
    sf_quantities_destroy(c);
    sf_quantities_destroy(est);
    sf_recording_destroy(rec);
    sf_network_destroy(net);
    sf_model_destroy(m);
}


/* The spectral settings (issue 8, defect 4): analysis.spectrum_bin sets the
 * bins of the LIF spectra and, without spectrum_max, the top of the
 * comparison at their Nyquist frequency; spectrum_max caps it; a bin that is
 * no whole number of steps is refused with its place. The peak estimate of
 * every population spectrum carries the search band. */
static void test_compare_spectral_settings(void **state)
{
    (void)state;
    const char *base =
        "simulation: {resolution: 0.1, duration: 1200.0, seed: 5, threads: 1}\n"
        "analysis: {start: 100.0, bin: 10.0, pairs: 20%s}\n"
        "populations:\n"
        "  E: {model: iaf_psc_delta, n: 160, params: {E_L: 0.0, V_th: 20.0, V_reset: 10.0, "
        "tau_m: 20.0, t_ref: 2.0, C_m: 250.0}, initial: {V_m: {distribution: uniform, low: 0.0, "
        "high: 20.0}}}\n"
        "projections:\n"
        "  EE: {source: E, target: E, rule: fixed_indegree, indegree: 16, weight: 0.2, delay: 1.5}\n"
        "inputs:\n"
        "  bg: {kind: poisson, targets: [E], rate: 15000.0, weight: 0.1}\n"
        "recorders:\n"
        "  spikes: {kind: spikes, populations: [E]}\n";
    const char *extra[3] = {", spectrum_bin: 0.5", ", spectrum_bin: 0.5, spectrum_max: 300.0",
                            ", spectrum_bin: 0.15"};
    const double top[2] = {1000.0, 300.0};
    char yaml[2048];
    for (int k = 0; k < 3; k++) {
        snprintf(yaml, sizeof yaml, base, extra[k]);
        sf_model *m = NULL;
        sf_status st = sf_model_load_string(ctx, yaml, "spec", NULL, 0, &m);
        if (k == 2) {
            assert_int_equal(st, SF_ERR_RANGE);
            assert_non_null(strstr(sf_context_errmsg(ctx), "spectrum_bin"));
            continue;
        }
        assert_int_equal(st, SF_OK);
        sf_network *net = NULL;
        sf_recording *rec = NULL;
        sf_quantities *est = NULL;
        assert_int_equal(sf_network_build(ctx, m, 1, &net), SF_OK);
        assert_int_equal(sf_engine_run(ctx, net, NULL, &rec), SF_OK);
        assert_int_equal(sf_estimate(ctx, m, rec, &est), SF_OK);
        long i = sf_quantities_find(est, "spectrum", 0, -1);
        assert_true(i >= 0);
        /* 512 ms in 0.5 ms bins: 1024 bins, 512 frequencies f > 0 */
        assert_int_equal(sf_quantity_rows(est, (size_t)i), 512);
        assert_close(sf_quantity_band_hi(est, (size_t)i), top[k], 0);
        i = sf_quantities_find(est, "spectrum_peak_frequency", 0, -1);
        assert_true(i >= 0);
        assert_close(sf_quantity_band_hi(est, (size_t)i), top[k], 0);
        sf_quantities_destroy(est);
        sf_recording_destroy(rec);
        sf_network_destroy(net);
        sf_model_destroy(m);
    }
}

int main(void)
{
    ctx = sf_context_create();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build),
        cmocka_unit_test(test_compare_scalars),
        cmocka_unit_test(test_compare_vectors),
        cmocka_unit_test(test_json_file),
        cmocka_unit_test(test_predict_brunel),
        cmocka_unit_test(test_predict_refused),
        cmocka_unit_test(test_compare_simulated),
        cmocka_unit_test(test_compare_one_segment),
        cmocka_unit_test(test_compare_grades),
        cmocka_unit_test(test_lif_regimes),
        cmocka_unit_test(test_compare_spectral_settings),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    sf_context_destroy(ctx);
    return rc;
}
