/* Tests of the learning module (src/learning/): the `learning:` section,
 * the runner (determinism over threads, interruption), the exact
 * maximal-margin solver, Gardner's and Cover's capacities, the covariance
 * perceptron. References come from independent methods: GSL quadrature of
 * Gardner's integral, exact integer binomial sums for Cover's function,
 * hand-solved nearest points, the binomial standard error for the fraction
 * of separable dichotomies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_util.h"

#include "learning/capacity.h"
#include "learning/learning_impl.h"
#include "learning/svm.h"
#include "spikefield/learning.h"

#include <gsl/gsl_integration.h>

static sf_model *load(sf_context *ctx, const char *text, const char *const *sets, int n_sets)
{
    sf_model *m = NULL;
    if (sf_model_load_string(ctx, text, "learn.yaml", sets, n_sets, &m) != SF_OK)
        fail_msg("load: %s", sf_context_errmsg(ctx));
    return m;
}

static void expect_error(const char *text, const char *set, const char *needle)
{
    sf_context *ctx = sf_context_create();
    sf_model *m = NULL;
    const char *sets[1] = {set};
    sf_status st = sf_model_load_string(ctx, text, "learn.yaml", sets, set ? 1 : 0, &m);
    if (st == SF_OK)
        fail_msg("accepted, expected an error with '%s'", needle);
    if (!strstr(sf_context_errmsg(ctx), needle))
        fail_msg("message '%s' lacks '%s'", sf_context_errmsg(ctx), needle);
    assert_null(m);
    sf_context_destroy(ctx);
}

static const char *const small_cp = "simulation: {seed: 7}\n"
                                    "learning:\n"
                                    "  task: covariance_perceptron\n"
                                    "  seeds: 4\n"
                                    "  m: [8, 12]\n"
                                    "  steps: 60\n";

static void test_parse(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    sf_model *m = load(ctx, small_cp, NULL, 0);
    assert_true(sf_model_is_learning(m));
    assert_string_equal(sf_learning_task(m), "covariance_perceptron");
    assert_int_equal(sf_model_population_count(m), 0);
    const sf_learning_spec *s = m->learning;
    assert_int_equal(s->seeds, 4);
    assert_int_equal(s->n_list[0], 2);
    assert_true(s->list[0][1] == 12);
    assert_true(s->v[1] == 2); /* n: the default */
    sf_model_destroy(m);
    const char *sets[] = {"learning.n=3", "learning.m=[5]"};
    m = load(ctx, small_cp, sets, 2);
    assert_true(m->learning->v[1] == 3 && m->learning->n_list[0] == 1 && m->learning->list[0][0] == 5);
    assert_null(strstr(sf_model_resolved_json(m), "resolution")); /* no simulation defaults */
    assert_non_null(strstr(sf_model_resolved_json(m), "\"seed\""));
    sf_model_destroy(m);
    sf_context_destroy(ctx);
    assert_false(sf_model_is_learning(NULL));
    expect_error("learning: {task: nope}\n", NULL, "learn.yaml:1:18: learning.task: unknown task 'nope'");
    expect_error("learning: {task: covariance_perceptron, bogus: 1}\n", NULL, "learning.bogus: unknown key");
    expect_error(small_cp, "learning.n=1", "--set learning.n=1");
    expect_error(small_cp, "learning.m=[4, x]", "learning.m[1]: expected a finite number");
    expect_error("learning: {seeds: 2}\n", NULL, "learning.task: required key is missing");
    expect_error("learning: {task: covariance_perceptron}\npopulations: {}\n", NULL,
                 "populations: unknown key");
    expect_error("learning: [1]\n", NULL, "learning: expected a mapping");
}

/* The same estimates on 1 and 2 threads, bit for bit; a stop flag set
 * before the run measures nothing and says so. */
