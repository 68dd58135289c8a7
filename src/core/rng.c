/* Counter-based random streams over Philox4x32-10 (Salmon et al. 2011,
 * Random123). A stream is the sequence philox(key = seed, ctr = (entity,
 * purpose, block)) for block = 0, 1, 2, ...: any thread can reproduce any
 * entity's numbers without coordination, which is what makes simulations
 * bit-identical across thread counts. */
#include "spikefield/core.h"

#include <Random123/philox.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef __AVX2__
#include <immintrin.h>
#endif

void sf_philox(const uint32_t key[2], const uint32_t ctr[4], uint32_t out[4])
{
    philox4x32_key_t k = {{key[0], key[1]}};
    philox4x32_ctr_t c = {{ctr[0], ctr[1], ctr[2], ctr[3]}};
    philox4x32_ctr_t r = philox4x32(c, k);
    out[0] = r.v[0];
    out[1] = r.v[1];
    out[2] = r.v[2];
    out[3] = r.v[3];
}

void sf_rng_init(sf_rng *r, uint64_t seed, sf_rng_purpose purpose, uint64_t entity)
{
    r->key[0] = (uint32_t)seed;
    r->key[1] = (uint32_t)(seed >> 32);
    r->ctr[0] = (uint32_t)entity;
    /* entity ids stay below 2^24 * 2^32; the purpose takes the top byte */
    r->ctr[1] = (uint32_t)((entity >> 32) & 0x00ffffffu) | ((uint32_t)purpose << 24);
    r->ctr[2] = 0;
    r->ctr[3] = 0;
    r->used = 4;
}

void sf_rng_seek(sf_rng *r, uint64_t block)
{
    r->ctr[2] = (uint32_t)block;
    r->ctr[3] = (uint32_t)(block >> 32);
    r->used = 4;
}

uint32_t sf_rng_u32(sf_rng *r)
{
    if (r->used == 4) {
        sf_philox(r->key, r->ctr, r->buf);
        if (++r->ctr[2] == 0)
            ++r->ctr[3];
        r->used = 0;
    }
    return r->buf[r->used++];
}

double sf_rng_uniform(sf_rng *r)
{
    uint64_t a = sf_rng_u32(r) >> 5, b = sf_rng_u32(r) >> 6; /* 27 + 26 bits */
    return ((double)a * 67108864.0 + (double)b) * (1.0 / 9007199254740992.0);
}

double sf_rng_uniform_pos(sf_rng *r)
{
    double u;
    do
        u = sf_rng_uniform(r);
    while (u == 0.0);
    return u;
}

uint64_t sf_rng_below(sf_rng *r, uint64_t n)
{
    if (n <= 1)
        return 0;
    if (n <= UINT32_MAX) {
        /* Lemire 2019: multiply-shift with rejection of the biased zone */
        uint32_t n32 = (uint32_t)n;
        uint64_t m = (uint64_t)sf_rng_u32(r) * n32;
        uint32_t low = (uint32_t)m;
        if (low < n32) {
            uint32_t thresh = (uint32_t)(-n32) % n32;
            while (low < thresh) {
                m = (uint64_t)sf_rng_u32(r) * n32;
                low = (uint32_t)m;
            }
        }
        return m >> 32;
    }
    uint64_t lim = UINT64_MAX - UINT64_MAX % n, x;
    do
        x = ((uint64_t)sf_rng_u32(r) << 32) | sf_rng_u32(r);
    while (x >= lim);
    return x % n;
}

