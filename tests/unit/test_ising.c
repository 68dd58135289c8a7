/* Unit tests of the pairwise Ising model and its mean-field theories
 * (src/theory/ising/ising.c). References: a direct enumeration written here
 * (energy of every state from scratch, no Gray code); the exact means of the
 * science notes' 10-spin system (theory.md section 1c, computed there
 * independently); the orders of the nMF (second) and TAP (third) errors in
 * the coupling strength; Metropolis within its own standard errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test_util.h"

#include "theory/ising/ising.h"

#define N10 10

/* The notes' system: J_ij = (w / sqrt(N)) sin(1 + i + j + i j), h_i = 0.2 cos i. */
static void system10(double w, double *J, double *h)
{
    for (int i = 0; i < N10; i++) {
        h[i] = 0.2 * cos(i);
        for (int j = 0; j < N10; j++)
            J[i * N10 + j] = i == j ? 0 : w / sqrt(N10) * sin(1 + i + j + i * j);
    }
}

static double max_err(const double *a, const double *b, size_t n)
{
    double e = 0;
    for (size_t i = 0; i < n; i++)
        e = fmax(e, fabs(a[i] - b[i]));
    return e;
}

static void test_exact(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    enum { N = 6 };
    double J[N * N], h[N], m[N], C[N * N];
    for (int i = 0; i < N; i++) {
        h[i] = 0.3 * sin(2.385 * i + 0.4);
        for (int j = 0; j < N; j++)
            J[i * N + j] = i == j ? 0 : 0.7 * cos(0.9 * (i + j) + 0.1 * (i * j));
    }
    sf_ising is = {N, J, h};
    assert_int_equal(sf_ising_exact(ctx, &is, m, C), SF_OK);
    /* direct: every state from scratch */
    double Z = 0, rm[N] = {0}, rs[N * N] = {0};
    for (int k = 0; k < 1 << N; k++) {
        int s[N];
        double L = 0;
        for (int i = 0; i < N; i++)
            s[i] = (k >> i) & 1 ? 1 : -1;
        for (int i = 0; i < N; i++) {
            L += h[i] * s[i];
            for (int j = 0; j < N; j++)
                L += 0.5 * J[i * N + j] * s[i] * s[j];
        }
        const double w = exp(L);
        Z += w;
        for (int i = 0; i < N; i++) {
            rm[i] += w * s[i];
            for (int j = 0; j < N; j++)
                rs[i * N + j] += w * s[i] * s[j];
        }
    }
    for (int i = 0; i < N; i++) {
        fail_unless_close(m[i], rm[i] / Z, 1e-13, "exact m");
        for (int j = 0; j < N; j++)
            fail_unless_close(C[i * N + j], rs[i * N + j] / Z - rm[i] * rm[j] / (Z * Z), 1e-13,
                              "exact C");
    }
    /* strong couplings: no overflow (weights relative to the largest) */
    for (int k = 0; k < N * N; k++)
        J[k] *= 400;
    assert_int_equal(sf_ising_exact(ctx, &is, m, NULL), SF_OK);
    for (int i = 0; i < N; i++)
        assert_true(isfinite(m[i]) && fabs(m[i]) <= 1);
    /* refusals */
    J[1] += 1;
    assert_int_equal(sf_ising_exact(ctx, &is, m, NULL), SF_ERR_ARG);
    assert_non_null(strstr(sf_context_errmsg(ctx), "symmetric"));
    is.n = 21;
    assert_int_equal(sf_ising_exact(ctx, &is, m, NULL), SF_ERR_ARG);
    sf_context_destroy(ctx);
}

