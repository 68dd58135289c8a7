/* Unit tests of src/analysis: spike-train statistics against closed forms
 * (regular and identical trains), against a dense reference computed here
 * from binned counts, and against the known statistics of Bernoulli ("grid
 * Poisson") trains with tolerances derived from their standard errors. Every
 * error path of the public API is provoked. */
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

/* ------------------------------------------------------------------------
 * Spike sets built by the tests. */

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

/* Sorts by (step, id) and fills the parallel arrays of the view. */
static sf_spikes finish(spike_set *ss, uint32_t n_neurons, double h_ms)
{
    qsort(ss->s, ss->n, sizeof *ss->s, cmp_spike);
    ss->ids = malloc((ss->n + 1) * sizeof *ss->ids);
    ss->steps = malloc((ss->n + 1) * sizeof *ss->steps);
    assert_non_null(ss->ids);
    assert_non_null(ss->steps);
    for (size_t i = 0; i < ss->n; i++) {
        ss->ids[i] = ss->s[i].id;
        ss->steps[i] = ss->s[i].step;
    }
    sf_spikes sp = {.node_ids = ss->ids, .steps = ss->steps, .n_spikes = ss->n,
                    .n_neurons = n_neurons, .population = 0, .h_ms = h_ms};
    return sp;
}

static void spike_set_free(spike_set *ss)
{
    free(ss->s);
    free(ss->ids);
    free(ss->steps);
    memset(ss, 0, sizeof *ss);
}

/* Bernoulli train on steps [0, n_steps): a spike in each step with
 * probability p = 1 - exp(-rate h), the grid version of a Poisson process.
 * Intervals are geometric, ceil(E / h) with E exponential of mean 1/rate. */
static void bernoulli_train(spike_set *ss, uint32_t id, uint64_t entity, double rate_Hz,
                            double h_ms, int64_t n_steps)
{
    sf_rng r;
    sf_rng_init(&r, 20240607, SF_RNG_TEST, entity);
    const double mean_ms = 1000.0 / rate_Hz;
    int64_t k = -1;
    for (;;) {
        k += (int64_t)ceil(sf_rng_exponential(&r, mean_ms) / h_ms);
        if (k >= n_steps)
            break;
        add_spike(ss, id, k);
    }
}

#define assert_close(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

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
 * Regular trains: CV = 0, Fano = 0 when a bin holds whole periods and
 * Fano <= (1/4) B/(B-1) / mean otherwise (counts take two neighbouring
 * values), so it falls as 1/bin. Counts are constant, so every pair is
 * skipped by the correlation. */
static void test_regular_trains(void **state)
{
    const double h = 0.1;
    const uint32_t n = 40;
    const int64_t S = 100000; /* 10 s */
    spike_set ss = {0};
    for (uint32_t i = 0; i < n; i++)
        for (int64_t k = i; k < S; k += 100) /* every 10 ms, phase i steps */
            add_spike(&ss, i, k);
    sf_spikes sp = finish(&ss, n, h);

    double rate, rate_sem, cv, cv_sem, fano, fano_sem;
    size_t n_cv, n_fano;
    assert_int_equal(sf_analysis_rate(ctx, &sp, 0.0, 10000.0, &rate, &rate_sem), SF_OK);
    assert_close(rate, 100.0, 1e-12);
    assert_close(rate_sem, 0.0, 1e-12);
    assert_int_equal(sf_analysis_cv_isi(ctx, &sp, 0.0, 10000.0, &cv, &cv_sem, &n_cv), SF_OK);
    assert_int_equal(n_cv, n);
    assert_true(cv == 0.0 && cv_sem == 0.0);
    assert_int_equal(
        sf_analysis_fano(ctx, &sp, 0.0, 10000.0, 50.0, &fano, &fano_sem, &n_fano), SF_OK);
    assert_int_equal(n_fano, n);
    assert_true(fano == 0.0 && fano_sem == 0.0);

    double corr, corr_sem;
    size_t used, skipped;
    assert_int_equal(sf_analysis_corr(ctx, &sp, 0.0, 10000.0, 50.0, 100, 1, &corr,
                                      &corr_sem, &used, &skipped),
                     SF_OK);
    assert_int_equal(used, 0);
    assert_int_equal(skipped, 100);
    assert_true(isnan(corr) && isnan(corr_sem));
    spike_set_free(&ss);

    /* periods 5.0 .. 8.9 ms: Fano bounded by the two-value variance */
    for (uint32_t i = 0; i < n; i++)
        for (int64_t k = i; k < S; k += 50 + i)
            add_spike(&ss, i, k);
    sp = finish(&ss, n, h);
    double prev = INFINITY;
    for (double bin = 23.7; bin < 2000.0; bin *= 3.0) {
        double B = floor(10000.0 / bin + 1e-9);
        assert_int_equal(sf_analysis_fano(ctx, &sp, 0.0, 10000.0, bin, &fano, NULL, NULL),
                         SF_OK);
        assert_true(fano >= 0.0);
        assert_true(fano <= 0.25 * B / (B - 1.0) / (bin / 8.9 - 1.0));
        assert_true(fano < prev);
        prev = fano;
    }
    assert_int_equal(sf_analysis_cv_isi(ctx, &sp, 0.0, 10000.0, &cv, NULL, &n_cv), SF_OK);
    assert_true(cv == 0.0);
    spike_set_free(&ss);
}

/* ------------------------------------------------------------------------
 * Dense reference: random spikes (several per step, repeats of a neuron in a
 * step, spikes outside the window), the statistics computed here from the
 * definitions on a dense count matrix, compared to the library. */
