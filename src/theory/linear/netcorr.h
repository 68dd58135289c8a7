/* The covariance estimators of the network families whose theory is an
 * equivalent linear network (binary, Hawkes, linear rate), and their
 * expected values: one implementation for the three families
 * (src/theory/binary/family.c, hawkes/family.c, linear/family.c).
 *
 * Estimates (sf_theory_netcorr_estimate). The analysis window [t_analysis,
 * t_end) is cut into S segments of L bins of Delta, L Delta = min(1 s,
 * window / 10) (L even); every quantity is a mean over segments with the
 * standard error over segments. Quantities (docs/binary.md, hawkes.md,
 * ou.md):
 *   <mean_name> (a)         mean activity / rate of population a;
 *   cov_pop (a, b), a <= b  zero-lag covariance of the population averages
 *                           (spikes: counts in bins of the model's analysis
 *                           bin; signals: equal-time, of the samples);
 *   cov_pair (a, b)         the same for two distinct neurons;
 *   spectrum_re_band (a, b) Re S_ab(f) averaged over the bins within +-2 Hz
 *                           of f = 5, 10, 20, 50, 100, 200, 350, 500 Hz
 *                           up to the top (axis: frequency);
 *   spectrum_re (a, b)      Re S_ab(f_j) on the segment's grid f_j = j /
 *                           (L Delta), j = 1 .. up to the top (figure);
 *                           the top: sf_theory_map_spectrum_max (default
 *                           500 Hz, at most the Nyquist frequency);
 *   cov_function (a, b)     C_ab(tau) at |tau| <= 50 ms, at most 101 lags,
 *                           each the mean of the lags around it (figure;
 *                           spikes, a == b: the cross part).
 * Expectations (sf_theory_netcorr_expect): the same quantities, from the
 * covariance function C(m Delta) of the equivalent linear network as the
 * estimators see them: the expected periodogram of a segment of L bins
 * Delta sum_{|m| < L} (1 - |m|/L) C(m Delta) e^{-2 pi i f m Delta} + the delta
 * weight (leakage and aliasing included), count covariances in bins of T as
 * int (T - |tau|)_+ C(tau) dtau + T delta.
 */
#ifndef SF_THEORY_NETCORR_H
#define SF_THEORY_NETCORR_H

#include "compare/quantity_impl.h"
#include "model/model_impl.h"
#include "spikefield/network.h"
#include "spikefield/theory.h"

/* What a family's recording gives the estimators. */
typedef struct {
    bool spikes;              /* spike counts (Hawkes), else signals       */
    double delta_ms;          /* bin (spikes) or sample interval (signals) */
    const char *mean_name;    /* "activity" or "rate"                      */
    const char *mean_unit;
    const char *cov_unit;     /* of cov_pop, cov_pair                      */
    const char *spec_unit;    /* of the spectra                            */
    const char *activity;     /* what is analysed, for the notes           */
    /* signals: the population signals [n_pops] of n_sig samples from
     * t_analysis on, and the single-neuron variances [n_pops]; allocated by
     * sf_theory_netcorr_signals_alloc, each sig[a] by the family */
    double **sig;
    double *var1;
    size_t n_sig;
} sf_theory_netcorr_input;

/* Allocates in->sig (n_pops NULL pointers) and in->var1 (zeros), with a
 * message on ctx when out of memory; sf_theory_netcorr_signals_free frees
 * them and every in->sig[a] (also after a failure). */
sf_status sf_theory_netcorr_signals_alloc(sf_context *ctx, sf_theory_netcorr_input *in,
                                          int n_pops);
void sf_theory_netcorr_signals_free(sf_theory_netcorr_input *in, int n_pops);

/* Estimates of rec (see above) into out (kind ESTIMATE). Fails with a
 * message naming what is missing (unrecorded spikes, a too short window). */
sf_status sf_theory_netcorr_estimate(sf_context *ctx, const sf_model *m, const sf_recording *rec,
                                     const sf_theory_netcorr_input *in, sf_quantities *out);

/* How distinct-pair covariances follow from the population averages. */
typedef enum {
    SF_NETCORR_PAIR_BINARY,   /* c = C(0) - delta_ab a_a / N_a             */
    SF_NETCORR_PAIR_HAWKES,   /* (C_pop - delta_ab r T / N) / (1 - delta_ab / N) */
    SF_NETCORR_PAIR_NONE      /* a == b not predicted (lin_rate)           */
} sf_theory_netcorr_pair;

/* The theory side: the equivalent linear network (its delays already those
 * of the time-discrete simulation), its noise class, the predicted means
 * [n_pops] and, for the binary pair rule, a_a = m_a (1 - m_a) [n_pops]. */
typedef struct {
    sf_theory_linear_net lin;
    sf_theory_noise_class cls;
    const double *mean;
    const double *a_single;
    sf_theory_netcorr_pair pair;
    bool spikes;
    double delta_ms;
    const char *assumptions;  /* put on every expected quantity            */
    double shift_ms;          /* the timing offset in lin's delays (for the note) */
    bool fixed_outdegree;     /* every projection fixed_outdegree: population
                                 averages exact, else a note says so          */
    const sf_quantities *pred; /* the family's prediction: its stability
                                 report marks the second-order quantities not
                                 valid when the state is unstable (NULL: no) */
} sf_theory_netcorr_theory;

/* Expected value of every quantity of est (from sf_theory_netcorr_estimate
 * of the same model) into out (kind PREDICTION), same names, populations and
 * axes; the segment length is read from the frequency grid of est's
 * spectrum_re. */
sf_status sf_theory_netcorr_expect(sf_context *ctx, const sf_model *m,
                                   const sf_theory_netcorr_theory *th, const sf_quantities *est,
                                   sf_quantities *out);

/* Adds the scalar quantity name (unit) for every pair of populations a <= b
 * with value M[a * n + b] (M [n*n]); assumptions (may be NULL) on each. */
sf_status sf_theory_netcorr_add_pairs(sf_context *ctx, sf_quantities *out, int n,
                                      const char *name, const char *unit, const double *M,
                                      const char *assumptions);

#endif
