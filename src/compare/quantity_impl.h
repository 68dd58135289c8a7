/* Private layout of a quantity list (src/compare/quantity.c), and the calls
 * the theory families use to fill one. Invariant: every quantity has
 * rows * cols values (x2 when complex) and, in estimates, as many standard
 * errors; axis_values has rows entries or is NULL (SF_AXIS_NONE).
 */
#ifndef SF_QUANTITY_IMPL_H
#define SF_QUANTITY_IMPL_H

#include "spikefield/compare.h"

typedef struct {
    char *name, *unit, *assumptions, *notes;
    int pop[2];              /* -1: none                                      */
    sf_axis axis;
    size_t rows, cols;
    bool is_complex;
    double *axis_values;     /* [rows] or NULL                                */
    double *value;           /* [rows * cols (* 2)]                           */
    double *se;              /* estimates, comparisons; else NULL             */
    double *predicted, *z;   /* comparisons; else NULL                        */
    double accuracy;         /* relative, NaN if unknown                      */
    char *accuracy_source;   /* where the accuracy figure comes from (the
                                measurement or paper behind it), "" if none  */
    double median_abs_z, frac_beyond_3, rel_diff;
    size_t n_z;              /* finite z in the band (the summary's count)    */
    double band[2];          /* evaluation band on the axis: the summary of a
                                comparison uses the values with band[0] <=
                                axis <= band[1]; default -inf..inf            */
    bool correlated;         /* an estimate whose values are strongly
                                correlated with each other (neighbouring lags
                                of a covariance function): the fraction of
                                |z| > 3 has no meaning there, so a comparison
                                reports the summary without a verdict       */
    bool invalid;            /* a prediction the theory itself declares not
                                valid here (spectra of a linearly unstable
                                state): a comparison's verdict is "not valid",
                                never "agree"                                */
    const char *verdict;     /* static string                                 */
} sf_quantity;

struct sf_quantities {
    sf_quantities_kind kind;
    char *family, *notes;
    const char *doc;         /* the family's one-line description (static;
                                NULL: none), set by sf_predict / sf_compare  */
    size_t n, cap;
    sf_quantity *q;
};

/* A new empty list (NULL when out of memory; a message is left on ctx). */
sf_quantities *sf_quantities_new(sf_context *ctx, sf_quantities_kind kind, const char *family);

/* Appends a quantity with zeroed values (and SEs for estimates), axis values
 * zeroed when axis != SF_AXIS_NONE; returns it for the caller to fill, NULL
 * when out of memory (message on ctx). The pointer is valid until the next
 * add. unit and name are copied. */
sf_quantity *sf_quantities_add(sf_context *ctx, sf_quantities *q, const char *name,
                               const char *unit, int pop0, int pop1, sf_axis axis, size_t rows,
                               size_t cols, bool is_complex);
/* Shorthand: a scalar value (se NaN unless an estimate sets it). */
sf_quantity *sf_quantities_add_scalar(sf_context *ctx, sf_quantities *q, const char *name,
                                      const char *unit, int pop0, int pop1, double value);

/* Appends a copy of x (values, axis, band, accuracy, assumptions, notes;
 * SEs only when both lists have them); NULL when out of memory. */
sf_quantity *sf_quantities_add_copy(sf_context *ctx, sf_quantities *q, const sf_quantity *x);

/* Appends "; "-separated text to a quantity's notes / assumptions, or to the
 * list's notes (printf-style). Return SF_ERR_NOMEM on failure. */
sf_status sf_quantity_note(sf_quantity *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
sf_status sf_quantity_assume(sf_quantity *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
sf_status sf_quantities_note(sf_quantities *q, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Declares the relative accuracy of a prediction in the regime at hand and
 * where the figure comes from (printf-style; replaces an earlier source).
 * Returns SF_ERR_NOMEM on failure. */
sf_status sf_quantity_accuracy_set(sf_quantity *x, double accuracy, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Values per quantity: rows * cols (x2 when complex). */
size_t sf_quantity_size(const sf_quantity *x);

/* Verdicts, in three grades (and "n/a"). A scalar "agree"s when |z| <= 3;
 * a vector or matrix when the median |z| is at most SF_COMPARE_VECTOR_MEDIAN
 * (about 0.67 when the values agree) and at most the fraction
 * SF_COMPARE_VECTOR_FRACTION of the values have |z| > 3. Otherwise, where
 * the prediction states an accuracy, it is "agree within theory accuracy"
 * when the relative difference (of a vector: the median over the band of
 * |sim - pred| / |pred|) is at most that accuracy; else "differ". */
#define SF_VERDICT_AGREE "agree"
#define SF_VERDICT_WITHIN "agree within theory accuracy"
#define SF_VERDICT_DIFFER "differ"
#define SF_COMPARE_VECTOR_MEDIAN 1.5
#define SF_COMPARE_VECTOR_FRACTION 0.05

/* The generic comparison (sf_compare's loop): one quantity in *out (kind
 * COMPARISON, family of expect) per quantity of est, with the expected
 * value of the quantity of expect with the same name and populations (NaN
 * and a note "no prediction" when expect has none or one of another shape),
 * z per value, the summary over the band (the narrower of both sides'),
 * the relative difference of scalars, the verdict, and the notes and
 * assumptions of both sides. List notes: expect's, then est's. Quantities of
 * expect without an estimate are left out. */
sf_status sf_quantities_compare(sf_context *ctx, const sf_quantities *est,
                                const sf_quantities *expect, sf_quantities **out);

#endif
