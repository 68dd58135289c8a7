/* Unit tests of src/core: status codes and the context's last-error message,
 * the counter-based random streams (keying, seeking, and the distributions
 * they feed, with tolerances derived from standard errors or chi-square
 * critical values stated at each test), the gsl_rng adaptor, the sleeping
 * barrier under two OpenMP threads, the clocks and memory figures, the
 * version, and the process-wide settings made by sf_context_create.
 *
 * Every statistical test uses a fixed seed, so it is deterministic; the
 * tolerances say how unlikely a failure would be for a correct generator. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <omp.h>

#include "spikefield/core.h"

#define assert_close(a, b, tol)                                                            \
    do {                                                                                   \
        double a_ = (a), b_ = (b), t_ = (tol);                                             \
        if (!(fabs(a_ - b_) <= t_))                                                        \
            fail_msg("%s = %.17g, expected %.17g within %.3g (off by %.3g)", #a, a_, b_, t_, \
                     fabs(a_ - b_));                                                       \
    } while (0)

/* ------------------------------------------------------------------------
 * Status codes and the context. */

static void test_strerror_every_code(void **state)
{
    (void)state;
    static const struct {
        sf_status code;
        const char *text;
    } expected[] = {
        {SF_OK, "success"},
        {SF_ERR_NOMEM, "out of memory"},
        {SF_ERR_IO, "input/output error"},
        {SF_ERR_PARSE, "model file syntax error"},
        {SF_ERR_MODEL, "invalid model description"},
        {SF_ERR_ARG, "invalid argument"},
        {SF_ERR_RANGE, "value out of range"},
        {SF_ERR_TOO_BIG, "network does not fit into memory"},
        {SF_ERR_NOCONV, "iteration did not converge"},
        {SF_ERR_NUMERIC, "numerical failure"},
        {SF_ERR_INTERRUPTED, "interrupted"},
    };
    const int n = (int)(sizeof expected / sizeof expected[0]);
    /* the table above covers the whole enum: a new code must be added here */
    assert_int_equal(n, SF_STATUS_COUNT);
    for (int i = 0; i < n; i++) {
        assert_int_equal(expected[i].code, i);
        assert_string_equal(sf_strerror(expected[i].code), expected[i].text);
    }
    /* all messages distinct and non-empty */
    for (int i = 0; i < SF_STATUS_COUNT; i++) {
        assert_non_null(sf_strerror((sf_status)i));
        assert_true(strlen(sf_strerror((sf_status)i)) > 0);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(sf_strerror((sf_status)i), sf_strerror((sf_status)j));
    }
    /* out of range codes are not a crash */
    assert_string_equal(sf_strerror(SF_STATUS_COUNT), "unknown status");
    assert_string_equal(sf_strerror((sf_status)-1), "unknown status");
    assert_string_equal(sf_strerror((sf_status)12345), "unknown status");
}

static void test_context_messages(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    assert_non_null(ctx);
    assert_int_equal(sf_context_status(ctx), SF_OK);
    assert_string_equal(sf_context_errmsg(ctx), "");

    assert_int_equal(sf_fail(ctx, SF_ERR_RANGE, "tau_m = %g ms at %s:%d", -2.385, "m.yaml", 17),
                     SF_ERR_RANGE);
    assert_int_equal(sf_context_status(ctx), SF_ERR_RANGE);
    assert_string_equal(sf_context_errmsg(ctx), "tau_m = -2.385 ms at m.yaml:17");

    /* the most recent failure wins */
    assert_int_equal(sf_fail(ctx, SF_ERR_IO, "%s", "second"), SF_ERR_IO);
    assert_int_equal(sf_context_status(ctx), SF_ERR_IO);
    assert_string_equal(sf_context_errmsg(ctx), "second");

    sf_context_clear(ctx);
    assert_int_equal(sf_context_status(ctx), SF_OK);
    assert_string_equal(sf_context_errmsg(ctx), "");

    /* a message longer than the buffer is truncated, not overflowed */
    size_t big = 10000;
    char *longmsg = malloc(big + 1);
    assert_non_null(longmsg);
    memset(longmsg, 'x', big);
    longmsg[big] = '\0';
    assert_int_equal(sf_fail(ctx, SF_ERR_MODEL, "%s", longmsg), SF_ERR_MODEL);
    size_t len = strlen(sf_context_errmsg(ctx));
    assert_true(len > 100 && len < big);
    assert_memory_equal(sf_context_errmsg(ctx), longmsg, len);
    free(longmsg);

    /* two contexts do not share their messages */
    sf_context *other = sf_context_create();
    assert_non_null(other);
    sf_fail(other, SF_ERR_NUMERIC, "other");
    assert_int_equal(sf_context_status(ctx), SF_ERR_MODEL);
    assert_string_equal(sf_context_errmsg(other), "other");
    sf_context_destroy(other);
    sf_context_destroy(ctx);
}

