/* Unit tests of the dense coupling delivery (src/engine/dense.c).
 * References: a long-double matrix-vector product written here; the rule
 * (which tables go dense) checked on models that do and do not qualify;
 * the engine's dense runs bit-identical across thread counts and equal to
 * the sparse path's to the rounding of the float event amplitudes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test_util.h"

#include "engine/dense.h"
#include "spikefield/network.h"

#include <stdlib.h>
#include <string.h>

/* The product against long double: |y - ref| <= n eps sum |w a| (the
 * standard bound of a recursive or blocked sum of n terms); the fused
 * two-vector form gives the same bits as two single products; a row's
 * result does not depend on the rows around it (a call of one row, the
 * scalar code, equals the 4-row AVX2 code's bits). */
static void test_gemv(void **state)
{
    (void)state;
    const size_t ns[] = {1, 7, 8, 9, 33, 1001};
    for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
        const size_t n = ns[t], rows = 11, ld = n + 3;
        float *W = malloc(rows * ld * sizeof *W);
        double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), y[11], yb[11], y1[11],
               yf[11], ybf[11];
        for (size_t i = 0; i < rows * ld; i++)
            W[i] = (float)sin(0.37 * (double)i + 0.1) * 0.1f;
        for (size_t j = 0; j < n; j++)
            a[j] = (double)(float)cos(1.3 * (double)j), b[j] = (double)(float)sin(0.7 * (double)j + 2);
        sf_dense_gemv(W, ld, rows, n, a, NULL, y, NULL);
        sf_dense_gemv(W, ld, rows, n, b, NULL, yb, NULL);
        sf_dense_gemv(W, ld, rows, n, a, b, yf, ybf);
        for (size_t r = 0; r < rows; r++) {
            long double ref = 0, mag = 0;
            for (size_t j = 0; j < n; j++) {
                ref += (long double)W[r * ld + j] * a[j];
                mag += fabsl((long double)W[r * ld + j] * a[j]);
            }
            assert_true(fabsl((long double)y[r] - ref) <= (long double)n * 1.2e-16L * mag);
            sf_dense_gemv(W + r * ld, ld, 1, n, a, NULL, y1 + r, NULL);
            assert_memory_equal(&y1[r], &y[r], sizeof(double));
            assert_memory_equal(&yf[r], &y[r], sizeof(double));
            assert_memory_equal(&ybf[r], &yb[r], sizeof(double));
        }
        /* rows 3 .. 10 alone: the same bits */
        sf_dense_gemv(W + 3 * ld, ld, rows - 3, n, a, NULL, y1, NULL);
        assert_memory_equal(y1, y + 3, (rows - 3) * sizeof(double));
        free(W), free(a), free(b);
    }
}

#define RATE(RULE, SRC, DENSE)                                                                  \
    "simulation: {resolution: 0.05, duration: 20.0, seed: 3" DENSE "}\n"                        \
    "populations:\n  X: {model: " SRC ", n: 150, params: {tau: 1.0, sigma: 0.5, "               \
    "linear_summation: 0}, initial: {rate: {distribution: normal, mean: 0.0, std: 1.0}}}\n"     \
    "projections:\n  J: {source: X, target: X, " RULE ", weight: {distribution: normal, "       \
    "mean: 0.0, std: 0.06}, delay: 0.05}\n"                                                     \
    "recorders:\n  x: {kind: voltmeter, populations: [X], n: 150, variable: rate, interval: "  \
    "0.05, precision: float64}\n"

static int dense_tables(const char *yaml, int threads)
{
    sf_context *ctx = sf_context_create();
    sf_model *m = NULL;
    sf_network *net = NULL;
    sf_dense *d = NULL;
    assert_int_equal(sf_model_load_string(ctx, yaml, "dense", NULL, 0, &m), SF_OK);
    assert_int_equal(sf_network_build(ctx, m, threads, &net), SF_OK);
    assert_int_equal(sf_dense_create(ctx, net, &d), SF_OK);
    int n = sf_dense_count(d);
    sf_dense_destroy(d);
    sf_network_destroy(net);
    sf_model_destroy(m);
    sf_context_destroy(ctx);
    return n;
}

/* The rule: all_to_all from a rate population, static synapses, one
 * delay, simulation.dense not off. */
