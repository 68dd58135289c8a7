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

/* Philox4x32-10 over counters that differ only in word 0, written so that the
 * compiler vectorises the loop across entities (same rounds and constants as
 * Random123's philox4x32; a unit test checks they agree). */
#define PHILOX_LOOP(BODY)                                                                  \
    const uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);                       \
    const uint32_t c1 = ((uint32_t)purpose << 24) | (sub & 0x00ffffffu);                   \
    const uint32_t c2 = (uint32_t)block, c3 = (uint32_t)(block >> 32);                     \
    for (uint32_t i = 0; i < n; i++) {                                                     \
        uint32_t x0 = (uint32_t)(entity0 + i), x1 = c1, x2 = c2, x3 = c3, a = k0, b = k1;  \
        for (int r = 0; r < 10; r++) {                                                     \
            uint64_t p0 = (uint64_t)0xD2511F53u * x0, p1 = (uint64_t)0xCD9E8D57u * x2;     \
            uint32_t y0 = (uint32_t)(p1 >> 32) ^ x1 ^ a, y2 = (uint32_t)(p0 >> 32) ^ x3 ^ b; \
            x1 = (uint32_t)p1;                                                             \
            x3 = (uint32_t)p0;                                                             \
            x0 = y0;                                                                       \
            x2 = y2;                                                                       \
            a += 0x9E3779B9u;                                                              \
            b += 0xBB67AE85u;                                                              \
        }                                                                                  \
        BODY                                                                               \
    }

#define U53(hi, lo) (((double)((hi) >> 5) * 67108864.0 + (double)((lo) >> 6)) * (1.0 / 9007199254740992.0))

/* The same over consecutive blocks of one stream: counter words 2-3 vary. */
#define PHILOX_BLOCKS(BODY)                                                                \
    const uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);                       \
    const uint32_t c0 = (uint32_t)entity;                                                  \
    const uint32_t c1 = (uint32_t)((entity >> 32) & 0x00ffffffu) | ((uint32_t)purpose << 24); \
    for (uint64_t i = 0; i < n; i++) {                                                     \
        uint64_t blk = block0 + i;                                                         \
        uint32_t x0 = c0, x1 = c1, x2 = (uint32_t)blk, x3 = (uint32_t)(blk >> 32), a = k0, b = k1; \
        for (int r = 0; r < 10; r++) {                                                     \
            uint64_t p0 = (uint64_t)0xD2511F53u * x0, p1 = (uint64_t)0xCD9E8D57u * x2;     \
            uint32_t y0 = (uint32_t)(p1 >> 32) ^ x1 ^ a, y2 = (uint32_t)(p0 >> 32) ^ x3 ^ b; \
            x1 = (uint32_t)p1;                                                             \
            x3 = (uint32_t)p0;                                                             \
            x0 = y0;                                                                       \
            x2 = y2;                                                                       \
            a += 0x9E3779B9u;                                                              \
            b += 0xBB67AE85u;                                                              \
        }                                                                                  \
        BODY                                                                               \
    }

void sf_rng_uniforms_blocks(uint64_t seed, sf_rng_purpose purpose, uint64_t entity,
                            uint64_t block0, uint64_t n, double *restrict out)
{
    PHILOX_BLOCKS(out[i] = U53(x0, x1);)
}

void sf_rng_normals_blocks(uint64_t seed, sf_rng_purpose purpose, uint64_t entity,
                           uint64_t idx0, uint64_t n, double *restrict out)
{
    /* normal number v of the stream is element v % 2 of the Box-Muller pair
     * (r cos t, r sin t) made from block v / 2; the Philox part runs
     * vectorised over a chunk of blocks, the transcendental part after it */
    enum { CHUNK = 256 };
    double u1[CHUNK], u2[CHUNK];
    uint64_t v = idx0, end = idx0 + n;
    while (v < end) {
        uint64_t block0 = v / 2, last = (end - 1) / 2;
        uint64_t nb = last - block0 + 1 < CHUNK ? last - block0 + 1 : CHUNK;
        {
            uint64_t n_ = nb;
#define n n_
            PHILOX_BLOCKS(u1[i] = U53(x0, x1); u2[i] = U53(x2, x3);)
#undef n
        }
        for (uint64_t i = 0; i < nb; i++) {
            double r = sqrt(-2.0 * log(1.0 - u1[i])), c, sn;
            sincos(2.0 * M_PI * u2[i], &sn, &c);
            uint64_t v0 = 2 * (block0 + i);
            if (v0 >= v && v0 < end)
                out[v0 - idx0] = r * c;
            if (v0 + 1 >= v && v0 + 1 < end)
                out[v0 + 1 - idx0] = r * sn;
        }
        v = 2 * (block0 + nb);
    }
}

void sf_rng_uniforms(uint64_t seed, sf_rng_purpose purpose, uint32_t sub, uint64_t block,
                     uint64_t entity0, uint32_t n, double *restrict out)
{
    PHILOX_LOOP(out[i] = U53(x0, x1);)
}

/* Whole blocks for entity quads q0 .. q0 + nq - 1 into out[4 (q - q0) + c]:
 * Philox vectorised over a chunk of quads into four planes, then
 * interleaved. */
static void words_quads(uint64_t seed, sf_rng_purpose purpose, uint32_t sub, uint64_t block,
                        uint64_t q0, uint32_t nq, uint32_t *restrict out)
{
    enum { CHUNK = 128 };
    uint32_t w0[CHUNK], w1[CHUNK], w2[CHUNK], w3[CHUNK];
    for (uint32_t done = 0; done < nq; done += CHUNK) {
        const uint64_t entity0 = q0 + done;
        const uint32_t n = nq - done < CHUNK ? nq - done : CHUNK;
        PHILOX_LOOP(w0[i] = x0; w1[i] = x1; w2[i] = x2; w3[i] = x3;)
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
    /* u1 in (0, 1] so that the logarithm is finite */
    PHILOX_LOOP(out[i] = sqrt(-2.0 * log(1.0 - U53(x0, x1))) * cos(2.0 * M_PI * U53(x2, x3));)
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