static void test_context_null(void **state)
{
    (void)state;
    /* sf_fail with a NULL context drops the message but returns the code */
    assert_int_equal(sf_fail(NULL, SF_ERR_NOCONV, "dropped %d", 3), SF_ERR_NOCONV);
    for (int i = 0; i < SF_STATUS_COUNT; i++)
        assert_int_equal(sf_fail(NULL, (sf_status)i, "x"), i);
    assert_string_equal(sf_context_errmsg(NULL), "");
    assert_int_equal(sf_context_status(NULL), SF_OK);
    sf_context_clear(NULL);
    sf_context_destroy(NULL);
}

/* The version macros, the string and the number agree. */
static void test_version(void **state)
{
    (void)state;
    char buf[32];
    snprintf(buf, sizeof buf, "%d.%d.%d", SF_VERSION_MAJOR, SF_VERSION_MINOR, SF_VERSION_PATCH);
    assert_string_equal(buf, SF_VERSION_STRING);
    assert_string_equal(sf_version(), SF_VERSION_STRING);
    assert_int_equal(sf_version_number(),
                     SF_VERSION_MAJOR * 10000 + SF_VERSION_MINOR * 100 + SF_VERSION_PATCH);
}

/* OpenBLAS's own query (libopenblas has no header for it). */
int openblas_get_num_threads(void);
void openblas_set_num_threads(int num_threads);

/* sf_context_create turns GSL's aborting error handler off and puts OpenBLAS
 * on one thread (documented in core.h): with GSL's default handler, the
 * gsl_error call below would abort the test program. */
static void test_context_process_settings(void **state)
{
    (void)state;
    gsl_set_error_handler(NULL); /* GSL's default: abort() */
    openblas_set_num_threads(2);
    sf_context *ctx = sf_context_create();
    assert_non_null(ctx);
    assert_int_equal(openblas_get_num_threads(), 1);
    gsl_error("provoked by test_context_process_settings", __FILE__, __LINE__, GSL_EDOM);
    gsl_error_handler_t *h = gsl_set_error_handler(NULL);
    assert_non_null(h); /* the "off" handler, not the default */
    gsl_set_error_handler(h);
    sf_context_destroy(ctx);
}

/* ------------------------------------------------------------------------
 * Random streams: keying and seeking. */

static void draw_u32(sf_rng *r, uint32_t *out, int n)
{
    for (int i = 0; i < n; i++)
        out[i] = sf_rng_u32(r);
}

static int count_equal(const uint32_t *a, const uint32_t *b, int n)
{
    int c = 0;
    for (int i = 0; i < n; i++)
        c += a[i] == b[i];
    return c;
}

static void test_rng_keying(void **state)
{
    (void)state;
    enum { N = 257 };
    uint32_t a[N], b[N];
    sf_rng r;
    const uint64_t seed = 0x2385abcdef12ull, ent = 40123;

    sf_rng_init(&r, seed, SF_RNG_POISSON, ent);
    draw_u32(&r, a, N);
    sf_rng_init(&r, seed, SF_RNG_POISSON, ent);
    draw_u32(&r, b, N);
    assert_memory_equal(a, b, sizeof a);

    /* two generators with the same key, interleaved, give the same numbers */
    sf_rng r1, r2;
    sf_rng_init(&r1, seed, SF_RNG_POISSON, ent);
    sf_rng_init(&r2, seed, SF_RNG_POISSON, ent);
    for (int i = 0; i < N; i++) {
        assert_int_equal(sf_rng_u32(&r1), a[i]);
        assert_int_equal(sf_rng_u32(&r2), a[i]);
    }

    /* any change of the key gives an unrelated stream: two independent
     * 32-bit streams agree in a given word with probability 2^-32, so among
     * 257 words we allow at most one coincidence */
    const struct {
        uint64_t seed;
        sf_rng_purpose purpose;
        uint64_t entity;
    } other[] = {
        {seed, SF_RNG_POISSON, ent + 1},
        {seed, SF_RNG_POISSON, ent + (1ull << 32)}, /* high entity bits count */
        {seed, SF_RNG_INIT, ent},
        {seed, SF_RNG_CONNECT, ent},
        {seed + 1, SF_RNG_POISSON, ent},
        {seed ^ (1ull << 40), SF_RNG_POISSON, ent}, /* high seed bits count */
    };
    for (size_t k = 0; k < sizeof other / sizeof other[0]; k++) {
        sf_rng_init(&r, other[k].seed, other[k].purpose, other[k].entity);
        draw_u32(&r, b, N);
        assert_true(count_equal(a, b, N) <= 1);
    }
}

