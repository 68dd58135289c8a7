/* The three archiving schemes of the voltage-based rules (see archive.h for
 * the sums they hold and the invariant that they agree to rounding). */
#include "plasticity/archive.h"
#include "engine/ckpt_io.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void sf_varch_kernel_init(sf_varch_kernel *k, double h, int n_tau, const double *tau,
                          double tau_delta)
{
    assert(n_tau >= 0 && n_tau <= SF_VARCH_MAX_TAU);
    memset(k, 0, sizeof *k);
    k->n_tau = n_tau;
    k->h = h;
    for (int i = 0; i < n_tau; i++) {
        k->tau[i] = tau[i];
        k->decay[i] = exp(-h / tau[i]);
    }
    k->tau_delta = tau_delta;
    k->decay_delta = tau_delta > 0 ? exp(-h / tau_delta) : 1.0;
    /* the tables hold the very values the expressions below give */
    for (int i = 0; i < n_tau; i++)
        for (int64_t d = 0; d < SF_VARCH_TAB; d++)
            k->tab[i][d] = exp(-(double)d * k->h / k->tau[i]);
    for (int64_t d = 0; d < SF_VARCH_TAB; d++)
        k->tab[SF_VARCH_MAX_TAU][d] = tau_delta > 0 ? exp(-(double)d * k->h / k->tau_delta) : 0.0;
}

/* exp(-(t - t_l) h / tau_k): the one expression of the factor, shared by the
 * full and the compressed archive so that their I sums are identical (from
 * the kernel's table for dt < SF_VARCH_TAB: the same bits). */
static inline double factor(const sf_varch_kernel *k, int i, int64_t dt)
{
    return (uint64_t)dt < SF_VARCH_TAB ? k->tab[i][dt] : exp(-(double)dt * k->h / k->tau[i]);
}

static inline double factor_delta(const sf_varch_kernel *k, int64_t dt)
{
    if ((uint64_t)dt < SF_VARCH_TAB)
        return k->tab[SF_VARCH_MAX_TAU][dt];
    return k->tau_delta > 0 ? exp(-(double)dt * k->h / k->tau_delta) : 0.0;
}

/* ---------------------------------------------------------------------- */

void sf_varch_acc_reset(sf_varch_acc *a, const sf_varch_kernel *k, int64_t t_l)
{
    memset(a, 0, sizeof *a);
    a->t_l = t_l;
    for (int i = 0; i < k->n_tau; i++)
        a->e[i] = 1.0;
}

void sf_varch_acc_step(sf_varch_acc *a, const sf_varch_kernel *k, double m)
{
    const bool exact = ++a->n % SF_VARCH_RESYNC == 0;
    for (int i = 0; i < k->n_tau; i++) {
        a->e[i] = exact ? factor(k, i, a->n) : a->e[i] * k->decay[i];
        a->s.I[i] += a->e[i] * m;
        if (k->tau_delta > 0)
            a->s.J[i] = a->s.J[i] * k->decay_delta + a->e[i] * m;
    }
}

/* ---------------------------------------------------------------------- */

static inline sf_varch_entry *full_at(const sf_varch_full *a, size_t i)
{
    return &a->e[(a->head + i) % a->cap];
}

bool sf_varch_full_append(sf_varch_full *a, int64_t t, double m)
{
    while (a->len > 0 && a->e[a->head].count >= a->n_incoming) {
        a->head = (a->head + 1) % a->cap;
        a->len--;
    }
    if (a->len == a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 64;
        sf_varch_entry *e = malloc(cap * sizeof *e);
        if (!e)
            return false;
        for (size_t i = 0; i < a->len; i++)
            e[i] = *full_at(a, i);
        free(a->e);
        a->e = e;
        a->cap = cap;
        a->head = 0;
    }
    assert(a->len == 0 || full_at(a, a->len - 1)->t < t);
    *full_at(a, a->len++) = (sf_varch_entry){t, m, 0};
    return true;
}

void sf_varch_full_read(sf_varch_full *a, const sf_varch_kernel *k, int64_t t_l, int64_t t_r,
                        sf_varch_sums *out)
{
    memset(out, 0, sizeof *out);
    /* first entry after t_l: binary search over the ascending times */
    size_t lo = 0, hi = a->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (full_at(a, mid)->t <= t_l)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < a->len; i++) {
        sf_varch_entry *e = full_at(a, i);
        if (e->t > t_r)
            break;
        e->count++;
        const double gd = factor_delta(k, t_r - e->t);
        for (int j = 0; j < k->n_tau; j++) {
            const double x = factor(k, j, e->t - t_l) * e->m;
            out->I[j] += x;
            out->J[j] += x * gd;
        }
    }
}

