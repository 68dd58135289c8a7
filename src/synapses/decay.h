/* Exponential decay over a whole number of steps, e^{-d h / tau}, from a
 * table for d < n (the steps of about 50 time constants, at most 2^16) and
 * from exp() beyond: the table holds the very values exp() gives for the
 * same expression, so a lookup changes no bit of a result. The spike-timing
 * rules need it for every synapse and postsynaptic spike. */
#ifndef SF_DECAY_H
#define SF_DECAY_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct {
    double *v;
    int64_t n;
    double h, tau;
} sf_decay;

static inline double sf_decay_exact(double h, double tau, int64_t d)
{
    return exp(-(double)d * h / tau);
}

static inline bool sf_decay_init(sf_decay *D, double h, double tau)
{
    double n = ceil(50.0 * tau / h) + 1;
    D->n = n > 65536 ? 65536 : (int64_t)n;
    D->h = h;
    D->tau = tau;
    if (!(D->v = malloc(sizeof(double) * (size_t)D->n)))
        return false;
    for (int64_t d = 0; d < D->n; d++)
        D->v[d] = sf_decay_exact(h, tau, d);
    return true;
}

/* e^{-d h / tau} for d >= 0 steps. (A negative d, which only a
 * checkpoint altered under a valid checksum can produce, is computed, not
 * looked up: the unsigned compare keeps every index inside the table.) */
static inline double sf_decay_at(const sf_decay *D, int64_t d)
{
    return (uint64_t)d < (uint64_t)D->n ? D->v[d] : sf_decay_exact(D->h, D->tau, d);
}

#endif
