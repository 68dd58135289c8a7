/* Helpers shared by the input types (src/engine/inputs/): the random words
 * and exact uniforms of the neurons a source drives, Poisson counts by exact
 * inversion (a guide table for one rate, a search from the mode for a rate
 * that changes per neuron or step), normals, and the active windows.
 *
 * Invariant: every random number an input uses is a pure function of
 * (seed, input, neuron or mother process, step), so inputs do not depend on
 * blocks or threads. The entity is the neuron's global id, or
 * SF_INPUT_MOTHER for a process shared by all targets (mip_generator).
 * Poisson-type inputs draw one uniform U = (w + V) 2^-32 per (input, entity,
 * step): w is word entity % 4 of block `step` of the stream (seed,
 * SF_RNG_POISSON, (input << 32) | entity / 4) (sf_rng_words: all 128 bits of
 * a Philox block serve four neurons), and V, the fine part, a 53-bit uniform
 * of block `step` of (seed, SF_RNG_POISSON, ((input | SF_INPUT_FINE) << 32) |
 * entity), drawn only when w alone cannot decide a comparison (probability
 * about 2^-32 per boundary). So inversion is exact: the count is the first k
 * with F(k) > U for the double cumulative probabilities F, as with a 85-bit
 * uniform. Normals (noise_generator) and sf_input_uniforms use value `block`
 * of (seed, SF_RNG_POISSON, (input << 32) | entity), words 0-3. */
#ifndef SF_INPUT_UTIL_H
#define SF_INPUT_UTIL_H

#include "network/network_impl.h"

#include <stdbool.h>

/* The entity of an input's shared (mother) process: above every global id. */
#define SF_INPUT_MOTHER 0xffffffffu
/* Marks the sub-stream of the fine parts V (input indices stay below it). */
#define SF_INPUT_FINE 0x00800000u

/* One input's draws of one step. */
typedef struct {
    uint64_t seed;
    uint32_t input;
    uint64_t step;
} sf_input_at;

/* The uniform U = (w + V) 2^-32 of one entity at `at`; V is drawn on first
 * use. Initialise with sf_input_u_make. */
typedef struct {
    const sf_input_at *at;
    uint64_t entity;
    uint32_t w;
    bool drawn;
    double v;
} sf_input_u;

static inline sf_input_u sf_input_u_make(const sf_input_at *at, uint64_t entity, uint32_t w)
{
    return (sf_input_u){at, entity, w, false, 0.0};
}

/* V of (at, entity): the fine part of its uniform. */
double sf_input_fine(const sf_input_at *at, uint64_t entity);

/* U < F, exactly (F a double in [0, 1]). With T = F 2^32: U < F iff
 * V < T - w, which w decides unless w < T < w + 1 (T - w is then exact). */
static inline bool sf_input_u_below(sf_input_u *u, double F)
{
    const double T = F * 0x1p32, x = (double)u->w;
    if (T >= x + 1.0)
        return true;
    if (T <= x)
        return false;
    if (!u->drawn) {
        u->v = sf_input_fine(u->at, u->entity);
        u->drawn = true;
    }
    return T - x > u->v;
}

/* Cumulative Poisson probabilities cdf[j] = P(X <= k0 + j) over counts
 * k0 .. k0 + n_cdf - 1, where the probability outside is below 2^-60;
 * cdf[n_cdf - 1] = 1. t[j] = floor(cdf[j] 2^32) (UINT32_MAX where cdf = 1).
 * The guide table splits the words into cells of 2^shift: guide[g] is the
 * first j with t[j] >= g << shift, with SF_GUIDE_OPEN added when some t[j]
 * lies in the cell (the count of a word in the cell is then not decided by
 * the cell alone: a fraction of about n_cdf 2^(shift - 32) of the words).
 * Otherwise every word of the cell has the count guide[g] + k0. */
#define SF_GUIDE_OPEN 0x8000u
typedef struct {
    int n_cdf, k0, shift;
    double *cdf;
    uint32_t *t;
    uint16_t *guide;
} sf_poisson_cdf;

/* Table for mean lambda >= 0 (counts per step); false: out of memory. */
bool sf_poisson_cdf_init(sf_poisson_cdf *c, double lambda);
void sf_poisson_cdf_free(sf_poisson_cdf *c);
/* Largest count the table can give. */
static inline int sf_poisson_cdf_max(const sf_poisson_cdf *c)
{
    return c->k0 + c->n_cdf - 1;
}
/* The count - k0 of word w in an open cell, walking from guide entry j. */
int sf_poisson_cdf_search(const sf_poisson_cdf *c, const sf_input_at *at, uint64_t entity,
                          uint32_t w, int j);
/* The count of entity's uniform at `at`, whose word is w: the first k with
 * P(X <= k) > U. Usually one table read. */
static inline int sf_poisson_cdf_count(const sf_poisson_cdf *c, const sf_input_at *at,
                                       uint64_t entity, uint32_t w)
{
    int j = c->guide[w >> c->shift];
    if (__builtin_expect(j & SF_GUIDE_OPEN, 0))
        j = sf_poisson_cdf_search(c, at, entity, w, j & ~SF_GUIDE_OPEN);
    return j + c->k0;
}

/* dst[i] += count * weight for the source's driven neurons i (block-local),
 * where count is that of their words w[j] (sf_poisson_cdf_count). */
void sf_poisson_cdf_add(const sf_poisson_cdf *c, const sf_input_at *at, const sf_block *b,
                        const sf_block_input *src, const uint32_t *w, double weight, double *dst);

/* Poisson inversion without a table, for means that change per neuron or
 * step: the mean, its mode k, P(X = k) and P(X <= k). */
typedef struct {
    double lambda, p_mode, F_mode;
    int mode;
} sf_poisson_mode;

sf_poisson_mode sf_poisson_mode_make(double lambda);
/* The first k with P(X <= k) > U, searched from the mode (down while
 * P(X <= k - 1) > U, up while P(X <= k) <= U): about sqrt(lambda) steps; the
 * upward search stops where the remaining tail is below the rounding. */
int sf_poisson_mode_count(const sf_poisson_mode *P, sf_input_u *u);

/* w[j] for the source's driven neurons j < src->n_sel: the words of value
 * `step` of their streams of input src->input (sf_rng_words); b->w holds
 * them for apply. */
void sf_input_words(const sf_network *net, const sf_block *b, const sf_block_input *src,
                    uint64_t step, uint32_t *w);
/* u[j] (z[j]) for the driven neurons: the uniform (sf_rng_uniforms) or
 * standard normal (sf_rng_normals) of value `block` of the neuron's stream
 * (seed, SF_RNG_POISSON, (input << 32) | gid). */
void sf_input_uniforms(const sf_network *net, const sf_block *b, const sf_block_input *src,
                       uint64_t block, double *u);
void sf_input_normals(const sf_network *net, const sf_block *b, const sf_block_input *src,
                      uint64_t block, double *z);

/* The updates k with start <= k h < stop (ms): [*first, *last); stop may
 * be infinite (*last = INT64_MAX). */
void sf_input_window(const sf_input *in, double h, int64_t *first, int64_t *last);

/* Adds the current I (pA) to the neurons the source drives: into *i_dc for
 * a whole block, else into b->i_ext. */
static inline void sf_input_add_current(const sf_block *b, const sf_block_input *src, double I,
                                        double *i_dc)
{
    if (!src->sel) {
        *i_dc += I;
        return;
    }
    for (uint32_t j = 0; j < src->n_sel; j++)
        b->i_ext[src->sel[j]] += I;
}

#endif
