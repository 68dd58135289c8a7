/* Unit tests of the spatial theory's mathematics (src/theory/spatial/
 * field.c, issue 14): the profiles' Fourier transforms against GSL
 * quadrature, the complex Lambert W function against Arb's acb_lambertw on
 * six branches, the low-pass fit (exact recovery; zero gradient of the
 * least-squares objective at the LIF fit), the rate-model roots against
 * their characteristic equation, the property of Senk et al. 2020 that a
 * single homogeneous population never gives a wave train (random profiles,
 * widths, weights, delays), the E-I wave-train instability, and the LIF
 * continuation (root finding against the continuation ODE, alpha = 0
 * against the Lambert W root). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <acb.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_sf_bessel.h>

#include "theory/spatial/field.h"
#include "theory/spatial/wave.h"
#include "spikefield/compare.h"
#include "spikefield/model.h"
#include "spikefield/predict.h"

/* ------------------------------------------------------------------------ */

typedef struct {
    sf_profile_kind kind;
    double R, k;
    int dim;
} ft_args;

static double shape(sf_profile_kind kind, double R, double r)
{
    return kind == SF_PROFILE_BOXCAR ? (r <= R) : kind == SF_PROFILE_EXPONENTIAL ? exp(-r / R)
                                                                                 : exp(-r * r / (2 * R * R));
}
static double integrand(double r, void *p)
{
    const ft_args *a = p;
    double f = shape(a->kind, a->R, r);
    return a->dim == 1 ? 2 * f * cos(a->k * r) : 2 * M_PI * r * f * gsl_sf_bessel_J0(a->k * r);
}
static double mass_integrand(double r, void *p)
{
    const ft_args *a = p;
    double f = shape(a->kind, a->R, r);
    return a->dim == 1 ? 2 * f : 2 * M_PI * r * f;
}

/* p(k) = int f e^{-ikx} / int f: cosine (1-D) and Hankel (2-D) transforms by
 * adaptive quadrature over [0, cut]. */
static void test_profile_ft(void **state)
{
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(4000);
    sf_profile_kind kinds[] = {SF_PROFILE_BOXCAR, SF_PROFILE_EXPONENTIAL, SF_PROFILE_GAUSSIAN};
    double ks[] = {0, 0.37, 5.3, 21.7, 48.1};
    for (int i = 0; i < 3; i++)
        for (int dim = 1; dim <= 2; dim++)
            for (int j = 0; j < 5; j++) {
                ft_args a = {kinds[i], 0.083, ks[j], dim};
                double top = kinds[i] == SF_PROFILE_BOXCAR ? a.R : 45 * a.R, num, den, err;
                gsl_function F = {integrand, &a}, M = {mass_integrand, &a};
                gsl_integration_qag(&F, 0, top, 1e-13, 1e-12, 4000, 6, w, &num, &err);
                gsl_integration_qag(&M, 0, top, 1e-13, 1e-12, 4000, 6, w, &den, &err);
                double got = sf_field_profile_ft(kinds[i], a.R, dim, a.k);
                if (fabs(got - num / den) > 1e-9)
                    fail_msg("kind %d dim %d k %g: %.12g vs quadrature %.12g", i, dim, a.k, got,
                             num / den);
            }
    gsl_integration_workspace_free(w);
}

/* W_b(z) against acb_lambertw (128 bits) for z around the branch point,
 * small and large, on and off the real axis, b in {0, -1, 1, -2, 2, -3}. */
static void test_lambertw_arb(void **state)
{
    double complex zs[] = {0.3,           2.5,          -0.2,          -0.36,        -0.37,
                           -1.0,          -25.0,        1.0 + 2.0 * I, -3.0 - 0.5 * I,
                           0.01 - 0.02 * I, 120.0 + 40.0 * I, -0.3 + 1e-3 * I, -0.3 - 1e-3 * I,
                           -7.31 * 0.4 * exp(0.4), 4.2 * I};
    int bs[] = {0, -1, 1, -2, 2, -3};
    acb_t z, w;
    fmpz_t k;
    acb_init(z);
    acb_init(w);
    fmpz_init(k);
    for (size_t i = 0; i < sizeof zs / sizeof zs[0]; i++)
        for (int j = 0; j < 6; j++) {
            acb_set_d_d(z, creal(zs[i]), cimag(zs[i]));
            fmpz_set_si(k, bs[j]);
            acb_lambertw(w, z, k, 0, 128);
            double complex ref = arf_get_d(arb_midref(acb_realref(w)), ARF_RND_NEAR) +
                                 I * arf_get_d(arb_midref(acb_imagref(w)), ARF_RND_NEAR);
            double complex got = sf_field_lambertw(zs[i], bs[j]);
            if (!(cabs(got - ref) <= 1e-12 * (1 + cabs(ref))))
                fail_msg("W_%d(%g%+gi) = %.15g%+.15gi, Arb %.15g%+.15gi", bs[j], creal(zs[i]),
                         cimag(zs[i]), creal(got), cimag(got), creal(ref), cimag(ref));
        }
    acb_clear(z);
    acb_clear(w);
    fmpz_clear(k);
}