static void test_rng_seek_and_philox(void **state)
{
    (void)state;
    sf_rng r, s;
    const uint64_t seed = 987654321, ent = 77;
    enum { N = 4 * 40 };
    uint32_t a[N];
    sf_rng_init(&r, seed, SF_RNG_TEST, ent);
    draw_u32(&r, a, N);

    /* seek(b) continues exactly at word 4b of the stream */
    for (uint64_t blk = 0; blk < 40; blk += 7) {
        sf_rng_init(&s, seed, SF_RNG_TEST, ent);
        sf_rng_seek(&s, blk);
        for (uint64_t i = 4 * blk; i < N; i++)
            assert_int_equal(sf_rng_u32(&s), a[i]);
    }
    /* seek discards a partly used block and may go backwards */
    sf_rng_init(&s, seed, SF_RNG_TEST, ent);
    (void)sf_rng_u32(&s);
    (void)sf_rng_u32(&s);
    sf_rng_seek(&s, 3);
    assert_int_equal(sf_rng_u32(&s), a[12]);
    sf_rng_seek(&s, 0);
    assert_int_equal(sf_rng_u32(&s), a[0]);
    assert_int_equal(sf_rng_u32(&s), a[1]);

    /* the stream is philox(key = seed, ctr = (entity, purpose, block)) */
    uint32_t out[4];
    for (int blk = 0; blk < 3; blk++) {
        sf_rng_seek(&s, (uint64_t)blk);
        sf_philox(s.key, s.ctr, out);
        for (int j = 0; j < 4; j++)
            assert_int_equal(out[j], a[4 * blk + j]);
    }
    /* blocks beyond 2^32 carry into the upper counter word */
    sf_rng_init(&s, seed, SF_RNG_TEST, ent);
    sf_rng_seek(&s, 0xffffffffull);
    uint32_t last[4], next[4];
    draw_u32(&s, last, 4);
    draw_u32(&s, next, 4);
    sf_rng_init(&r, seed, SF_RNG_TEST, ent);
    sf_rng_seek(&r, 0x100000000ull);
    for (int j = 0; j < 4; j++)
        assert_int_equal(sf_rng_u32(&r), next[j]);
    assert_true(count_equal(last, next, 4) <= 1);
    assert_true(count_equal(next, a, 4) <= 1);

    /* Philox4x32-10 known answers (Random123, tests/kat_vectors, the three
     * "philox4x32 10" lines: ctr[4] key[2] -> result[4]) */
    static const uint32_t kat[3][10] = {
        {0, 0, 0, 0, 0, 0, 0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u},
        {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu,
         0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu},
        {0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u,
         0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u},
    };
    for (int v = 0; v < 3; v++) {
        sf_philox(kat[v] + 4, kat[v], out);
        for (int j = 0; j < 4; j++)
            assert_int_equal(out[j], kat[v][6 + j]);
    }
}

/* ------------------------------------------------------------------------
 * Distributions. N draws, tolerance 5 standard errors (two-sided p ~ 6e-7). */

#define NDRAW 200000

