/* The theory families (src/theory/<family>/family.c), and the one place that
 * chooses between them: a family describes a model when it covers the neuron
 * type of every population (by pointer) and accepts the model. Adding a
 * family is one folder and one line in `families` below.
 * Invariant: nothing outside this file switches on a family.
 */
#include "theory/family.h"

#include <stdio.h>
#include <string.h>

extern const sf_theory_type sf_theory_family_lif, sf_theory_family_binary, sf_theory_family_hawkes,
    sf_theory_family_lin_rate, sf_theory_family_pif, sf_theory_family_rg;
extern const sf_theory_type sf_theory_family_sde, sf_theory_family_dmft, sf_theory_family_spatial;

static const sf_theory_type *const families[] = {
    &sf_theory_family_rg,       /* src/theory/rg/ (first: field models have no populations) */
    &sf_theory_family_spatial,  /* src/theory/spatial/ (before lif: it takes the spatial models) */
    &sf_theory_family_lif,      /* src/theory/lif/     */
    &sf_theory_family_binary,   /* src/theory/binary/  */
    &sf_theory_family_hawkes,   /* src/theory/hawkes/  */
    &sf_theory_family_lin_rate, /* src/theory/linear/  */
    &sf_theory_family_pif,      /* src/theory/pif/     */
    &sf_theory_family_sde,      /* src/theory/sde/     */
    &sf_theory_family_dmft,     /* src/theory/dmft/    */
};
#define N_FAMILIES ((int)(sizeof families / sizeof families[0]))

int sf_theory_family_count(void) { return N_FAMILIES; }

const char *sf_theory_family_name(int i)
{
    return i >= 0 && i < N_FAMILIES ? families[i]->name : NULL;
}

const char *sf_theory_family_doc(int i)
{
    return i >= 0 && i < N_FAMILIES ? families[i]->doc : NULL;
}

/* The first population whose type t does not cover (-1: all covered). */
static int uncovered(const sf_theory_type *t, const sf_model *m)
{
    for (int a = 0; a < m->n_pops; a++) {
        bool ok = false;
        for (const sf_neuron_type *const *c = t->covers; *c && !ok; c++)
            ok = *c == m->pops[a].type;
        if (!ok)
            return a;
    }
    return -1;
}

const sf_theory_type *sf_theory_family_find(sf_context *ctx, const sf_model *m)
{
    char reasons[4096] = "", why[1024];
    size_t at = 0;
    for (int i = 0; i < N_FAMILIES; i++) {
        const sf_theory_type *t = families[i];
        int a = uncovered(t, m);
        why[0] = '\0';
        if (a < 0 && t->accepts(m, why, sizeof why))
            return t;
        if (a >= 0) {
            int k = snprintf(why, sizeof why, "population %s uses model %s, which the %s theory "
                             "does not cover (it covers", m->pops[a].name, m->pops[a].type->name,
                             t->name);
            for (const sf_neuron_type *const *c = t->covers; *c && k > 0 && (size_t)k < sizeof why; c++)
                k += snprintf(why + k, sizeof why - (size_t)k, " %s", (*c)->name);
            if (k > 0 && (size_t)k < sizeof why)
                snprintf(why + k, sizeof why - (size_t)k, ")");
        }
        if (at < sizeof reasons)
            at += (size_t)snprintf(reasons + at, sizeof reasons - at, "%s%s", at ? "; " : "", why);
    }
    sf_fail(ctx, SF_ERR_MODEL, "%s: no theory describes this model: %s", m->file, reasons);
    return NULL;
}

const char *sf_theory_family_of(sf_context *ctx, const sf_model *m)
{
    const sf_theory_type *t = m ? sf_theory_family_find(ctx, m) : NULL;
    return t ? t->name : NULL;
}