/* A pure low-pass is recovered exactly (eta ~ 0). */
static void test_fit_exact(void **state)
{
    double f[200];
    double complex H[200];
    for (int i = 0; i < 200; i++) {
        f[i] = i + 1;
        H[i] = 37.3 / (1 + 2 * M_PI * I * f[i] * 0.00421);
    }
    sf_field_fit fit;
    assert_int_equal(sf_field_fit_lowpass(NULL, f, H, 200, &fit), SF_OK);
    assert_true(fabs(fit.h0 - 37.3) < 1e-8 && fabs(fit.tau - 0.00421) < 1e-12);
    assert_true(fit.eta < 1e-8 && fit.rms_rel < 1e-10);
}

/* The LIF transfer function at the paper's working point (mu = sigma =
 * 10 mV, tau_m 5 ms, tau_s 0.5 ms, V_th - E_L = 15 mV, V_r = E_L): the
 * fitted (h0, tau) make the gradient of sum (|H| - fit)^2 vanish (checked
 * by central differences), the fit error is small. */
static void test_fit_lif(void **state)
{
    sf_theory_pop p = {.tau_m = 5, .t_ref = 0, .V_th = -50, .V_reset = -65, .E_L = -65,
                       .C_m = 250, .tau_s = 0.5, .N = 1};
    sf_theory_workspace *ws = sf_theory_workspace_create(1);
    double f[200];
    double complex H[200];
    for (int i = 0; i < 200; i++)
        f[i] = i + 1;
    assert_int_equal(sf_theory_lif_transfer(NULL, &p, 10, 10, f, 200, true, ws, H), SF_OK);
    sf_field_fit fit;
    assert_int_equal(sf_field_fit_lowpass(NULL, f, H, 200, &fit), SF_OK);
    double obj[3][3];
    for (int a = -1; a <= 1; a++)
        for (int b = -1; b <= 1; b++) {
            double h0 = fit.h0 * (1 + 1e-5 * a), tau = fit.tau * (1 + 1e-5 * b), s = 0;
            for (int i = 0; i < 200; i++) {
                double r = cabs(H[i]) - h0 / sqrt(1 + pow(2 * M_PI * f[i] * tau, 2));
                s += r * r;
            }
            obj[a + 1][b + 1] = s;
        }
    double g0 = (obj[2][1] - obj[0][1]) / 2, g1 = (obj[1][2] - obj[1][0]) / 2;
    double curv0 = obj[2][1] - 2 * obj[1][1] + obj[0][1], curv1 = obj[1][2] - 2 * obj[1][1] + obj[1][0];
    print_message("LIF fit: h0 = %.4f Hz/mV, tau = %.4f ms, eta = %.2e, rms %.3f\n", fit.h0,
                  fit.tau * 1e3, fit.eta, fit.rms_rel);
    /* a minimum: the gradient is small against the curvature (the step's
     * scale), both positive curvatures */
    assert_true(curv0 > 0 && curv1 > 0);
    assert_true(fabs(g0) < 1e-3 * curv0 * 1e5 && fabs(g1) < 1e-3 * curv1 * 1e5);
    assert_true(fit.h0 > 0 && fit.tau > 0 && fit.eta < 0.1);
    sf_theory_workspace_destroy(ws);
}

/* Every rate-model root solves (1 + lambda tau) e^{lambda d} = c. */
static void check_roots(int n, const double complex *W, const double *k, size_t n_k, double tau,
                        double d, const double complex *lam, const int *br, int n_b)
{
    for (size_t i = 0; i < n_k; i++) {
        /* the eigenvalues by the characteristic polynomial (n <= 2) */
        const double complex *A = W + i * n * n;
        double complex ev[2];
        if (n == 1)
            ev[0] = A[0];
        else {
            double complex tr = A[0] + A[3], de = A[0] * A[3] - A[1] * A[2], s = csqrt(tr * tr / 4 - de);
            ev[0] = tr / 2 + s;
            ev[1] = tr / 2 - s;
        }
        for (int e = 0; e < n; e++)
            for (int b = 0; b < n_b; b++) {
                double complex l = lam[(i * n + e) * n_b + b];
                if (!isfinite(creal(l)) || ev[e] == 0)
                    continue;
                double complex res = (1 + l * tau) * cexp(l * d);
                /* the root's e from the solver may be ordered differently */
                double r0 = cabs(res - ev[0]), r1 = n == 2 ? cabs(res - ev[1]) : r0;
                assert_true(fmin(r0, r1) < 1e-9 * (1 + cabs(ev[e])));
                (void)br;
            }
    }
}