static void test_dense_reference(void **state)
{
    const double h = 0.25, t0 = 9.25, bin_ms = 3.25; /* bin = 13 steps */
    const uint32_t n = 7;
    const int64_t k0 = 37, w = 13, B = 20, k1 = k0 + B * w + 5; /* partial bin at end */
    const double t1 = (double)k1 * h;
    spike_set ss = {0};
    sf_rng r;
    sf_rng_init(&r, 5, SF_RNG_TEST, 1);
    for (int64_t k = 0; k < k1 + 20; k++)
        for (uint32_t i = 0; i < n; i++) {
            double p = 0.04 + 0.05 * i; /* neuron 0 sparse, neuron 6 busy */
            if (sf_rng_uniform(&r) < p)
                add_spike(&ss, i, k);
            if (i == 5 && sf_rng_uniform(&r) < 0.05)
                add_spike(&ss, i, k); /* same neuron twice in one step */
        }
    /* neuron 3: no spike in the full bins, one in the partial bin at the end:
     * it counts for the rate but not for the Fano factor, and its pairs are
     * skipped (zero count variance) */
    size_t m = 0;
    for (size_t j = 0; j < ss.n; j++)
        if (!(ss.s[j].id == 3 && ss.s[j].step >= k0 && ss.s[j].step < k1))
            ss.s[m++] = ss.s[j];
    ss.n = m;
    add_spike(&ss, 3, k0 + B * w + 2);
    sf_spikes sp = finish(&ss, n, h);

    /* reference */
    double cnt[7][20] = {{0}};
    double nwin[7] = {0};
    double rate_sum = 0, rate_sq = 0;
    double cv_sum = 0, cv_sq = 0;
    int n_cv = 0;
    for (uint32_t i = 0; i < n; i++) {
        double isis[4096];
        int ni = 0;
        int64_t last = -1;
        for (size_t j = 0; j < sp.n_spikes; j++) {
            if (sp.node_ids[j] != i || sp.steps[j] < k0 || sp.steps[j] >= k1)
                continue;
            nwin[i]++;
            if (last >= 0)
                isis[ni++] = (double)(sp.steps[j] - last);
            last = sp.steps[j];
            if (sp.steps[j] < k0 + B * w)
                cnt[i][(sp.steps[j] - k0) / w]++;
        }
        double rt = nwin[i] / ((double)(k1 - k0) * h * 1e-3);
        rate_sum += rt;
        rate_sq += rt * rt;
        if (ni >= 2) {
            double mu = 0, v = 0;
            for (int q = 0; q < ni; q++)
                mu += isis[q];
            mu /= ni;
            for (int q = 0; q < ni; q++)
                v += (isis[q] - mu) * (isis[q] - mu);
            double c = sqrt(v / (ni - 1)) / mu;
            cv_sum += c;
            cv_sq += c * c;
            n_cv++;
        }
    }
    double fano_sum = 0, fano_sq = 0;
    int n_fano = 0;
    double mu[7], sd[7];
    for (uint32_t i = 0; i < n; i++) {
        double s = 0, v = 0;
        for (int b = 0; b < B; b++)
            s += cnt[i][b];
        mu[i] = s / B;
        for (int b = 0; b < B; b++)
            v += (cnt[i][b] - mu[i]) * (cnt[i][b] - mu[i]);
        sd[i] = sqrt(v / (B - 1));
        if (s > 0) {
            double f = v / (B - 1) / mu[i];
            fano_sum += f;
            fano_sq += f * f;
            n_fano++;
        }
    }
    double corr_sum = 0, corr_sq = 0;
    int n_corr = 0, n_skip = 0;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = i + 1; j < n; j++) {
            if (sd[i] == 0 || sd[j] == 0) {
                n_skip++;
                continue;
            }
            double c = 0;
            for (int b = 0; b < B; b++)
                c += (cnt[i][b] - mu[i]) * (cnt[j][b] - mu[j]);
            c /= (B - 1) * sd[i] * sd[j];
            corr_sum += c;
            corr_sq += c * c;
            n_corr++;
        }
#define SEM(sum, sq, k) sqrt(((sq) - (sum) * (sum) / (k)) / ((k) - 1) / (k))

    sf_pop_stats st;
    assert_int_equal(sf_analysis_population(ctx, &sp, t0, t1, bin_ms, 1000, 3, &st), SF_OK);
    assert_close(st.rate_Hz, rate_sum / n, 1e-9);
    assert_close(st.rate_sem, SEM(rate_sum, rate_sq, n), 1e-9);
    assert_int_equal(st.n_cv, n_cv);
    assert_close(st.cv_isi, cv_sum / n_cv, 1e-12);
    assert_close(st.cv_sem, SEM(cv_sum, cv_sq, n_cv), 1e-9);
    assert_int_equal(st.n_fano, n_fano);
    assert_int_equal(n_fano, n - 1);
    assert_int_equal(n_skip, n - 1);
    assert_close(st.fano, fano_sum / n_fano, 1e-12);
    assert_close(st.fano_sem, SEM(fano_sum, fano_sq, n_fano), 1e-9);
    assert_int_equal(st.n_pairs_used, n_corr);
    assert_int_equal(st.n_pairs_skipped, n_skip);
    assert_int_equal(n_corr + n_skip, n * (n - 1) / 2); /* clamped to all pairs */
    assert_close(st.corr, corr_sum / n_corr, 1e-12);
    assert_close(st.corr_sem, SEM(corr_sum, corr_sq, n_corr), 1e-9);

    /* the single functions agree with the convenience one */
    double v, e;
    size_t c1, c2;
    assert_int_equal(sf_analysis_corr(ctx, &sp, t0, t1, bin_ms, 21, 99, &v, &e, &c1, &c2),
                     SF_OK);
    assert_true(v == st.corr && c1 == st.n_pairs_used && c2 == st.n_pairs_skipped);
    assert_int_equal(sf_analysis_fano(ctx, &sp, t0, t1, bin_ms, &v, &e, &c1), SF_OK);
    assert_true(v == st.fano && e == st.fano_sem && c1 == st.n_fano);

    /* population rate histogram: counts per bin summed over neurons */
    double pr[20];
    size_t nb = 0;
    assert_int_equal(sf_analysis_pop_rate(ctx, &sp, t0, t1, bin_ms, pr, 20, &nb), SF_OK);
    assert_int_equal(nb, 20);
    for (int b = 0; b < B; b++) {
        double s = 0;
        for (uint32_t i = 0; i < n; i++)
            s += cnt[i][b];
        assert_close(pr[b], s / (n * bin_ms * 1e-3), 1e-9);
    }
    spike_set_free(&ss);
}

