/* Reading a validated sf_model for the theory families' maps (map() of
 * src/theory/family.h): parameters by index, the distributions of weights and
 * delays, the inputs, and the projections summed per population pair.
 *
 * Invariant: these helpers only read the model; what a theory cannot
 * represent is refused with a reason naming the model file and the
 * population, projection or input, written into a caller buffer (so that
 * accepts(), which has no context, and map(), which reports on ctx, give the
 * same words), never silently approximated.
 *
 * Matrices over population pairs are n x n, row-major, row = target a,
 * column = source b: X[a * n + b] for a <- b.
 */
#ifndef SF_THEORY_MAP_H
#define SF_THEORY_MAP_H

#include "model/model_impl.h"

#include <stdbool.h>
#include <stddef.h>

/* Parameter `index` (the constants of src/neurons/<type>.h) of population
 * pop, which must be of neuron type `type` (asserted: a family reads only
 * the types it covers, so a mismatch is a programmer error). */
double sf_theory_map_param(const sf_model *m, int pop, const sf_neuron_type *type, int index);

/* True when d always gives the same value (constant, normal with sd 0,
 * uniform of zero width). */
bool sf_theory_map_dist_is_const(const sf_dist *d);

/* Mean and standard deviation of d after its redraw bounds (truncated normal:
 * Johnson, Kotz & Balakrishnan). */
void sf_theory_map_dist_moments(const sf_dist *d, double *mean, double *sd);

/* The bins (ms) of the spectra compare estimates: analysis.spectrum_bin
 * when the model gives it, else def_ms (a whole number of steps, at least
 * one). */
double sf_theory_map_spectrum_bin(const sf_model *m, double def_ms);

/* The top (Hz) of the compared spectra for bins of bin_ms: the Nyquist
 * frequency 1/(2 bin), or less: analysis.spectrum_max when given, else
 * SF_THEORY_MAP_SPECTRUM_MAX_HZ unless the model chose spectrum_bin. */
#define SF_THEORY_MAP_SPECTRUM_MAX_HZ 500.0
double sf_theory_map_spectrum_max(const sf_model *m, double bin_ms);

/* True when every population is of type t; else why names the first that is
 * not ("populations A (t) and B (u): the <theory> theory needs one neuron
 * model for all populations"). */
bool sf_theory_map_one_type(const sf_model *m, const sf_neuron_type *t, const char *theory,
                            char *why, size_t len);

/* True when every input is stationary: refuses spike generators, inputs
 * switched on or off during the run, modulated (ac, sinusoidal Poisson)
 * inputs other than the drive of a transfer measurement and, unless
 * allow_poisson, (sinusoidal) Poisson inputs (why_poisson completes that reason, e.g. "drive binary networks by
 * dc input"). */
bool sf_theory_map_inputs_check(const sf_model *m, bool allow_poisson, const char *why_poisson,
                                char *why, size_t len);

/* dc[a] += the amplitude of every dc input and the offset of every ac input
 * into population a (dc [n_pops]). */
void sf_theory_map_dc_add(const sf_model *m, double *dc);

/* What sf_theory_map_projections_check refuses. */
enum {
    SF_THEORY_MAP_CONST_DELAY = 1u,  /* one delay per pair: no delay distribution */
    SF_THEORY_MAP_CONST_WEIGHT = 2u  /* constant weights, one weight per pair      */
};

/* True when the projections fit a theory with one delay (distribution) per
 * population pair: two projections between the same pair must have the same
 * delay mean and spread; flags add the refusals above. theory names the
 * theory in the reasons ("binary", "correlation", ...). */
bool sf_theory_map_projections_check(const sf_model *m, unsigned flags, const char *theory,
                                     char *why, size_t len);

/* The projections summed per population pair (a <- b at a * n + b):
 * K the mean in-degree (sf_model_mean_indegree, added over projections), w
 * the K-weighted mean of the weight means (weight units of the target),
 * w_sd the weight spread and delay, delay_sd the delay mean and spread (ms)
 * of the pair's last projection (all projections of a pair share them after
 * sf_theory_map_projections_check). fixed_outdegree: the model has
 * projections and all of them are fixed_outdegree. One allocation, owned by
 * the struct. */
typedef struct {
    int n;
    double *K, *w, *w_sd, *delay, *delay_sd;
    bool fixed_outdegree;
} sf_theory_map_pairs;

/* Fills p from m (SF_ERR_NOMEM on ctx when out of memory; p is then empty).
 * Free with sf_theory_map_pairs_free (a zeroed struct is fine). */
sf_status sf_theory_map_pairs_read(sf_context *ctx, const sf_model *m, sf_theory_map_pairs *p);
void sf_theory_map_pairs_free(sf_theory_map_pairs *p);

#endif
