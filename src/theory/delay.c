/* The delay model of the theory (see delay.h): the exact distribution of the
 * whole-step delays the builder stores, its transform, and the continuous
 * delay distributions of the public LIF interface.
 *
 * Invariant: p_D of a drawn distribution is the mass of the distribution
 * conditioned on its redraw bounds on the rounding interval of D (the
 * builder's nearbyint(X / h), clamped to >= 1 step), so the transform is the
 * builder's, up to the redraw limit of sf_dist_draw_n (1000 redraws, then
 * clamped: probability (1 - Z)^1000 for a mass Z inside the bounds).
 */
#include "theory/delay.h"

#include "network/network_impl.h"

#include <cerf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

double sf_theory_timing_offset(sf_theory_timing t, double h)
{
    switch (t) {
    case SF_THEORY_TIMING_EVENT:
        return 0.0;
    case SF_THEORY_TIMING_COUNT:
        return 0.5 * h;
    case SF_THEORY_TIMING_HELD:
        return -0.5 * h;
    }
    return 0.0;
}

/* Step of a value x (ms) as the builder stores it. */
static int step_of(double x, double h) { return (int)sf_delay_steps(x, h); }

int sf_theory_delay_dist_steps(const sf_dist *d, double h, int *first)
{
    if (sf_dist_is_const(d)) {
        *first = step_of(d->a, h);
        return 1;
    }
    double lo, hi;
    sf_dist_range(d, &lo, &hi);
    if (d->kind == SF_DIST_NORMAL) {
        /* beyond 40 sd the mass is below 1e-300 */
        lo = fmax(lo, d->a - 40 * d->b);
        hi = fmin(hi, d->a + 40 * d->b);
    }
    int a = step_of(lo, h), b = step_of(hi, h);
    *first = a;
    return b - a + 1;
}

/* P(x0 < X < x1) for X normal(m, s), accurate in both tails. */
static double normal_mass(double m, double s, double x0, double x1)
{
    double z0 = (x0 - m) / (s * M_SQRT2), z1 = (x1 - m) / (s * M_SQRT2);
    if (z0 > 0)
        return 0.5 * (erfc(z0) - erfc(z1));
    return 0.5 * (erfc(-z1) - erfc(-z0));
}

void sf_theory_delay_dist_pmf(const sf_dist *d, double h, int first, int n, double *p)
{
    if (sf_dist_is_const(d)) {
        p[0] = 1.0;
        return;
    }
    double lo, hi, sum = 0;
    sf_dist_range(d, &lo, &hi);
    for (int j = 0; j < n; j++) {
        int D = first + j;
        /* the values stored as D: [(D - 1/2) h, (D + 1/2) h), and everything
         * below for the clamp to one step */
        double x0 = D <= 1 ? -INFINITY : (D - 0.5) * h, x1 = (D + 0.5) * h;
        x0 = fmax(x0, lo);
        x1 = fmin(x1, hi);
        double q = 0;
        if (x1 > x0)
            q = d->kind == SF_DIST_NORMAL ? normal_mass(d->a, d->b, x0, x1) : x1 - x0;
        p[j] = q;
        sum += q;
    }
    for (int j = 0; j < n; j++)
        p[j] = sum > 0 ? p[j] / sum : 1.0 / n;
}

void sf_theory_delays_free(sf_theory_delays *d)
{
    if (!d)
        return;
    free(d->pmf);
    free(d->mean);
    free(d->store);
    memset(d, 0, sizeof *d);
}

/* The projection that defines the delay of pair ab: the last with a
 * positive mean in-degree (sf_theory_map_projections_check makes all of a
 * pair's projections share it), or -1. */
static int pair_projection(const sf_model *m, int a, int b)
{
    int k = -1;
    for (int i = 0; i < m->n_proj; i++)
        if (m->proj[i].target == a && m->proj[i].source == b &&
            sf_model_mean_indegree(m, &m->proj[i]) > 0)
            k = i;
    return k;
}