double sf_rng_normal(sf_rng *r)
{
    /* Marsaglia polar method: exact, two uniforms per accepted pair; the
     * second deviate is dropped so that the stream stays stateless. */
    double u, v, s;
    do {
        u = 2.0 * sf_rng_uniform(r) - 1.0;
        v = 2.0 * sf_rng_uniform(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    return u * sqrt(-2.0 * log(s) / s);
}

double sf_rng_exponential(sf_rng *r, double mean)
{
    return -mean * log(sf_rng_uniform_pos(r));
}

/* Branch-free log and sincos(2 pi u) for the Box-Muller loops, so that the
 * compiler vectorises the whole loop (libm's calls keep it scalar): the
 * polynomials of fdlibm (Sun Microsystems 1993: e_log.c, k_sin.c, k_cos.c;
 * in the branch-free form of musl's __sin/__cos), without tables or
 * branches. In ISO C mode nothing is contracted into FMAs, so a value is
 * the same whether it is computed in vector or scalar code, whatever the
 * position in a loop; both stay within about 1 ulp of the exact result
 * (tests/unit/test_core.c compares with libm). */
static inline double bm_log(double x) /* x normal, > 0 */
{
    const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10,
                 Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01,
                 Lg3 = 2.857142874366239149e-01, Lg4 = 2.222219843214978396e-01,
                 Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01,
                 Lg7 = 1.479819860511658591e-01;
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    /* x = m 2^k with m in [sqrt(2)/2, sqrt(2)) */
    b += (uint64_t)(0x3ff00000u - 0x3fe6a09eu) << 32;
    const int32_t k = (int32_t)(b >> 52) - 0x3ff;
    b = (b & 0x000fffffffffffffull) + ((uint64_t)0x3fe6a09eu << 32);
    double m;
    memcpy(&m, &b, sizeof m);
    const double f = m - 1.0, hfsq = 0.5 * f * f, s = f / (2.0 + f), z = s * s, w = z * z;
    const double t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
    const double t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
    const double dk = (double)k;
    return s * (hfsq + t2 + t1) + dk * ln2_lo - hfsq + f + dk * ln2_hi;
}

static inline void bm_sincos_2pi(double u, double *sn, double *cs) /* u in [0, 1] */
{
    const double S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03,
                 S3 = -1.98412698298579493134e-04, S4 = 2.75573137070700676789e-06,
                 S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10,
                 C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03,
                 C3 = 2.48015872894767294178e-05, C4 = -2.75573143513906633035e-07,
                 C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;
    /* 2 pi u = q pi/2 + x, |x| <= pi/4; u - q/4 is exact (the conversions
     * to int32 and back vectorise, floor does not) */
    const int32_t qi = (int32_t)(4.0 * u + 0.5); /* floor: the argument is >= 0 */
    const double q = (double)qi;
    const double x = (u - 0.25 * q) * 6.28318530717958647693, z = x * x, w = z * z;
    const double rs = S2 + z * (S3 + z * S4) + z * w * (S5 + z * S6);
    const double s = x + z * x * (S1 + z * rs);
    const double rc = z * (C1 + z * (C2 + z * C3)) + w * w * (C4 + z * (C5 + z * C6));
    const double hz = 0.5 * z, v = 1.0 - hz;
    const double c = v + (((1.0 - v) - hz) + z * rc);
    /* quadrant qi: sin = (s, c, -s, -c), cos = (c, -s, -c, s); selected by
     * products with 0 and 1, which are exact */
    const double p = (double)(qi & 1), np = 1.0 - p;
    const double ss = (double)(1 - (qi & 2)), sc = (double)(1 - ((qi + 1) & 2));
    *sn = (s * np + c * p) * ss;
    *cs = (c * np + s * p) * sc;
}

/* Box-Muller of n pairs of uniforms in [0, 1) (Box & Muller 1958):
 * a[i], b[i] become sqrt(-2 log(1 - a)) (cos, sin)(2 pi b). The
 * transcendental loop vectorises; the square roots, in a loop of their own,
 * by intrinsics with AVX2 (sqrt's errno check keeps the compiler's loop
 * scalar; the argument is >= 0, and a square root is correctly rounded in
 * either form, so the values are the same). */
static inline __attribute__((always_inline)) void box_muller_loop(double *restrict a,
                                                                  double *restrict b, uint64_t n)
{
    double c[256];
    for (uint64_t i0 = 0; i0 < n; i0 += 256) {
        const uint64_t m = n - i0 < 256 ? n - i0 : 256;
        double *restrict x = a + i0, *restrict y = b + i0;
        for (uint64_t i = 0; i < m; i++) {
            double sn, cs;
            bm_sincos_2pi(y[i], &sn, &cs);
            x[i] = -2.0 * bm_log(1.0 - x[i]);
            y[i] = sn;
            c[i] = cs;
        }
        uint64_t i = 0;
#ifdef __AVX2__
        for (; i + 4 <= m; i += 4) {
            const __m256d r = _mm256_sqrt_pd(_mm256_loadu_pd(x + i));
            _mm256_storeu_pd(x + i, _mm256_mul_pd(r, _mm256_loadu_pd(c + i)));
            _mm256_storeu_pd(y + i, _mm256_mul_pd(_mm256_loadu_pd(y + i), r));
        }
#endif
        for (; i < m; i++) {
            const double r = sqrt(x[i]);
            x[i] = r * c[i];
            y[i] *= r;
        }
    }
}

/* The same loop compiled for AVX-512 (8 doubles a vector), taken where the
 * processor has it: nothing is contracted into FMAs (ISO C mode) and every
 * operation is correctly rounded or exact in any vector width, so the
 * values are those of the AVX2 loop, bit for bit (the spike trains of the
 * microcircuit are the same, docs/benchmarks.md). */
#if defined(__AVX2__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target("arch=x86-64-v4,prefer-vector-width=512"))) static void
box_muller_avx512(double *restrict a, double *restrict b, uint64_t n)
{
    box_muller_loop(a, b, n);
}
#define HAVE_BM_AVX512 1
#endif

#ifdef HAVE_BM_AVX512
/* Whether the processor has x86-64-v4's AVX-512 (F, BW, CD, DQ, VL). */
static inline int cpu_avx512(void)
{
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512cd");
}
#endif

static void box_muller(double *restrict a, double *restrict b, uint64_t n)
{
#ifdef HAVE_BM_AVX512
    if (cpu_avx512()) {
        box_muller_avx512(a, b, n);
        return;
    }
#endif
    box_muller_loop(a, b, n);
}

/* The ten rounds of Philox4x32 on one counter (x0 .. x3) under the key
 * (k0, k1), in place: the scalar form of philox_planes' tail and of
 * philox_list, whose loops the compiler vectorises with it inlined. */
static inline void philox10(uint32_t *x0, uint32_t *x1, uint32_t *x2, uint32_t *x3, uint32_t k0,
                            uint32_t k1)
{
    uint32_t a = k0, b = k1;
    for (int r = 0; r < 10; r++) {
        uint64_t p0 = (uint64_t)0xD2511F53u * *x0, p1 = (uint64_t)0xCD9E8D57u * *x2;
        uint32_t y0 = (uint32_t)(p1 >> 32) ^ *x1 ^ a, y2 = (uint32_t)(p0 >> 32) ^ *x3 ^ b;
        *x1 = (uint32_t)p1;
        *x3 = (uint32_t)p0;
        *x0 = y0;
        *x2 = y2;
        a += 0x9E3779B9u;
        b += 0xBB67AE85u;
    }
}

/* Philox4x32-10 of n <= PH_CHUNK counters at once, into four word planes
 * w0..w3: counter i is (c0 + i d0, c1, words 2-3 = c23 + i d23), d0, d23 in
 * {0, 1}. The same rounds and constants as Random123's philox4x32 (unit
 * tests check they agree); with AVX2, eight counters per vector (the 32x32
 * -> 64-bit products of even and odd lanes, then blended into hi and lo),
 * else a loop the compiler vectorises. Every value is the same either way
 * (integer arithmetic). */
enum { PH_CHUNK = 256 };

/* The AVX2 loop below with sixteen counters per vector, for processors
 * with AVX-512 (philox_planes takes it where __builtin_cpu_supports finds
 * it): the same integer operations, so the same words. Returns the
 * counters done (a multiple of 16). */
#if defined(__AVX2__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target("arch=x86-64-v4"))) static uint32_t
philox_avx512(uint32_t k0, uint32_t k1, uint32_t c0, uint32_t d0, uint32_t c1, uint64_t c23,
              uint32_t d23, uint32_t n, uint32_t *restrict w0, uint32_t *restrict w1,
              uint32_t *restrict w2, uint32_t *restrict w3)
{
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i m0 = _mm512_set1_epi64(0xD2511F53), m1 = _mm512_set1_epi64(0xCD9E8D57);
    const __m512i bump_a = _mm512_set1_epi32((int)0x9E3779B9u);
    const __m512i bump_b = _mm512_set1_epi32((int)0xBB67AE85u);
    const __m512i one = _mm512_set1_epi32(1);
    uint32_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const uint64_t base = c23 + (uint64_t)i * d23;
        const __m512i blo = _mm512_set1_epi32((int)(uint32_t)base);
        __m512i x0 = _mm512_add_epi32(_mm512_set1_epi32((int)(c0 + i * d0)),
                                      _mm512_mullo_epi32(lane, _mm512_set1_epi32((int)d0)));
        __m512i x2 = _mm512_add_epi32(blo, _mm512_mullo_epi32(lane, _mm512_set1_epi32((int)d23)));
        /* carry into word 3 where word 2 wrapped (unsigned x2 < base) */
        const __mmask16 carry = _mm512_cmplt_epu32_mask(x2, blo);
        const __m512i hi = _mm512_set1_epi32((int)(uint32_t)(base >> 32));
        __m512i x3 = _mm512_mask_add_epi32(hi, carry, hi, one);
        __m512i x1 = _mm512_set1_epi32((int)c1);
        __m512i a = _mm512_set1_epi32((int)k0), b = _mm512_set1_epi32((int)k1);
        for (int r = 0; r < 10; r++) {
            const __m512i e0 = _mm512_mul_epu32(x0, m0);
            const __m512i o0 = _mm512_mul_epu32(_mm512_srli_epi64(x0, 32), m0);
            const __m512i e1 = _mm512_mul_epu32(x2, m1);
            const __m512i o1 = _mm512_mul_epu32(_mm512_srli_epi64(x2, 32), m1);
            const __m512i lo0 = _mm512_mask_blend_epi32(0xAAAA, e0, _mm512_slli_epi64(o0, 32));
            const __m512i hi0 = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(e0, 32), o0);
            const __m512i lo1 = _mm512_mask_blend_epi32(0xAAAA, e1, _mm512_slli_epi64(o1, 32));
            const __m512i hi1 = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(e1, 32), o1);
            x0 = _mm512_xor_si512(_mm512_xor_si512(hi1, x1), a);
            x2 = _mm512_xor_si512(_mm512_xor_si512(hi0, x3), b);
            x1 = lo1;
            x3 = lo0;
            a = _mm512_add_epi32(a, bump_a);
            b = _mm512_add_epi32(b, bump_b);
        }
        _mm512_storeu_si512((void *)(w0 + i), x0);
        _mm512_storeu_si512((void *)(w1 + i), x1);
        _mm512_storeu_si512((void *)(w2 + i), x2);
        _mm512_storeu_si512((void *)(w3 + i), x3);
    }
    return i;
}
#define HAVE_PHILOX_AVX512 1
#endif