static void test_rng_uniform(void **state)
{
    (void)state;
    sf_rng r;
    sf_rng_init(&r, 2385, SF_RNG_TEST, 1);
    double s1 = 0, s2 = 0;
    for (int i = 0; i < NDRAW; i++) {
        double u = sf_rng_uniform(&r);
        assert_true(u >= 0.0 && u < 1.0);
        /* 53 random bits: u * 2^53 is an integer */
        assert_true(ldexp(u, 53) == floor(ldexp(u, 53)));
        s1 += u;
        s2 += (u - 0.5) * (u - 0.5);
    }
    double mean = s1 / NDRAW, var = s2 / NDRAW;
    /* mean 1/2, sd 1/sqrt(12); var 1/12, Var[(U-1/2)^2] = 1/80 - 1/144 = 1/180 */
    assert_close(mean, 0.5, 5.0 * sqrt(1.0 / 12.0 / NDRAW));
    assert_close(var, 1.0 / 12.0, 5.0 * sqrt(1.0 / 180.0 / NDRAW));

    /* uniform_pos lies in (0, 1) */
    for (int i = 0; i < 10000; i++) {
        double u = sf_rng_uniform_pos(&r);
        assert_true(u > 0.0 && u < 1.0);
    }
}

/* Pearson chi-square of counts against equal expectation. */
static double chi2_equal(const uint64_t *count, int k, uint64_t total)
{
    double e = (double)total / k, x = 0;
    for (int i = 0; i < k; i++)
        x += ((double)count[i] - e) * ((double)count[i] - e) / e;
    return x;
}

static void test_rng_below(void **state)
{
    (void)state;
    sf_rng r;
    sf_rng_init(&r, 31337, SF_RNG_TEST, 2);
    assert_int_equal(sf_rng_below(&r, 0), 0);
    assert_int_equal(sf_rng_below(&r, 1), 0);

    /* Small n: chi-square with n - 1 = 6 degrees of freedom; the 0.999
     * quantile of chi2(6) is 22.46. */
    {
        uint64_t c[7] = {0};
        for (int i = 0; i < NDRAW; i++) {
            uint64_t v = sf_rng_below(&r, 7);
            assert_true(v < 7);
            c[v]++;
        }
        assert_true(chi2_equal(c, 7, NDRAW) < 22.46);
    }
    /* n = 3 * 2^30: a multiply-shift without rejection maps 4 words to 3
     * values, so values = 0 (mod 3) would come with probability 1/2 instead
     * of 1/3 (and modulo reduction would favour the low quarter). Bins: the
     * residue mod 3, chi2(2) 0.999 quantile 13.82; and the quarter of the
     * range, chi2(3) 0.999 quantile 16.27. */
    {
        const uint64_t n = 3ull << 30;
        uint64_t c3[3] = {0}, c4[4] = {0};
        for (int i = 0; i < NDRAW; i++) {
            uint64_t v = sf_rng_below(&r, n);
            assert_true(v < n);
            c3[v % 3]++;
            c4[v / (n / 4)]++;
        }
        assert_true(chi2_equal(c3, 3, NDRAW) < 13.82);
        assert_true(chi2_equal(c4, 4, NDRAW) < 16.27);
    }
    /* n above 2^32 (64-bit path): n = 3 * 10^12, residue mod 10 and the
     * tenth of the range, chi2(9) 0.999 quantile 27.88. */
    {
        const uint64_t n = 3000000000000ull;
        uint64_t c10[10] = {0}, d10[10] = {0};
        for (int i = 0; i < NDRAW; i++) {
            uint64_t v = sf_rng_below(&r, n);
            assert_true(v < n);
            c10[v % 10]++;
            d10[v / (n / 10)]++;
        }
        assert_true(chi2_equal(c10, 10, NDRAW) < 27.88);
        assert_true(chi2_equal(d10, 10, NDRAW) < 27.88);
    }
    /* n = 2^32 exactly (largest 32-bit path value is 2^32 - 1; 2^32 takes
     * the 64-bit path): values cover both halves */
    {
        uint64_t hi = 0;
        for (int i = 0; i < 10000; i++) {
            uint64_t v = sf_rng_below(&r, 1ull << 32);
            assert_true(v < (1ull << 32));
            hi += v >> 31;
        }
        /* Binomial(10000, 1/2): sd 50, 5 sd = 250 */
        assert_true(hi > 5000 - 250 && hi < 5000 + 250);
    }
}