/* ------------------------------------------------------------------------
 * Bernoulli trains with p = 1 - exp(-rate h) per step, N neurons, S steps,
 * K = S p expected spikes per neuron. Expected values and their errors:
 *  - rate: count ~ Binomial(S, p), so E = p / h and the standard error of the
 *    mean over N neurons is sqrt(S p (1-p)) / T / sqrt(N).
 *  - CV: ISIs are geometric with CV = sqrt(1-p). The ratio estimator s/mean
 *    over k = K-1 intervals has bias -CV/k to first order (delta method with
 *    skewness 2 and kurtosis 9 of the exponential: +1/k from E[1/mean],
 *    -1/k from E[s], -1/k from cov(s, mean)); per-neuron sd ~ 1/sqrt(k).
 *  - Fano: counts in a bin of w steps are Binomial(w, p): F = 1 - p. With the
 *    B-1 variance the estimator is unbiased up to O(p / (B mean)); per neuron
 *    (B-1) F_i is close to chi^2_{B-1}, so sd(F_i) ~ sqrt(2 / (B-1)).
 *  - corr of independent trains: E = 0, sd of one pair's r ~ 1/sqrt(B-1).
 * Each check allows 4 standard errors (two-sided p ~ 6e-5) plus the bias
 * where one is known only to first order. The standard errors reported by
 * the library are checked against these predictions too (within 15-20%, the
 * relative error of a standard deviation estimated from N values being
 * ~ 1/sqrt(2N)). */
static void test_poisson_trains(void **state)
{
    const double h = 0.1, rate = 20.0, T_ms = 10000.0, bin = 50.0;
    const uint32_t N = 1000;
    const int64_t S = 100000;
    spike_set ss = {0};
    for (uint32_t i = 0; i < N; i++)
        bernoulli_train(&ss, i, i, rate, h, S);
    sf_spikes sp = finish(&ss, N, h);

    const double p = 1.0 - exp(-rate * h * 1e-3), K = (double)S * p;
    const double B = T_ms / bin;
    sf_pop_stats st;
    assert_int_equal(sf_analysis_population(ctx, &sp, 0.0, T_ms, bin, 500, 77, &st), SF_OK);

    double rate_exp = p / h * 1e3;
    double rate_se = sqrt((double)S * p * (1 - p)) / (T_ms * 1e-3) / sqrt(N);
    print_message("rate %.4f +- %.4f Hz (expected %.4f +- %.4f)\n", st.rate_Hz, st.rate_sem,
                  rate_exp, rate_se);
    assert_close(st.rate_Hz, rate_exp, 4 * rate_se);
    assert_close(st.rate_sem, rate_se, 0.15 * rate_se);

    double cv_exp = sqrt(1 - p) * (1 - 1 / (K - 1)), cv_se = 1 / sqrt((K - 1) * N);
    print_message("cv %.5f +- %.5f (expected %.5f +- %.5f), n_cv %zu\n", st.cv_isi,
                  st.cv_sem, cv_exp, cv_se, st.n_cv);
    assert_int_equal(st.n_cv, N);
    assert_close(st.cv_isi, cv_exp, 4 * cv_se + 0.5 / K); /* + second-order bias */
    assert_close(st.cv_sem, cv_se, 0.15 * cv_se);

    double fano_exp = 1 - p, fano_se = sqrt(2 / (B - 1) / N);
    print_message("fano %.5f +- %.5f (expected %.5f +- %.5f), n_fano %zu\n", st.fano,
                  st.fano_sem, fano_exp, fano_se, st.n_fano);
    assert_int_equal(st.n_fano, N);
    assert_close(st.fano, fano_exp, 4 * fano_se);
    assert_close(st.fano_sem, fano_se, 0.15 * fano_se);

    double corr_se = 1 / sqrt((B - 1) * 500);
    print_message("corr %.5f +- %.5f (expected 0 +- %.5f), pairs %zu + %zu skipped\n",
                  st.corr, st.corr_sem, corr_se, st.n_pairs_used, st.n_pairs_skipped);
    assert_int_equal(st.n_pairs_used, 500);
    assert_int_equal(st.n_pairs_skipped, 0);
    assert_close(st.corr, 0.0, 4 * st.corr_sem);
    assert_close(st.corr_sem, corr_se, 0.2 * corr_se);

    /* the pair sample is a function of (seed, population) only */
    sf_pop_stats st2;
    assert_int_equal(sf_analysis_population(ctx, &sp, 0.0, T_ms, bin, 500, 77, &st2), SF_OK);
    assert_true(st2.corr == st.corr);
    sp.population = 1;
    assert_int_equal(sf_analysis_population(ctx, &sp, 0.0, T_ms, bin, 500, 77, &st2), SF_OK);
    assert_true(st2.corr != st.corr);
    sp.population = 0;
    assert_int_equal(sf_analysis_population(ctx, &sp, 0.0, T_ms, bin, 500, 78, &st2), SF_OK);
    assert_true(st2.corr != st.corr);

    /* population rate: its mean over bins is the mean rate over neurons */
    double *pr = NULL;
    size_t nb = 0;
    assert_int_equal(sf_analysis_pop_rate_alloc(ctx, &sp, 0.0, T_ms, bin, &pr, &nb), SF_OK);
    assert_int_equal(nb, (size_t)B);
    double m = 0;
    for (size_t b = 0; b < nb; b++)
        m += pr[b];
    assert_close(m / (double)nb, st.rate_Hz, 1e-9);
    sf_analysis_free(pr);
    spike_set_free(&ss);
}

/* ------------------------------------------------------------------------
 * Identical trains: corr = 1 for every pair. A train and a copy shifted by
 * more than a bin are uncorrelated only statistically, but a train and its
 * complement in bins (one spike in exactly the bins where the other has
 * none) give corr = -1. */