static void philox_planes(uint64_t seed, uint32_t c0, uint32_t d0, uint32_t c1, uint64_t c23,
                          uint32_t d23, uint32_t n, uint32_t *restrict w0, uint32_t *restrict w1,
                          uint32_t *restrict w2, uint32_t *restrict w3)
{
    const uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    uint32_t i = 0;
#ifdef HAVE_PHILOX_AVX512
    if (n >= 16 && cpu_avx512())
        i = philox_avx512(k0, k1, c0, d0, c1, c23, d23, n, w0, w1, w2, w3);
#endif
#ifdef __AVX2__
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i m0 = _mm256_set1_epi64x(0xD2511F53), m1 = _mm256_set1_epi64x(0xCD9E8D57);
    const __m256i bump_a = _mm256_set1_epi32((int)0x9E3779B9u);
    const __m256i bump_b = _mm256_set1_epi32((int)0xBB67AE85u);
    const __m256i sign = _mm256_set1_epi32(INT32_MIN);
    for (; i + 8 <= n; i += 8) {
        const uint64_t base = c23 + (uint64_t)i * d23;
        const __m256i blo = _mm256_set1_epi32((int)(uint32_t)base);
        __m256i x0 = _mm256_add_epi32(_mm256_set1_epi32((int)(c0 + i * d0)),
                                      _mm256_mullo_epi32(lane, _mm256_set1_epi32((int)d0)));
        __m256i x2 = _mm256_add_epi32(blo, _mm256_mullo_epi32(lane, _mm256_set1_epi32((int)d23)));
        /* carry into word 3 where word 2 wrapped (unsigned x2 < base) */
        __m256i carry = _mm256_cmpgt_epi32(_mm256_xor_si256(blo, sign), _mm256_xor_si256(x2, sign));
        __m256i x3 = _mm256_sub_epi32(_mm256_set1_epi32((int)(uint32_t)(base >> 32)), carry);
        __m256i x1 = _mm256_set1_epi32((int)c1);
        __m256i a = _mm256_set1_epi32((int)k0), b = _mm256_set1_epi32((int)k1);
        for (int r = 0; r < 10; r++) {
            const __m256i e0 = _mm256_mul_epu32(x0, m0);
            const __m256i o0 = _mm256_mul_epu32(_mm256_srli_epi64(x0, 32), m0);
            const __m256i e1 = _mm256_mul_epu32(x2, m1);
            const __m256i o1 = _mm256_mul_epu32(_mm256_srli_epi64(x2, 32), m1);
            const __m256i lo0 = _mm256_blend_epi32(e0, _mm256_slli_epi64(o0, 32), 0xAA);
            const __m256i hi0 = _mm256_blend_epi32(_mm256_srli_epi64(e0, 32), o0, 0xAA);
            const __m256i lo1 = _mm256_blend_epi32(e1, _mm256_slli_epi64(o1, 32), 0xAA);
            const __m256i hi1 = _mm256_blend_epi32(_mm256_srli_epi64(e1, 32), o1, 0xAA);
            x0 = _mm256_xor_si256(_mm256_xor_si256(hi1, x1), a);
            x2 = _mm256_xor_si256(_mm256_xor_si256(hi0, x3), b);
            x1 = lo1;
            x3 = lo0;
            a = _mm256_add_epi32(a, bump_a);
            b = _mm256_add_epi32(b, bump_b);
        }
        _mm256_storeu_si256((__m256i *)(w0 + i), x0);
        _mm256_storeu_si256((__m256i *)(w1 + i), x1);
        _mm256_storeu_si256((__m256i *)(w2 + i), x2);
        _mm256_storeu_si256((__m256i *)(w3 + i), x3);
    }
#endif
    for (; i < n; i++) {
        const uint64_t blk = c23 + (uint64_t)i * d23;
        uint32_t x0 = c0 + i * d0, x1 = c1, x2 = (uint32_t)blk, x3 = (uint32_t)(blk >> 32);
        philox10(&x0, &x1, &x2, &x3, k0, k1);
        w0[i] = x0;
        w1[i] = x1;
        w2[i] = x2;
        w3[i] = x3;
    }
}