static void test_rng_normal_exponential(void **state)
{
    (void)state;
    sf_rng r;
    sf_rng_init(&r, 424242, SF_RNG_TEST, 3);
    double s1 = 0, s2 = 0, s4 = 0;
    long inside = 0;
    for (int i = 0; i < NDRAW; i++) {
        double x = sf_rng_normal(&r);
        assert_true(isfinite(x));
        s1 += x;
        s2 += x * x;
        s4 += x * x * x * x;
        inside += fabs(x) < 1.0;
    }
    /* mean 0 (sd 1/sqrt N); E x^2 = 1 (Var x^2 = 2); E x^4 = 3 (Var x^4 =
     * 105 - 9 = 96); P(|x| < 1) = erf(1/sqrt 2) (binomial SE) */
    assert_close(s1 / NDRAW, 0.0, 5.0 / sqrt(NDRAW));
    assert_close(s2 / NDRAW, 1.0, 5.0 * sqrt(2.0 / NDRAW));
    assert_close(s4 / NDRAW, 3.0, 5.0 * sqrt(96.0 / NDRAW));
    double p1 = erf(1.0 / sqrt(2.0));
    assert_close((double)inside / NDRAW, p1, 5.0 * sqrt(p1 * (1 - p1) / NDRAW));

    /* exponential of mean mu: E x = mu (sd mu); E x^2 = 2 mu^2 with
     * Var x^2 = E x^4 - (E x^2)^2 = 24 mu^4 - 4 mu^4 = 20 mu^4; P(x > mu) = 1/e */
    const double mu = 2.385;
    double e1 = 0, e2 = 0;
    long above = 0;
    for (int i = 0; i < NDRAW; i++) {
        double x = sf_rng_exponential(&r, mu);
        assert_true(x >= 0.0 && isfinite(x));
        e1 += x;
        e2 += x * x;
        above += x > mu;
    }
    assert_close(e1 / NDRAW, mu, 5.0 * mu / sqrt(NDRAW));
    assert_close(e2 / NDRAW, 2 * mu * mu, 5.0 * sqrt(20.0) * mu * mu / sqrt(NDRAW));
    double pe = exp(-1.0);
    assert_close((double)above / NDRAW, pe, 5.0 * sqrt(pe * (1 - pe) / NDRAW));
}

/* The vector forms draw from the same streams: entity (sub << 32) | (e0 + i),
 * block `block`; uniforms are the first sf_rng_uniform of that block, normals
 * Box-Muller of words 0-1 and 2-3 (computed here from sf_philox). */
static void test_rng_vector_forms(void **state)
{
    (void)state;
    enum { N = 203 }; /* not a multiple of any vector width */
    static double u[N], z[N];
    const uint64_t seed = 0x12345678abcull, block = 0x1234567890ull, e0 = 4000000000ull;
    const uint32_t sub = 0x00abcdefu;
    sf_rng_uniforms(seed, SF_RNG_POISSON, sub, block, e0, N, u);
    sf_rng_normals(seed, SF_RNG_NEURON, sub, block, e0, N, z);
    for (int i = 0; i < N; i++) {
        uint64_t ent = ((uint64_t)sub << 32) | (e0 + (uint64_t)i);
        sf_rng r;
        sf_rng_init(&r, seed, SF_RNG_POISSON, ent);
        sf_rng_seek(&r, block);
        assert_true(u[i] == sf_rng_uniform(&r));
        sf_rng_init(&r, seed, SF_RNG_NEURON, ent);
        sf_rng_seek(&r, block);
        uint32_t w[4];
        sf_philox(r.key, r.ctr, w);
        double u1 = ((double)(w[0] >> 5) * 67108864.0 + (double)(w[1] >> 6)) / 9007199254740992.0;
        double u2 = ((double)(w[2] >> 5) * 67108864.0 + (double)(w[3] >> 6)) / 9007199254740992.0;
        double ref = sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * M_PI * u2);
        assert_close(z[i], ref, 1e-12 * fmax(1.0, fabs(ref)));
    }
    /* statistics over many entities: uniform mean 1/2, normal mean 0, var 1
     * (5 SE as above) */
    enum { M = 100000 };
    double *v = malloc(M * sizeof *v);
    assert_non_null(v);
    sf_rng_uniforms(7, SF_RNG_TEST, 1, 3, 0, M, v);
    double s1 = 0;
    for (int i = 0; i < M; i++) {
        assert_true(v[i] >= 0 && v[i] < 1);
        s1 += v[i];
    }
    assert_close(s1 / M, 0.5, 5 * sqrt(1.0 / 12.0 / M));
    sf_rng_normals(7, SF_RNG_TEST, 1, 3, 0, M, v);
    double m1 = 0, m2 = 0;
    for (int i = 0; i < M; i++) {
        assert_true(isfinite(v[i]));
        m1 += v[i];
        m2 += v[i] * v[i];
    }
    assert_close(m1 / M, 0.0, 5 / sqrt(M));
    assert_close(m2 / M, 1.0, 5 * sqrt(2.0 / M));
    free(v);
}