static void test_forward(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    double J[N10 * N10], h[N10], me[N10], mn[N10], mt[N10];
    sf_ising is = {N10, J, h};
    system10(0.3, J, h);
    assert_int_equal(sf_ising_exact(ctx, &is, me, NULL), SF_OK);
    const double ref[4] = {0.25640, 0.11220, -0.06934, -0.20664};
    for (int i = 0; i < 4; i++)
        fail_unless_close(me[i], ref[i], 5e-6, "exact m (notes' table, 5 decimals)");
    /* errors at w and w/2: nMF ~ w^2, TAP ~ w^3; TAP an order of magnitude
     * better at w = 0.3 (notes: 1.1e-2 and 7.2e-4) */
    double en[2], et[2];
    const double ws[2] = {0.2, 0.1};
    for (int k = 0; k < 2; k++) {
        system10(ws[k], J, h);
        assert_int_equal(sf_ising_exact(ctx, &is, me, NULL), SF_OK);
        assert_int_equal(sf_ising_forward(ctx, &is, false, 1e-14, 10000, mn), SF_OK);
        assert_int_equal(sf_ising_forward(ctx, &is, true, 1e-14, 10000, mt), SF_OK);
        en[k] = max_err(mn, me, N10);
        et[k] = max_err(mt, me, N10);
    }
    const double on = log2(en[0] / en[1]), ot = log2(et[0] / et[1]);
    if (!(on > 1.7 && on < 2.3) || !(ot > 2.6 && ot < 3.4))
        fail_msg("error orders: nMF %.2f (expected 2), TAP %.2f (expected 3)", on, ot);
    system10(0.3, J, h);
    assert_int_equal(sf_ising_exact(ctx, &is, me, NULL), SF_OK);
    assert_int_equal(sf_ising_forward(ctx, &is, false, 1e-14, 10000, mn), SF_OK);
    assert_int_equal(sf_ising_forward(ctx, &is, true, 1e-14, 10000, mt), SF_OK);
    const double e_n = max_err(mn, me, N10), e_t = max_err(mt, me, N10);
    fail_unless_close(e_n, 1.1e-2, 0.1e-2, "nMF error at w = 0.3 (notes)");
    fail_unless_close(e_t, 7.2e-4, 0.1e-4 * 5, "TAP error at w = 0.3 (notes)");
    assert_true(e_t * 10 < e_n);
    assert_int_equal(sf_ising_forward(ctx, &is, true, 1e-14, 2, mt), SF_ERR_NUMERIC);
    sf_context_destroy(ctx);
}

static void test_inverse(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    double J[N10 * N10], h[N10], m[N10], C[N10 * N10], Jn[N10 * N10], hn[N10], Jt[N10 * N10],
        ht[N10];
    sf_ising is = {N10, J, h};
    double en[2], et[2];
    const double ws[2] = {0.2, 0.1};
    for (int k = 0; k < 2; k++) {
        system10(ws[k], J, h);
        assert_int_equal(sf_ising_exact(ctx, &is, m, C), SF_OK);
        assert_int_equal(sf_ising_inverse(ctx, N10, m, C, false, Jn, hn), SF_OK);
        assert_int_equal(sf_ising_inverse(ctx, N10, m, C, true, Jt, ht), SF_OK);
        en[k] = max_err(Jn, J, N10 * N10);
        et[k] = max_err(Jt, J, N10 * N10);
        assert_true(et[k] < en[k]);
        assert_true(Jn[0] == 0 && Jt[N10 + 1] == 0);
    }
    /* both improve with weaker couplings (relative to w: an order each) */
    if (!(en[0] / en[1] > 3.0 && et[0] / et[1] > 3.0))
        fail_msg("inverse errors: nMF %.3g -> %.3g, TAP %.3g -> %.3g", en[0], en[1], et[0],
                 et[1]);
    /* refusals */
    double bad[4] = {1, 2, 2, 1};
    double mm[2] = {0.1, 0.2};
    assert_int_equal(sf_ising_inverse(ctx, 2, mm, bad, false, Jn, hn), SF_ERR_NUMERIC);
    mm[1] = 1.0;
    assert_int_equal(sf_ising_inverse(ctx, 2, mm, C, false, Jn, hn), SF_ERR_RANGE);
    sf_context_destroy(ctx);
}

/* Metropolis against the exact means: z = (m - m_exact) / SE of 10 spins
 * over 40 seeds (400 values). With SEs from 20 batch means z follows
 * Student's t with 19 degrees of freedom: rms 1.056, P(|z| > 3) = 0.7 %.
 * The rms of 400 values has an SE of about 0.04, so [0.85, 1.25] is about
 * +-5 SE; at most 2 % beyond 3 and none beyond 5.5 (P(|t_19| > 5.5) = 3e-5
 * per value). */