static void test_identical_and_opposite(void **state)
{
    const double h = 0.1;
    spike_set ss = {0};
    spike_set base = {0};
    bernoulli_train(&base, 0, 11, 30.0, h, 50000);
    for (size_t j = 0; j < base.n; j++)
        for (uint32_t i = 0; i < 3; i++)
            add_spike(&ss, i, base.s[j].step);
    sf_spikes sp = finish(&ss, 3, h);
    double corr, sem;
    size_t used, skipped;
    assert_int_equal(
        sf_analysis_corr(ctx, &sp, 0.0, 5000.0, 20.0, 3, 1, &corr, &sem, &used, &skipped),
        SF_OK);
    assert_int_equal(used, 3);
    assert_int_equal(skipped, 0);
    assert_close(corr, 1.0, 1e-12);
    assert_close(sem, 0.0, 1e-12);
    spike_set_free(&ss);

    /* complement: neuron 0 fires in bins where neuron 1 does not */
    sf_rng r;
    sf_rng_init(&r, 3, SF_RNG_TEST, 0);
    for (int64_t b = 0; b < 250; b++)
        add_spike(&ss, sf_rng_uniform(&r) < 0.3 ? 0 : 1, b * 200 + 17);
    sp = finish(&ss, 2, h);
    assert_int_equal(
        sf_analysis_corr(ctx, &sp, 0.0, 5000.0, 20.0, 1, 1, &corr, &sem, &used, &skipped),
        SF_OK);
    assert_int_equal(used, 1);
    assert_close(corr, -1.0, 1e-12);
    assert_true(isnan(sem)); /* one pair: no standard error */
    spike_set_free(&ss);
    spike_set_free(&base);
}

/* Sampling without replacement: with three pairs of distinct correlations,
 * a sample of two must average two different pairs, whatever the seed. */
static void test_pairs_distinct(void **state)
{
    const double h = 1.0;
    spike_set ss = {0};
    sf_rng r;
    sf_rng_init(&r, 8, SF_RNG_TEST, 0);
    /* neuron 2 shares part of neuron 0's spikes and part of neuron 1's */
    for (int64_t k = 0; k < 20000; k++) {
        double u = sf_rng_uniform(&r);
        if (u < 0.05)
            add_spike(&ss, 0, k), add_spike(&ss, 2, k);
        else if (u < 0.10)
            add_spike(&ss, 0, k);
        else if (u < 0.12)
            add_spike(&ss, 1, k), add_spike(&ss, 2, k);
        else if (u < 0.20)
            add_spike(&ss, 1, k);
        else if (u < 0.21)
            add_spike(&ss, 0, k), add_spike(&ss, 1, k);
    }
    sf_spikes sp = finish(&ss, 3, h);
    /* pair correlations from two-neuron views: relabel to neurons 0/1 */
    double rp[3];
    uint32_t pairs[3][2] = {{0, 1}, {0, 2}, {1, 2}};
    for (int q = 0; q < 3; q++) {
        spike_set two = {0};
        for (size_t j = 0; j < sp.n_spikes; j++)
            for (int e = 0; e < 2; e++)
                if (sp.node_ids[j] == pairs[q][e])
                    add_spike(&two, (uint32_t)e, sp.steps[j]);
        sf_spikes s2 = finish(&two, 2, h);
        assert_int_equal(
            sf_analysis_corr(ctx, &s2, 0.0, 20000.0, 10.0, 1, 0, &rp[q], NULL, NULL, NULL),
            SF_OK);
        spike_set_free(&two);
    }
    assert_true(fabs(rp[0] - rp[1]) > 1e-3 && fabs(rp[0] - rp[2]) > 1e-3 &&
                fabs(rp[1] - rp[2]) > 1e-3);
    int seen[3] = {0};
    for (uint64_t seed = 0; seed < 60; seed++) {
        double c;
        size_t used;
        assert_int_equal(
            sf_analysis_corr(ctx, &sp, 0.0, 20000.0, 10.0, 2, seed, &c, NULL, &used, NULL),
            SF_OK);
        assert_int_equal(used, 2);
        int match = -1;
        for (int q = 0; q < 3; q++) /* q = the pair left out */
            if (fabs(c - (rp[0] + rp[1] + rp[2] - rp[q]) / 2) < 1e-12)
                match = q;
        assert_true(match >= 0);
        seen[match]++;
    }
    /* each pair is left out with probability 1/3: 20 of 60 expected,
     * sd sqrt(60 * 2/9) = 3.7, so >= 5 is > 4 sd below */
    for (int q = 0; q < 3; q++)
        assert_true(seen[q] >= 5);
    spike_set_free(&ss);
}

/* ------------------------------------------------------------------------
 * Edge cases with sensible results. */
static void test_no_spikes(void **state)
{
    sf_spikes sp = {.node_ids = NULL, .steps = NULL, .n_spikes = 0, .n_neurons = 10,
                    .h_ms = 0.1};
    sf_pop_stats st;
    assert_int_equal(sf_analysis_population(ctx, &sp, 0.0, 1000.0, 10.0, 20, 1, &st), SF_OK);
    assert_true(st.rate_Hz == 0.0 && st.rate_sem == 0.0);
    assert_true(st.n_cv == 0 && isnan(st.cv_isi) && isnan(st.cv_sem));
    assert_true(st.n_fano == 0 && isnan(st.fano) && isnan(st.fano_sem));
    assert_true(st.n_pairs_used == 0 && st.n_pairs_skipped == 20 && isnan(st.corr));
    double pr[100];
    size_t nb;
    assert_int_equal(sf_analysis_pop_rate(ctx, &sp, 0.0, 1000.0, 10.0, pr, 100, &nb), SF_OK);
    assert_int_equal(nb, 100);
    for (size_t b = 0; b < nb; b++)
        assert_true(pr[b] == 0.0);
}