/* ------------------------------------------------------------------------
 * gsl_rng adaptor. */

/* The scattered-index forms (the redraws of sf_dist_draw_n): out[i] of
 * sf_rng_normals_at is normal number idx[i] of the stream, as
 * sf_rng_normals_blocks(idx[i], 1) gives it, and sf_rng_uniforms_at's the
 * uniform of block blk[i], as sf_rng_uniform after a seek gives it; for
 * indices in any order, repeated, odd and even, past counter word 2's
 * wrap, and more than one chunk (256) of them. */
static void test_rng_at_forms(void **state)
{
    (void)state;
    const uint64_t seed = 0x77aa0313ull, ent = (3ull << 32) | 999u;
    enum { M = 601 };
    static uint64_t idx[M];
    static double got[M];
    for (int i = 0; i < M; i++)
        idx[i] = i % 5 == 0   ? (uint64_t)i * 7919u              /* ascending */
                 : i % 5 == 1 ? 0x1fffffff0ull + (uint64_t)(i % 37) /* blocks past 2^32 */
                 : i % 5 == 2 ? (uint64_t)(M - i)               /* descending */
                 : i % 5 == 3 ? 41u                               /* repeated, odd */
                              : (uint64_t)i * 1000003u;
    sf_rng_normals_at(seed, SF_RNG_DELAY, ent, idx, M, got);
    for (int i = 0; i < M; i++) {
        double one;
        sf_rng_normals_blocks(seed, SF_RNG_DELAY, ent, idx[i], 1, &one);
        assert_true(got[i] == one);
    }
    /* a short list (below one vector) and an empty one */
    sf_rng_normals_at(seed, SF_RNG_DELAY, ent, idx + 7, 3, got);
    for (int i = 0; i < 3; i++) {
        double one;
        sf_rng_normals_blocks(seed, SF_RNG_DELAY, ent, idx[7 + i], 1, &one);
        assert_true(got[i] == one);
    }
    sf_rng_normals_at(seed, SF_RNG_DELAY, ent, idx, 0, got);
    sf_rng_uniforms_at(seed, SF_RNG_WEIGHT, ent, idx, M, got);
    for (int i = 0; i < M; i++) {
        sf_rng r;
        sf_rng_init(&r, seed, SF_RNG_WEIGHT, ent);
        sf_rng_seek(&r, idx[i]);
        assert_true(got[i] == sf_rng_uniform(&r));
    }
}

/* Values along one stream: uniforms_blocks[i] is the first uniform of block
 * block0 + i; normals_blocks are the Box-Muller pairs of consecutive blocks,
 * and each value depends only on its index (not on where a call starts or
 * how many values it asks for). Moments within 5 SE. */
