/* Ising models from a model file (the `ising:` section, ising.h's
 * sf_ising_spec): the public verbs of include/spikefield/ising.h. run
 * measures m and C (exact enumeration or a sampler), predict gives nMF and
 * TAP, forward and inverse, and compare sets each theory's answer against
 * the measured statistics (the forward problem) or the model's couplings
 * (the inverse problem from the measured statistics).
 *
 * Invariant: every list is built from the spec alone (and, for compare,
 * the estimates handed in); the comparison's quantities pair the same
 * values with the same shapes, so the generic sf_quantities_compare does
 * the z and verdicts and this file adds only the error notes.
 */
#include "compare/quantity_impl.h"
#include "model/model_impl.h"
#include "spikefield/ising.h"
#include "theory/ising/ising.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FWD_TOL 1e-13
#define FWD_ITER 100000

void sf_ising_spec_free(sf_ising_spec *s)
{
    if (!s)
        return;
    free(s->J);
    free(s->h);
    free(s);
}

bool sf_model_is_ising(const sf_model *m)
{
    return m && m->ising;
}

uint64_t sf_model_ising_spins(const sf_model *m)
{
    return m && m->ising ? (uint64_t)m->ising->n : 0;
}

static const char *const sampler_names[] = {"exact", "metropolis", "glauber"};

const char *sf_model_ising_sampler(const sf_model *m)
{
    return m && m->ising ? sampler_names[m->ising->sampler] : NULL;
}

static sf_status need_ising(sf_context *ctx, const sf_model *m, sf_quantities **out)
{
    if (!out)
        return sf_fail(ctx, SF_ERR_ARG, "ising: no output");
    *out = NULL;
    if (!m || !m->ising)
        return sf_fail(ctx, SF_ERR_ARG, "%s: not an Ising model (no ising: section)",
                       m ? m->file : "(null)");
    return SF_OK;
}

/* Appends a vector [n x 1] or matrix [n x n] quantity with values v (and se). */
static sf_status add(sf_context *ctx, sf_quantities *q, const char *name, size_t n, size_t cols,
                     const double *v, const double *se)
{
    sf_quantity *x = sf_quantities_add(ctx, q, name, "", -1, -1, SF_AXIS_NONE, n, cols, false);
    if (!x)
        return SF_ERR_NOMEM;
    memcpy(x->value, v, n * cols * sizeof(double));
    if (se && x->se)
        memcpy(x->se, se, n * cols * sizeof(double));
    return SF_OK;
}

sf_status sf_ising_run(sf_context *ctx, const sf_model *m, const volatile int *stop,
                       sf_quantities **out, bool *interrupted)
{
    sf_status st = need_ising(ctx, m, out);
    if (st)
        return st;
    const sf_ising_spec *s = m->ising;
    const size_t n = s->n;
    const sf_ising is = {n, s->J, s->h};
    double *mv = calloc(n, sizeof *mv), *mse = calloc(n, sizeof *mse),
           *C = calloc(n * n, sizeof *C), *Cse = calloc(n * n, sizeof *Cse);
    sf_quantities *q = sf_quantities_new(ctx, SF_QUANTITIES_ESTIMATE, "ising");
    uint64_t done = 0;
    if (!mv || !mse || !C || !Cse || !q) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (s->sampler == SF_ISING_SAMPLER_EXACT)
        st = sf_ising_exact(ctx, &is, mv, C);
    else
        st = sf_ising_sample(ctx, &is,
                             s->sampler == SF_ISING_SAMPLER_GLAUBER ? SF_ISING_GLAUBER
                                                                    : SF_ISING_METROPOLIS,
                             m->sim.seed, s->burn, s->sweeps, stop, mv, mse, C, Cse, &done);
    if (st)
        goto out;
    if ((st = add(ctx, q, "m", n, 1, mv, mse)) || (st = add(ctx, q, "C", n, n, C, Cse)))
        goto out;
    const uint64_t planned = s->burn + s->sweeps / SF_ISING_BATCHES * SF_ISING_BATCHES;
    bool stopped = s->sampler != SF_ISING_SAMPLER_EXACT && done < planned;
    if (s->sampler == SF_ISING_SAMPLER_EXACT)
        st = sf_quantities_note(q, "exact enumeration of the 2^%zu states (standard errors 0); %s",
                                n, s->how);
    else
        st = sf_quantities_note(q, "%s sampling, %llu sweeps after %llu discarded, seed %llu; "
                                "standard errors from %d batch means; %s",
                                sampler_names[s->sampler],
                                (unsigned long long)(done > s->burn ? done - s->burn : 0),
                                (unsigned long long)s->burn, (unsigned long long)m->sim.seed,
                                SF_ISING_BATCHES, s->how);
    if (!st && stopped)
        st = sf_quantities_note(q, "interrupted: %llu of %llu sweeps", (unsigned long long)done,
                                (unsigned long long)planned);
    if (st)
        goto out;
    if (interrupted)
        *interrupted = stopped;
    *out = q;
    q = NULL;
out:
    free(mv), free(mse), free(C), free(Cse);
    sf_quantities_destroy(q);
    return st;
}