static void test_rule(void **state)
{
    (void)state;
    assert_int_equal(dense_tables(RATE("rule: all_to_all", "tanh_rate", ""), 1), 1);
    assert_int_equal(dense_tables(RATE("rule: all_to_all", "tanh_rate", ""), 3), 3); /* a table per block */
    assert_int_equal(dense_tables(RATE("rule: all_to_all", "tanh_rate", ", dense: off"), 1), 0);
    assert_int_equal(dense_tables(RATE("rule: fixed_indegree, indegree: 150", "tanh_rate", ""), 1), 0);
    const char *spiking =
        "simulation: {resolution: 0.1, duration: 10.0}\n"
        "populations:\n  E: {model: iaf_psc_delta, n: 20}\n"
        "projections:\n  EE: {source: E, target: E, rule: all_to_all, weight: 0.1, delay: 1.0}\n";
    assert_int_equal(dense_tables(spiking, 1), 0);
    const char *delays = RATE("rule: all_to_all", "tanh_rate", "");
    char *two = malloc(strlen(delays) + 64);
    strcpy(two, delays);
    char *at = strstr(two, "delay: 0.05");
    memcpy(at, "delay: {distribution: uniform, low: 0.05, high: 0.5}", 52);
    strcpy(at + 52, strstr(delays, "}\nrecorders"));
    assert_int_equal(dense_tables(two, 1), 0); /* several delays: sparse */
    free(two);
}

static double *run_trace(const char *yaml, int threads, size_t *len)
{
    sf_context *ctx = sf_context_create();
    sf_model *m = NULL;
    sf_network *net = NULL;
    sf_recording *rec = NULL;
    assert_int_equal(sf_model_load_string(ctx, yaml, "dense", NULL, 0, &m), SF_OK);
    assert_int_equal(sf_network_build(ctx, m, threads, &net), SF_OK);
    assert_int_equal(sf_engine_run(ctx, net, NULL, &rec), SF_OK);
    const void *data = NULL;
    size_t nt = 0;
    uint32_t nn = 0;
    double t0, dt;
    bool f64 = false;
    assert_true(sf_recording_trace_var(rec, 0, 0, 0, &data, &f64, &nt, &nn, NULL, &t0, &dt));
    assert_true(f64);
    *len = nt * nn;
    double *out = malloc(*len * sizeof *out);
    memcpy(out, data, *len * sizeof *out);
    sf_recording_destroy(rec);
    sf_network_destroy(net);
    sf_model_destroy(m);
    sf_context_destroy(ctx);
    return out;
}

/* Dense runs: the same bits on 1, 2 and 3 threads; against the sparse
 * path (simulation.dense: off) equal to the rounding of the float event
 * amplitudes (the only place where the paths' 1e-16 differences in the
 * order of summation can show: |d rate| <= 1e-6 over 400 steps of this
 * stable, noisy network, g = 0.06 sqrt(150) = 0.73). */
static void test_engine(void **state)
{
    (void)state;
    size_t n1, n2, n3, ns;
    double *y1 = run_trace(RATE("rule: all_to_all", "tanh_rate", ""), 1, &n1);
    double *y2 = run_trace(RATE("rule: all_to_all", "tanh_rate", ""), 2, &n2);
    double *y3 = run_trace(RATE("rule: all_to_all", "tanh_rate", ""), 3, &n3);
    double *ys = run_trace(RATE("rule: all_to_all", "tanh_rate", ", dense: off"), 2, &ns);
    assert_true(n1 == n2 && n1 == n3 && n1 == ns && n1 > 1000);
    assert_memory_equal(y1, y2, n1 * sizeof *y1);
    assert_memory_equal(y1, y3, n1 * sizeof *y1);
    double dmax = 0, vmax = 0;
    for (size_t i = 0; i < n1; i++)
        dmax = fmax(dmax, fabs(y1[i] - ys[i])), vmax = fmax(vmax, fabs(ys[i]));
    assert_true(vmax > 0.1);
    if (!(dmax <= 1e-6))
        fail_msg("dense and sparse differ by %g", dmax);
    free(y1), free(y2), free(y3), free(ys);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gemv),
        cmocka_unit_test(test_rule),
        cmocka_unit_test(test_engine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