static void test_rng_block_forms(void **state)
{
    (void)state;
    const uint64_t seed = 0x2385aa01ull, ent = (7ull << 32) | 12345u;
    double u[37];
    sf_rng_uniforms_blocks(seed, SF_RNG_WEIGHT, ent, 5, 37, u);
    for (int i = 0; i < 37; i++) {
        sf_rng r;
        sf_rng_init(&r, seed, SF_RNG_WEIGHT, ent);
        sf_rng_seek(&r, 5 + (uint64_t)i);
        assert_true(u[i] == sf_rng_uniform(&r));
    }
    /* sf_rng_fill_u32: the same words as sf_rng_u32, from any position,
     * and the stream left where sf_rng_u32 would leave it */
    static uint32_t fw[1500];
    const size_t skips[] = {0, 1, 3, 4, 5}, lens[] = {0, 1, 2, 3, 4, 7, 1029, 1500};
    for (size_t a = 0; a < 5; a++)
        for (size_t l = 0; l < 8; l++) {
            sf_rng r1, r2;
            sf_rng_init(&r1, seed, SF_RNG_CONNECT, ent);
            sf_rng_seek(&r1, 0xfffffff0ull); /* the fill crosses word 2's wrap */
            r2 = r1;
            for (size_t q = 0; q < skips[a]; q++)
                assert_true(sf_rng_u32(&r1) == sf_rng_u32(&r2));
            sf_rng_fill_u32(&r1, fw, lens[l]);
            for (size_t q = 0; q < lens[l]; q++)
                assert_true(fw[q] == sf_rng_u32(&r2));
            for (int q = 0; q < 9; q++)
                assert_true(sf_rng_u32(&r1) == sf_rng_u32(&r2));
        }
    /* blocks whose counter word 2 wraps into word 3 inside one call */
    double uw[37];
    sf_rng_uniforms_blocks(seed, SF_RNG_WEIGHT, ent, 0xfffffff0ull, 37, uw);
    for (int i = 0; i < 37; i++) {
        sf_rng r;
        sf_rng_init(&r, seed, SF_RNG_WEIGHT, ent);
        sf_rng_seek(&r, 0xfffffff0ull + (uint64_t)i);
        assert_true(uw[i] == sf_rng_uniform(&r));
    }
    enum { N = 20001 };
    static double all[N], part[N];
    sf_rng_normals_blocks(seed, SF_RNG_DELAY, ent, 0, N, all);
    /* odd start and odd length: same values at the same indices */
    sf_rng_normals_blocks(seed, SF_RNG_DELAY, ent, 3, 101, part);
    for (int i = 0; i < 101; i++)
        assert_true(part[i] == all[3 + i]);
    sf_rng_normals_blocks(seed, SF_RNG_DELAY, ent, 10000, 1, part);
    assert_true(part[0] == all[10000]);
    /* against Box-Muller with libm's log and sincos on the words of
     * sf_philox: the vectorised log and sincos stay within a few ulp (the
     * reference's own rounding of 2 pi u is ~1e-15 of the angle) */
    for (int i = 0; i < N; i++) {
        sf_rng r;
        sf_rng_init(&r, seed, SF_RNG_DELAY, ent);
        sf_rng_seek(&r, (uint64_t)i / 2);
        uint32_t w[4];
        sf_philox(r.key, r.ctr, w);
        double u1 = ((double)(w[0] >> 5) * 67108864.0 + (double)(w[1] >> 6)) / 9007199254740992.0;
        double u2 = ((double)(w[2] >> 5) * 67108864.0 + (double)(w[3] >> 6)) / 9007199254740992.0;
        double rad = sqrt(-2.0 * log(1.0 - u1));
        double ref = i % 2 ? rad * sin(2.0 * M_PI * u2) : rad * cos(2.0 * M_PI * u2);
        assert_close(all[i], ref, 1e-14 * fmax(1.0, fabs(ref)));
    }
    double m = 0, v = 0;
    for (int i = 0; i < N; i++)
        m += all[i];
    m /= N;
    for (int i = 0; i < N; i++)
        v += (all[i] - m) * (all[i] - m);
    v /= N - 1;
    /* SE of the mean 1/sqrt(N); SE of the variance sqrt(2/(N-1)) */
    assert_true(fabs(m) < 5.0 / sqrt(N));
    assert_true(fabs(v - 1.0) < 5.0 * sqrt(2.0 / (N - 1)));
}