static void test_one_neuron(void **state)
{
    spike_set ss = {0};
    bernoulli_train(&ss, 0, 5, 40.0, 0.1, 20000);
    sf_spikes sp = finish(&ss, 1, 0.1);
    sf_pop_stats st;
    assert_int_equal(sf_analysis_population(ctx, &sp, 0.0, 2000.0, 10.0, 10, 1, &st), SF_OK);
    assert_close(st.rate_Hz, (double)ss.n / 2.0, 1e-12);
    assert_true(isnan(st.rate_sem));
    assert_int_equal(st.n_cv, 1);
    assert_true(st.cv_isi > 0.5 && st.cv_isi < 1.5 && isnan(st.cv_sem));
    assert_int_equal(st.n_fano, 1);
    assert_true(st.n_pairs_used == 0 && st.n_pairs_skipped == 0 && isnan(st.corr));
    spike_set_free(&ss);
}

/* Neurons with fewer than 3 spikes are left out of the CV; the window cuts
 * spikes on the grid (t_start included, t_stop excluded), also for window
 * bounds given in decimal that are not exact multiples of h in binary. */
static void test_window_and_cv_inclusion(void **state)
{
    const double h = 0.1;
    spike_set ss = {0};
    int64_t k0 = 1003, k1 = 2003; /* window [100.3, 200.3) ms */
    /* neuron 0: 3 spikes in window, one on each boundary step side */
    add_spike(&ss, 0, k0 - 1);
    add_spike(&ss, 0, k0);
    add_spike(&ss, 0, k0 + 10);
    add_spike(&ss, 0, k1 - 1);
    add_spike(&ss, 0, k1);
    /* neuron 1: 2 spikes in window (excluded from the CV) */
    add_spike(&ss, 1, k0 + 5);
    add_spike(&ss, 1, k0 + 50);
    /* neuron 2: 4 spikes in window, ISIs 10, 20, 30 */
    add_spike(&ss, 2, k0 + 100);
    add_spike(&ss, 2, k0 + 110);
    add_spike(&ss, 2, k0 + 130);
    add_spike(&ss, 2, k0 + 160);
    sf_spikes sp = finish(&ss, 4, h);
    double rate, cv;
    size_t n_cv;
    assert_int_equal(sf_analysis_rate(ctx, &sp, 100.3, 200.3, &rate, NULL), SF_OK);
    assert_close(rate, (3 + 2 + 4 + 0) / 4.0 / 0.1, 1e-9);
    assert_int_equal(sf_analysis_cv_isi(ctx, &sp, 100.3, 200.3, &cv, NULL, &n_cv), SF_OK);
    assert_int_equal(n_cv, 2);
    const double m0 = (10 + 989) / 2.0; /* ISIs of neuron 0: 10 and 2002 - 1013 */
    double cv0 = sqrt((10 - m0) * (10 - m0) + (989 - m0) * (989 - m0)) / m0;
    double cv2 = 10.0 / 20.0; /* sd of {10, 20, 30} with n-1 is 10 */
    assert_close(cv, (cv0 + cv2) / 2, 1e-12);
    /* a window between grid points rounds up to the next step */
    assert_int_equal(sf_analysis_rate(ctx, &sp, 100.25, 200.25, &rate, NULL), SF_OK);
    assert_close(rate, (3 + 2 + 4 + 0) / 4.0 / 0.1, 1e-9);
    spike_set_free(&ss);
}

/* ------------------------------------------------------------------------
 * Error paths. */

static void expect_arg(sf_status st, const char *needle)
{
    assert_int_equal(st, SF_ERR_ARG);
    assert_int_equal(sf_context_status(ctx), SF_ERR_ARG);
    if (!strstr(sf_context_errmsg(ctx), needle))
        fail_msg("message \"%s\" lacks \"%s\"", sf_context_errmsg(ctx), needle);
    sf_context_clear(ctx);
}

