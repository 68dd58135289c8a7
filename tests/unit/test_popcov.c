/* Unit tests of src/analysis/popcov.c: population-resolved covariances.
 *
 *  - dense references computed here from binned counts (zero-lag
 *    covariances per segment, cross-spectra by direct DFT, covariance
 *    functions by direct sums), to rounding;
 *  - independent Bernoulli ("grid Poisson") trains: every covariance is 0
 *    within its standard error, the auto part is the binomial variance;
 *  - thinned common input with a delay: known covariance, spectrum phase
 *    and lag (the sign conventions of theory.h);
 *  - the cross-spectrum of a population with itself equals the population
 *    row of sf_analysis_spectrum;
 *  - binary signals from transitions against a step-by-step reconstruction,
 *    trace signals against direct sums, shared-signal covariance;
 *  - every error path.
 * Statistical tolerances: 4 standard errors (a false failure rate of about
 * 6e-5 per check for Gaussian estimates), the SE stated at each check. */
#include <complex.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "spikefield/analysis.h"

static const double PI = 3.14159265358979323846;

#define assert_close(a, b, tol)                                                           \
    do {                                                                                  \
        double a_ = (a), b_ = (b), t_ = (tol);                                            \
        if (!(fabs(a_ - b_) <= t_))                                                       \
            fail_msg("%s = %.10g, expected %.10g +- %.3g", #a, a_, b_, t_);               \
    } while (0)

static sf_context *ctx;

static int setup(void **state)
{
    ctx = sf_context_create();
    return ctx ? 0 : -1;
}

static int teardown(void **state)
{
    sf_context_destroy(ctx);
    return 0;
}

/* ------------------------------------------------------------------------
 * Spike sets. */

typedef struct {
    int64_t step;
    uint32_t id;
} spike;

typedef struct {
    spike *s;
    size_t n, cap;
    uint32_t *ids;
    int64_t *steps;
} spike_set;

static void add_spike(spike_set *ss, uint32_t id, int64_t step)
{
    if (ss->n == ss->cap) {
        ss->cap = ss->cap ? 2 * ss->cap : 1024;
        ss->s = realloc(ss->s, ss->cap * sizeof *ss->s);
        assert_non_null(ss->s);
    }
    ss->s[ss->n].step = step;
    ss->s[ss->n].id = id;
    ss->n++;
}

static int cmp_spike(const void *a, const void *b)
{
    const spike *x = a, *y = b;
    if (x->step != y->step)
        return x->step < y->step ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static sf_spikes finish(spike_set *ss, uint32_t n_neurons, uint32_t pop, double h_ms)
{
    qsort(ss->s, ss->n, sizeof *ss->s, cmp_spike);
    free(ss->ids);
    free(ss->steps);
    ss->ids = malloc((ss->n + 1) * sizeof *ss->ids);
    ss->steps = malloc((ss->n + 1) * sizeof *ss->steps);
    assert_non_null(ss->ids);
    assert_non_null(ss->steps);
    for (size_t i = 0; i < ss->n; i++) {
        ss->ids[i] = ss->s[i].id;
        ss->steps[i] = ss->s[i].step;
    }
    sf_spikes sp = {.node_ids = ss->ids, .steps = ss->steps, .n_spikes = ss->n,
                    .n_neurons = n_neurons, .population = pop, .h_ms = h_ms};
    return sp;
}

static void spike_set_free(spike_set *ss)
{
    free(ss->s);
    free(ss->ids);
    free(ss->steps);
    memset(ss, 0, sizeof *ss);
}

/* Bernoulli train: a spike in each step of [0, n_steps) with probability
 * q = 1 - exp(-rate h) (geometric intervals). */
static void bernoulli_train(spike_set *ss, uint32_t id, uint64_t entity, double rate_Hz,
                            double h_ms, int64_t n_steps)
{
    sf_rng r;
    sf_rng_init(&r, 777, SF_RNG_TEST, entity);
    const double mean_ms = 1000.0 / rate_Hz;
    int64_t k = -1;
    for (;;) {
        k += (int64_t)ceil(sf_rng_exponential(&r, mean_ms) / h_ms);
        if (k >= n_steps)
            break;
        add_spike(ss, id, k);
    }
}

/* Dense counts x[i][b] of a spike set, bins of w steps from k0. */
static double *dense(const sf_spikes *sp, int64_t k0, int64_t w, size_t nb)
{
    double *x = calloc(sp->n_neurons * nb + 1, sizeof *x);
    assert_non_null(x);
    for (size_t q = 0; q < sp->n_spikes; q++) {
        int64_t k = sp->steps[q];
        if (k >= k0 && k < k0 + (int64_t)nb * w)
            x[sp->node_ids[q] * nb + (size_t)((k - k0) / w)] += 1;
    }
    return x;
}

/* mean and SEM of v[0..n) */
static void msem(const double *v, size_t n, double *m, double *se)
{
    double s = 0, s2 = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    s /= n;
    for (size_t i = 0; i < n; i++)
        s2 += (v[i] - s) * (v[i] - s);
    *m = s;
    *se = sqrt(s2 / (n - 1) / n);
}

/* ------------------------------------------------------------------------
 * Dense reference of sf_analysis_count_cov (same and different
 * populations) on a small random example with uneven rates, bins of 3
 * steps, an offset window and bins left over. */
static void test_count_cov_reference(void **state)
{
    const double h = 0.5;
    const int64_t w = 3, k0 = 5;
    const size_t S = 4, len = 7, nb = S * len;
    const uint32_t na = 6, nbn = 3;
    spike_set A = {0}, B = {0};
    sf_rng r;
    sf_rng_init(&r, 3, SF_RNG_TEST, 1);
    const double pa[6] = {0.5, 0.1, 0.0, 0.3, 0.8, 0.2}, pb[3] = {0.4, 0.05, 0.6};
    for (int64_t k = 0; k < k0 + (int64_t)(nb + 2) * w; k++) {
        double common = sf_rng_uniform(&r) < 0.3;
        for (uint32_t i = 0; i < na; i++)
            if (sf_rng_uniform(&r) < pa[i] || (common && i % 2))
                add_spike(&A, i, k);
        for (uint32_t i = 0; i < nbn; i++)
            if (sf_rng_uniform(&r) < pb[i] || (common && i == 1))
                add_spike(&B, i, k);
    }
    sf_spikes sa = finish(&A, na, 0, h), sb = finish(&B, nbn, 1, h);
    const double t0 = k0 * h, t1 = t0 + (double)((nb + 2) * w) * h; /* 2 bins left over */
    double *xa = dense(&sa, k0, w, nb), *xb = dense(&sb, k0, w, nb);
    /* means over all used bins */
    double mua[6] = {0}, mub[3] = {0}, Ma = 0, Mb = 0;
    for (uint32_t i = 0; i < na; i++)
        for (size_t b = 0; b < nb; b++)
            mua[i] += xa[i * nb + b] / nb;
    for (uint32_t i = 0; i < nbn; i++)
        for (size_t b = 0; b < nb; b++)
            mub[i] += xb[i * nb + b] / nb;
    for (uint32_t i = 0; i < na; i++)
        Ma += mua[i];
    for (uint32_t i = 0; i < nbn; i++)
        Mb += mub[i];
    const double g = (double)nb / (nb - 1);
    double pop_aa[4], cr_aa[4], au_aa[4], ab[4];
    for (size_t s = 0; s < S; s++) {
        double vaa = 0, vab = 0, vi = 0;
        for (size_t b = s * len; b < (s + 1) * len; b++) {
            double Xa = 0, Xb = 0;
            for (uint32_t i = 0; i < na; i++) {
                Xa += xa[i * nb + b];
                vi += (xa[i * nb + b] - mua[i]) * (xa[i * nb + b] - mua[i]);
            }
            for (uint32_t i = 0; i < nbn; i++)
                Xb += xb[i * nb + b];
            vaa += (Xa - Ma) * (Xa - Ma);
            vab += (Xa - Ma) * (Xb - Mb);
        }
        vaa *= g / len, vab *= g / len, vi *= g / len;
        pop_aa[s] = vaa / (na * na);
        cr_aa[s] = (vaa - vi) / (na * (na - 1.0));
        au_aa[s] = vi / na;
        ab[s] = vab / (na * nbn);
    }
    sf_pop_cov c;
    double m, se;
    assert_int_equal(sf_analysis_count_cov(ctx, &sa, NULL, t0, t1, w * h, S, &c), SF_OK);
    assert_int_equal(c.n_segments, S);
    assert_int_equal(c.seg_len, len);
    msem(pop_aa, S, &m, &se);
    assert_close(c.pop, m, 1e-12);
    assert_close(c.pop_sem, se, 1e-12);
    msem(cr_aa, S, &m, &se);
    assert_close(c.cross, m, 1e-12);
    assert_close(c.cross_sem, se, 1e-12);
    msem(au_aa, S, &m, &se);
    assert_close(c.auto_var, m, 1e-12);
    assert_close(c.auto_sem, se, 1e-12);
    assert_close(c.mean_a, Ma / na, 1e-12);
    /* the split adds up: pop = auto / n + (1 - 1/n) cross */
    assert_close(c.pop, c.auto_var / na + (1 - 1.0 / na) * c.cross, 1e-12);
    sf_pop_cov c2; /* b == a is the same population */
    assert_int_equal(sf_analysis_count_cov(ctx, &sa, &sa, t0, t1, w * h, S, &c2), SF_OK);
    assert_close(c2.cross, c.cross, 0.0);

    assert_int_equal(sf_analysis_count_cov(ctx, &sa, &sb, t0, t1, w * h, S, &c), SF_OK);
    msem(ab, S, &m, &se);
    assert_close(c.pop, m, 1e-12);
    assert_close(c.pop_sem, se, 1e-12);
    assert_close(c.cross, m, 1e-12);
    assert_true(isnan(c.auto_var));
    assert_close(c.mean_b, Mb / nbn, 1e-12);
    free(xa);
    free(xb);
    spike_set_free(&A);
    spike_set_free(&B);
}

/* Dense reference of sf_analysis_xspectrum for two populations: direct DFT
 * and direct lagged sums per segment. */
#define LX 8
static void test_xspectrum_reference(void **state)
{
    const double h = 0.5, bin_ms = 1.0;
    const int64_t w = 2, k0 = 2, S = 3;
    const size_t nb = S * LX, n = LX + 1, hh = LX / 2;
    const uint32_t na = 4, nbn = 2;
    spike_set A = {0}, B = {0};
    sf_rng r;
    sf_rng_init(&r, 5, SF_RNG_TEST, 9);
    for (int64_t k = 0; k < k0 + (int64_t)(nb + 1) * w; k++) {
        for (uint32_t i = 0; i < na; i++)
            if (sf_rng_uniform(&r) < 0.2 + 0.1 * i)
                add_spike(&A, i, k);
        for (uint32_t i = 0; i < nbn; i++)
            if (sf_rng_uniform(&r) < 0.3)
                add_spike(&B, i, k);
    }
    sf_spikes sa = finish(&A, na, 0, h), sb = finish(&B, nbn, 1, h);
    const double t0 = k0 * h, t1 = t0 + (double)((nb + 1) * w) * h, D = bin_ms * 1e-3;
    double *xa = dense(&sa, k0, w, nb), *xb = dense(&sb, k0, w, nb);
    double ya[3 * LX], yb[3 * LX], Ma = 0, Mb = 0;
    for (size_t b = 0; b < nb; b++) {
        ya[b] = yb[b] = 0;
        for (uint32_t i = 0; i < na; i++)
            ya[b] += xa[i * nb + b];
        for (uint32_t i = 0; i < nbn; i++)
            yb[b] += xb[i * nb + b];
        Ma += ya[b] / nb, Mb += yb[b] / nb;
    }
    for (size_t b = 0; b < nb; b++)
        ya[b] = (ya[b] - Ma) / (na * D), yb[b] = (yb[b] - Mb) / (nbn * D);
    double re[LX + 1][3], im[LX + 1][3], cv[LX + 1][3];
    for (int s = 0; s < S; s++) {
        const double *u = ya + s * LX, *v = yb + s * LX;
        for (size_t j = 0; j < n; j++) {
            double f = ((double)j - hh) / LX; /* cycles per bin */
            double complex Ua = 0, Ub = 0;
            for (int b = 0; b < LX; b++) {
                Ua += u[b] * cexp(-2 * PI * I * f * b);
                Ub += v[b] * cexp(-2 * PI * I * f * b);
            }
            double complex Sab = Ua * conj(Ub) * D / LX;
            re[j][s] = creal(Sab), im[j][s] = cimag(Sab);
            long m = (long)j - (long)hh;
            double c = 0;
            for (long t = 0; t < LX; t++)
                if (t + m >= 0 && t + m < LX)
                    c += u[t + m] * v[t];
            cv[j][s] = c / (LX - labs(m));
        }
    }
    sf_xspectrum_plan *plan = NULL;
    assert_int_equal(sf_analysis_xspectrum_plan_create(ctx, LX, 0, &plan), SF_OK);
    double out[SF_XSPEC_ROWS * (LX + 1)];
    size_t ns = 0;
    for (int rep = 0; rep < 2; rep++) {
        assert_int_equal(sf_analysis_xspectrum(ctx, plan, &sa, &sb, t0, t1, bin_ms, out, &ns),
                         SF_OK);
        assert_int_equal(ns, S);
        for (size_t j = 0; j < n; j++) {
            double m, se;
            assert_close(out[SF_XSPEC_FREQ_HZ * n + j], ((double)j - hh) / (LX * D), 1e-9);
            assert_close(out[SF_XCOV_LAG_MS * n + j], ((double)j - hh) * bin_ms, 1e-12);
            msem(re[j], S, &m, &se);
            assert_close(out[SF_XSPEC_RE * n + j], m, 1e-9 * (1 + fabs(m)));
            assert_close(out[SF_XSPEC_RE_SEM * n + j], se, 1e-9 * (1 + se));
            assert_close(out[SF_XSPEC_CROSS * n + j], m, 1e-9 * (1 + fabs(m)));
            assert_close(out[SF_XSPEC_AUTO * n + j], 0.0, 0.0);
            msem(im[j], S, &m, &se);
            assert_close(out[SF_XSPEC_IM * n + j], m, 1e-9 * (1 + fabs(m)));
            assert_close(out[SF_XSPEC_IM_SEM * n + j], se, 1e-9 * (1 + se));
            msem(cv[j], S, &m, &se);
            assert_close(out[SF_XCOV * n + j], m, 1e-9 * (1 + fabs(m)));
            assert_close(out[SF_XCOV_SEM * n + j], se, 1e-9 * (1 + se));
            assert_close(out[SF_XCOV_CROSS * n + j], m, 1e-9 * (1 + fabs(m)));
        }
    }
    /* b, a gives the conjugate spectrum and the mirrored covariance */
    double out2[SF_XSPEC_ROWS * (LX + 1)];
    assert_int_equal(sf_analysis_xspectrum(ctx, plan, &sb, &sa, t0, t1, bin_ms, out2, NULL),
                     SF_OK);
    for (size_t j = 0; j < n; j++) {
        assert_close(out2[SF_XSPEC_RE * n + j], out[SF_XSPEC_RE * n + j], 1e-9);
        assert_close(out2[SF_XSPEC_IM * n + j], -out[SF_XSPEC_IM * n + j], 1e-9);
        assert_close(out2[SF_XCOV * n + j], out[SF_XCOV * n + (n - 1 - j)], 1e-9);
    }
    sf_analysis_xspectrum_plan_destroy(plan);
    free(xa);
    free(xb);
    spike_set_free(&A);
    spike_set_free(&B);
}

/* Independent Bernoulli trains (rate 10 Hz on h = 0.1 ms, 8000 + 2000
 * neurons would be the benchmark; here 400 + 100 over 20 s): counts in a bin
 * of w steps are Binomial(w, q), independent across neurons and bins, so
 * every covariance is 0 and the single-neuron variance is w q (1 - q). The
 * reported SE is checked against its expected size:
 * a pair average over n(n-1)/2 pairs of one segment has sd
 * sqrt(2/(n(n-1))) v over len bins / sqrt(len) -> SE over S segments. */
static void test_independent(void **state)
{
    const double h = 0.1, rate = 10.0, bin_ms = 10.0;
    const int64_t n_steps = 200000; /* 20 s */
    const uint32_t na = 400, nbn = 100;
    spike_set A = {0}, B = {0};
    for (uint32_t i = 0; i < na; i++)
        bernoulli_train(&A, i, 1 + i, rate, h, n_steps);
    for (uint32_t i = 0; i < nbn; i++)
        bernoulli_train(&B, i, 100000 + i, rate, h, n_steps);
    sf_spikes sa = finish(&A, na, 0, h), sb = finish(&B, nbn, 1, h);
    const double q = 1 - exp(-rate * h * 1e-3), v = 100 * q * (1 - q); /* w = 100 */
    const size_t S = 20, len = 100;
    sf_pop_cov c;
    assert_int_equal(sf_analysis_count_cov(ctx, &sa, NULL, 0, 20000, bin_ms, S, &c), SF_OK);
    double se_cross = v * sqrt(2.0 / (na * (na - 1.0))) / sqrt((double)len * S);
    print_message("independent: c_aa = %.3g +- %.3g (expected 0 +- %.3g), auto %.5f (%.5f)\n",
                  c.cross, c.cross_sem, se_cross, c.auto_var, v);
    assert_close(c.cross, 0.0, 4 * c.cross_sem);
    assert_close(c.cross_sem, se_cross, 0.5 * se_cross); /* SE of an SE over 20: ~16% */
    /* auto: mean over na neurons of their variances; sd of one neuron's
     * sample variance over 2000 bins ~ v sqrt(2/2000) (Poisson-like) */
    assert_close(c.auto_var, v, 4 * v * sqrt(2.0 / 2000 / na) + 4 * c.auto_sem);
    assert_close(c.pop, c.auto_var / na + (1 - 1.0 / na) * c.cross, 1e-12 * v);
    assert_int_equal(sf_analysis_count_cov(ctx, &sa, &sb, 0, 20000, bin_ms, S, &c), SF_OK);
    double se_ab = v / sqrt((double)na * nbn) / sqrt((double)len * S);
    print_message("independent: c_ab = %.3g +- %.3g (expected 0 +- %.3g)\n", c.cross,
                  c.cross_sem, se_ab);
    assert_close(c.cross, 0.0, 4 * c.cross_sem);
    assert_close(c.cross_sem, se_ab, 0.5 * se_ab);
    /* cross-spectrum of independent populations: 0 +- SE at every frequency,
     * so the average over frequencies (independent) is 0 within 4 SE/sqrt(n) */
    sf_xspectrum_plan *plan = NULL;
    const size_t L = 256, n = L + 1;
    assert_int_equal(sf_analysis_xspectrum_plan_create(ctx, L, 0, &plan), SF_OK);
    double *out = malloc(SF_XSPEC_ROWS * n * sizeof *out);
    assert_non_null(out);
    size_t nseg;
    assert_int_equal(sf_analysis_xspectrum(ctx, plan, &sa, &sb, 0, 20000, 1.0, out, &nseg),
                     SF_OK);
    assert_int_equal(nseg, 78);
    double mre = 0, sre = 0;
    for (size_t j = L / 2 + 1; j < L; j++)
        mre += out[SF_XSPEC_RE * n + j], sre += out[SF_XSPEC_RE_SEM * n + j];
    mre /= (L / 2 - 1), sre /= (L / 2 - 1);
    /* |Y_a Y_b| has sd sqrt(Sa Sb) / sqrt 2 per real part; Sa = 10/400 Hz */
    double se_f = sqrt(rate / na * rate / nbn / 2) / sqrt((double)nseg);
    print_message("independent: Re S_ab mean %.3g, SE %.3g (expected %.3g)\n", mre, sre, se_f);
    assert_close(sre, se_f, 0.15 * se_f);
    assert_close(mre, 0.0, 4 * se_f / sqrt(L / 2 - 1.0));
    free(out);
    sf_analysis_xspectrum_plan_destroy(plan);
    spike_set_free(&A);
    spike_set_free(&B);
}

/* Thinned common input with a delay. A common Bernoulli train M (prob q per
 * step) is copied to every neuron of a with probability pa and, D steps
 * later, to every neuron of b with probability pb, independently; each
 * neuron has its own Bernoulli train (prob q0) as well. Counts in bins of w
 * steps (w >> D is not needed for the lagged quantities):
 *   distinct pair in a:   Cov(n_i, n_j) = pa^2 Var(M_bin) = pa^2 w q (1 - q)
 *   single neuron of a:   Var(n_i) = w [pa q (1 - pa q)] + w q0 (1 - q0) (thinned
 *                         train and own train independent... up to overlaps:
 *                         a step holds at most one spike per neuron here
 *                         only if we OR them; we add them, so exact)
 *   pair a, b (bins >> D): Cov ~ pa pb w q (1 - q) (1 - D/w) + edge terms;
 * exactly, with bins of one step: C_ab(tau) = pa pb q (1 - q) / Delta^2 at
 * tau = -D Delta (a leads: b follows a), 0 elsewhere, and
 * S_ab(f) = pa pb q (1 - q) / Delta e^{+2 pi i f D Delta}; the periodogram of
 * segments of L bins estimates it with the lag weighted by 1 - D/L. */
static void test_common_input(void **state)
{
    const double h = 1.0, rate = 20.0, rate0 = 5.0, pa = 0.5, pb = 0.3;
    const int64_t n_steps = 400000, D = 3; /* 400 s at 1 ms steps */
    const uint32_t na = 40, nbn = 20;
    spike_set A = {0}, B = {0}, M = {0};
    bernoulli_train(&M, 0, 5, rate, h, n_steps);
    sf_rng r;
    sf_rng_init(&r, 11, SF_RNG_TEST, 0);
    for (size_t k = 0; k < M.n; k++) {
        for (uint32_t i = 0; i < na; i++)
            if (sf_rng_uniform(&r) < pa)
                add_spike(&A, i, M.s[k].step);
        for (uint32_t i = 0; i < nbn; i++)
            if (sf_rng_uniform(&r) < pb && M.s[k].step + D < n_steps)
                add_spike(&B, i, M.s[k].step + D);
    }
    for (uint32_t i = 0; i < na; i++)
        bernoulli_train(&A, i, 1000 + i, rate0, h, n_steps);
    for (uint32_t i = 0; i < nbn; i++)
        bernoulli_train(&B, i, 2000 + i, rate0, h, n_steps);
    sf_spikes sa = finish(&A, na, 0, h), sb = finish(&B, nbn, 1, h);
    const double q = 1 - exp(-rate * h * 1e-3), q0 = 1 - exp(-rate0 * h * 1e-3);

    /* zero lag, bins of 20 steps */
    const double w = 20;
    sf_pop_cov c;
    assert_int_equal(sf_analysis_count_cov(ctx, &sa, NULL, 0, 400000, w * h, 40, &c), SF_OK);
    double c_exp = pa * pa * w * q * (1 - q);
    double v_exp = w * pa * q * (1 - pa * q) + w * q0 * (1 - q0);
    print_message("common input: c_aa = %.5f +- %.5f (exact %.5f), auto %.5f +- %.5f (%.5f)\n",
                  c.cross, c.cross_sem, c_exp, c.auto_var, c.auto_sem, v_exp);
    assert_close(c.cross, c_exp, 4 * c.cross_sem);
    assert_close(c.auto_var, v_exp, 4 * c.auto_sem);
    assert_true(c.cross_sem < 0.05 * c_exp); /* the check has power */
    /* a, b with bins of 20 steps and a delay of 3: a bin of b sees the common
     * spikes of the bin of a shifted by 3 steps: covariance of the counts in
     * the same bin pa pb q (1 - q) (w - D) */
    assert_int_equal(sf_analysis_count_cov(ctx, &sa, &sb, 0, 400000, w * h, 40, &c), SF_OK);
    double cab = pa * pb * q * (1 - q) * (w - D);
    print_message("common input: c_ab = %.5f +- %.5f (exact %.5f)\n", c.cross, c.cross_sem, cab);
    assert_close(c.cross, cab, 4 * c.cross_sem);
    assert_true(c.cross_sem < 0.05 * cab);

    /* lag and phase, bins of one step */
    const size_t L = 64, n = L + 1, hh = L / 2;
    const double Dl = h * 1e-3, K = pa * pb * q * (1 - q);
    sf_xspectrum_plan *plan = NULL;
    assert_int_equal(sf_analysis_xspectrum_plan_create(ctx, L, 0, &plan), SF_OK);
    double *out = malloc(SF_XSPEC_ROWS * n * sizeof *out);
    assert_non_null(out);
    size_t nseg;
    assert_int_equal(sf_analysis_xspectrum(ctx, plan, &sa, &sb, 0, 400000, h, out, &nseg),
                     SF_OK);
    for (size_t j = 0; j < n; j++) {
        double tau = out[SF_XCOV_LAG_MS * n + j], cexp = tau == -D * h ? K / (Dl * Dl) : 0.0;
        double got = out[SF_XCOV * n + j], se = out[SF_XCOV_SEM * n + j];
        if (fabs(got - cexp) > 4.5 * se)
            fail_msg("C_ab(%g ms) = %g +- %g, expected %g", tau, got, se, cexp);
    }
    double worst = 0;
    for (size_t j = 0; j < n; j++) {
        double f = out[SF_XSPEC_FREQ_HZ * n + j];
        /* the segment periodogram weighs lag m by 1 - |m|/L (Fejer) */
        double complex Se = K / Dl * (1 - (double)D / L) * cexp(2 * PI * I * f * D * Dl);
        double zr = (out[SF_XSPEC_RE * n + j] - creal(Se)) / out[SF_XSPEC_RE_SEM * n + j];
        double zi = j == 0 || j == L || j == hh
                        ? 0
                        : (out[SF_XSPEC_IM * n + j] - cimag(Se)) / out[SF_XSPEC_IM_SEM * n + j];
        worst = fmax(worst, fmax(fabs(zr), fabs(zi)));
    }
    print_message("common input: worst |z| of S_ab over %zu frequencies: %.2f\n", n, worst);
    assert_true(worst < 4.5); /* 2 x 65 checks at 4.5 SE: false alarm ~ 1e-3 */
    /* the phase is a lead of a: Im S_ab > 0 just above 0 Hz */
    assert_true(out[SF_XSPEC_IM * n + hh + 2] > 0);
    free(out);
    sf_analysis_xspectrum_plan_destroy(plan);
    spike_set_free(&A);
    spike_set_free(&B);
    spike_set_free(&M);
}

/* The cross-spectrum of a population with itself is the population row of
 * sf_analysis_spectrum (computed independently: there from the summed
 * counts too, here through the cross product), and the auto / cross split
 * is the one of sf_analysis_spectrum, mirrored. */
static void test_self_equals_spectrum(void **state)
{
    const double h = 0.1, bin_ms = 0.5;
    const uint32_t N = 300;
    const int64_t n_steps = 100000; /* 10 s */
    spike_set A = {0}, M = {0};
    for (uint32_t i = 0; i < N; i++)
        bernoulli_train(&A, i, 50 + i, 8.0 + (i % 5), h, n_steps);
    bernoulli_train(&M, 0, 9, 30, h, n_steps);
    for (size_t k = 0; k < M.n; k++)
        for (uint32_t i = 0; i < N; i += 7)
            add_spike(&A, i, M.s[k].step + (i % 3));
    sf_spikes sa = finish(&A, N, 0, h);
    const size_t L = 512, n = L + 1, ni = L / 2 + 1, hh = L / 2;
    sf_spectrum_plan *sp = NULL;
    sf_xspectrum_plan *xp = NULL;
    assert_int_equal(sf_analysis_spectrum_plan_create(ctx, N, L, &sp), SF_OK);
    assert_int_equal(sf_analysis_xspectrum_plan_create(ctx, L, N, &xp), SF_OK);
    double *o1 = malloc(SF_SPEC_ROWS * ni * sizeof *o1), *o2 = malloc(SF_XSPEC_ROWS * n * sizeof *o2);
    assert_non_null(o1);
    assert_non_null(o2);
    size_t s1, s2;
    assert_int_equal(sf_analysis_spectrum(ctx, sp, &sa, 100, 10000, bin_ms, o1, &s1), SF_OK);
    assert_int_equal(sf_analysis_xspectrum(ctx, xp, &sa, NULL, 100, 10000, bin_ms, o2, &s2), SF_OK);
    assert_int_equal(s1, s2);
    for (size_t k = 0; k < ni; k++) {
        double scale = o1[SF_SPEC_POP * ni + 1];
        for (int sgn = -1; sgn <= 1; sgn += 2) {
            size_t j = (size_t)((long)hh + sgn * (long)k);
            assert_close(fabs(o2[SF_XSPEC_FREQ_HZ * n + j]), o1[SF_SPEC_FREQ_HZ * ni + k], 1e-9);
            assert_close(o2[SF_XSPEC_RE * n + j], o1[SF_SPEC_POP * ni + k], 1e-9 * scale);
            assert_close(o2[SF_XSPEC_RE_SEM * n + j], o1[SF_SPEC_POP_SEM * ni + k], 1e-9 * scale);
            assert_close(o2[SF_XSPEC_IM * n + j], 0.0, 1e-9 * scale);
            assert_close(o2[SF_XSPEC_AUTO * n + j], o1[SF_SPEC_AUTO * ni + k], 0.0);
            assert_close(o2[SF_XSPEC_CROSS * n + j], o1[SF_SPEC_CROSS * ni + k], 0.0);
            double cs = o1[SF_COV_POP * ni];
            assert_close(fabs(o2[SF_XCOV_LAG_MS * n + j]), o1[SF_COV_LAG_MS * ni + k], 1e-9);
            assert_close(o2[SF_XCOV * n + j], o1[SF_COV_POP * ni + k], 1e-9 * cs);
            assert_close(o2[SF_XCOV_SEM * n + j], o1[SF_COV_POP_SEM * ni + k], 1e-9 * cs);
            assert_close(o2[SF_XCOV_CROSS * n + j], o1[SF_COV_CROSS * ni + k], 0.0);
            assert_close(o2[SF_XCOV_AUTO_SEM * n + j], o1[SF_COV_AUTO_SEM * ni + k], 0.0);
        }
    }
    /* without an auto plan the split is unknown */
    sf_xspectrum_plan *xp0 = NULL;
    assert_int_equal(sf_analysis_xspectrum_plan_create(ctx, L, 0, &xp0), SF_OK);
    assert_int_equal(sf_analysis_xspectrum(ctx, xp0, &sa, &sa, 100, 10000, bin_ms, o2, NULL),
                     SF_OK);
    assert_true(isnan(o2[SF_XSPEC_AUTO * n + 3]) && isnan(o2[SF_XCOV_CROSS * n + 3]));
    sf_analysis_xspectrum_plan_destroy(xp0);
    free(o1);
    free(o2);
    sf_analysis_spectrum_plan_destroy(sp);
    sf_analysis_xspectrum_plan_destroy(xp);
    spike_set_free(&A);
    spike_set_free(&M);
}

/* ------------------------------------------------------------------------
 * Signals. */

/* Transitions of random telegraph neurons against a step-by-step
 * reconstruction; samples every 3 steps from an offset window. */
static void test_binary_signal(void **state)
{
    const double h = 0.1;
    const uint32_t N = 7;
    const int64_t n_steps = 3000, k0 = 95, k1 = 2900, w = 3;
    spike_set A = {0};
    uint8_t init[7];
    sf_rng r;
    sf_rng_init(&r, 21, SF_RNG_TEST, 4);
    uint8_t st[7];
    int *dense_s = malloc(sizeof(int) * N * n_steps);
    assert_non_null(dense_s);
    for (uint32_t i = 0; i < N; i++)
        st[i] = init[i] = sf_rng_uniform(&r) < 0.5;
    for (int64_t k = 0; k < n_steps; k++)
        for (uint32_t i = 0; i < N; i++) {
            if (sf_rng_uniform(&r) < 0.02 * (1 + i % 3)) {
                add_spike(&A, i, k);
                st[i] ^= 1;
            }
            dense_s[i * n_steps + k] = st[i]; /* state at step k includes events at k */
        }
    sf_spikes sa = finish(&A, N, 0, h);
    size_t ns;
    assert_int_equal(sf_analysis_binary_signal(ctx, &sa, init, k0 * h, k1 * h, w * h, NULL, 0,
                                               &ns, NULL),
                     SF_OK);
    assert_int_equal(ns, (size_t)((k1 - k0 + w - 1) / w));
    double *m = malloc(ns * sizeof *m), v;
    assert_non_null(m);
    assert_int_equal(sf_analysis_binary_signal(ctx, &sa, init, k0 * h, k1 * h, w * h, m, ns, &ns,
                                               &v),
                     SF_OK);
    double vref = 0;
    for (uint32_t i = 0; i < N; i++) {
        double up = 0;
        for (size_t j = 0; j < ns; j++)
            up += dense_s[i * n_steps + k0 + (int64_t)j * w];
        vref += (up / ns) * (1 - up / ns) / N;
    }
    for (size_t j = 0; j < ns; j++) {
        double ref = 0;
        for (uint32_t i = 0; i < N; i++)
            ref += dense_s[i * n_steps + k0 + (int64_t)j * w];
        assert_close(m[j], ref / N, 1e-12);
    }
    assert_close(v, vref, 1e-12);
    /* the same with the traces path: x_i(t) as floats */
    float *tr = malloc(sizeof(float) * ns * N);
    assert_non_null(tr);
    for (size_t j = 0; j < ns; j++)
        for (uint32_t i = 0; i < N; i++)
            tr[j * N + i] = (float)dense_s[i * n_steps + k0 + (int64_t)j * w];
    double *m2 = malloc(ns * sizeof *m2), v2;
    assert_non_null(m2);
    assert_int_equal(sf_analysis_trace_signal(ctx, tr, ns, N, m2, &v2), SF_OK);
    for (size_t j = 0; j < ns; j++)
        assert_close(m2[j], m[j], 1e-12);
    assert_close(v2, v, 1e-12);
    /* capacity, initial states */
    assert_int_equal(sf_analysis_binary_signal(ctx, &sa, init, k0 * h, k1 * h, w * h, m, ns - 1,
                                               &ns, NULL),
                     SF_ERR_ARG);
    uint8_t bad[7] = {0, 2, 0, 0, 0, 0, 0};
    assert_int_equal(sf_analysis_binary_signal(ctx, &sa, bad, k0 * h, k1 * h, w * h, m, ns, &ns,
                                               NULL),
                     SF_ERR_ARG);
    free(tr);
    free(m);
    free(m2);
    free(dense_s);
    spike_set_free(&A);
}

/* Shared signal plus private noise, x_i(t) = s(t) + e_i(t) with s and e
 * independent Gaussian AR(1) series (s: coefficient 0.9, variance 1;
 * e: white, variance 4): distinct pairs covary by Var(s) = 1, the single
 * neuron has variance 5, and for two populations sharing s with b delayed
 * by 2 samples C_ab(tau) = 0.9^{|tau + 2|}. The AR(1) makes neighbouring
 * samples dependent: the segments (2000 samples >> 1/(1 - 0.9)) are still
 * nearly independent, so the SEs hold. */
static void test_signals(void **state)
{
    const uint32_t N = 20;
    const size_t T = 100000, S = 50;
    const double a = 0.9;
    float *xa = malloc(sizeof(float) * T * N), *xb = malloc(sizeof(float) * T * N);
    double *s = malloc(sizeof(double) * (T + 2));
    assert_non_null(xa);
    assert_non_null(xb);
    assert_non_null(s);
    sf_rng r;
    sf_rng_init(&r, 8, SF_RNG_TEST, 8);
    s[0] = sf_rng_normal(&r);
    for (size_t t = 1; t < T + 2; t++)
        s[t] = a * s[t - 1] + sqrt(1 - a * a) * sf_rng_normal(&r);
    for (size_t t = 0; t < T; t++)
        for (uint32_t i = 0; i < N; i++) {
            xa[t * N + i] = (float)(s[t + 2] + 2 * sf_rng_normal(&r));
            xb[t * N + i] = (float)(s[t] + 2 * sf_rng_normal(&r)); /* b lags a by 2 */
        }
    double *ma = malloc(T * sizeof *ma), *mb = malloc(T * sizeof *mb), va, vb;
    assert_non_null(ma);
    assert_non_null(mb);
    assert_int_equal(sf_analysis_trace_signal(ctx, xa, T, N, ma, &va), SF_OK);
    assert_int_equal(sf_analysis_trace_signal(ctx, xb, T, N, mb, &vb), SF_OK);
    sf_signal A = {ma, T, 0.5, N, va}, B = {mb, T, 0.5, N, vb};
    sf_pop_cov c;
    assert_int_equal(sf_analysis_signal_cov(ctx, &A, NULL, S, &c), SF_OK);
    print_message("signals: c_aa = %.4f +- %.4f (1), auto %.4f (5)\n", c.cross, c.cross_sem,
                  c.auto_var);
    assert_close(c.cross, 1.0, 4 * c.cross_sem);
    assert_true(c.cross_sem < 0.05);
    assert_close(c.auto_var, va, 0.0);
    assert_close(c.auto_var, 5.0, 0.1); /* sd of the variance estimate ~ 5 sqrt(2/(T N)) + s */
    assert_close(c.pop, c.auto_var / N + (1 - 1.0 / N) * c.cross, 1e-12);
    assert_close(c.mean_a, 0.0, 0.2);
    assert_int_equal(sf_analysis_signal_cov(ctx, &A, &B, S, &c), SF_OK);
    print_message("signals: c_ab = %.4f +- %.4f (0.81)\n", c.cross, c.cross_sem);
    assert_close(c.cross, a * a, 4 * c.cross_sem);
    /* unknown single-neuron variance: no split */
    sf_signal A0 = A;
    A0.var_single = NAN;
    assert_int_equal(sf_analysis_signal_cov(ctx, &A0, NULL, S, &c), SF_OK);
    assert_true(isnan(c.cross) && isnan(c.auto_var) && isfinite(c.pop));

    /* covariance function and spectrum: the AR(1) shared part, shifted */
    const size_t L = 64, n = L + 1, hh = L / 2;
    sf_xspectrum_plan *plan = NULL;
    assert_int_equal(sf_analysis_xspectrum_plan_create(ctx, L, 0, &plan), SF_OK);
    double *out = malloc(SF_XSPEC_ROWS * n * sizeof *out);
    assert_non_null(out);
    size_t nseg;
    assert_int_equal(sf_analysis_signal_xspectrum(ctx, plan, &A, &B, out, &nseg), SF_OK);
    assert_int_equal(nseg, T / L);
    double worst = 0;
    for (size_t j = 0; j < n; j++) {
        long m = (long)j - (long)hh;
        assert_close(out[SF_XCOV_LAG_MS * n + j], 0.5 * m, 1e-12);
        double ce = pow(a, labs(m + 2)); /* C_ab(m) = <s(t + m + 2) s(t)> */
        /* segment means of AR(1) products bias by ~ Var/(L(1-a)); see docs */
        double z = (out[SF_XCOV * n + j] - ce) / out[SF_XCOV_SEM * n + j];
        worst = fmax(worst, fabs(z));
    }
    print_message("signals: worst |z| of C_ab over %zu lags: %.2f\n", n, worst);
    assert_true(worst < 4.5);
    /* spectrum: the expected periodogram of a segment of L samples is the
     * Fejer-weighted sum dt sum_{|m| < L} (1 - |m|/L) C_ab(m) e^{-i w m},
     * w = 2 pi f dt (exact for a known mean; the global mean costs O(1/T)) */
    double wz = 0;
    for (size_t j = 0; j < n; j++) {
        double om = 2 * PI * out[SF_XSPEC_FREQ_HZ * n + j] * 0.5e-3;
        double complex Se = 0;
        for (long m = -(long)L + 1; m < (long)L; m++)
            Se += (1 - labs(m) / (double)L) * pow(a, labs(m + 2)) * cexp(-I * om * m);
        Se *= 0.5e-3;
        wz = fmax(wz, fabs(out[SF_XSPEC_RE * n + j] - creal(Se)) / out[SF_XSPEC_RE_SEM * n + j]);
        if (j != 0 && j != hh && j != L)
            wz = fmax(wz,
                      fabs(out[SF_XSPEC_IM * n + j] - cimag(Se)) / out[SF_XSPEC_IM_SEM * n + j]);
    }
    print_message("signals: worst |z| of S_ab over %zu frequencies: %.2f\n", n, wz);
    assert_true(wz < 4.5);
    /* a != b: auto 0; a == b for signals: no split of spectra */
    assert_close(out[SF_XSPEC_AUTO * n + 1], 0.0, 0.0);
    assert_int_equal(sf_analysis_signal_xspectrum(ctx, plan, &A, NULL, out, &nseg), SF_OK);
    assert_true(isnan(out[SF_XSPEC_AUTO * n + 1]) && isnan(out[SF_XCOV_CROSS * n + 1]));
    assert_close(out[SF_XSPEC_IM * n + 5], 0.0, 1e-12 * out[SF_XSPEC_RE * n + 5]);
    free(out);
    sf_analysis_xspectrum_plan_destroy(plan);
    free(xa);
    free(xb);
    free(s);
    free(ma);
    free(mb);
}

/* ------------------------------------------------------------------------
 * Errors. */
static void expect_arg(sf_status st, const char *needle)
{
    assert_int_equal(st, SF_ERR_ARG);
    if (!strstr(sf_context_errmsg(ctx), needle))
        fail_msg("message '%s' lacks '%s'", sf_context_errmsg(ctx), needle);
}

static void test_errors(void **state)
{
    uint32_t ids[3] = {0, 1, 5};
    int64_t steps[3] = {1, 2, 3};
    sf_spikes sp = {ids, steps, 2, 3, 0, 0.1}, bad = {ids, steps, 3, 3, 0, 0.1};
    sf_spikes other = {ids, steps, 2, 3, 1, 0.2};
    sf_pop_cov c;
    expect_arg(sf_analysis_count_cov(ctx, &sp, NULL, 0, 100, 1.0, 1, &c), "n_segments");
    expect_arg(sf_analysis_count_cov(ctx, &sp, NULL, 0, 100, 1.0, 2, NULL), "out is NULL");
    expect_arg(sf_analysis_count_cov(ctx, NULL, NULL, 0, 100, 1.0, 2, &c), "NULL");
    expect_arg(sf_analysis_count_cov(ctx, &sp, NULL, 0, 1, 1.0, 2, &c), "need >= 4");
    expect_arg(sf_analysis_count_cov(ctx, &sp, NULL, 0, 100, 0.15, 2, &c), "whole number");
    expect_arg(sf_analysis_count_cov(ctx, &sp, &other, 0, 100, 1.0, 2, &c), "different grids");
    expect_arg(sf_analysis_count_cov(ctx, &bad, NULL, 0, 100, 1.0, 2, &c), "node id 5");
    expect_arg(sf_analysis_count_cov(ctx, &sp, &bad, 0, 100, 1.0, 2, &c), "node id 5");
    int64_t unsorted[2] = {5, 3};
    sf_spikes uns = {ids, unsorted, 2, 3, 0, 0.1};
    expect_arg(sf_analysis_count_cov(ctx, &uns, NULL, 0, 100, 1.0, 2, &c), "not sorted");
    assert_int_equal(sf_analysis_count_cov(ctx, &sp, NULL, 0, 100, 1.0, 2, &c), SF_OK);
    sf_spikes one = {ids, steps, 1, 1, 0, 0.1}; /* n = 1: no pairs */
    assert_int_equal(sf_analysis_count_cov(ctx, &one, NULL, 0, 100, 1.0, 2, &c), SF_OK);
    assert_true(isnan(c.cross) && isfinite(c.auto_var) && isfinite(c.pop));

    sf_xspectrum_plan *p = NULL;
    expect_arg(sf_analysis_xspectrum_plan_create(ctx, 7, 0, &p), "even");
    expect_arg(sf_analysis_xspectrum_plan_create(ctx, 8, 0, NULL), "NULL");
    assert_int_equal(sf_analysis_xspectrum_plan_create(ctx, 8, 4, &p), SF_OK);
    double out[SF_XSPEC_ROWS * 9];
    expect_arg(sf_analysis_xspectrum(ctx, p, &sp, NULL, 0, 100, 1.0, out, NULL), "made for 4");
    expect_arg(sf_analysis_xspectrum(ctx, p, &sp, &sp, 0, 0.5, 0.1, out, NULL), "need >= 8");
    expect_arg(sf_analysis_xspectrum(ctx, NULL, &sp, &sp, 0, 100, 1.0, out, NULL), "NULL");
    expect_arg(sf_analysis_xspectrum(ctx, p, &sp, &other, 0, 100, 1.0, out, NULL), "grids");
    expect_arg(sf_analysis_xspectrum(ctx, p, &sp, &bad, 0, 100, 1.0, out, NULL), "node id");
    assert_int_equal(sf_analysis_xspectrum(ctx, p, &sp, &one, 0, 100, 1.0, out, NULL), SF_OK);
    sf_analysis_xspectrum_plan_destroy(p);
    sf_analysis_xspectrum_plan_destroy(NULL);

    double m[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, m5[5] = {0};
    sf_signal s = {m, 10, 0.1, 3, 0.2}, s5 = {m5, 5, 0.1, 3, 0.2}, sdt = {m, 10, 0.2, 3, 0.2};
    sf_signal s0 = {m, 10, 0.0, 3, 0.2}, snull = {NULL, 10, 0.1, 3, 0.2};
    expect_arg(sf_analysis_signal_cov(ctx, &s, &s5, 2, &c), "differ");
    expect_arg(sf_analysis_signal_cov(ctx, &s, &sdt, 2, &c), "differ");
    expect_arg(sf_analysis_signal_cov(ctx, &s0, NULL, 2, &c), "dt_ms");
    expect_arg(sf_analysis_signal_cov(ctx, &snull, NULL, 2, &c), "without samples");
    expect_arg(sf_analysis_signal_cov(ctx, &s, NULL, 6, &c), "segments");
    expect_arg(sf_analysis_signal_cov(ctx, NULL, NULL, 2, &c), "NULL");
    assert_int_equal(sf_analysis_signal_cov(ctx, &s, &s, 5, &c), SF_OK);
    assert_int_equal(sf_analysis_xspectrum_plan_create(ctx, 12, 0, &p), SF_OK);
    expect_arg(sf_analysis_signal_xspectrum(ctx, p, &s, NULL, out, NULL), "fewer than one");
    sf_analysis_xspectrum_plan_destroy(p);
    float tr[4] = {1, 2, 3, 4};
    expect_arg(sf_analysis_trace_signal(ctx, tr, 0, 2, m, NULL), "n_times");
    expect_arg(sf_analysis_trace_signal(ctx, NULL, 2, 2, m, NULL), "n_times");
    size_t ns;
    expect_arg(sf_analysis_binary_signal(ctx, &sp, NULL, 0, 100, 1.0, m, 10, NULL, NULL),
               "n_samples");
    expect_arg(sf_analysis_binary_signal(ctx, &sp, NULL, 0, 100, 0.25, m, 10, &ns, NULL),
               "whole number");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_count_cov_reference),
        cmocka_unit_test(test_xspectrum_reference),
        cmocka_unit_test(test_independent),
        cmocka_unit_test(test_common_input),
        cmocka_unit_test(test_self_equals_spectrum),
        cmocka_unit_test(test_binary_signal),
        cmocka_unit_test(test_signals),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