/* Senk et al. 2020: a single homogeneous population never gives a wave
 * train, whatever the profile, width, weight and delay (500 random cases
 * on a ring of 1 mm, 200 wavenumbers, 6 branches). */
static void test_single_population_theorem(void **state)
{
    int br[6] = {0, -1, 1, -2, 2, -3};
    enum { NK = 200 };
    double k[NK];
    double complex W[NK], lam[NK * 6];
    uint64_t x = 88172645463325252ull;
    int unstable = 0, counts[5] = {0};
    for (int c = 0; c < 500; c++) {
        double u[5];
        for (int j = 0; j < 5; j++) { /* xorshift64 */
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            u[j] = (double)(x >> 11) / 9007199254740992.0;
        }
        sf_profile_kind kind = (sf_profile_kind)(1 + (int)(u[0] * 3));
        double R = 0.005 + 0.4 * u[1], w = -30 + 60 * u[2], d = 0.0002 + 0.005 * u[3],
               tau = 0.001 + 0.01 * u[4];
        for (int i = 0; i < NK; i++) {
            k[i] = 2 * M_PI * i; /* L = 1 mm */
            W[i] = w * sf_field_profile_ft(kind, R, 1, k[i]);
        }
        sf_field_root lead;
        assert_int_equal(sf_field_stability(NULL, 1, W, k, NK, tau, d, br, 6, lam, &lead), SF_OK);
        check_roots(1, W, k, NK, tau, d, lam, br, 6);
        sf_field_kind t = sf_field_classify(&lead);
        counts[t]++;
        unstable += t != SF_FIELD_STABLE;
        if (t == SF_FIELD_WAVE)
            fail_msg("case %d: a wave train (kind %d, R %g, w %g, d %g, tau %g)", c, kind, R, w, d, tau);
    }
    print_message("single population: stable %d, rate %d, oscillation %d, pattern %d, wave %d\n",
                  counts[0], counts[1], counts[2], counts[3], counts[4]);
    assert_true(unstable > 100 && counts[SF_FIELD_OSCILLATION] > 10 && counts[SF_FIELD_RATE] > 10);
}

/* The paper's E-I ring: rows of the rate coupling equal (E and I receive
 * the same input), boxcar R_E = 0.2 mm, R_I = 0.07 mm, delay 1.5 ms:
 * c(k) = w_E p_E(k) + w_I p_I(k) is most negative at k > 0 and the leading
 * instability is a wave train (given strong enough coupling); its root
 * solves the characteristic equation. */
static void test_ei_wave(void **state)
{
    int br[6] = {0, -1, 1, -2, 2, -3};
    enum { NK = 200 };
    double k[NK];
    double complex W[NK * 4], lam[NK * 2 * 6];
    double wE = 4.0, wI = -20.0, tau = 0.002, d = 0.0015;
    for (int i = 0; i < NK; i++) {
        k[i] = 2 * M_PI * i;
        double pe = sf_field_profile_ft(SF_PROFILE_BOXCAR, 0.2, 1, k[i]);
        double pi = sf_field_profile_ft(SF_PROFILE_BOXCAR, 0.07, 1, k[i]);
        W[i * 4 + 0] = W[i * 4 + 2] = wE * pe;
        W[i * 4 + 1] = W[i * 4 + 3] = wI * pi;
    }
    sf_field_root lead;
    assert_int_equal(sf_field_stability(NULL, 2, W, k, NK, tau, d, br, 6, lam, &lead), SF_OK);
    check_roots(2, W, k, NK, tau, d, lam, br, 6);
    print_message("E-I: lambda = %g%+gi /s at k = %g /mm (branch %d)\n", creal(lead.lambda),
                  cimag(lead.lambda), lead.k, lead.branch);
    assert_int_equal(sf_field_classify(&lead), SF_FIELD_WAVE);
    /* independently: the most negative c(k) = wE pE + wI pI over the grid */
    double cmin = INFINITY;
    int imin = -1;
    for (int i = 0; i < NK; i++) {
        double c = creal(W[i * 4]) + creal(W[i * 4 + 1]);
        if (c < cmin)
            cmin = c, imin = i;
    }
    assert_int_equal(lead.k_index, imin);
}