static void test_errors(void **state)
{
    uint32_t ids[3] = {0, 1, 2};
    int64_t steps[3] = {5, 9, 12};
    sf_spikes ok = {.node_ids = ids, .steps = steps, .n_spikes = 3, .n_neurons = 3,
                    .h_ms = 0.5};
    sf_spikes sp;
    double v, buf[8], *pv;
    size_t nb, c;
    sf_pop_stats st;

    expect_arg(sf_analysis_rate(ctx, NULL, 0, 10, &v, NULL), "NULL");
    sp = ok, sp.n_neurons = 0;
    expect_arg(sf_analysis_cv_isi(ctx, &sp, 0, 10, &v, NULL, NULL), "n_neurons = 0");
    sp = ok, sp.h_ms = 0.0;
    expect_arg(sf_analysis_rate(ctx, &sp, 0, 10, &v, NULL), "h_ms");
    sp.h_ms = NAN;
    expect_arg(sf_analysis_rate(ctx, &sp, 0, 10, &v, NULL), "h_ms");
    sp = ok, sp.steps = NULL;
    expect_arg(sf_analysis_rate(ctx, &sp, 0, 10, &v, NULL), "NULL");
    expect_arg(sf_analysis_rate(ctx, &ok, 10, 10, &v, NULL), "empty");
    expect_arg(sf_analysis_rate(ctx, &ok, 10, 5, &v, NULL), "empty");
    expect_arg(sf_analysis_rate(ctx, &ok, 0, INFINITY, &v, NULL), "not finite");
    expect_arg(sf_analysis_rate(ctx, &ok, 0, 1e300, &v, NULL), "too far");
    expect_arg(sf_analysis_rate(ctx, &ok, 0.1, 0.2, &v, NULL), "no step");

    /* bins */
    expect_arg(sf_analysis_fano(ctx, &ok, 0, 10, 0.0, &v, NULL, NULL), "must be > 0");
    expect_arg(sf_analysis_fano(ctx, &ok, 0, 10, NAN, &v, NULL, NULL), "must be > 0");
    expect_arg(sf_analysis_fano(ctx, &ok, 0, 10, 0.75, &v, NULL, NULL), "whole number");
    expect_arg(sf_analysis_fano(ctx, &ok, 0, 10, 0.25, &v, NULL, NULL), "whole number");
    expect_arg(sf_analysis_fano(ctx, &ok, 0, 10, 20.0, &v, NULL, NULL), "shorter than one bin");
    expect_arg(sf_analysis_corr(ctx, &ok, 0, 10, 20.0, 1, 0, &v, NULL, NULL, NULL),
               "shorter than one bin");
    expect_arg(sf_analysis_population(ctx, &ok, 0, 10, 20.0, 1, 0, &st),
               "shorter than one bin");
    expect_arg(sf_analysis_pop_rate(ctx, &ok, 0, 10, 20.0, buf, 4, &nb),
               "shorter than one bin");
    expect_arg(sf_analysis_fano(ctx, &ok, 0, 10, 6.0, &v, NULL, NULL), "need >= 2");
    expect_arg(sf_analysis_corr(ctx, &ok, 0, 10, 6.0, 1, 0, &v, NULL, NULL, NULL),
               "need >= 2");
    sp = ok, sp.h_ms = 1.0;
    expect_arg(sf_analysis_corr(ctx, &sp, 0, 5e9, 1.0, 1, 0, &v, NULL, NULL, NULL),
               "2^32-1");
    expect_arg(sf_analysis_pop_rate(ctx, &sp, 0, 3e18, 1.0, NULL, 0, &nb), "do not fit");
    sp = ok, sp.n_neurons = 3000000000u; /* slots of sampled neurons are int32 */
    expect_arg(sf_analysis_corr(ctx, &sp, 0, 10, 2.0, (size_t)1 << 31, 0, &v, NULL, NULL, NULL),
               "at most 2^31-1");

    /* one bin is enough for the population rate, and a query needs no array */
    assert_int_equal(sf_analysis_pop_rate(ctx, &ok, 0, 10, 6.0, NULL, 0, &nb), SF_OK);
    assert_int_equal(nb, 1);
    expect_arg(sf_analysis_pop_rate(ctx, &ok, 0, 10, 2.0, buf, 4, &nb), "capacity 4 < 5");
    assert_int_equal(nb, 5);
    expect_arg(sf_analysis_pop_rate(ctx, &ok, 0, 10, 2.0, buf, 4, NULL), "nbins is NULL");
    expect_arg(sf_analysis_pop_rate_alloc(ctx, &ok, 0, 10, 2.0, NULL, &nb), "NULL");
    pv = buf;
    expect_arg(sf_analysis_pop_rate_alloc(ctx, &ok, 0, 10, 20.0, &pv, &nb), "shorter");
    assert_null(pv);
    expect_arg(sf_analysis_population(ctx, &ok, 0, 10, 2.0, 1, 0, NULL), "NULL");

    /* input contract: sorted steps, ids below n, in every function */
    int64_t bad_steps[3] = {5, 12, 9};
    uint32_t bad_ids[3] = {0, 3, 2};
    sf_spikes unsorted = ok, bad_id = ok;
    unsorted.steps = bad_steps;
    bad_id.node_ids = bad_ids;
    for (int q = 0; q < 2; q++) {
        const sf_spikes *s = q ? &bad_id : &unsorted;
        const char *msg = q ? "node id 3 >= n_neurons = 3" : "spike 2 at step 9 follows";
        expect_arg(sf_analysis_rate(ctx, s, 0, 10, &v, NULL), msg);
        expect_arg(sf_analysis_cv_isi(ctx, s, 0, 10, &v, NULL, NULL), msg);
        expect_arg(sf_analysis_fano(ctx, s, 0, 10, 2.0, &v, NULL, NULL), msg);
        expect_arg(sf_analysis_corr(ctx, s, 0, 10, 2.0, 2, 0, &v, NULL, NULL, NULL), msg);
        expect_arg(sf_analysis_corr(ctx, s, 0, 10, 2.0, 0, 0, &v, NULL, NULL, NULL), msg);
        expect_arg(sf_analysis_population(ctx, s, 0, 10, 2.0, 2, 0, &st), msg);
        expect_arg(sf_analysis_pop_rate(ctx, s, 0, 10, 2.0, buf, 5, &nb), msg);
        expect_arg(sf_analysis_pop_rate_alloc(ctx, s, 0, 10, 2.0, &pv, &nb), msg);
        assert_null(pv);
    }

    /* the valid view works with every output pointer left NULL */
    assert_int_equal(sf_analysis_rate(ctx, &ok, 0, 10, NULL, NULL), SF_OK);
    assert_int_equal(sf_analysis_cv_isi(ctx, &ok, 0, 10, NULL, NULL, NULL), SF_OK);
    assert_int_equal(sf_analysis_fano(ctx, &ok, 0, 10, 2.0, NULL, NULL, NULL), SF_OK);
    assert_int_equal(sf_analysis_corr(ctx, &ok, 0, 10, 2.0, 5, 0, NULL, NULL, NULL, &c),
                     SF_OK);
    assert_int_equal(c, 0); /* 3 pairs, clamped; neuron counts vary: none skipped */
    sf_analysis_free(NULL);
    assert_int_equal(sf_context_status(ctx), SF_OK);
}


/* ------------------------------------------------------------------------
 * Spectra. Reference: the definitions evaluated naively (DFT by sums, linear
 * correlation sums) on dense counts, for a population where some neurons are
 * busy enough to take the per-neuron transform and others the spike pairs. */