#define U53(hi, lo) (((double)((hi) >> 5) * 67108864.0 + (double)((lo) >> 6)) * (1.0 / 9007199254740992.0))

/* Word 1 of the counter: the purpose and the entity's (or sub's) high bits. */
static uint32_t ctr1(sf_rng_purpose purpose, uint32_t hi)
{
    return ((uint32_t)purpose << 24) | (hi & 0x00ffffffu);
}

/* The uniforms of words 0-1 (and of words 2-3 into u2 when not NULL) of
 * n <= PH_CHUNK counters (as philox_planes). */
static void uniform_planes(uint64_t seed, uint32_t c0, uint32_t d0, uint32_t c1, uint64_t c23,
                           uint32_t d23, uint32_t n, double *restrict u1, double *restrict u2)
{
    uint32_t w0[PH_CHUNK], w1[PH_CHUNK], w2[PH_CHUNK], w3[PH_CHUNK];
    philox_planes(seed, c0, d0, c1, c23, d23, n, w0, w1, w2, w3);
    for (uint32_t i = 0; i < n; i++)
        u1[i] = U53(w0[i], w1[i]);
    if (u2)
        for (uint32_t i = 0; i < n; i++)
            u2[i] = U53(w2[i], w3[i]);
}

void sf_rng_uniforms_blocks(uint64_t seed, sf_rng_purpose purpose, uint64_t entity,
                            uint64_t block0, uint64_t n, double *restrict out)
{
    const uint32_t c1 = ctr1(purpose, (uint32_t)(entity >> 32));
    for (uint64_t done = 0; done < n; done += PH_CHUNK) {
        const uint32_t m = n - done < PH_CHUNK ? (uint32_t)(n - done) : PH_CHUNK;
        uniform_planes(seed, (uint32_t)entity, 0, c1, block0 + done, 1, m, out + done, NULL);
    }
}