/* The continuation of a rate-model root to the LIF network: at alpha = 0
 * Newton stays at the Lambert W root; root finding and the ODE agree. */
static void test_continuation(void **state)
{
    sf_theory_pop p[2];
    for (int a = 0; a < 2; a++)
        p[a] = (sf_theory_pop){.tau_m = 5, .t_ref = 0, .V_th = -50, .V_reset = -65, .E_L = -65,
                               .C_m = 250, .tau_s = 0.5, .N = 1};
    double mu[2] = {10, 10}, sg[2] = {10, 10};
    sf_theory_workspace *ws = sf_theory_workspace_create(2);
    double f[200];
    double complex H[200];
    for (int i = 0; i < 200; i++)
        f[i] = i + 1;
    assert_int_equal(sf_theory_lif_transfer(NULL, &p[0], 10, 10, f, 200, true, ws, H), SF_OK);
    sf_field_fit fit;
    assert_int_equal(sf_field_fit_lowpass(NULL, f, H, 200, &fit), SF_OK);
    double h0[2] = {fit.h0, fit.h0}, tau[2] = {fit.tau, fit.tau};
    double JE = 87.8 * 0.5 / 250, JI = -5 * JE, k = 0, cmin = INFINITY;
    for (int m = 0; m < 40; m++) { /* the ring's most negative c(k) */
        double km = 2 * M_PI * m, c = 400 * JE * sf_field_profile_ft(SF_PROFILE_BOXCAR, 0.2, 1, km) +
                                      100 * JI * sf_field_profile_ft(SF_PROFILE_BOXCAR, 0.07, 1, km);
        if (c < cmin)
            cmin = c, k = km;
    }
    double pe = sf_field_profile_ft(SF_PROFILE_BOXCAR, 0.2, 1, k);
    double pi = sf_field_profile_ft(SF_PROFILE_BOXCAR, 0.07, 1, k);
    double C[4] = {400 * JE * pe, 100 * JI * pi, 400 * JE * pe, 100 * JI * pi};
    double d = 0.0015;
    /* the Lambert W root of the rate model at this k */
    double complex Wk[4];
    for (int i = 0; i < 4; i++)
        Wk[i] = h0[0] * 5e-3 * C[i];
    int br[2] = {0, -1};
    sf_field_root lead;
    assert_int_equal(sf_field_stability(NULL, 2, Wk, &k, 1, tau[0], d, br, 2, NULL, &lead), SF_OK);
    sf_field_lif L = {2, p, mu, sg, h0, tau, C, d, ws, NULL, NULL};
    double complex G;
    assert_int_equal(sf_field_lif_G(NULL, &L, lead.lambda, 0.0, &G), SF_OK);
    assert_true(cabs(G) < 1e-9);
    double complex r1, r2;
    sf_context *ctx = sf_context_create();
    if (sf_field_continue(ctx, &L, lead.lambda, 10, &r1, &r2) != SF_OK)
        fail_msg("%s", sf_context_errmsg(ctx));
    sf_context_destroy(ctx);
    print_message("rate %g%+gi -> LIF %g%+gi (roots), %g%+gi (ODE)\n", creal(lead.lambda),
                  cimag(lead.lambda), creal(r1), cimag(r1), creal(r2), cimag(r2));
    assert_int_equal(sf_field_lif_G(NULL, &L, r1, 1.0, &G), SF_OK);
    assert_true(cabs(G) < 1e-8);
    assert_true(cabs(r1 - r2) < 1e-4 * cabs(r1));
    sf_theory_workspace_destroy(ws);
}

/* The (k, f) analysis on synthetic spikes: Bernoulli spikes per step with
 * rate r0 (1 + a cos(K x - 2 pi F t)) (a wave travelling towards +x,
 * K = 2 pi 4 / mm, F = 150 Hz) give the wave verdict, the peak within one
 * spectral cell (6.28 / mm, 7.8 Hz), direction +x and v = 2 pi F / K; a
 * homogeneous rate gives no wave (p >= 1e-3). */
static void synth(double amp, uint32_t **ids, int64_t **steps, size_t *ns)
{
    const int N = 2000;
    const double h = 0.1, r0 = 20.0, K = 2 * M_PI * 4, F = 150.0;
    size_t cap = 1 << 20, n = 0;
    *ids = malloc(sizeof(uint32_t) * cap);
    *steps = malloc(sizeof(int64_t) * cap);
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int64_t k = 0; k < 10000; k++)
        for (int i = 0; i < N; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            double u = (double)(x >> 11) / 9007199254740992.0, xi = (i + 0.5) / N, t = (k + 1) * h * 1e-3;
            double p = r0 * (1 + amp * cos(K * xi - 2 * M_PI * F * t)) * h * 1e-3;
            if (u < p) {
                if (n == cap) {
                    cap *= 2;
                    *ids = realloc(*ids, sizeof(uint32_t) * cap);
                    *steps = realloc(*steps, sizeof(int64_t) * cap);
                }
                (*ids)[n] = (uint32_t)i;
                (*steps)[n++] = k;
            }
        }
    *ns = n;
}

