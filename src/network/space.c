/* Space (issue 14): neuron positions, distances and distance profiles.
 *
 * Invariant: a neuron's position is a pure function of (model, population,
 * index): grid points are computed, random positions come from the
 * neuron's own stream (seed, SF_RNG_POSITION, global id), so positions do
 * not depend on threads, blocks or the order of calls. Definitions of the
 * profile and its periodic summation: src/network/spatial.h.
 */
#include "network/spatial.h"

#include <math.h>

void sf_space_position(const sf_model *m, int pop, uint32_t i, double x[2])
{
    const sf_population *P = &m->pops[pop];
    const sf_space *s = &P->space;
    x[0] = x[1] = 0;
    if (s->geometry == SF_SPACE_NONE)
        return;
    if (s->grid) {
        uint32_t nx = s->shape[0];
        uint32_t ix = s->dim == 2 ? i % nx : i, iy = s->dim == 2 ? i / nx : 0;
        x[0] = ((double)ix + 0.5) * s->extent[0] / (double)nx;
        if (s->dim == 2)
            x[1] = ((double)iy + 0.5) * s->extent[1] / (double)s->shape[1];
        return;
    }
    sf_rng r;
    sf_rng_init(&r, m->sim.seed, SF_RNG_POSITION, P->first_gid + i);
    x[0] = sf_rng_uniform(&r) * s->extent[0];
    if (s->dim == 2)
        x[1] = sf_rng_uniform(&r) * s->extent[1];
}

/* exp(-r/R) and exp(-r^2/2R^2) fall below 1e-16 at these multiples of R */
#define CUT_EXP 36.841361487904734   /* ln(1e16)          */
#define CUT_GAUSS 8.5829933867253237 /* sqrt(2 ln(1e16))  */

double sf_profile_cutoff(const sf_profile *pr)
{
    switch (pr->kind) {
    case SF_PROFILE_BOXCAR: return pr->width;
    case SF_PROFILE_EXPONENTIAL: return CUT_EXP * pr->width;
    case SF_PROFILE_GAUSSIAN: return CUT_GAUSS * pr->width;
    default: return INFINITY;
    }
}

double sf_profile_shape(const sf_profile *pr, double r)
{
    double R = pr->width;
    switch (pr->kind) {
    case SF_PROFILE_BOXCAR: return r <= R ? 1.0 : 0.0;
    case SF_PROFILE_EXPONENTIAL: return r <= CUT_EXP * R ? exp(-r / R) : 0.0;
    case SF_PROFILE_GAUSSIAN: return r <= CUT_GAUSS * R ? exp(-0.5 * (r / R) * (r / R)) : 0.0;
    default: return 1.0;
    }
}

double sf_profile_integral(const sf_profile *pr, int dim)
{
    double R = pr->width;
    switch (pr->kind) {
    case SF_PROFILE_BOXCAR: return dim == 1 ? 2 * R : M_PI * R * R;
    case SF_PROFILE_EXPONENTIAL: return dim == 1 ? 2 * R : 2 * M_PI * R * R;
    case SF_PROFILE_GAUSSIAN: return dim == 1 ? sqrt(2 * M_PI) * R : 2 * M_PI * R * R;
    default: return 0;
    }
}

void sf_space_displacement(const sf_space *s, const double *a, const double *b, double *d)
{
    for (int k = 0; k < s->dim; k++) {
        double L = s->extent[k], v = b[k] - a[k];
        if (s->periodic) {
            v -= L * floor(v / L + 0.5);
            if (v >= 0.5 * L) /* rounding: keep [-L/2, L/2) */
                v -= L;
        }
        d[k] = v;
    }
}

double sf_space_distance(const sf_space *s, const double *a, const double *b)
{
    double d[2] = {0, 0};
    sf_space_displacement(s, a, b, d);
    return hypot(d[0], d[1]);
}

double sf_space_profile(const sf_space *s, const sf_profile *pr, const double *d)
{
    double dy = s->dim == 2 ? d[1] : 0;
    if (!s->periodic)
        return sf_profile_shape(pr, hypot(d[0], dy));
    double rc = sf_profile_cutoff(pr), rc2 = rc * rc;
    int m0 = (int)floor(rc / s->extent[0] + 0.5), m1 = 0;
    if (s->dim == 2)
        m1 = (int)floor(rc / s->extent[1] + 0.5);
    double F = 0;
    for (int i = -m0; i <= m0; i++) {
        double x = d[0] + i * s->extent[0];
        if (x * x > rc2)
            continue;
        for (int j = -m1; j <= m1; j++) {
            double y = dy + j * (s->dim == 2 ? s->extent[1] : 0);
            if (x * x + y * y <= rc2)
                F += sf_profile_shape(pr, sqrt(x * x + y * y));
        }
    }
    return F;
}

double sf_space_max_distance(const sf_space *s)
{
    double f = s->periodic ? 0.5 : 1.0, y = s->dim == 2 ? s->extent[1] : 0;
    return f * hypot(s->extent[0], y);
}