void sf_rng_normals_blocks(uint64_t seed, sf_rng_purpose purpose, uint64_t entity,
                           uint64_t idx0, uint64_t n, double *restrict out)
{
    /* normal number v of the stream is element v % 2 of the Box-Muller pair
     * (r cos t, r sin t) made from block v / 2; the Philox part runs
     * vectorised over a chunk of blocks, the transcendental part after it */
    const uint32_t c1 = ctr1(purpose, (uint32_t)(entity >> 32));
    double u1[PH_CHUNK], u2[PH_CHUNK];
    uint64_t v = idx0, end = idx0 + n;
    while (v < end) {
        uint64_t block0 = v / 2, last = (end - 1) / 2;
        uint32_t nb = last - block0 + 1 < PH_CHUNK ? (uint32_t)(last - block0 + 1) : PH_CHUNK;
        uniform_planes(seed, (uint32_t)entity, 0, c1, block0, 1, nb, u1, u2);
        box_muller(u1, u2, nb);
        /* pair i holds normals base + 2 i, base + 2 i + 1: the first pair
         * may start before v (v odd), the last may end at end (end odd) */
        const uint64_t base = 2 * block0;
        uint32_t i = 0;
        if (base < v)
            out[v - idx0] = u2[i++];
        uint64_t full = (end - base) / 2; /* pairs wholly before end */
        full = full < nb ? full : nb;
        for (; i < full; i++) {
            const uint64_t o = base + 2 * (uint64_t)i - idx0;
            out[o] = u1[i];
            out[o + 1] = u2[i];
        }
        if (i < nb && base + 2 * (uint64_t)i < end)
            out[base + 2 * (uint64_t)i - idx0] = u1[i];
        v = 2 * (block0 + nb);
    }
}

