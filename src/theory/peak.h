/* The frequency of the peak of a spectrum, with its standard error: the
 * quantity "spectrum_peak_frequency" that compare sets beside the leading
 * pole of the linear theory (docs/theory-correlations.md, "Unified view").
 *
 * Estimator (the same on a simulated spectrum and on the theory's
 * expectation of it, so that like is compared with like): the largest value
 * of the spectrum, smoothed over +-SF_PEAK_SMOOTH_HZ, in [lo, hi]; then a
 * weighted least-squares parabola through the unsmoothed values within
 * +-SF_PEAK_FIT_HZ of it (weights 1/se^2; equal weights without SEs); the
 * peak is the vertex. Its standard error: the standard deviation of the
 * same estimator over SF_PEAK_BOOT parametric bootstrap draws of the values
 * within their SEs (the periodogram values of different frequency bins are
 * independent over segments; fixed seed), NaN when more than 10% of the
 * draws have no peak. No interior peak (largest value at an end of [lo, hi],
 * or no downward curvature): NaN.
 * Invariant: reads the quantity only.
 */
#ifndef SF_THEORY_PEAK_H
#define SF_THEORY_PEAK_H

#include "compare/quantity_impl.h"

#define SF_PEAK_SMOOTH_HZ 10.0
#define SF_PEAK_FIT_HZ 20.0
#define SF_PEAK_BOOT 200   /* parametric bootstrap draws for the SE     */
#define SF_PEAK_LO_HZ 20.0 /* below: the slow part of the spectrum, not a resonance */

/* Peak of the real vector quantity x (complex: its real part) over its
 * frequency axis in [lo, hi] into *f (Hz) and *se (NaN when x has no SEs). */
void sf_theory_peak_of(const sf_quantity *x, double lo, double hi, double *f, double *se);

/* Appends "spectrum_peak_frequency" (Hz, populations of x) computed from x,
 * with [lo, hi] as its band; NULL when out of memory (message on ctx). */
sf_quantity *sf_theory_peak_add(sf_context *ctx, sf_quantities *out, const sf_quantity *x,
                                double lo, double hi);

/* The expectation of the estimate e ("spectrum_peak_frequency"): the peak
 * of the expected spectrum spec_name of e's populations, already in out,
 * over e's band; with a note giving the leading pole of pred's stability
 * report ("leading_pole_*"). SF_ERR_NOMEM on failure. */
sf_status sf_theory_peak_expect(sf_context *ctx, sf_quantities *out, const char *spec_name,
                                const sf_quantity *e, const sf_quantities *pred);

#endif
