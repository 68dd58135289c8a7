/* Hartigan's dip test of unimodality (dip.c; Hartigan & Hartigan, Ann.
 * Statist. 13, 70, 1985): the dip of a sample is the largest distance
 * sup_x |F_n(x) - G(x)| from its empirical distribution function F_n to
 * the nearest unimodal distribution function G (at least 1/(2n)); its
 * p-value comes from the dips of uniform samples of the same size (the
 * uniform is the least favourable unimodal null). */
#ifndef SF_LEARNING_DIP_H
#define SF_LEARNING_DIP_H

#include "spikefield/core.h"

#include <stdint.h>

/* The dip of the n values x sorted ascending. work: 4 (n + 1) ints.
 * 0 when all values are equal (a point mass is unimodal). Allocates
 * nothing. */
double sf_dip(const double *x, int n, int *work);

/* The dips of `reps` samples of n uniform values from the stream
 * (seed, SF_RNG_LEARN, entity), sorted ascending into null[reps]. 0, or
 * -1 when out of memory. */
int sf_dip_null(uint64_t seed, uint64_t entity, int n, int reps, double *null);

/* p-value of a dip against a sorted null of `reps` dips:
 * (1 + #{null >= dip}) / (reps + 1). */
double sf_dip_pvalue(double dip, const double *null, int reps);

#endif
