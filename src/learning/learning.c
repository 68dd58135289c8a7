/* The verbs of a learning experiment (learning.h): run the instances of
 * the task in parallel and reduce them to estimates (mean and standard
 * error over instances), the task's theory, and their comparison.
 *
 * Invariant: the estimates depend on (spec, seed) alone. Instances are
 * independent (their own streams and their own context); the reduction runs
 * over instances in index order after all have finished; the threads only
 * decide which instance runs where.
 */
#include "learning/learning_impl.h"
#include "model/model_impl.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool sf_model_is_learning(const sf_model *m)
{
    return m && m->learning;
}

const char *sf_learning_task(const sf_model *m)
{
    return sf_model_is_learning(m) ? m->learning->kind->name : NULL;
}

int sf_learning_task_count(void)
{
    return sf_learning_kind_count();
}

const char *sf_learning_task_name(int i)
{
    const sf_learning_kind *k = sf_learning_kind_at(i);
    return k ? k->name : NULL;
}

const char *sf_learning_task_doc(int i)
{
    const sf_learning_kind *k = sf_learning_kind_at(i);
    return k ? k->doc : NULL;
}

static sf_status need_learning(sf_context *ctx, const sf_model *m)
{
    if (!sf_model_is_learning(m))
        return sf_fail(ctx, SF_ERR_ARG, "%s is not a learning experiment (no learning: section)",
                       m && m->file ? m->file : "the model");
    return SF_OK;
}

sf_status sf_learning_run(sf_context *ctx, const sf_model *m, const sf_learning_options *opt,
                          sf_quantities **out, bool *interrupted)
{
    *out = NULL;
    if (interrupted)
        *interrupted = false;
    sf_status st = need_learning(ctx, m);
    if (st)
        return st;
    const sf_learning_spec *s = m->learning;
    const sf_learning_kind *k = s->kind;
    static const volatile int never = 0;
    const volatile int *stop = opt && opt->stop ? opt->stop : &never;
    int n = s->seeds, threads = opt && opt->threads > 0 ? opt->threads : m->sim.threads;
    size_t nv = k->n_values(s);
    int outer = threads < n ? threads : n, inner = threads / outer;
    double *vals = malloc(sizeof *vals * nv * (size_t)n);
    sf_status *sts = calloc((size_t)n, sizeof *sts);
    char (*msgs)[512] = calloc((size_t)n, sizeof *msgs);
    bool *ran = calloc((size_t)n, sizeof *ran);
    if (!vals || !sts || !msgs || !ran) {
        free(vals), free(sts), free(msgs), free(ran);
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < nv * (size_t)n; i++)
        vals[i] = NAN;
    int done = 0;
    double t0 = sf_wall_time();
#pragma omp parallel for schedule(dynamic, 1) num_threads(outer)
    for (int i = 0; i < n; i++) {
        if (*stop)
            continue;
        sf_context *c = sf_context_create();
        if (!c) {
            sts[i] = SF_ERR_NOMEM;
            continue;
        }
        sts[i] = k->instance(c, s, m->sim.seed, (uint64_t)i, inner, stop, vals + (size_t)i * nv);
        if (sts[i])
            snprintf(msgs[i], sizeof msgs[i], "%s", sf_context_errmsg(c));
        ran[i] = true;
        sf_context_destroy(c);
        int d;
#pragma omp atomic capture
        d = ++done;
        if (opt && opt->progress && omp_get_thread_num() == 0)
            opt->progress(opt->user, d, n, sf_wall_time() - t0);
    }
    for (int i = 0; i < n && !st; i++)
        if (sts[i])
            st = sf_fail(ctx, sts[i], "instance %d: %s", i, msgs[i][0] ? msgs[i] : sf_strerror(sts[i]));
    sf_quantities *q = st ? NULL : sf_quantities_new(ctx, SF_QUANTITIES_ESTIMATE, k->name);
    if (!st && !q)
        st = SF_ERR_NOMEM;
    int n_ran = 0;
    for (int i = 0; i < n; i++)
        n_ran += ran[i];
    for (size_t v = 0; !st && v < nv; v++) {
        char name[128];
        const char *unit = "";
        k->value_name(s, v, name, sizeof name, &unit);
        double sum = 0, sum2 = 0;
        int cnt = 0;
        for (int i = 0; i < n; i++) {
            double x = vals[(size_t)i * nv + v];
            if (isfinite(x))
                sum += x, cnt++;
        }
        double mean = cnt ? sum / cnt : NAN;
        for (int i = 0; i < n; i++) {
            double x = vals[(size_t)i * nv + v];
            if (isfinite(x))
                sum2 += (x - mean) * (x - mean);
        }
        sf_quantity *x = sf_quantities_add_scalar(ctx, q, name, unit, -1, -1, mean);
        if (!x) {
            st = SF_ERR_NOMEM;
            break;
        }
        x->se[0] = cnt > 1 ? sqrt(sum2 / (cnt - 1) / cnt) : NAN;
        if (cnt < n && sf_quantity_note(x, "%d of %d instances reached it", cnt, n))
            st = SF_ERR_NOMEM;
    }
    bool stopped = n_ran < n || *stop;
    if (!st && sf_quantities_note(q, "mean and standard error over %d instance%s (seed %llu)", n_ran,
                                  n_ran == 1 ? "" : "s", (unsigned long long)m->sim.seed))
        st = SF_ERR_NOMEM;
    if (!st && stopped &&
        sf_quantities_note(q, "interrupted: %d of %d instances measured", n_ran, n))
        st = SF_ERR_NOMEM;
    free(vals), free(sts), free(msgs), free(ran);
    if (st) {
        sf_quantities_destroy(q);
        return st;
    }
    if (interrupted)
        *interrupted = stopped;
    *out = q;
    return SF_OK;
}

sf_status sf_learning_predict(sf_context *ctx, const sf_model *m, sf_quantities **out)
{
    *out = NULL;
    sf_status st = need_learning(ctx, m);
    if (st)
        return st;
    const sf_learning_spec *s = m->learning;
    const sf_learning_kind *k = s->kind;
    size_t nv = k->n_values(s);
    double *vals = malloc(sizeof *vals * (nv ? nv : 1));
    sf_quantities *q = sf_quantities_new(ctx, SF_QUANTITIES_PREDICTION, k->name);
    if (!vals || !q) {
        free(vals);
        sf_quantities_destroy(q);
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    }
    for (size_t v = 0; v < nv; v++)
        vals[v] = NAN;
    st = k->predict(ctx, s, vals, q);
    for (size_t v = 0; !st && v < nv; v++) {
        if (!isfinite(vals[v]))
            continue;
        char name[128];
        const char *unit = "";
        k->value_name(s, v, name, sizeof name, &unit);
        if (!sf_quantities_add_scalar(ctx, q, name, unit, -1, -1, vals[v]))
            st = SF_ERR_NOMEM;
    }
    free(vals);
    if (st) {
        sf_quantities_destroy(q);
        return st;
    }
    *out = q;
    return SF_OK;
}

sf_status sf_learning_compare(sf_context *ctx, const sf_model *m, const sf_quantities *est,
                              const sf_quantities *pred, sf_quantities **out)
{
    *out = NULL;
    sf_quantities *own = NULL;
    sf_status st = need_learning(ctx, m);
    if (!st && !pred && !(st = sf_learning_predict(ctx, m, &own)))
        pred = own;
    if (!st)
        st = sf_quantities_compare(ctx, est, pred, out);
    sf_quantities_destroy(own);
    return st;
}