#define NREF 5
#define LREF 8
static void test_spectrum_reference(void **state)
{
    const double h = 0.5, bin_ms = 1.5; /* 3 steps per bin */
    const int64_t w = 3, k0 = 4, nseg = 3;
    const double t0 = (double)k0 * h, t1 = t0 + (double)(nseg * LREF * w + 2 * w) * h;
    spike_set ss = {0};
    sf_rng r;
    sf_rng_init(&r, 17, SF_RNG_TEST, 2);
    const double pr[NREF] = {0.9, 0.1, 0.05, 0.6, 0.0};
    for (int64_t k = 0; k < k0 + (nseg * LREF + 3) * w; k++)
        for (uint32_t i = 0; i < NREF; i++)
            if (sf_rng_uniform(&r) < pr[i])
                add_spike(&ss, i, k);
    sf_spikes sp = finish(&ss, NREF, h);

    double x[NREF][3 * LREF] = {{0}}, mu[NREF] = {0};
    for (size_t j = 0; j < sp.n_spikes; j++) {
        int64_t b = (sp.steps[j] - k0) / w;
        if (sp.steps[j] >= k0 && b < nseg * LREF)
            x[sp.node_ids[j]][b] += 1, mu[sp.node_ids[j]] += 1.0 / (nseg * LREF);
    }
    const size_t n_out = LREF / 2 + 1;
    double ref[SF_SPEC_ROWS][LREF / 2 + 1] = {{0}}, ref2[SF_SPEC_ROWS][LREF / 2 + 1] = {{0}};
    const double bs = bin_ms * 1e-3, nn = NREF * NREF;
    for (int s = 0; s < nseg; s++) {
        double d[NREF][LREF];
        for (int i = 0; i < NREF; i++)
            for (int b = 0; b < LREF; b++)
                d[i][b] = x[i][s * LREF + b] - mu[i];
        for (size_t j = 0; j < n_out; j++) {
            double pre = 0, pim = 0, au = 0;
            for (int i = 0; i < NREF; i++) {
                double re = 0, im = 0;
                for (int b = 0; b < LREF; b++) {
                    re += d[i][b] * cos(2 * PI * (double)j * b / LREF);
                    im -= d[i][b] * sin(2 * PI * (double)j * b / LREF);
                }
                pre += re, pim += im, au += re * re + im * im;
            }
            double v[3] = {(pre * pre + pim * pim) / (LREF * bs * nn), au / (LREF * bs * nn)};
            v[2] = v[0] - v[1];
            double c[3] = {0, 0, 0};
            for (int b = 0; b + (int)j < LREF; b++) {
                double ya = 0, yb = 0;
                for (int i = 0; i < NREF; i++) {
                    ya += d[i][b], yb += d[i][b + j];
                    c[1] += d[i][b] * d[i][b + j];
                }
                c[0] += ya * yb;
            }
            for (int q = 0; q < 2; q++)
                c[q] /= (LREF - (double)j) * nn * bs * bs;
            c[2] = c[0] - c[1];
            int rows[6] = {SF_SPEC_POP, SF_SPEC_AUTO, SF_SPEC_CROSS,
                           SF_COV_POP,  SF_COV_AUTO,  SF_COV_CROSS};
            for (int q = 0; q < 6; q++) {
                double val = q < 3 ? v[q] : c[q - 3];
                ref[rows[q]][j] += val / nseg;
                ref2[rows[q]][j] += val * val;
            }
        }
    }
    sf_spectrum_plan *plan = NULL;
    assert_int_equal(sf_analysis_spectrum_plan_create(ctx, NREF, LREF, &plan), SF_OK);
    double out[SF_SPEC_ROWS * (LREF / 2 + 1)];
    size_t ns = 0;
    for (int rep = 0; rep < 2; rep++) { /* a plan is reusable */
        assert_int_equal(sf_analysis_spectrum(ctx, plan, &sp, t0, t1, bin_ms, out, &ns), SF_OK);
        assert_int_equal(ns, nseg);
        for (size_t j = 0; j < n_out; j++) {
            assert_close(out[SF_SPEC_FREQ_HZ * n_out + j], (double)j / (LREF * bs), 1e-9);
            assert_close(out[SF_COV_LAG_MS * n_out + j], (double)j * bin_ms, 1e-12);
            int rows[6] = {SF_SPEC_POP, SF_SPEC_AUTO, SF_SPEC_CROSS,
                           SF_COV_POP,  SF_COV_AUTO,  SF_COV_CROSS};
            for (int q = 0; q < 6; q++) {
                double m = ref[rows[q]][j];
                double sem = sqrt((ref2[rows[q]][j] - nseg * m * m) / (nseg - 1) / nseg);
                double got = out[rows[q] * n_out + j], gsem = out[(rows[q] + 1) * n_out + j];
                if (fabs(got - m) > 1e-9 * (1 + fabs(m)) ||
                    fabs(gsem - sem) > 1e-7 * (1 + fabs(sem)))
                    fail_msg("row %d j %zu: %g +- %g, reference %g +- %g", rows[q], j, got,
                             gsem, m, sem);
            }
        }
    }
    /* one segment: no standard error */
    assert_int_equal(
        sf_analysis_spectrum(ctx, plan, &sp, t0, t0 + LREF * bin_ms, bin_ms, out, &ns), SF_OK);
    assert_int_equal(ns, 1);
    assert_true(isnan(out[SF_SPEC_POP_SEM * n_out]) && isfinite(out[SF_SPEC_POP * n_out]));
    sf_analysis_spectrum_plan_destroy(plan);
    spike_set_free(&ss);
}

/* Independent Bernoulli trains: counts in a bin of w steps are Binomial(w, p),
 * independent across bins and neurons, so the population spectrum is white,
 * S = w p (1-p) / (n bin) (Hz), all of it auto part, and C_auto(0) =
 * w p (1-p) / (n bin^2). Periodogram values are exponentially distributed
 * (sd = mean), independent across the L/2 - 1 inner frequencies and the
 * segments, so their mean over both has standard error S / sqrt(nseg (L/2-1));
 * a segment's value at one frequency has sd S, so the reported standard
 * error should be ~ S / sqrt(nseg). Identical trains: every neuron's X_i is
 * the same, so auto = pop / n exactly and cross = (1 - 1/n) pop. */