/* Philox4x32-10 of n <= PH_CHUNK counters (c0, c1, blk[i]) of one stream,
 * into four word planes (as philox_planes, for blocks in any order): the
 * same rounds, so the same words as the block of sf_rng_u32 (unit tests
 * compare). A loop the compiler vectorises. */
static void philox_list(uint64_t seed, uint32_t c0, uint32_t c1, const uint64_t *restrict blk,
                        uint32_t n, uint32_t *restrict w0, uint32_t *restrict w1,
                        uint32_t *restrict w2, uint32_t *restrict w3)
{
    const uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t x0 = c0, x1 = c1, x2 = (uint32_t)blk[i], x3 = (uint32_t)(blk[i] >> 32);
        philox10(&x0, &x1, &x2, &x3, k0, k1);
        w0[i] = x0;
        w1[i] = x1;
        w2[i] = x2;
        w3[i] = x3;
    }
}

void sf_rng_uniforms_at(uint64_t seed, sf_rng_purpose purpose, uint64_t entity,
                        const uint64_t *restrict blk, uint64_t n, double *restrict out)
{
    const uint32_t c1 = ctr1(purpose, (uint32_t)(entity >> 32));
    uint32_t w0[PH_CHUNK], w1[PH_CHUNK], w2[PH_CHUNK], w3[PH_CHUNK];
    for (uint64_t done = 0; done < n; done += PH_CHUNK) {
        const uint32_t m = n - done < PH_CHUNK ? (uint32_t)(n - done) : PH_CHUNK;
        philox_list(seed, (uint32_t)entity, c1, blk + done, m, w0, w1, w2, w3);
        for (uint32_t i = 0; i < m; i++)
            out[done + i] = U53(w0[i], w1[i]);
    }
}

void sf_rng_normals_at(uint64_t seed, sf_rng_purpose purpose, uint64_t entity,
                       const uint64_t *restrict idx, uint64_t n, double *restrict out)
{
    /* as sf_rng_normals_blocks(idx[i], 1) for each i: the pair of block
     * idx[i] / 2, its cosine part for an even index, its sine part for an
     * odd one; the Box-Muller loop over the chunk's pairs is the same loop,
     * whose values do not depend on the position in it */
    const uint32_t c1 = ctr1(purpose, (uint32_t)(entity >> 32));
    uint32_t w0[PH_CHUNK], w1[PH_CHUNK], w2[PH_CHUNK], w3[PH_CHUNK];
    uint64_t blk[PH_CHUNK];
    double u1[PH_CHUNK], u2[PH_CHUNK];
    for (uint64_t done = 0; done < n; done += PH_CHUNK) {
        const uint32_t m = n - done < PH_CHUNK ? (uint32_t)(n - done) : PH_CHUNK;
        for (uint32_t i = 0; i < m; i++)
            blk[i] = idx[done + i] / 2;
        philox_list(seed, (uint32_t)entity, c1, blk, m, w0, w1, w2, w3);
        for (uint32_t i = 0; i < m; i++) {
            u1[i] = U53(w0[i], w1[i]);
            u2[i] = U53(w2[i], w3[i]);
        }
        box_muller(u1, u2, m);
        for (uint32_t i = 0; i < m; i++)
            out[done + i] = idx[done + i] & 1 ? u2[i] : u1[i];
    }
}