static void test_runner(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    sf_model *m = load(ctx, small_cp, NULL, 0);
    sf_quantities *a = NULL, *b = NULL, *c = NULL;
    sf_learning_options o1 = {.threads = 1}, o2 = {.threads = 2};
    bool intr = true;
    assert_int_equal(sf_learning_run(ctx, m, &o1, &a, &intr), SF_OK);
    assert_false(intr);
    assert_int_equal(sf_learning_run(ctx, m, &o2, &b, NULL), SF_OK);
    assert_int_equal(sf_quantities_count(a), 6);
    for (size_t i = 0; i < sf_quantities_count(a); i++) {
        assert_memory_equal(sf_quantity_values(a, i), sf_quantity_values(b, i), sizeof(double));
        assert_memory_equal(sf_quantity_se(a, i), sf_quantity_se(b, i), sizeof(double));
    }
    volatile int stop = 1;
    sf_learning_options o3 = {.stop = &stop};
    assert_int_equal(sf_learning_run(ctx, m, &o3, &c, &intr), SF_OK);
    assert_true(intr);
    assert_non_null(strstr(sf_quantities_notes(c), "interrupted: 0 of 4"));
    sf_quantities *p = NULL, *cmp = NULL;
    assert_int_equal(sf_learning_predict(ctx, m, &p), SF_OK);
    assert_int_equal(sf_learning_compare(ctx, m, a, p, &cmp), SF_OK);
    assert_true(sf_quantities_find(cmp, "capacity_mean[m=12]", -1, -1) >= 0);
    sf_quantities_destroy(a), sf_quantities_destroy(b), sf_quantities_destroy(c);
    sf_quantities_destroy(p), sf_quantities_destroy(cmp);
    sf_model_destroy(m);
    /* the simulation verbs are refused with a message */
    sf_model *snn = NULL;
    assert_int_equal(sf_model_load_string(ctx, "simulation: {duration: 10}\npopulations: {E: "
                                               "{model: iaf_psc_delta, n: 2}}\n", "s.yaml", NULL, 0, &snn),
                     SF_OK);
    assert_int_equal(sf_learning_predict(ctx, snn, &p), SF_ERR_ARG);
    assert_non_null(strstr(sf_context_errmsg(ctx), "not a learning experiment"));
    sf_model_destroy(snn);
    sf_context_destroy(ctx);
}

/* ---- capacities ---- */

static double gardner_integrand(double t, void *k)
{
    double kappa = *(double *)k;
    return exp(-0.5 * t * t) / sqrt(2 * M_PI) * (t + kappa) * (t + kappa);
}

static void test_gardner(void **state)
{
    (void)state;
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
    const double ks[] = {0, 0.25, 0.5, 1.0, 2.0, 3.7};
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
        double k = ks[i], r, err;
        gsl_function F = {gardner_integrand, &k};
        gsl_integration_qagiu(&F, -k, 1e-13, 1e-12, 1000, w, &r, &err);
        fail_unless_close(sf_gardner_integral(k), r, 1e-10 * r, "I(kappa)");
    }
    gsl_integration_workspace_free(w);
    fail_unless_close(sf_gardner_alpha(0), 2.0, 1e-14, "alpha_c(0)");
    /* the covariance perceptron: 4 / ((n-1) I): 8 at n = 2, kappa = 0 */
    fail_unless_close(sf_covariance_alpha(2, 0), 8.0, 1e-13, "alpha_cov(n=2)");
    fail_unless_close(sf_covariance_alpha(5, 0), 2.0, 1e-13, "alpha_cov(n=5) = Gardner's");
}

/* Cover's function against exact integer sums. */
static void test_cover(void **state)
{
    (void)state;
    for (int N = 1; N <= 20; N++)
        for (int p = 1; p <= 60; p++) {
            /* sum_{k<N} binom(p-1, k) / 2^(p-1), exactly in long double */
            long double s = 0, b = 1; /* binom(p-1, 0) */
            for (int k = 0; k < N && k <= p - 1; k++) {
                s += b;
                b = b * (p - 1 - k) / (k + 1);
            }
            double ref = (double)(s / powl(2.0L, p - 1));
            fail_unless_close(sf_cover_fraction(p, N), ref, 1e-12, "C(p,N)/2^p");
        }
    fail_unless_close(sf_cover_fraction(100, 50), 0.5, 1e-12, "p = 2N");
    fail_unless_close(sf_cover_fraction(1000, 500), 0.5, 1e-10, "p = 2N, large");
    /* E[p*] = sum_p C(p,N)/2^p = 2N exactly when p_max -> inf (symmetry of
     * the binomial about p = 2N): checked numerically at large p_max */
    fail_unless_close(sf_cover_mean_pstar(10, 400), 20.0, 1e-9, "E[p*] = 2N");
}

/* ---- the exact maximal-margin solver ---- */

