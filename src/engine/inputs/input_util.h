/* Helpers shared by the input types (src/engine/inputs/): the Poisson count
 * of a uniform by inversion of a cumulative table, uniforms and normals for
 * the neurons a source drives, and the active windows.
 *
 * Invariant: every random number an input uses is a pure function of
 * (seed, input, neuron or mother process, step): value `block` of the stream
 * (seed, SF_RNG_POISSON, (input << 32) | entity), where entity is the
 * neuron's global id, or SF_INPUT_MOTHER for a process shared by all
 * targets (mip_generator). So inputs do not depend on blocks or threads.
 */
#ifndef SF_INPUT_UTIL_H
#define SF_INPUT_UTIL_H

#include "network/network_impl.h"

#include <stdbool.h>

/* The entity of an input's shared (mother) process: above every global id. */
#define SF_INPUT_MOTHER 0xffffffffu

/* Cumulative Poisson probabilities over counts k0 .. k0 + n_cdf - 1, where
 * the probability outside is below 2^-60; cdf[n_cdf - 1] = 1. */
typedef struct {
    int n_cdf, k0;
    double *cdf;
} sf_poisson_cdf;

/* Table for mean lambda >= 0 (counts per step); false: out of memory. */
bool sf_poisson_cdf_init(sf_poisson_cdf *c, double lambda);
void sf_poisson_cdf_free(sf_poisson_cdf *c);
/* Largest count the table can give. */
static inline int sf_poisson_cdf_max(const sf_poisson_cdf *c)
{
    return c->k0 + c->n_cdf - 1;
}
/* The count of uniform u in [0, 1): the first k with cdf[k] > u. */
static inline int sf_poisson_cdf_count(const sf_poisson_cdf *c, double u)
{
    const double *restrict cdf = c->cdf;
    const int nc = c->n_cdf;
    int j;
    if (nc <= 48) {
        j = 0;
        while (cdf[j] <= u)
            j++;
    } else { /* binary search for the first cdf[j] > u */
        int lo = 0, hi = nc - 1;
        while (lo < hi) {
            int mid = (lo + hi) >> 1;
            if (cdf[mid] <= u)
                lo = mid + 1;
            else
                hi = mid;
        }
        j = lo;
    }
    return j + c->k0;
}

/* u[j] for the source's driven neurons j < src->n_sel: the uniform
 * (sf_rng_uniforms) or standard normal (sf_rng_normals) of value `block`
 * of the neuron's stream of input src->input. */
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