static void test_wave_analysis(void **state)
{
    uint32_t xbin[2000];
    for (int i = 0; i < 2000; i++)
        xbin[i] = (uint32_t)(i * 64 / 2000);
    for (int c = 0; c < 2; c++) {
        uint32_t *ids;
        int64_t *steps;
        size_t ns;
        synth(c == 0 ? 0.5 : 0.0, &ids, &steps, &ns);
        sf_wave_result w;
        assert_int_equal(sf_wave_spectrum(NULL, ids, steps, ns, xbin, 64, 1.0, 0, 10000, 5, 0.1, 256,
                                          &w), SF_OK);
        print_message("synthetic %s: wave %d, k %.3f /mm, f %.2f Hz, v %.2f mm/s, snr %.3g, p %.2g, "
                      "m %.3f\n", c ? "homogeneous" : "wave", w.wave, w.k_peak, w.f_peak, w.velocity,
                      w.snr, w.p_value, w.modulation);
        assert_int_equal(w.n_seg, 7);
        if (c == 0) {
            assert_true(w.wave && w.direction > 0);
            assert_true(fabs(w.k_peak - 2 * M_PI * 4) < 2 * M_PI);
            assert_true(fabs(w.f_peak - 150) < 7.8125);
            assert_true(fabs(w.velocity - 150 / 4.0) < 0.1 * 150 / 4.0);
            /* m = 0.5, estimated from the 3 x 3 cells (the noise adds a
             * few per cent of power) */
            assert_true(fabs(w.modulation - 0.5) < 0.05);
        } else {
            assert_false(w.wave);
            assert_true(w.p_value >= 1e-3);
        }
        free(ids);
        free(steps);
    }
}

/* 2-D (torus 1 x 2 mm, 60 x 60 grid, 32 x 32 space bins): Bernoulli
 * spikes with rate r0 (1 + 0.5 cos(Kx x + Ky y - 2 pi F t)), (Kx, Ky) =
 * 2 pi (-2, 1.5) /mm (a wave travelling towards -x, +y), F = 150 Hz: the
 * wave verdict, the wave vector within one cell (2 pi / L per dimension),
 * |k| and f within one cell, direction -1 (the sign of kx), m = 0.5 within
 * 0.05; a homogeneous rate: no wave. */
static void test_wave_analysis_2d(void **state)
{
    const int NX = 60, NY = 60, N = NX * NY;
    const double h = 0.1, r0 = 20.0, Kx = 2 * M_PI * -2, Ky = 2 * M_PI * 1.5, F = 150.0;
    uint32_t *xb = malloc(sizeof(uint32_t) * N), *yb = malloc(sizeof(uint32_t) * N);
    for (int i = 0; i < N; i++)
        xb[i] = (uint32_t)((i % NX) * 32 / NX), yb[i] = (uint32_t)((i / NX) * 32 / NY);
    for (int c = 0; c < 2; c++) {
        double amp = c == 0 ? 0.5 : 0.0;
        size_t cap = 1 << 20, n = 0;
        uint32_t *ids = malloc(sizeof(uint32_t) * cap);
        int64_t *steps = malloc(sizeof(int64_t) * cap);
        uint64_t x = 0x9E3779B97F4A7C15ull;
        for (int64_t k = 0; k < 10000; k++)
            for (int i = 0; i < N; i++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                double u = (double)(x >> 11) / 9007199254740992.0, t = (k + 1) * h * 1e-3;
                double px = ((i % NX) + 0.5) / NX * 1.0, py = ((i / NX) + 0.5) / NY * 2.0;
                double pr = r0 * (1 + amp * cos(Kx * px + Ky * py - 2 * M_PI * F * t)) * h * 1e-3;
                if (u < pr) {
                    if (n == cap) {
                        cap *= 2;
                        ids = realloc(ids, sizeof(uint32_t) * cap);
                        steps = realloc(steps, sizeof(int64_t) * cap);
                    }
                    ids[n] = (uint32_t)i;
                    steps[n++] = k;
                }
            }
        sf_wave_result w;
        assert_int_equal(sf_wave_spectrum_2d(NULL, ids, steps, n, xb, 32, 1.0, yb, 32, 2.0, 0, 10000,
                                             5, 0.1, 256, &w), SF_OK);
        print_message("synthetic 2-D %s: wave %d, k (%.3f, %.3f) |k| %.3f /mm, f %.2f Hz, p %.2g, "
                      "m %.3f\n", c ? "homogeneous" : "wave", w.wave, w.kx, w.ky, w.k_peak, w.f_peak,
                      w.p_value, w.modulation);
        assert_int_equal(w.n_y, 32);
        if (c == 0) {
            assert_true(w.wave && w.direction < 0);
            assert_true(fabs(w.kx - Kx) < 2 * M_PI && fabs(w.ky - Ky) < M_PI);
            assert_true(fabs(w.k_peak - hypot(Kx, Ky)) < 2 * M_PI);
            assert_true(fabs(w.f_peak - F) < 7.8125);
            assert_true(fabs(w.modulation - 0.5) < 0.05);
        } else {
            assert_false(w.wave);
        }
        free(ids);
        free(steps);
    }
    free(xb);
    free(yb);
}