static void test_mnp_hand(void **state)
{
    (void)state;
    sf_mnp_workspace *w = sf_mnp_workspace_create(8, 3);
    /* (1,0,0), (0,1,0): nearest point (1/2, 1/2, 0), margin 1/sqrt 2 */
    double Y1[] = {1, 0, 0, 0, 1, 0, 2, 2, 0};
    double wv[3];
    sf_mnp_result r = sf_mnp_solve(w, Y1, 3, 3, wv);
    assert_true(r.separable && r.certified);
    fail_unless_close(r.margin, 1 / sqrt(2.0), 1e-12, "margin");
    fail_unless_close(wv[0], 1 / sqrt(2.0), 1e-12, "w0");
    fail_unless_close(wv[2], 0, 1e-12, "w2");
    /* y and -y: never separable, certified */
    double Y2[] = {0.3, -1.2, 2.385, -0.3, 1.2, -2.385};
    r = sf_mnp_solve(w, Y2, 2, 3, NULL);
    assert_false(r.separable);
    assert_true(r.certified);
    /* four points around the origin in a plane: 0 inside the hull */
    double Y3[] = {1, 0.1, 0, -1, 0.2, 0, 0.05, 1, 0, 0.1, -1, 0};
    r = sf_mnp_solve(w, Y3, 4, 3, NULL);
    assert_false(r.separable);
    assert_true(r.certified);
    /* a triangle away from 0: distance from the closed form of the nearest
     * point of the segment (1,1,1)-(1,-1,1) (0 lies off its plane) */
    double Y4[] = {1, 1, 1, 1, -1, 1, 3, 0.5, 2};
    r = sf_mnp_solve(w, Y4, 3, 3, NULL);
    assert_true(r.separable);
    fail_unless_close(r.distance, sqrt(2.0), 1e-12, "distance to (1,0,1)");
    sf_mnp_workspace_destroy(w);
}

/* Cover's theorem by sampling: the fraction of random dichotomies of p = 2N
 * Gaussian points that are separable is 1/2; 600 instances give a binomial
 * standard error of sqrt(0.25/600) = 0.0204, tolerance 3 SE. At p = N + 4
 * the fraction is Cover's C(p,N)/2^p (same error bound). */
static void test_cover_sampled(void **state)
{
    (void)state;
    const int N = 12, trials = 600;
    const int ps[2] = {2 * N, N + 4};
    sf_mnp_workspace *w = sf_mnp_workspace_create(2 * N, N);
    double *Y = malloc(sizeof *Y * 2 * N * N);
    for (int c = 0; c < 2; c++) {
        int p = ps[c], sep = 0, uncertified = 0;
        for (int t = 0; t < trials; t++) {
            sf_rng r;
            sf_rng_init(&r, 2385 + c, SF_RNG_TEST, (uint64_t)t);
            for (int i = 0; i < p * N; i++)
                Y[i] = sf_rng_normal(&r) * ((sf_rng_u32(&r) & 1) ? 1 : -1);
            sf_mnp_result res = sf_mnp_solve(w, Y, p, N, NULL);
            sep += res.separable;
            uncertified += !res.certified;
        }
        double expect = sf_cover_fraction(p, N), se = sqrt(expect * (1 - expect) / trials);
        assert_int_equal(uncertified, 0);
        fail_unless_close((double)sep / trials, expect, 3 * se, "separable fraction");
    }
    free(Y);
    sf_mnp_workspace_destroy(w);
}

/* The covariance perceptron's trained solutions exist beyond the classical
 * perceptron's capacity at n = 2 (m = 10, 6 instances: the measured mean
 * p* / m of the mean perceptron is Cover's 2 +- 3 SE; the covariance
 * perceptron stores at least 4 m patterns, the count of 2m weights times 2,
 * in each instance). */
static void test_covariance_small(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    const char *text = "learning: {task: covariance_perceptron, seeds: 6, m: [10], steps: 300}\n";
    sf_model *m = load(ctx, text, NULL, 0);
    sf_quantities *q = NULL;
    assert_int_equal(sf_learning_run(ctx, m, NULL, &q, NULL), SF_OK);
    long ic = sf_quantities_find(q, "capacity_cov[m=10]", -1, -1),
         im = sf_quantities_find(q, "capacity_mean[m=10]", -1, -1);
    assert_true(ic >= 0 && im >= 0);
    double cm = sf_quantity_values(q, (size_t)im)[0], sem = sf_quantity_se(q, (size_t)im)[0];
    fail_unless_close(cm, sf_cover_mean_pstar(10, 40) / 10, 3 * sem + 1e-9, "mean perceptron");
    assert_true(sf_quantity_values(q, (size_t)ic)[0] > 4.0);
    sf_quantities_destroy(q);
    sf_model_destroy(m);
    sf_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),         cmocka_unit_test(test_runner),
        cmocka_unit_test(test_gardner),       cmocka_unit_test(test_cover),
        cmocka_unit_test(test_mnp_hand),      cmocka_unit_test(test_cover_sampled),
        cmocka_unit_test(test_covariance_small),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