sf_status sf_theory_delays_read(sf_context *ctx, const sf_model *m, sf_theory_timing t,
                                sf_theory_delays *d)
{
    memset(d, 0, sizeof *d);
    const int n = m->n_pops;
    const size_t n2 = (size_t)n * (size_t)n;
    const double h = m->sim.resolution;
    size_t total = 0;
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++) {
            int i = pair_projection(m, a, b), first;
            if (i >= 0)
                total += (size_t)sf_theory_delay_dist_steps(&m->proj[i].delay, h, &first);
        }
    d->pmf = calloc(n2 ? n2 : 1, sizeof *d->pmf);
    d->mean = calloc(2 * (n2 ? n2 : 1), sizeof *d->mean);
    d->store = malloc((total ? total : 1) * sizeof *d->store);
    if (!d->pmf || !d->mean || !d->store) {
        sf_theory_delays_free(d);
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory for the delay distributions");
    }
    d->n = n;
    d->sd = d->mean + n2;
    d->offset = sf_theory_timing_offset(t, h);
    double *p = d->store;
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++) {
            size_t ab = (size_t)a * (size_t)n + (size_t)b;
            int i = pair_projection(m, a, b), first = 0, k = 0;
            if (i >= 0) {
                k = sf_theory_delay_dist_steps(&m->proj[i].delay, h, &first);
                sf_theory_delay_dist_pmf(&m->proj[i].delay, h, first, k, p);
            }
            d->pmf[ab] = (sf_theory_delay_pmf){.h = h, .offset = d->offset, .first = first,
                                               .n = k, .p = p};
            double s1 = 0, s2 = 0;
            for (int j = 0; j < k; j++) {
                double x = (first + j) * h;
                s1 += p[j] * x;
                s2 += p[j] * x * x;
            }
            d->mean[ab] = k ? s1 + d->offset : 0.0;
            d->sd[ab] = k ? sqrt(fmax(s2 - s1 * s1, 0)) : 0.0;
            p += k;
        }
    return SF_OK;
}

double complex sf_theory_delay_pmf_laplace(const sf_theory_delay_pmf *d, double complex s)
{
    if (!d || d->n <= 0 || !d->p)
        return 1.0;
    double complex z = cexp(-s * d->h * 1e-3), acc = 0;
    for (int j = d->n - 1; j >= 0; j--) /* Horner in z = e^{-s h} */
        acc = acc * z + d->p[j];
    return acc * cexp(-s * (d->first * d->h + d->offset) * 1e-3);
}

double complex sf_theory_delay_dist_laplace(sf_theory_delay_dist dist, double mean, double sd,
                                            double complex s)
{
    double complex w = -I * s * 1e-3; /* the angular frequency, rad/ms */
    double complex phase = cexp(-I * w * mean);
    if (dist == SF_THEORY_DELAY_NONE || sd <= 0)
        return phase;
    double complex g = cexp(-0.5 * w * w * sd * sd);
    if (dist == SF_THEORY_DELAY_GAUSSIAN)
        return g * phase;
    /* Gaussian truncated at 0 (nnmt _delay_dist_matrix):
     *   E[e^{-i w D}] = e^{-i w m - w^2 s^2/2} erfc(z) / erfc(-m/(s sqrt 2)),
     *   z = (-m/s + i w s)/sqrt 2,
     * written with the Faddeeva function w(.) so that the growing factors
     * cancel analytically:
     *   e^{-i w m - w^2 s^2/2} erfc(z) = 2 g phase - e^{-m^2/(2 s^2)} w(u),
     *   u = (w s + i m/s)/sqrt 2 (upper half plane for real w, |w(u)| <= 1). */
    double x = mean / (sd * M_SQRT2);
    double complex u = (w * sd + I * mean / sd) / M_SQRT2;
    double complex num = 2.0 * g * phase - exp(-x * x) * w_of_z(u);
    double den = 2.0 - erfc(x); /* = erfc(-x) */
    return num / den;
}

double complex sf_theory_delay_transform(sf_theory_delay_dist dist, double mean, double sd,
                                         double f)
{
    return sf_theory_delay_dist_laplace(dist, mean, sd, 2.0 * M_PI * I * f);
}

double complex sf_theory_network_delay_laplace(const sf_theory_network *net, size_t i,
                                               double complex s)
{
    if (net->delay_pmf)
        return sf_theory_delay_pmf_laplace(&net->delay_pmf[i], s);
    double d = net->delay ? net->delay[i] : 0.0;
    double sd = net->delay_sd ? net->delay_sd[i] : 0.0;
    return sf_theory_delay_dist_laplace(net->delay_dist, d, sd, s);
}