static void test_gsl_adaptor(void **state)
{
    (void)state;
    gsl_rng *g = sf_rng_gsl_alloc(555, SF_RNG_WEIGHT, 12);
    assert_non_null(g);
    assert_int_equal(gsl_rng_max(g), 0xffffffffUL);
    assert_int_equal(gsl_rng_min(g), 0);

    /* it draws the same words as the stream it wraps */
    sf_rng r;
    sf_rng_init(&r, 555, SF_RNG_WEIGHT, 12);
    for (int i = 0; i < 100; i++)
        assert_int_equal(gsl_rng_get(g), sf_rng_u32(&r));

    /* reset restarts a stream; the same key gives the same Poisson draws */
    sf_rng_gsl_reset(g, 777, SF_RNG_TEST, 5);
    unsigned int first[50];
    for (int i = 0; i < 50; i++)
        first[i] = gsl_ran_poisson(g, 3.71);
    sf_rng_gsl_reset(g, 777, SF_RNG_TEST, 5);
    for (int i = 0; i < 50; i++)
        assert_int_equal(gsl_ran_poisson(g, 3.71), first[i]);

    /* Poisson(lambda) through GSL's sampler: mean and variance lambda.
     * SE(mean) = sqrt(lambda/N); SE(sample variance) = sqrt((2 lambda^2 +
     * lambda)/N) from Var s^2 ~ (mu4 - sigma^4)/N with mu4 = lambda + 3
     * lambda^2. Tolerance 5 SE. */
    const double lambda = 3.71;
    const int n = 100000;
    double s1 = 0, s2 = 0;
    for (int i = 0; i < n; i++) {
        double k = gsl_ran_poisson(g, lambda);
        s1 += k;
        s2 += k * k;
    }
    double mean = s1 / n, var = (s2 - n * mean * mean) / (n - 1);
    assert_close(mean, lambda, 5 * sqrt(lambda / n));
    assert_close(var, lambda, 5 * sqrt((2 * lambda * lambda + lambda) / n));

    /* gsl_rng_uniform goes through get_double: in [0, 1) */
    for (int i = 0; i < 1000; i++) {
        double u = gsl_rng_uniform(g);
        assert_true(u >= 0 && u < 1);
    }
    sf_rng_gsl_free(g);
    sf_rng_gsl_free(NULL);
}

/* ------------------------------------------------------------------------
 * Barrier. */

static void test_barrier(void **state)
{
    (void)state;
    enum { ROUNDS = 2000 };
    sf_barrier *b = sf_barrier_create(2);
    assert_non_null(b);
    volatile int slot[2] = {-1, -1};
    int errors = 0, nthreads = 0;
    omp_set_dynamic(0); /* exactly the threads asked for */
    /* each round: write own slot, wait, read the other's (must be this
     * round), wait again before the next write */
#pragma omp parallel num_threads(2) reduction(+ : errors)
    {
        int t = omp_get_thread_num();
#pragma omp single
        nthreads = omp_get_num_threads();
        if (omp_get_num_threads() == 2) {
            for (int k = 0; k < ROUNDS; k++) {
                slot[t] = k;
                sf_barrier_wait(b);
#pragma omp flush
                if (slot[1 - t] != k)
                    errors++;
                sf_barrier_wait(b);
            }
        }
    }
    assert_int_equal(nthreads, 2);
    assert_int_equal(errors, 0);
    sf_barrier_destroy(b);

    /* a barrier of one (or zero, meaning one) never blocks */
    b = sf_barrier_create(1);
    assert_non_null(b);
    for (int k = 0; k < 3; k++)
        sf_barrier_wait(b);
    sf_barrier_destroy(b);
    b = sf_barrier_create(0);
    assert_non_null(b);
    sf_barrier_wait(b);
    sf_barrier_destroy(b);
    sf_barrier_destroy(NULL);
}

/* ------------------------------------------------------------------------
 * Clocks and memory. */

static void test_clocks_memory(void **state)
{
    (void)state;
    double w0 = sf_wall_time(), c0 = sf_cpu_time();
    volatile double x = 0;
    for (int i = 0; i < 2000000; i++)
        x += sqrt((double)i);
    double w1 = sf_wall_time(), c1 = sf_cpu_time();
    assert_true(w1 >= w0);
    assert_true(c1 > c0);
    assert_true(c0 >= 0);
    /* Linux has /proc/meminfo; a process uses at least a page */
    uint64_t avail = sf_mem_available();
    assert_true(avail > (1u << 20));
    assert_true(sf_mem_peak_rss() > 4096);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strerror_every_code),
        cmocka_unit_test(test_context_messages),
        cmocka_unit_test(test_context_null),
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_context_process_settings),
        cmocka_unit_test(test_rng_keying),
        cmocka_unit_test(test_rng_seek_and_philox),
        cmocka_unit_test(test_rng_uniform),
        cmocka_unit_test(test_rng_below),
        cmocka_unit_test(test_rng_normal_exponential),
        cmocka_unit_test(test_rng_vector_forms),
        cmocka_unit_test(test_rng_block_forms),
        cmocka_unit_test(test_rng_at_forms),
        cmocka_unit_test(test_gsl_adaptor),
        cmocka_unit_test(test_barrier),
        cmocka_unit_test(test_clocks_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