/* The forward answers of one theory: means and linear-response C. */
static sf_status forward(sf_context *ctx, const sf_ising_spec *s, bool tap, double *mv, double *C)
{
    const sf_ising is = {s->n, s->J, s->h};
    sf_status st = sf_ising_forward(ctx, &is, tap, FWD_TOL, FWD_ITER, mv);
    return st ? st : sf_ising_response(ctx, s->n, s->J, mv, tap, C);
}

sf_status sf_ising_predict(sf_context *ctx, const sf_model *m, sf_quantities **out)
{
    sf_status st = need_ising(ctx, m, out);
    if (st)
        return st;
    const sf_ising_spec *s = m->ising;
    const size_t n = s->n;
    double *mv = calloc(n, sizeof *mv), *C = calloc(n * n, sizeof *C), *hv = calloc(n, sizeof *hv),
           *J = calloc(n * n, sizeof *J);
    sf_quantities *q = sf_quantities_new(ctx, SF_QUANTITIES_PREDICTION, "ising");
    if (!mv || !C || !hv || !J || !q) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (int tap = 0; tap < 2 && !st; tap++) {
        char nm[16], nc[16];
        snprintf(nm, sizeof nm, "m_%s", tap ? "tap" : "nmf");
        snprintf(nc, sizeof nc, "C_%s", tap ? "tap" : "nmf");
        if (!(st = forward(ctx, s, tap, mv, C)) && !(st = add(ctx, q, nm, n, 1, mv, NULL)))
            st = add(ctx, q, nc, n, n, C, NULL);
    }
    if (st)
        goto out;
    if (n <= SF_ISING_EXACT_MAX) {
        const sf_ising is = {n, s->J, s->h};
        if ((st = sf_ising_exact(ctx, &is, mv, C)))
            goto out;
        for (int tap = 0; tap < 2 && !st; tap++) {
            char nj[16], nh[16];
            snprintf(nj, sizeof nj, "J_%s", tap ? "tap" : "nmf");
            snprintf(nh, sizeof nh, "h_%s", tap ? "tap" : "nmf");
            if (!(st = sf_ising_inverse(ctx, n, mv, C, tap, J, hv)) &&
                !(st = add(ctx, q, nj, n, n, J, NULL)))
                st = add(ctx, q, nh, n, 1, hv, NULL);
        }
        if (st || (st = sf_quantities_note(q, "inverse problem (J_*, h_*) from the exact means "
                                           "and correlations")))
            goto out;
    } else if ((st = sf_quantities_note(q, "no inverse problem for %zu > %d spins without "
                                        "measured statistics: compare infers J and h from the "
                                        "sampled m and C", n, SF_ISING_EXACT_MAX)))
        goto out;
    if ((st = sf_quantities_note(q, "nMF: m_i = tanh(h_i + sum_j J_ij m_j); TAP adds the Onsager "
                                 "term -m_i sum_j J_ij^2 (1 - m_j^2); C by linear response; "
                                 "errors of second (nMF) and third (TAP) order in J")))
        goto out;
    *out = q;
    q = NULL;
out:
    free(mv), free(C), free(hv), free(J);
    sf_quantities_destroy(q);
    return st;
}

/* rms and largest |a - b| over the entries of a vector, or over i < j of
 * a matrix (the diagonals of C and J are fixed by m and by definition). */
static void errors(const double *a, const double *b, size_t n, size_t cols, double *rms,
                   double *mx)
{
    double s2 = 0, e = 0;
    size_t cnt = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = cols == 1 ? 0 : i + 1; j < cols; j++) {
            const double d = fabs(a[i * cols + j] - b[i * cols + j]);
            s2 += d * d, e = fmax(e, d), cnt++;
        }
    *rms = cnt ? sqrt(s2 / (double)cnt) : NAN;
    *mx = e;
}

static double rms_of(const double *se, size_t n, size_t cols)
{
    double s2 = 0;
    size_t cnt = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = cols == 1 ? 0 : i + 1; j < cols; j++)
            s2 += se[i * cols + j] * se[i * cols + j], cnt++;
    return cnt ? sqrt(s2 / (double)cnt) : NAN;
}