static void test_sample(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    double J[N10 * N10], h[N10], me[N10], Ce[N10 * N10], ms[N10], se[N10], Cs[N10 * N10];
    sf_ising is = {N10, J, h};
    system10(0.6, J, h);
    assert_int_equal(sf_ising_exact(ctx, &is, me, Ce), SF_OK);
    double s2 = 0, zmax = 0;
    int beyond3 = 0, nz = 0;
    for (int seed = 1; seed <= 40; seed++) {
        assert_int_equal(sf_ising_sample(ctx, &is, SF_ISING_METROPOLIS, (uint64_t)seed * 7919, 1000,
                                         100000, NULL, ms, se, seed == 1 ? Cs : NULL, NULL, NULL),
                         SF_OK);
        for (int i = 0; i < N10; i++) {
            const double z = (ms[i] - me[i]) / se[i];
            s2 += z * z;
            zmax = fmax(zmax, fabs(z));
            beyond3 += fabs(z) > 3;
            nz++;
        }
        if (seed == 1) /* correlations: SE of C_ij about 3e-3 at 1e5 sweeps */
            for (int k = 0; k < N10 * N10; k++)
                fail_unless_close(Cs[k], Ce[k], 0.015, "sampled C");
    }
    const double rms = sqrt(s2 / nz);
    if (!(rms > 0.85 && rms < 1.25) || beyond3 > nz / 50 || zmax > 5.5)
        fail_msg("Metropolis: rms z %.3f, %d of %d beyond 3, max %.2f", rms, beyond3, nz, zmax);
    double ms2[N10];
    assert_int_equal(sf_ising_sample(ctx, &is, SF_ISING_METROPOLIS, 7919, 1000, 100000, NULL, ms2, NULL, NULL, NULL, NULL), SF_OK);
    assert_int_equal(sf_ising_sample(ctx, &is, SF_ISING_METROPOLIS, 7919, 1000, 100000, NULL, ms, NULL, NULL, NULL, NULL), SF_OK);
    assert_memory_equal(ms, ms2, sizeof ms);
    assert_int_equal(sf_ising_sample(ctx, &is, SF_ISING_METROPOLIS, 1, 0, 5, NULL, ms2, NULL, NULL, NULL, NULL), SF_ERR_ARG);
    sf_context_destroy(ctx);
}

/* Glauber (heat-bath) sampling against the exact means and correlations,
 * with the standard errors of both: z of the 10 means and 45 pair
 * correlations over 8 seeds (80 and 360 values). With 20 batches z follows
 * Student's t_19 (rms 1.056): the rms of 80 values has an SE of about 0.09,
 * of 360 about 0.045; [0.75, 1.4] and [0.85, 1.3] are beyond 3.5 SE; none
 * beyond 5.5. The SE of the connected correlation is that of the per-batch
 * values; their O(1/batch length) bias is 1e-4 of an SE here. */
static void test_glauber(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    double J[N10 * N10], h[N10], me[N10], Ce[N10 * N10], ms[N10], se[N10], Cs[N10 * N10],
        Cse[N10 * N10];
    sf_ising is = {N10, J, h};
    system10(0.6, J, h);
    assert_int_equal(sf_ising_exact(ctx, &is, me, Ce), SF_OK);
    double s2m = 0, s2c = 0, zmax = 0;
    int nm = 0, nc = 0;
    for (int seed = 1; seed <= 8; seed++) {
        uint64_t done = 0;
        assert_int_equal(sf_ising_sample(ctx, &is, SF_ISING_GLAUBER, (uint64_t)seed * 104729, 1000,
                                         60000, NULL, ms, se, Cs, Cse, &done),
                         SF_OK);
        assert_int_equal(done, 61000);
        for (int i = 0; i < N10; i++) {
            const double z = (ms[i] - me[i]) / se[i];
            s2m += z * z, nm++;
            zmax = fmax(zmax, fabs(z));
            for (int j = i + 1; j < N10; j++) {
                const double zc = (Cs[i * N10 + j] - Ce[i * N10 + j]) / Cse[i * N10 + j];
                assert_true(Cse[i * N10 + j] == Cse[j * N10 + i] && Cs[i * N10 + j] == Cs[j * N10 + i]);
                s2c += zc * zc, nc++;
                zmax = fmax(zmax, fabs(zc));
            }
        }
    }
    const double rm = sqrt(s2m / nm), rc = sqrt(s2c / nc);
    if (!(rm > 0.75 && rm < 1.4) || !(rc > 0.85 && rc < 1.3) || zmax > 5.5)
        fail_msg("Glauber: rms z of m %.3f, of C %.3f, max %.2f", rm, rc, zmax);
    /* a stop before two batches: interrupted */
    volatile int stop = 1;
    assert_int_equal(sf_ising_sample(ctx, &is, SF_ISING_GLAUBER, 1, 0, 100, &stop, ms, NULL, NULL,
                                     NULL, NULL),
                     SF_ERR_INTERRUPTED);
    sf_context_destroy(ctx);
}