/* The family on the paper's model (the text of examples/senk2020_ring.yaml
 * without recorders): sf_predict picks "spatial", reaches mu = sigma =
 * 10 mV, predicts a wave train at the wavenumber where the test's own
 * c(k) = W_E sin(k R_E)/(k R_E) + W_I sin(k R_I)/(k R_I), with the family's
 * gain h0, is most negative on the ring's grid; a sheet leaves the model to
 * the LIF family; with distance delays (speed 1 mm/ms) the family predicts
 * a root of the characteristic equation the test evaluates with its own
 * quadrature of the delay kernels, and with a very fast speed the
 * constant-delay root. */
static const char *senk =
    "simulation: {resolution: 0.1, duration: 100.0}\n"
    "populations:\n"
    "  E: {model: iaf_psc_exp, n: 4000, params: &p {E_L: -65.0, C_m: 250.0, tau_m: 5.0, "
    "tau_syn_ex: 0.5, tau_syn_in: 0.5, t_ref: 0.0, V_th: -50.0, V_reset: -65.0}, "
    "space: &s {geometry: %s, extent: 1.0%s}}\n"
    "  I: {model: iaf_psc_exp, n: 1000, params: *p, space: *s}\n"
    "projections:\n"
    "  EE: {source: E, target: E, rule: spatial_fixed_indegree, indegree: 400, profile: {kind: "
    "boxcar, width: 0.2}, weight: 87.8, delay: 1.5%s}\n"
    "  EI: {source: E, target: I, rule: spatial_fixed_indegree, indegree: 400, profile: {kind: "
    "boxcar, width: 0.2}, weight: 87.8, delay: 1.5}\n"
    "  IE: {source: I, target: E, rule: spatial_fixed_indegree, indegree: 100, profile: {kind: "
    "boxcar, width: 0.07}, weight: -439.0, delay: 1.5}\n"
    "  II: {source: I, target: I, rule: spatial_fixed_indegree, indegree: 100, profile: {kind: "
    "boxcar, width: 0.07}, weight: -439.0, delay: 1.5}\n"
    "inputs:\n"
    "  ext_E: {kind: poisson, targets: [E, I], rate: 95504.47, weight: 87.8}\n"
    "  ext_I: {kind: poisson, targets: [E, I], rate: 15718.60, weight: -439.0}\n";

static double value(const sf_quantities *q, const char *name, int pop)
{
    long i = sf_quantities_find(q, name, pop, -1);
    if (i < 0)
        fail_msg("no %s", name);
    return sf_quantity_values(q, (size_t)i)[0];
}

/* ---- distance-dependent delays ------------------------------------------ */

/* The test's delay kernel by quadrature: int_{-L/2}^{L/2} p(x) e^{-a|x|}
 * e^{-ikx} dx = 2 int_0^{L/2} p(x) e^{-a x} cos(kx) dx, p normalised on the
 * line (the profile lies within L/2), real and imaginary parts by GSL QAG. */
typedef struct {
    sf_profile_kind kind;
    double R, k;
    double complex a;
    int part;
} dk_args;

static double dk_integrand(double x, void *v)
{
    const dk_args *A = v;
    double p = A->kind == SF_PROFILE_BOXCAR ? (x <= A->R ? 1 / (2 * A->R) : 0)
               : A->kind == SF_PROFILE_EXPONENTIAL ? exp(-x / A->R) / (2 * A->R)
                                                   : exp(-0.5 * x * x / (A->R * A->R)) /
                                                         (sqrt(2 * M_PI) * A->R);
    double complex g = 2 * p * cexp(-A->a * x) * cos(A->k * x);
    return A->part ? cimag(g) : creal(g);
}