void sf_rng_uniforms(uint64_t seed, sf_rng_purpose purpose, uint32_t sub, uint64_t block,
                     uint64_t entity0, uint32_t n, double *restrict out)
{
    for (uint32_t done = 0; done < n; done += PH_CHUNK) {
        const uint32_t m = n - done < PH_CHUNK ? n - done : PH_CHUNK;
        uniform_planes(seed, (uint32_t)(entity0 + done), 1, ctr1(purpose, sub), block, 0, m,
                       out + done, NULL);
    }
}

/* Whole blocks for entity quads q0 .. q0 + nq - 1 into out[4 (q - q0) + c]:
 * four planes per chunk, then interleaved. */
static void words_quads(uint64_t seed, sf_rng_purpose purpose, uint32_t sub, uint64_t block,
                        uint64_t q0, uint32_t nq, uint32_t *restrict out)
{
    uint32_t w0[PH_CHUNK], w1[PH_CHUNK], w2[PH_CHUNK], w3[PH_CHUNK];
    for (uint32_t done = 0; done < nq; done += PH_CHUNK) {
        const uint32_t n = nq - done < PH_CHUNK ? nq - done : PH_CHUNK;
        philox_planes(seed, (uint32_t)(q0 + done), 1, ctr1(purpose, sub), block, 0, n, w0, w1,
                      w2, w3);
        uint32_t *restrict o = out + 4 * (size_t)done;
        for (uint32_t i = 0; i < n; i++) {
            o[4 * i] = w0[i];
            o[4 * i + 1] = w1[i];
            o[4 * i + 2] = w2[i];
            o[4 * i + 3] = w3[i];
        }
    }
}

void sf_rng_words(uint64_t seed, sf_rng_purpose purpose, uint32_t sub, uint64_t block,
                  uint64_t entity0, uint32_t n, uint32_t *restrict out)
{
    if (n == 0)
        return;
    uint32_t edge[4];
    uint64_t e = entity0, end = entity0 + n;
    if (e & 3) { /* the first, partial quad */
        words_quads(seed, purpose, sub, block, e >> 2, 1, edge);
        for (; (e & 3) && e < end; e++)
            *out++ = edge[e & 3];
    }
    uint64_t nq = (end - e) >> 2;
    if (nq) {
        words_quads(seed, purpose, sub, block, e >> 2, (uint32_t)nq, out);
        out += 4 * nq;
        e += 4 * nq;
    }
    if (e < end) { /* the last, partial quad */
        words_quads(seed, purpose, sub, block, e >> 2, 1, edge);
        for (; e < end; e++)
            *out++ = edge[e & 3];
    }
}

void sf_rng_normals(uint64_t seed, sf_rng_purpose purpose, uint32_t sub, uint64_t block,
                    uint64_t entity0, uint32_t n, double *restrict out)
{
    /* the pair of words 0-1 and 2-3, in chunks; the cosine part is kept */
    double u1[PH_CHUNK], u2[PH_CHUNK];
    for (uint32_t done = 0; done < n; done += PH_CHUNK) {
        const uint32_t m = n - done < PH_CHUNK ? n - done : PH_CHUNK;
        uniform_planes(seed, (uint32_t)(entity0 + done), 1, ctr1(purpose, sub), block, 0, m, u1,
                       u2);
        box_muller(u1, u2, m);
        memcpy(out + done, u1, sizeof(double) * m);
    }
}

void sf_rng_normal_pairs(uint64_t seed, sf_rng_purpose purpose, uint32_t sub, uint64_t block,
                         uint64_t entity0, uint32_t n, double *restrict cs, double *restrict sn)
{
    /* sf_rng_normals with the sine part kept as well (issue 16: sde_poly
     * uses both, for two steps) */
    for (uint32_t done = 0; done < n; done += PH_CHUNK) {
        const uint32_t m = n - done < PH_CHUNK ? n - done : PH_CHUNK;
        uniform_planes(seed, (uint32_t)(entity0 + done), 1, ctr1(purpose, sub), block, 0, m,
                       cs + done, sn + done);
        box_muller(cs + done, sn + done, m);
    }
}

