/* sf_predict and sf_estimate: find the model's family (registry.c), map the
 * model once, and let the family fill a quantity list. Generic: no family
 * is named here.
 */
#include "theory/family.h"

#include <stdlib.h>

sf_status sf_predict(sf_context *ctx, const sf_model *m, const sf_predict_options *opt,
                     sf_quantities **out)
{
    if (!m || !out)
        return sf_fail(ctx, SF_ERR_ARG, "sf_predict: no model or no output");
    *out = NULL;
    if (opt && opt->n_freq && !opt->freq)
        return sf_fail(ctx, SF_ERR_ARG, "sf_predict: %zu frequencies but no array", opt->n_freq);
    const sf_theory_type *fam = sf_theory_family_find(ctx, m);
    if (!fam)
        return SF_ERR_MODEL;
    void *mapped = NULL;
    sf_status st = fam->map(ctx, m, &mapped);
    if (st != SF_OK)
        return st;
    sf_quantities *q = sf_quantities_new(ctx, SF_QUANTITIES_PREDICTION, fam->name);
    if (q)
        q->doc = fam->doc;
    st = q ? fam->predict(ctx, m, mapped, opt, q) : SF_ERR_NOMEM;
    fam->unmap(mapped);
    if (st != SF_OK) {
        sf_quantities_destroy(q);
        return st;
    }
    *out = q;
    return SF_OK;
}

sf_status sf_estimate(sf_context *ctx, const sf_model *m, const sf_recording *rec,
                      sf_quantities **out)
{
    if (!m || !rec || !out)
        return sf_fail(ctx, SF_ERR_ARG, "sf_estimate: no model, recording or output");
    *out = NULL;
    const sf_theory_type *fam = sf_theory_family_find(ctx, m);
    if (!fam)
        return SF_ERR_MODEL;
    sf_quantities *q = sf_quantities_new(ctx, SF_QUANTITIES_ESTIMATE, "");
    sf_status st = q ? fam->estimate(ctx, m, rec, q) : SF_ERR_NOMEM;
    if (st != SF_OK) {
        sf_quantities_destroy(q);
        return st;
    }
    *out = q;
    return SF_OK;
}
