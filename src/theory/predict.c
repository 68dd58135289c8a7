/* sf_predict and sf_estimate: find the model's family (registry.c), map the
 * model once, and let the family fill a quantity list. Generic: no family
 * is named here.
 */
#include "theory/family.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What no family models: parameters drawn per neuron (sf_population.
 * param_dist) and input rates drawn per neuron (sf_input.dist). The
 * families read the population means (sf_population.params, sf_input.rate);
 * the "rate" of every population concerned says so, and so does the list. */
static sf_status heterogeneity_notes(const sf_model *m, sf_quantities *q)
{
    bool any = false;
    for (int a = 0; a < m->n_pops; a++) {
        const sf_population *P = &m->pops[a];
        char what[512] = "";
        size_t at = 0;
        for (int k = 0; P->param_dist && k < P->type->n_params; k++)
            if (P->param_dist[k].kind != SF_DIST_CONST && at < sizeof what)
                at += (size_t)snprintf(what + at, sizeof what - at, "%s%s", at ? ", " : "",
                                       P->type->params[k].name);
        for (int i = 0; i < m->n_inputs; i++)
            for (int k = 0; k < m->inputs[i].n_targets; k++)
                if (m->inputs[i].targets[k] == a && !sf_dist_is_const(&m->inputs[i].dist) &&
                    at < sizeof what) {
                    const sf_input_key *key = m->inputs[i].type->keys;
                    while (key->key && key->kind != SF_KEY_DIST)
                        key++;
                    at += (size_t)snprintf(what + at, sizeof what - at, "%sthe %s of input %s",
                                           at ? ", " : "", key->key ? key->key : "value",
                                           m->inputs[i].name);
                }
        if (!at)
            continue;
        any = true;
        for (size_t j = 0; j < q->n; j++)
            if (q->q[j].pop[0] == a && q->q[j].pop[1] < 0 && !strcmp(q->q[j].name, "rate") &&
                sf_quantity_note(&q->q[j], "varying across the neurons of %s: %s; the theory uses "
                                 "their population means (an approximation)", P->name, what))
                return SF_ERR_NOMEM;
    }
    if (any && sf_quantities_note(q, "heterogeneous neurons or inputs: the theory uses population "
                                     "means of the parameters and input rates (an approximation)"))
        return SF_ERR_NOMEM;
    return SF_OK;
}

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
    if (st == SF_OK && heterogeneity_notes(m, q) != SF_OK)
        st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
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
