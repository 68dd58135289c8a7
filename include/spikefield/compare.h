/* spikefield compare: named quantities, and the comparison of simulated
 * estimates with theoretical predictions.
 *
 * A prediction (sf_predict, predict.h) and a set of simulated estimates are
 * both lists of named quantities (sf_quantities). A quantity has a name
 * ("rate", "cv_isi", "count_cov_pop", "spectrum", ...), the populations it
 * belongs to (none, one, or a pair), a value that is a scalar, a vector over
 * an axis (frequency, lag, membrane potential) or a matrix, a unit, the
 * assumptions it rests on, its stated accuracy where the theory knows it, and
 * for estimates a standard error of each value.
 *
 * sf_compare is one generic loop over the quantities that match by (name,
 * populations): z = (simulated - predicted) / SE, the relative difference, a
 * verdict and the notes of both sides. For vectors it reports the median |z|
 * and the fraction of values with |z| > 3 as well (over the quantity's
 * evaluation band of the axis, where the family states one). Verdicts, in
 * three grades: "agree" (within the statistical error: |z| <= 3; a vector
 * when the median |z| <= 1.5 and at most 5 % of the values have |z| > 3),
 * "agree within theory accuracy" (not within the statistical error, but the
 * relative difference is within the accuracy the theory family states for
 * the regime, sf_quantity_accuracy, whose source the notes name), "differ";
 * "n/a" without a usable SE (the notes say why) (docs/predict-compare.md).
 *
 *     sf_quantities *pred = NULL, *cmp = NULL;
 *     sf_predict(ctx, model, NULL, &pred);
 *     sf_compare(ctx, model, rec, pred, &cmp);
 *     for (size_t i = 0; i < sf_quantities_count(cmp); i++) ...
 *     sf_quantities_destroy(cmp);
 *     sf_quantities_destroy(pred);
 *
 * Ownership: every list returned through an out-pointer is owned by the
 * caller (free with sf_quantities_destroy; destroy(NULL) is a no-op). Strings
 * and arrays returned by the accessors are owned by the list and live as long
 * as it does. A list is immutable once returned; reading one list from several
 * threads is safe.
 */
#ifndef SPIKEFIELD_COMPARE_H
#define SPIKEFIELD_COMPARE_H

#include "spikefield/core.h"
#include "spikefield/model.h"
#include "spikefield/network.h"

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a quantity list holds. */
typedef enum {
    SF_QUANTITIES_PREDICTION = 0, /* theory: values, no SE (accuracy instead) */
    SF_QUANTITIES_ESTIMATE = 1,   /* simulation: values with SE               */
    SF_QUANTITIES_COMPARISON = 2  /* sf_compare: simulated, SE, predicted, z  */
} sf_quantities_kind;

/* The axis of a vector-valued quantity. */
typedef enum {
    SF_AXIS_NONE = 0,      /* scalar (one value) or matrix                    */
    SF_AXIS_FREQUENCY = 1, /* Hz                                              */
    SF_AXIS_LAG = 2,       /* ms                                              */
    SF_AXIS_POTENTIAL = 3  /* mV (densities)                                  */
} sf_axis;

typedef struct sf_quantities sf_quantities;

SF_API void sf_quantities_destroy(sf_quantities *q);
SF_API sf_quantities_kind sf_quantities_get_kind(const sf_quantities *q);
/* Name of the theory family (predictions, comparisons) or "" (estimates). */
SF_API const char *sf_quantities_family(const sf_quantities *q);
/* Notes that concern the whole list ("" if none). */
SF_API const char *sf_quantities_notes(const sf_quantities *q);
SF_API size_t sf_quantities_count(const sf_quantities *q);
/* Index of the quantity (name, pop0, pop1), pop = -1 for "none"; -1 if absent. */
SF_API long sf_quantities_find(const sf_quantities *q, const char *name, int pop0, int pop1);