void sf_rng_fill_u32(sf_rng *r, uint32_t *restrict out, size_t n)
{
    size_t i = 0;
    while (i < n && r->used < 4) /* the rest of the current block */
        out[i++] = r->buf[r->used++];
    if (i == n)
        return;
    /* r->used == 4: the next block is counter words 2-3 */
    uint64_t blk = (uint64_t)r->ctr[2] | ((uint64_t)r->ctr[3] << 32);
    const uint64_t seed = (uint64_t)r->key[0] | ((uint64_t)r->key[1] << 32);
    uint32_t w0[PH_CHUNK], w1[PH_CHUNK], w2[PH_CHUNK], w3[PH_CHUNK];
    for (size_t whole = (n - i) / 4; whole > 0;) {
        const uint32_t m = whole < PH_CHUNK ? (uint32_t)whole : PH_CHUNK;
        philox_planes(seed, r->ctr[0], 0, r->ctr[1], blk, 1, m, w0, w1, w2, w3);
        uint32_t j = 0;
#ifdef __AVX2__
        for (; j + 8 <= m; j += 8, i += 32) { /* 8 blocks: a 4 x 8 transpose */
            __m256i a0 = _mm256_loadu_si256((const __m256i *)(w0 + j));
            __m256i a1 = _mm256_loadu_si256((const __m256i *)(w1 + j));
            __m256i a2 = _mm256_loadu_si256((const __m256i *)(w2 + j));
            __m256i a3 = _mm256_loadu_si256((const __m256i *)(w3 + j));
            __m256i t0 = _mm256_unpacklo_epi32(a0, a1), t1 = _mm256_unpackhi_epi32(a0, a1);
            __m256i t2 = _mm256_unpacklo_epi32(a2, a3), t3 = _mm256_unpackhi_epi32(a2, a3);
            /* blocks (0 | 4), (1 | 5), (2 | 6), (3 | 7) per 128-bit half */
            __m256i u0 = _mm256_unpacklo_epi64(t0, t2), u1 = _mm256_unpackhi_epi64(t0, t2);
            __m256i u2 = _mm256_unpacklo_epi64(t1, t3), u3 = _mm256_unpackhi_epi64(t1, t3);
            _mm256_storeu_si256((__m256i *)(out + i), _mm256_permute2x128_si256(u0, u1, 0x20));
            _mm256_storeu_si256((__m256i *)(out + i + 8), _mm256_permute2x128_si256(u2, u3, 0x20));
            _mm256_storeu_si256((__m256i *)(out + i + 16), _mm256_permute2x128_si256(u0, u1, 0x31));
            _mm256_storeu_si256((__m256i *)(out + i + 24), _mm256_permute2x128_si256(u2, u3, 0x31));
        }
#endif
        for (; j < m; j++, i += 4) {
            out[i] = w0[j];
            out[i + 1] = w1[j];
            out[i + 2] = w2[j];
            out[i + 3] = w3[j];
        }
        blk += m;
        whole -= m;
    }
    r->ctr[2] = (uint32_t)blk;
    r->ctr[3] = (uint32_t)(blk >> 32);
    while (i < n) /* a partial block, kept in buf as sf_rng_u32 would */
        out[i++] = sf_rng_u32(r);
}

/* gsl_rng adaptor: lets GSL's samplers draw from our streams. */
static void gsl_philox_set(void *state, unsigned long seed)
{
    sf_rng_init(state, seed, SF_RNG_TEST, 0);
}
static unsigned long gsl_philox_get(void *state)
{
    return sf_rng_u32(state);
}
static double gsl_philox_get_double(void *state)
{
    return sf_rng_uniform(state);
}
static const gsl_rng_type gsl_philox_type = {
    "sf_philox4x32", 0xffffffffUL, 0, sizeof(sf_rng),
    gsl_philox_set, gsl_philox_get, gsl_philox_get_double};

void *sf_rng_gsl_alloc(uint64_t seed, sf_rng_purpose purpose, uint64_t entity)
{
    gsl_rng *g = malloc(sizeof *g);
    if (!g)
        return NULL;
    g->type = &gsl_philox_type;
    g->state = malloc(sizeof(sf_rng));
    if (!g->state) {
        free(g);
        return NULL;
    }
    sf_rng_init(g->state, seed, purpose, entity);
    return g;
}

void sf_rng_gsl_reset(void *gsl, uint64_t seed, sf_rng_purpose purpose, uint64_t entity)
{
    sf_rng_init(((gsl_rng *)gsl)->state, seed, purpose, entity);
}

void sf_rng_gsl_free(void *gsl)
{
    if (gsl) {
        free(((gsl_rng *)gsl)->state);
        free(gsl);
    }
}