sf_status sf_ising_compare(sf_context *ctx, const sf_model *m, const sf_quantities *est,
                           sf_quantities **out)
{
    sf_status st = need_ising(ctx, m, out);
    if (st)
        return st;
    const sf_ising_spec *s = m->ising;
    const size_t n = s->n;
    long im = est ? sf_quantities_find(est, "m", -1, -1) : -1,
         ic = est ? sf_quantities_find(est, "C", -1, -1) : -1;
    if (im < 0 || ic < 0 || est->q[im].rows != n || est->q[ic].rows != n || est->q[ic].cols != n)
        return sf_fail(ctx, SF_ERR_ARG, "ising: the estimates are not those of this model (m [%zu] "
                       "and C [%zu x %zu] expected)", n, n, n);
    const sf_quantity *em = &est->q[im], *ec = &est->q[ic];
    const bool exact = s->sampler == SF_ISING_SAMPLER_EXACT;
    sf_quantities *E = sf_quantities_new(ctx, SF_QUANTITIES_ESTIMATE, "ising"),
                  *P = sf_quantities_new(ctx, SF_QUANTITIES_PREDICTION, "ising"), *cmp = NULL;
    double *mv = calloc(n, sizeof *mv), *C = calloc(n * n, sizeof *C), *hv = calloc(n, sizeof *hv),
           *J = calloc(n * n, sizeof *J), *nan = malloc(n * n * sizeof *nan);
    if (!E || !P || !mv || !C || !hv || !J || !nan) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < n * n; k++)
        nan[k] = NAN;
    /* the measured side: m and C (their SEs), the model's J and h (no SE) */
    static const char *const meth[2] = {"nmf", "tap"};
    for (int tap = 0; tap < 2 && !st; tap++) {
        char name[4][16];
        const char *base[4] = {"m", "C", "J", "h"};
        for (int k = 0; k < 4; k++)
            snprintf(name[k], sizeof name[k], "%s.%s", base[k], meth[tap]);
        if ((st = add(ctx, E, name[0], n, 1, em->value, exact ? nan : em->se)) ||
            (st = add(ctx, E, name[1], n, n, ec->value, exact ? nan : ec->se)) ||
            (st = add(ctx, E, name[2], n, n, s->J, nan)) || (st = add(ctx, E, name[3], n, 1, s->h, nan)))
            break;
        if ((st = forward(ctx, s, tap, mv, C)) || (st = add(ctx, P, name[0], n, 1, mv, NULL)) ||
            (st = add(ctx, P, name[1], n, n, C, NULL)))
            break;
        sf_status si = sf_ising_inverse(ctx, n, em->value, ec->value, tap, J, hv);
        if (si == SF_ERR_NOMEM) {
            st = si;
            break;
        }
        if (si) { /* e.g. sampled C not positive definite: say so, leave NaN */
            for (size_t k = 0; k < n * n; k++)
                J[k] = NAN;
            for (size_t k = 0; k < n; k++)
                hv[k] = NAN;
        }
        if ((st = add(ctx, P, name[2], n, n, J, NULL)) || (st = add(ctx, P, name[3], n, 1, hv, NULL)))
            break;
        if (si && (st = sf_quantity_note(&P->q[P->n - 2], "no inverse: %s", sf_context_errmsg(ctx))))
            break;
    }
    if (st || (st = sf_quantities_compare(ctx, E, P, &cmp)))
        goto out;
    for (size_t i = 0; i < cmp->n && !st; i++) {
        sf_quantity *x = &cmp->q[i];
        const bool inv = x->name[0] == 'J' || x->name[0] == 'h';
        double rms, mx;
        errors(x->value, x->predicted, n, x->cols, &rms, &mx);
        if (inv || exact) { /* no SE by design: the generic "no standard error" note goes */
            char *e = strdup("");
            if (!e) {
                st = SF_ERR_NOMEM;
                break;
            }
            free(x->notes);
            x->notes = e;
        }
        st = sf_quantity_note(x, "%s, %s: rms error %.3g, largest %.3g%s against %s", inv ? "inverse" : "forward",
                              strstr(x->name, "tap") ? "TAP" : "nMF", rms, mx,
                              x->cols > 1 ? " (i < j)" : "",
                              inv ? (exact ? "the model (from the exact m, C)"
                                           : "the model (from the sampled m, C: sampling noise adds to the error)")
                                  : exact ? "exact enumeration" : "the sampled statistics");
        if (!st && !inv && !exact)
            st = sf_quantity_note(x, "rms standard error %.3g", rms_of(x->se, n, x->cols));
    }
    if (!st)
        st = sf_quantities_note(cmp, "%s; %s", exact ? "reference: exact enumeration"
                                                      : "reference: sampled statistics with their "
                                                        "standard errors", s->how);
    if (st)
        goto out;
    *out = cmp;
    cmp = NULL;
out:
    free(mv), free(C), free(hv), free(J), free(nan);
    sf_quantities_destroy(E);
    sf_quantities_destroy(P);
    sf_quantities_destroy(cmp);
    return st;
}