static double complex delay_kernel_quad(sf_profile_kind kind, double R, double k, double complex a,
                                        double half)
{
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(4000);
    double out[2], err;
    for (int part = 0; part < 2; part++) {
        dk_args A = {kind, R, k, a, part};
        gsl_function F = {dk_integrand, &A};
        double hi = kind == SF_PROFILE_BOXCAR ? R : half;
        gsl_integration_qag(&F, 0, hi, 1e-14, 1e-12, 4000, GSL_INTEG_GAUSS61, w, &out[part], &err);
    }
    gsl_integration_workspace_free(w);
    return out[0] + I * out[1];
}

static void test_distance_delay_ft(void **state)
{
    const sf_profile_kind kinds[3] = {SF_PROFILE_BOXCAR, SF_PROFILE_EXPONENTIAL, SF_PROFILE_GAUSSIAN};
    const double R[3] = {0.2, 0.01, 0.04};
    const double complex as[4] = {0, 3.0, 12.0 + 40.0 * I, -2.0 - 25.0 * I};
    double worst = 0;
    for (int c = 0; c < 3; c++)
        for (int m = 0; m < 6; m++)
            for (int j = 0; j < 4; j++) {
                double k = 2 * M_PI * 3 * m;
                double complex got = sf_field_profile_delay_ft(kinds[c], R[c], k, as[j]);
                double complex ref = delay_kernel_quad(kinds[c], R[c], k, as[j], 0.5);
                worst = fmax(worst, cabs(got - ref));
                if (!(cabs(got - ref) < 1e-9))
                    fail_msg("kind %d R %g k %g a %g%+gi: %.15g%+.15gi vs quadrature %.15g%+.15gi",
                             c, R[c], k, creal(as[j]), cimag(as[j]), creal(got), cimag(got),
                             creal(ref), cimag(ref));
                if (j == 0) /* a = 0: the constant-delay transform */
                    assert_true(cabs(got - sf_field_profile_ft(kinds[c], R[c], 1, k)) < 1e-12);
            }
    print_message("distance-delay kernels: closed forms vs quadrature, max |diff| %.2g\n", worst);
}

static double value(const sf_quantities *q, const char *name, int pop);

/* The family's leading root with speed v = 1 mm/ms solves
 * det[(1 + lambda tau) 1 - h0 tau_m K J P(k, lambda / v) e^{-lambda d0}] = 0,
 * P by the test's quadrature (rows of E and I equal); and v -> infinity
 * gives the constant-delay prediction. */
static void check_distance_delays(sf_context *ctx, sf_model *mixed)
{
    sf_quantities *q = NULL;
    if (sf_predict(ctx, mixed, NULL, &q)) /* EE alone with distance delays */
        fail_msg("%s", sf_context_errmsg(ctx));
    assert_true(value(q, "lif_continuation_mismatch", -1) < 1e-6);
    sf_quantities_destroy(q);
    char text[4096];
    snprintf(text, sizeof text, senk, "ring", ", layout: grid", "");
    const char *v1[4] = {"projections.EE.speed=1.0", "projections.EI.speed=1.0",
                         "projections.IE.speed=1.0", "projections.II.speed=1.0"};
    sf_model *m = NULL;
    if (sf_model_load_string(ctx, text, "senk", v1, 4, &m) || sf_predict(ctx, m, NULL, &q))
        fail_msg("%s", sf_context_errmsg(ctx));
    sf_model_destroy(m);
    double h0 = value(q, "rate_model_gain", 0), tau = 0.5e-3 * (value(q, "rate_model_tau", 0) +
                                                                value(q, "rate_model_tau", 1));
    double g = value(q, "leading_growth_rate", -1), f = value(q, "leading_frequency", -1);
    double k = value(q, "leading_wavenumber", -1);
    double complex l = g + 2 * M_PI * f * I, a = l * 1e-3 / 1.0;
    double JE = 87.8 * 0.5 / 250, JI = -439.0 * 0.5 / 250;
    double complex c = h0 * 5e-3 * (400 * JE * delay_kernel_quad(SF_PROFILE_BOXCAR, 0.2, k, a, 0.5) +
                                    100 * JI * delay_kernel_quad(SF_PROFILE_BOXCAR, 0.07, k, a, 0.5));
    /* rank one: det = (1 + l tau) [(1 + l tau) - c e^{-l d0}] */
    double complex res = (1 + l * tau) - c * cexp(-l * 1.5e-3);
    print_message("distance delays (v = 1 mm/ms): k* = %.4g /mm, lambda = %.4g%+.4gi /s, f = %.4g Hz, "
                  "LIF %.4g Hz, |residual| %.2g, kind %g\n", k, g, 2 * M_PI * f, f,
                  value(q, "lif_frequency", -1), cabs(res), value(q, "wave_instability", -1));
    assert_true(cabs(res) < 1e-8 * cabs(1 + l * tau));
    assert_true(value(q, "lif_continuation_mismatch", -1) < 1e-6);
    sf_quantities_destroy(q);
    /* a very fast conduction: the constant-delay root */
    sf_quantities *q0 = NULL, *q1 = NULL;
    sf_model *m1 = NULL;
    const char *sets[4] = {"projections.EE.speed=1e9", "projections.EI.speed=1e9",
                           "projections.IE.speed=1e9", "projections.II.speed=1e9"};
    sf_model *m0 = NULL;
    if (sf_model_load_string(ctx, text, "senk", NULL, 0, &m0) ||
        sf_model_load_string(ctx, text, "senk", sets, 4, &m1) || sf_predict(ctx, m0, NULL, &q0) ||
        sf_predict(ctx, m1, NULL, &q1))
        fail_msg("%s", sf_context_errmsg(ctx));
    assert_true(fabs(value(q1, "leading_growth_rate", -1) / value(q0, "leading_growth_rate", -1) - 1) < 1e-6);
    assert_true(fabs(value(q1, "leading_frequency", -1) / value(q0, "leading_frequency", -1) - 1) < 1e-6);
    assert_true(value(q1, "leading_wavenumber", -1) == value(q0, "leading_wavenumber", -1));
    sf_quantities_destroy(q0);
    sf_quantities_destroy(q1);
    sf_model_destroy(m0);
    sf_model_destroy(m1);
}