/* Quantity i (0 <= i < count). */
SF_API const char *sf_quantity_name(const sf_quantities *q, size_t i);
SF_API const char *sf_quantity_unit(const sf_quantities *q, size_t i);
/* Population k (0 or 1) the quantity belongs to, -1 for none. */
SF_API int sf_quantity_pop(const sf_quantities *q, size_t i, int k);
/* Shape: rows x cols values (1 x 1 scalar, n x 1 vector over the axis). */
SF_API sf_axis sf_quantity_axis(const sf_quantities *q, size_t i);
SF_API size_t sf_quantity_rows(const sf_quantities *q, size_t i);
SF_API size_t sf_quantity_cols(const sf_quantities *q, size_t i);
/* Axis values [rows] (NULL for SF_AXIS_NONE). */
SF_API const double *sf_quantity_axis_values(const sf_quantities *q, size_t i);
/* True when values are complex: value arrays then hold (re, im) pairs. */
SF_API bool sf_quantity_is_complex(const sf_quantities *q, size_t i);
/* Values, row-major [rows * cols] (x2 when complex). For a comparison these
 * are the simulated values. */
SF_API const double *sf_quantity_values(const sf_quantities *q, size_t i);
/* Standard errors, same layout (NULL in predictions). */
SF_API const double *sf_quantity_se(const sf_quantities *q, size_t i);
/* Comparison only: the predicted values and z, same layout (else NULL). */
SF_API const double *sf_quantity_predicted(const sf_quantities *q, size_t i);
SF_API const double *sf_quantity_z(const sf_quantities *q, size_t i);
/* Comparison only, summary over all values: median |z| (the z of a scalar),
 * fraction with |z| > 3, relative difference of a scalar (NaN otherwise),
 * verdict "agree" / "agree within theory accuracy" / "differ" / "n/a". */
SF_API double sf_quantity_median_abs_z(const sf_quantities *q, size_t i);
SF_API double sf_quantity_fraction_beyond_3(const sf_quantities *q, size_t i);
SF_API double sf_quantity_rel_diff(const sf_quantities *q, size_t i);
SF_API const char *sf_quantity_verdict(const sf_quantities *q, size_t i);
/* Comparison only: how many finite z the summary is over, and the band of
 * axis values it is restricted to (-inf, inf: the whole axis). */
SF_API size_t sf_quantity_z_count(const sf_quantities *q, size_t i);
SF_API double sf_quantity_band_lo(const sf_quantities *q, size_t i);
SF_API double sf_quantity_band_hi(const sf_quantities *q, size_t i);
/* The assumptions the value rests on ("; "-separated, "" if none), the stated
 * relative accuracy of a prediction (NaN where the theory does not know it),
 * and notes (violated assumptions, caveats; "" if none). */
SF_API const char *sf_quantity_assumptions(const sf_quantities *q, size_t i);
SF_API double sf_quantity_accuracy(const sf_quantities *q, size_t i);
/* Where the stated accuracy comes from (the measurement or paper), "" if
 * none. */
SF_API const char *sf_quantity_accuracy_source(const sf_quantities *q, size_t i);
SF_API const char *sf_quantity_notes(const sf_quantities *q, size_t i);

/* The simulated estimates of the recording rec of model m, as the theory
 * family of m defines them (the estimators whose expectations it knows).
 * rec must come from a network built from m. */
SF_API sf_status sf_estimate(sf_context *ctx, const sf_model *m, const sf_recording *rec,
                             sf_quantities **estimates);

/* Compares the recording rec of model m with the prediction pred (from
 * sf_predict of the same model; NULL: computed here with default options).
 * Quantities whose expectation depends on the estimator (spectra of finite
 * segments, binned counts) are evaluated by the family as the estimator sees
 * them. *out is a list of kind SF_QUANTITIES_COMPARISON. */
SF_API sf_status sf_compare(sf_context *ctx, const sf_model *m, const sf_recording *rec,
                            const sf_quantities *pred, sf_quantities **out);

/* Writes a list as JSON to path (temporary name, renamed when complete):
 * {"kind", "family", "notes", "quantities": [{"name", "populations",
 *  "unit", "axis", "axis_values", "values", "se", "predicted", "z", ...}]}
 * (docs/predict-compare.md). m (may be NULL) names the populations. */
SF_API sf_status sf_quantities_write_json(sf_context *ctx, const sf_quantities *q,
                                          const sf_model *m, const char *path);
/* The same text in *text (NUL-terminated, the caller frees it with free()). */
SF_API sf_status sf_quantities_json(sf_context *ctx, const sf_quantities *q, const sf_model *m,
                                    char **text);

#ifdef __cplusplus
}
#endif
#endif