/* Linear response of nMF and TAP: C = dm/dh of each theory's own equation
 * of state, checked against central differences of sf_ising_forward (an
 * independent route: no Hessian formula), and against the exact C: TAP
 * closer than nMF, both errors falling with the coupling. */
static void test_response(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    double J[N10 * N10], h[N10], m[N10], mp[N10], mm[N10], C[N10 * N10], Ce[N10 * N10],
        me[N10];
    sf_ising is = {N10, J, h};
    system10(0.3, J, h);
    for (int tap = 0; tap < 2; tap++) {
        assert_int_equal(sf_ising_forward(ctx, &is, tap, 1e-15, 100000, m), SF_OK);
        assert_int_equal(sf_ising_response(ctx, N10, J, m, tap, C), SF_OK);
        const double eps = 1e-5;
        for (int j = 0; j < N10; j++) {
            const double h0 = h[j];
            h[j] = h0 + eps;
            assert_int_equal(sf_ising_forward(ctx, &is, tap, 1e-15, 100000, mp), SF_OK);
            h[j] = h0 - eps;
            assert_int_equal(sf_ising_forward(ctx, &is, tap, 1e-15, 100000, mm), SF_OK);
            h[j] = h0;
            for (int i = 0; i < N10; i++)
                fail_unless_close(C[i * N10 + j], (mp[i] - mm[i]) / (2 * eps), 1e-8,
                                  "response = derivative of the equation of state");
        }
    }
    double en[2], et[2];
    const double ws[2] = {0.2, 0.1};
    for (int k = 0; k < 2; k++) {
        system10(ws[k], J, h);
        assert_int_equal(sf_ising_exact(ctx, &is, me, Ce), SF_OK);
        for (int tap = 0; tap < 2; tap++) {
            assert_int_equal(sf_ising_forward(ctx, &is, tap, 1e-15, 100000, m), SF_OK);
            assert_int_equal(sf_ising_response(ctx, N10, J, m, tap, C), SF_OK);
            (tap ? et : en)[k] = max_err(C, Ce, N10 * N10);
        }
        assert_true(et[k] < en[k]);
    }
    /* orders in the coupling: nMF second, TAP third (measured 2.07, 2.82) */
    const double on = log2(en[0] / en[1]), ot = log2(et[0] / et[1]);
    if (!(on > 1.7 && on < 2.3) || !(ot > 2.5 && ot < 3.4))
        fail_msg("response errors: nMF %.3g -> %.3g, TAP %.3g -> %.3g", en[0], en[1], et[0], et[1]);
    print_message("response max errors w = 0.2, 0.1: nMF %.3g %.3g (order %.2f), TAP %.3g %.3g (order %.2f)\n",
                  en[0], en[1], log2(en[0] / en[1]), et[0], et[1], log2(et[0] / et[1]));
    /* not positive definite: strong ferromagnetic couplings at m = 0 */
    double J2[4] = {0, 2, 2, 0}, m2[2] = {0, 0}, C2[4];
    assert_int_equal(sf_ising_response(ctx, 2, J2, m2, false, C2), SF_ERR_NUMERIC);
    sf_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact),
        cmocka_unit_test(test_forward),
        cmocka_unit_test(test_inverse),
        cmocka_unit_test(test_sample),
        cmocka_unit_test(test_glauber),
        cmocka_unit_test(test_response),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