static void test_family(void **state)
{
    char text[4096];
    const char *geo[3][3] = {{"ring", ", layout: grid", ""}, {"sheet", ", layout: random", ""},
                             {"ring", "", ", speed: 1.0"}};
    for (int c = 0; c < 3; c++) {
        snprintf(text, sizeof text, senk, geo[c][0], geo[c][1], geo[c][2]);
        sf_context *ctx = sf_context_create();
        sf_model *m = NULL;
        if (sf_model_load_string(ctx, text, "senk", NULL, 0, &m))
            fail_msg("%s", sf_context_errmsg(ctx));
        const char *fam = sf_theory_family_of(ctx, m);
        if (c == 1) {
            assert_string_equal(fam, "lif_diffusion");
        } else if (c == 2) {
            assert_string_equal(fam, "spatial");
            check_distance_delays(ctx, m);
        } else {
            assert_string_equal(fam, "spatial");
            sf_quantities *q = NULL;
            if (sf_predict(ctx, m, NULL, &q))
                fail_msg("%s", sf_context_errmsg(ctx));
            assert_true(fabs(value(q, "mu", 0) - 10) < 1e-4 && fabs(value(q, "sigma", 1) - 10) < 1e-4);
            assert_true(value(q, "wave_instability", -1) == SF_FIELD_WAVE);
            double h0 = value(q, "rate_model_gain", 0), JE = 87.8 * 0.5 / 250, JI = -439.0 * 0.5 / 250;
            double WE = h0 * 5e-3 * 400 * JE, WI = h0 * 5e-3 * 100 * JI, cmin = INFINITY, kmin = 0;
            for (int i = 1; i < 200; i++) {
                double k = 2 * M_PI * i, cc = WE * sin(k * 0.2) / (k * 0.2) + WI * sin(k * 0.07) / (k * 0.07);
                if (cc < cmin)
                    cmin = cc, kmin = k;
            }
            assert_true(fabs(value(q, "leading_wavenumber", -1) - kmin) < 1e-9);
            double f = value(q, "lif_frequency", -1);
            assert_true(f > 170 && f < 330);
            assert_true(value(q, "lif_continuation_mismatch", -1) < 1e-6);
            sf_quantities_destroy(q);
        }
        sf_model_destroy(m);
        sf_context_destroy(ctx);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_profile_ft),
        cmocka_unit_test(test_lambertw_arb),
        cmocka_unit_test(test_fit_exact),
        cmocka_unit_test(test_fit_lif),
        cmocka_unit_test(test_single_population_theorem),
        cmocka_unit_test(test_ei_wave),
        cmocka_unit_test(test_continuation),
        cmocka_unit_test(test_wave_analysis),
        cmocka_unit_test(test_wave_analysis_2d),
        cmocka_unit_test(test_distance_delay_ft),
        cmocka_unit_test(test_family),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
