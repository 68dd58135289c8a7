/* The transfer-function measurement shared by the theory families
 * (analysis.transfer in the model file, docs/model-format.md): the points
 * measured (input, target population, frequency, neurons), their estimates
 * "transfer_amplitude" and "transfer_phase" per population over the
 * frequency axis, and the expected values from a family's complex H.
 *
 * Invariant: estimate and expectation enumerate the points by the one
 * function sf_transfer_points, so a value and its expectation belong to the
 * same (input, population, frequency, neuron group).
 */
#ifndef SF_THEORY_TRANSFER_H
#define SF_THEORY_TRANSFER_H

#include "compare/quantity_impl.h"
#include "model/model_impl.h"
#include "spikefield/network.h"

#include <complex.h>

typedef struct {
    int input, pop;          /* the measured input and a target population    */
    double f;                /* Hz                                           */
    uint32_t first, count;   /* the neurons of pop modulated at f            */
} sf_transfer_point;

/* The points of population pop (pop < 0: of all), in model order (input,
 * target, frequency group), written to pts[0 .. cap) when pts is not NULL;
 * returns how many there are. */
size_t sf_transfer_points(const sf_model *m, int pop, sf_transfer_point *pts, size_t cap);

/* The unit of H for input `input`: "Hz/pA" (a current) or "Hz/Hz" (a rate). */
const char *sf_transfer_unit(const sf_model *m, int input);

/* Appends "transfer_amplitude<suffix>" (the unit of H) and
 * "transfer_phase<suffix>" (deg) of every population with points, over
 * their frequencies, estimated from rec with standard errors
 * (sf_analysis_response divided by the input's complex amplitude). */
sf_status sf_transfer_estimate(sf_context *ctx, const sf_model *m, const sf_recording *rec,
                               const char *suffix, sf_quantities *out);

/* True when e is one of the quantities sf_transfer_estimate makes. */
bool sf_transfer_is_quantity(const sf_quantity *e);

/* Appends the expectation of the estimate e (transfer_amplitude* or
 * transfer_phase*) from H[k], the theory's H at point k of e's population
 * (NaN: no prediction); a phase is put on the branch nearest the estimate,
 * so that 179 and -179 degrees compare as 2 degrees apart. assume is the
 * assumptions text. */
sf_status sf_transfer_expect(sf_context *ctx, const sf_quantity *e, const double complex *H,
                             const char *assume, sf_quantities *out);

#endif