void sf_varch_full_free(sf_varch_full *a)
{
    free(a->e);
    memset(a, 0, sizeof *a);
}

/* ---------------------------------------------------------------------- */

void sf_varch_comp_init(sf_varch_comp *a, int64_t f)
{
    memset(a, 0, sizeof *a);
    a->f = f;
}

/* index of the first cell with t_l >= t */
static size_t comp_find(const sf_varch_comp *a, int64_t t)
{
    size_t lo = 0, hi = a->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a->c[mid].t_l < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

bool sf_varch_comp_reserve(sf_varch_comp *a, size_t n)
{
    if (n <= a->cap)
        return true;
    sf_varch_cell *c = realloc(a->c, n * sizeof *c);
    if (!c)
        return false;
    a->c = c;
    a->cap = n;
    return true;
}

bool sf_varch_comp_register(sf_varch_comp *a, int64_t t_l)
{
    assert(t_l >= a->f);
    size_t i = comp_find(a, t_l);
    if (i < a->n && a->c[i].t_l == t_l) {
        a->c[i].refs++;
        return true;
    }
    if (a->n == a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 16;
        sf_varch_cell *c = realloc(a->c, cap * sizeof *c);
        if (!c)
            return false;
        a->c = c;
        a->cap = cap;
    }
    memmove(&a->c[i + 1], &a->c[i], (a->n - i) * sizeof *a->c);
    memset(&a->c[i], 0, sizeof a->c[i]);
    a->c[i].t_l = t_l;
    a->c[i].refs = 1;
    a->n++;
    return true;
}

bool sf_varch_comp_move(sf_varch_comp *a, int64_t t_l, int64_t t_new)
{
    size_t i = comp_find(a, t_l);
    if (i < a->n && a->c[i].t_l == t_l && a->c[i].refs > 0 && --a->c[i].refs == 0) {
        /* (not registered: an altered checkpoint, as in sf_varch_comp_read) */
        memmove(&a->c[i], &a->c[i + 1], (a->n - i - 1) * sizeof *a->c);
        a->n--;
    }
    return sf_varch_comp_register(a, t_new);
}

bool sf_varch_comp_append(sf_varch_comp *a, int64_t t, double m)
{
    assert(t > a->f);
    if (a->rlen == a->rcap) {
        size_t cap = a->rcap ? 2 * a->rcap : 64;
        int64_t *rt = malloc(cap * sizeof *rt);
        double *rm = malloc(cap * sizeof *rm);
        if (!rt || !rm) {
            free(rt);
            free(rm);
            return false;
        }
        for (size_t i = 0; i < a->rlen; i++) {
            rt[i] = a->rt[(a->rhead + i) % a->rcap];
            rm[i] = a->rm[(a->rhead + i) % a->rcap];
        }
        free(a->rt);
        free(a->rm);
        a->rt = rt;
        a->rm = rm;
        a->rcap = cap;
        a->rhead = 0;
    }
    size_t j = (a->rhead + a->rlen) % a->rcap;
    a->rt[j] = t;
    a->rm[j] = m;
    a->rlen++;
    return true;
}

void sf_varch_comp_advance(sf_varch_comp *a, const sf_varch_kernel *k, int64_t f_new)
{
    assert(f_new >= a->f);
    const bool jd = k->tau_delta > 0;
    while (a->rlen > 0 && a->rt[a->rhead] <= f_new) {
        const int64_t t = a->rt[a->rhead];
        const double m = a->rm[a->rhead];
        const double gd = jd ? factor_delta(k, t - a->f) : 0.0;
        for (size_t c = 0; c < a->n; c++) {
            sf_varch_cell *cell = &a->c[c];
            if (jd)
                for (int j = 0; j < k->n_tau; j++)
                    cell->s.J[j] *= gd;
            if (t <= cell->t_l)
                continue;
            for (int j = 0; j < k->n_tau; j++) {
                const double x = factor(k, j, t - cell->t_l) * m;
                cell->s.I[j] += x;
                cell->s.J[j] += x;
            }
        }
        a->f = t;
        a->rhead = (a->rhead + 1) % a->rcap;
        a->rlen--;
    }
    if (jd && f_new > a->f) {
        const double gd = factor_delta(k, f_new - a->f);
        for (size_t c = 0; c < a->n; c++)
            for (int j = 0; j < k->n_tau; j++)
                a->c[c].s.J[j] *= gd;
    }
    a->f = f_new;
}

void sf_varch_comp_read(const sf_varch_comp *a, const sf_varch_kernel *k, int64_t t_l,
                        int64_t t_r, sf_varch_sums *out)
{
    assert(t_r >= a->f);
    size_t i = comp_find(a, t_l);
    if (i >= a->n || a->c[i].t_l != t_l) {
        /* not registered: only a restored checkpoint whose bytes were
         * altered (under a valid checksum) gets here; its sums are not
         * defined, but nothing may crash (tests/unit/test_checkpoint.c) */
        memset(out, 0, sizeof *out);
        return;
    }
    *out = a->c[i].s;
    const double g0 = factor_delta(k, t_r - a->f);
    for (int j = 0; j < k->n_tau; j++)
        out->J[j] *= g0;
    for (size_t r = 0; r < a->rlen; r++) {
        const size_t x = (a->rhead + r) % a->rcap;
        const int64_t t = a->rt[x];
        if (t > t_r)
            break;
        if (t <= t_l)
            continue;
        const double gd = factor_delta(k, t_r - t);
        for (int j = 0; j < k->n_tau; j++) {
            const double v = factor(k, j, t - t_l) * a->rm[x];
            out->I[j] += v;
            out->J[j] += v * gd;
        }
    }
}

void sf_varch_comp_free(sf_varch_comp *a)
{
    free(a->c);
    free(a->rt);
    free(a->rm);
    memset(a, 0, sizeof *a);
}

/* ---------------------------------------------------------------------- */

bool sf_varch_full_ckpt(sf_varch_full *a, sf_ckpt_io *io)
{
    uint64_t len = a->len;
    if (!sf_ckpt_io_len(io, &len, SIZE_MAX / 2 / sizeof(sf_varch_entry)))
        return false;
    if (sf_ckpt_io_reading(io)) {
        if (len > a->cap) {
            sf_varch_entry *e = malloc(len * sizeof *e);
            if (!e) {
                sf_ckpt_io_fail(io);
                return false;
            }
            free(a->e);
            a->e = e;
            a->cap = len;
        }
        a->head = 0;
        a->len = len;
    }
    for (size_t i = 0; i < len; i++) /* in time order (the ring unrolled) */
        sf_ckpt_io_data(io, full_at(a, i), sizeof(sf_varch_entry));
    return sf_ckpt_io_ok(io);
}

bool sf_varch_comp_ckpt(sf_varch_comp *a, sf_ckpt_io *io)
{
    uint64_t n = a->n, rlen = a->rlen;
    sf_ckpt_io_data(io, &a->f, sizeof a->f);
    if (!sf_ckpt_io_len(io, &n, SIZE_MAX / 2 / sizeof(sf_varch_cell)))
        return false;
    if (sf_ckpt_io_reading(io)) {
        if (!sf_varch_comp_reserve(a, n)) {
            sf_ckpt_io_fail(io);
            return false;
        }
        a->n = n;
    }
    sf_ckpt_io_data(io, a->c, n * sizeof *a->c);
    if (!sf_ckpt_io_len(io, &rlen, SIZE_MAX / 2 / sizeof(double)))
        return false;
    if (sf_ckpt_io_reading(io)) {
        if (rlen > a->rcap) {
            int64_t *rt = malloc(rlen * sizeof *rt);
            double *rm = malloc(rlen * sizeof *rm);
            if (!rt || !rm) {
                free(rt);
                free(rm);
                sf_ckpt_io_fail(io);
                return false;
            }
            free(a->rt);
            free(a->rm);
            a->rt = rt;
            a->rm = rm;
            a->rcap = rlen;
        }
        a->rhead = 0;
        a->rlen = rlen;
    }
    for (size_t r = 0; r < rlen; r++) {
        const size_t x = (a->rhead + r) % a->rcap;
        sf_ckpt_io_data(io, &a->rt[x], sizeof *a->rt);
        sf_ckpt_io_data(io, &a->rm[x], sizeof *a->rm);
    }
    return sf_ckpt_io_ok(io);
}