static void test_spectrum_poisson_and_identical(void **state)
{
    const double h = 0.1, rate = 20.0, bin_ms = 1.0;
    const uint32_t N = 200;
    const int64_t S = 200000, w = 10; /* 20 s */
    const size_t L = 256, n_out = L / 2 + 1;
    spike_set ss = {0};
    for (uint32_t i = 0; i < N; i++)
        bernoulli_train(&ss, i, 1000 + i, rate, h, S);
    sf_spikes sp = finish(&ss, N, h);
    sf_spectrum_plan *plan = NULL;
    assert_int_equal(sf_analysis_spectrum_plan_create(ctx, N, L, &plan), SF_OK);
    double *out = malloc(SF_SPEC_ROWS * n_out * sizeof *out);
    assert_non_null(out);
    size_t nseg;
    assert_int_equal(sf_analysis_spectrum(ctx, plan, &sp, 0.0, 20000.0, bin_ms, out, &nseg),
                     SF_OK);
    assert_int_equal(nseg, 78);
    const double p = 1.0 - exp(-rate * h * 1e-3), bs = bin_ms * 1e-3;
    const double S0 = (double)w * p * (1 - p) / (N * bs);
    double m_pop = 0, m_cross = 0, m_sem = 0;
    for (size_t j = 1; j + 1 < n_out; j++) {
        m_pop += out[SF_SPEC_POP * n_out + j];
        m_cross += out[SF_SPEC_CROSS * n_out + j];
        m_sem += out[SF_SPEC_POP_SEM * n_out + j];
        /* the auto part sums N independent periodograms: close to S0 */
        assert_close(out[SF_SPEC_AUTO * n_out + j], S0, 8 * S0 / sqrt((double)N * nseg));
    }
    const double nf = (double)(n_out - 2), se = S0 / sqrt(nseg * nf);
    m_pop /= nf, m_cross /= nf, m_sem /= nf;
    print_message("spectrum: pop %.4f cross %.4f (expected %.4f, 0 +- %.4f) Hz, sem %.4f (%.4f)\n",
                  m_pop, m_cross, S0, se, m_sem, S0 / sqrt(nseg));
    assert_close(m_pop, S0, 4 * se);
    assert_close(m_cross, 0.0, 4 * se);
    assert_close(m_sem, S0 / sqrt(nseg), 0.15 * S0 / sqrt(nseg));
    const double C0 = (double)w * p * (1 - p) / (N * bs * bs);
    assert_close(out[SF_COV_AUTO * n_out], C0, 0.02 * C0);
    assert_close(out[SF_COV_AUTO * n_out + 3], 0.0, 0.01 * C0);
    spike_set_free(&ss);

    /* identical trains */
    spike_set one = {0};
    bernoulli_train(&one, 0, 4, 30.0, h, S);
    for (size_t j = 0; j < one.n; j++)
        for (uint32_t i = 0; i < N; i++)
            add_spike(&ss, i, one.s[j].step);
    sp = finish(&ss, N, h);
    assert_int_equal(sf_analysis_spectrum(ctx, plan, &sp, 0.0, 20000.0, bin_ms, out, &nseg),
                     SF_OK);
    for (size_t j = 0; j < n_out; j++) {
        double pop = out[SF_SPEC_POP * n_out + j], cpop = out[SF_COV_POP * n_out + j];
        assert_close(out[SF_SPEC_AUTO * n_out + j], pop / N, 1e-9 * pop);
        assert_close(out[SF_SPEC_CROSS * n_out + j], pop * (1 - 1.0 / N), 1e-9 * pop);
        assert_close(out[SF_COV_CROSS * n_out + j], cpop * (1 - 1.0 / N),
                     1e-9 * out[SF_COV_POP * n_out]);
    }
    free(out);
    sf_analysis_spectrum_plan_destroy(plan);
    spike_set_free(&ss);
    spike_set_free(&one);
}

static void test_spectrum_errors(void **state)
{
    uint32_t ids[3] = {0, 1, 2};
    int64_t steps[3] = {5, 9, 12}, bad_steps[3] = {5, 12, 9};
    sf_spikes ok = {.node_ids = ids, .steps = steps, .n_spikes = 3, .n_neurons = 3,
                    .h_ms = 0.5};
    sf_spectrum_plan *plan = (sf_spectrum_plan *)&ok;
    double out[SF_SPEC_ROWS * 3];
    expect_arg(sf_analysis_spectrum_plan_create(ctx, 3, 4, NULL), "NULL");
    expect_arg(sf_analysis_spectrum_plan_create(ctx, 0, 4, &plan), "n_neurons = 0");
    assert_null(plan);
    expect_arg(sf_analysis_spectrum_plan_create(ctx, 3, 0, &plan), "must be even");
    expect_arg(sf_analysis_spectrum_plan_create(ctx, 3, 5, &plan), "must be even");
    expect_arg(sf_analysis_spectrum_plan_create(ctx, 3, (size_t)1 << 31, &plan), "must be even");
    assert_int_equal(sf_analysis_spectrum_plan_create(ctx, 3, 4, &plan), SF_OK);
    expect_arg(sf_analysis_spectrum(ctx, NULL, &ok, 0, 10, 1.0, out, NULL), "NULL");
    expect_arg(sf_analysis_spectrum(ctx, plan, &ok, 0, 10, 1.0, NULL, NULL), "NULL");
    expect_arg(sf_analysis_spectrum(ctx, plan, NULL, 0, 10, 1.0, out, NULL), "NULL");
    sf_spikes sp = ok;
    sp.n_neurons = 4;
    expect_arg(sf_analysis_spectrum(ctx, plan, &sp, 0, 10, 1.0, out, NULL),
               "plan was made for 3");
    expect_arg(sf_analysis_spectrum(ctx, plan, &ok, 0, 10, 3.0, out, NULL), "need >= 4");
    expect_arg(sf_analysis_spectrum(ctx, plan, &ok, 0, 10, 0.7, out, NULL), "whole number");
    sp = ok, sp.steps = bad_steps;
    expect_arg(sf_analysis_spectrum(ctx, plan, &sp, 0, 10, 1.0, out, NULL), "not sorted");
    assert_int_equal(sf_analysis_spectrum(ctx, plan, &ok, 0, 10, 1.0, out, NULL), SF_OK);
    sf_analysis_spectrum_plan_destroy(plan);
    sf_analysis_spectrum_plan_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_regular_trains),
        cmocka_unit_test(test_dense_reference),
        cmocka_unit_test(test_poisson_trains),
        cmocka_unit_test(test_identical_and_opposite),
        cmocka_unit_test(test_pairs_distinct),
        cmocka_unit_test(test_no_spikes),
        cmocka_unit_test(test_one_neuron),
        cmocka_unit_test(test_window_and_cv_inclusion),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_spectrum_reference),
        cmocka_unit_test(test_spectrum_poisson_and_identical),
        cmocka_unit_test(test_spectrum_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
