/* The spatial rules' index and drawing (issue 14; definitions in spatial.h).
 *
 * Exact sampling by rejection from a proposal over cells. The space is cut
 * into nc[0] x nc[1] cells; the population partners come from (the
 * "indexed" one: sources for in-degree and Bernoulli, targets for
 * out-degree) is sorted by cell, at most nmax neurons per cell. For an
 * entity in cell a, a displacement c is proposed with probability
 * U(c) / sum U from an alias table (Walker), then a slot uniform in
 * [0, nmax): an empty slot is rejected, else neuron s of cell a + c is
 * accepted with probability F(x_s - x_e) / U(c). U(c) bounds F over every
 * pair of points of two cells c apart, so the accepted s has probability
 * proportional to F, exactly. Pairwise Bernoulli walks the cells with
 * U(c) > 0 and thins a geometric skip of rate min(1, p U) to min(1, p F).
 * All draws come from the entity's own stream: the network does not depend
 * on threads.
 */
#include "network/spatial.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    sf_space space;          /* of the indexed population (same as the other) */
    sf_profile profile;
    int dim;
    uint32_t n_idx, n_ent;   /* indexed and entity population sizes           */
    uint32_t nc[2], n_cells;
    double cw[2];            /* cell widths, mm                               */
    uint32_t nmax;           /* most neurons in one cell                      */
    uint32_t n_disp;         /* displacements with U > 0                      */
    double *pos_idx, *pos_ent; /* [n * 2] positions                           */
    uint32_t *cell_start;    /* [n_cells + 1]                                 */
    uint32_t *members;       /* [n_idx] indexed neurons by cell               */
    int32_t *disp;           /* [n_disp * 2] cell displacements               */
    double *U;               /* [n_disp] bounds                               */
    double *prob;            /* [n_disp] alias table                          */
    uint32_t *alias;
} plan_t;

/* Distance of the box prod (lo_k, hi_k) from the origin. */
static double box_min_dist(int dim, const double *lo, const double *hi)
{
    double s = 0;
    for (int k = 0; k < dim; k++) {
        double v = lo[k] > 0 ? lo[k] : hi[k] < 0 ? -hi[k] : 0;
        s += v * v;
    }
    return sqrt(s);
}

/* U(c): the bound of F over displacements in the box ((c - 1) w, (c + 1) w),
 * summed over the periodic images. */
static double bound_of(const plan_t *P, const int32_t *c)
{
    const sf_space *s = &P->space;
    double rc = sf_profile_cutoff(&P->profile);
    int m[2] = {0, 0};
    if (s->periodic)
        for (int k = 0; k < P->dim; k++)
            m[k] = (int)ceil(rc / s->extent[k]) + 1;
    double U = 0;
    for (int i = -m[0]; i <= m[0]; i++)
        for (int j = -m[1]; j <= m[1]; j++) {
            int n[2] = {i, j};
            double lo[2], hi[2];
            for (int k = 0; k < P->dim; k++) {
                double sh = s->periodic ? n[k] * s->extent[k] : 0;
                lo[k] = (c[k] - 1) * P->cw[k] + sh;
                hi[k] = (c[k] + 1) * P->cw[k] + sh;
            }
            double r = box_min_dist(P->dim, lo, hi);
            if (r <= rc)
                U += sf_profile_shape(&P->profile, r);
        }
    return U;
}

/* Cells per dimension: about a quarter of the profile's width, at least
 * four neurons per cell on average, a divisor of the grid's shape on grids
 * (equal occupancy), at most 2^20 displacements. */
static void choose_cells(const sf_space *s, const sf_profile *pr, uint32_t n, uint32_t nc[2])
{
    double w = 0.25 * pr->width;
    double cap = fmax(1.0, n / 4.0);
    for (int k = 0; k < 2; k++)
        nc[k] = 1;
    for (int k = 0; k < s->dim; k++) {
        double v = floor(s->extent[k] / w);
        v = fmin(v, s->dim == 1 ? cap : sqrt(cap * s->extent[k] / s->extent[1 - k]));
        v = fmin(v, s->dim == 1 ? 1 << 20 : 1 << 9);
        nc[k] = v < 1 ? 1 : (uint32_t)v;
        if (s->grid)
            while (s->shape[k] % nc[k])
                nc[k]--;
    }
}

static uint32_t cell_of(const plan_t *P, const double *x)
{
    uint32_t c = 0, mul = 1;
    for (int k = 0; k < P->dim; k++) {
        double v = floor(x[k] / P->cw[k]);
        uint32_t ck = v < 0 ? 0 : v >= P->nc[k] ? P->nc[k] - 1 : (uint32_t)v;
        c += ck * mul;
        mul *= P->nc[k];
    }
    return c;
}

/* Walker's alias table over w[0..n) (Vose's construction). */
static void alias_build(uint32_t n, const double *w, double *prob, uint32_t *alias, uint32_t *work)
{
    double sum = 0;
    for (uint32_t i = 0; i < n; i++)
        sum += w[i];
    uint32_t *small = work, *large = work + n, ns = 0, nl = 0;
    for (uint32_t i = 0; i < n; i++) {
        prob[i] = w[i] * n / sum;
        alias[i] = i;
        if (prob[i] < 1)
            small[ns++] = i;
        else
            large[nl++] = i;
    }
    while (ns && nl) {
        uint32_t a = small[--ns], g = large[nl - 1];
        alias[a] = g;
        prob[g] -= 1 - prob[a];
        if (prob[g] < 1) {
            nl--;
            small[ns++] = g;
        }
    }
    while (nl)
        prob[large[--nl]] = 1;
    while (ns)
        prob[small[--ns]] = 1;
}

void *sf_spatial_plan_create(const sf_model *m, int proj)
{
    const sf_projection *p = &m->proj[proj];
    int ip = p->rule->by_source ? p->target : p->source;
    int ep = p->rule->by_source ? p->source : p->target;
    const sf_space *s = &m->pops[ip].space;
    plan_t H = {0};
    H.space = *s;
    H.profile = p->profile;
    H.dim = s->dim;
    H.n_idx = m->pops[ip].n;
    H.n_ent = m->pops[ep].n;
    choose_cells(s, &p->profile, H.n_idx, H.nc);
    H.n_cells = H.nc[0] * (H.dim == 2 ? H.nc[1] : 1);
    for (int k = 0; k < 2; k++)
        H.cw[k] = k < H.dim ? s->extent[k] / H.nc[k] : 1;
    /* candidate displacements: [0, nc) periodic, (-nc, nc) on a sheet */
    uint64_t span[2] = {1, 1};
    for (int k = 0; k < H.dim; k++)
        span[k] = s->periodic ? H.nc[k] : 2 * (uint64_t)H.nc[k] - 1;
    uint64_t n_cand = span[0] * span[1];
    size_t sz = sizeof(plan_t) + sizeof(double) * 2 * ((size_t)H.n_idx + H.n_ent) +
                sizeof(uint32_t) * ((size_t)H.n_cells + 1 + H.n_idx) +
                n_cand * (2 * sizeof(int32_t) + 2 * sizeof(double) + 3 * sizeof(uint32_t)) + 64;
    unsigned char *blk = malloc(sz);
    if (!blk)
        return NULL;
    plan_t *P = (plan_t *)blk;
    *P = H;
    unsigned char *at = blk + sizeof(plan_t);
#define CARVE(ptr, type, count)                                                              \
    do {                                                                                     \
        at = (unsigned char *)(((uintptr_t)at + 7) & ~(uintptr_t)7);                         \
        ptr = (type *)at;                                                                    \
        at += sizeof(type) * (count);                                                        \
    } while (0)
    CARVE(P->pos_idx, double, 2 * (size_t)P->n_idx);
    CARVE(P->pos_ent, double, 2 * (size_t)P->n_ent);
    CARVE(P->cell_start, uint32_t, (size_t)P->n_cells + 1);
    CARVE(P->members, uint32_t, P->n_idx);
    CARVE(P->disp, int32_t, 2 * n_cand);
    CARVE(P->U, double, n_cand);
    CARVE(P->prob, double, n_cand);
    CARVE(P->alias, uint32_t, n_cand);
    uint32_t *work;
    CARVE(work, uint32_t, 2 * n_cand);
#undef CARVE
    for (uint32_t i = 0; i < P->n_idx; i++)
        sf_space_position(m, ip, i, P->pos_idx + 2 * i);
    for (uint32_t i = 0; i < P->n_ent; i++)
        sf_space_position(m, ep, i, P->pos_ent + 2 * i);
    /* counting sort of the indexed neurons by cell (ascending within) */
    memset(P->cell_start, 0, sizeof(uint32_t) * ((size_t)P->n_cells + 1));
    for (uint32_t i = 0; i < P->n_idx; i++)
        P->cell_start[cell_of(P, P->pos_idx + 2 * i) + 1]++;
    P->nmax = 0;
    for (uint32_t c = 0; c < P->n_cells; c++) {
        P->nmax = P->cell_start[c + 1] > P->nmax ? P->cell_start[c + 1] : P->nmax;
        P->cell_start[c + 1] += P->cell_start[c];
    }
    /* placement with a running cursor per cell (work holds 2 n_cand >=
     * n_cells words) */
    memcpy(work, P->cell_start, sizeof(uint32_t) * P->n_cells);
    for (uint32_t i = 0; i < P->n_idx; i++)
        P->members[work[cell_of(P, P->pos_idx + 2 * i)]++] = i;
    /* displacements with a positive bound */
    P->n_disp = 0;
    for (uint64_t a = 0; a < n_cand; a++) {
        int32_t c[2] = {0, 0};
        c[0] = (int32_t)(a % span[0]);
        c[1] = (int32_t)(a / span[0]);
        if (!s->periodic)
            for (int k = 0; k < H.dim; k++)
                c[k] -= (int32_t)P->nc[k] - 1;
        double U = bound_of(P, c);
        if (U > 0) {
            P->disp[2 * P->n_disp] = c[0];
            P->disp[2 * P->n_disp + 1] = c[1];
            P->U[P->n_disp++] = U;
        }
    }
    if (P->n_disp)
        alias_build(P->n_disp, P->U, P->prob, P->alias, work);
    return P;
}

/* The cell of entity position xe displaced by disp d; false if off a sheet. */
static bool target_cell(const plan_t *P, const double *xe, const int32_t *d, uint32_t *cell)
{
    uint32_t c = 0, mul = 1;
    for (int k = 0; k < P->dim; k++) {
        double v = floor(xe[k] / P->cw[k]);
        int64_t a = (int64_t)(v < 0 ? 0 : v >= P->nc[k] ? P->nc[k] - 1 : v) + d[k];
        if (P->space.periodic)
            a %= (int64_t)P->nc[k];
        else if (a < 0 || a >= (int64_t)P->nc[k])
            return false;
        c += (uint32_t)a * mul;
        mul *= P->nc[k];
    }
    *cell = c;
    return true;
}

static void set_delay(const sf_projection *p, const plan_t *P, const double *xe, uint32_t s,
                      sf_conn_scratch *S, uint64_t k)
{
    if (p->profile.distance_delay)
        S->dv[k] = p->profile.d0 + sf_space_distance(&P->space, xe, P->pos_idx + 2 * (size_t)s) /
                                       p->profile.speed;
}

uint64_t sf_spatial_draw_fixed(const sf_projection *p, const void *plan, uint32_t j, uint64_t K,
                               uint32_t skip, sf_rng *r, sf_conn_scratch *S)
{
    const plan_t *P = plan;
    const double *xe = P->pos_ent + 2 * (size_t)j;
    uint64_t k = 0, tries = 0, max_tries = 1000000 + 1000 * K;
    if (!P->n_disp)
        return 0;
    while (k < K && tries++ < max_tries) {
        double u = sf_rng_uniform(r) * P->n_disp;
        uint32_t i = (uint32_t)u;
        if (i >= P->n_disp)
            i = P->n_disp - 1;
        if (u - i >= P->prob[i])
            i = P->alias[i];
        uint32_t cell;
        if (!target_cell(P, xe, P->disp + 2 * (size_t)i, &cell))
            continue;
        uint32_t slot = (uint32_t)sf_rng_below(r, P->nmax);
        uint32_t n_c = P->cell_start[cell + 1] - P->cell_start[cell];
        if (slot >= n_c)
            continue;
        uint32_t s = P->members[P->cell_start[cell] + slot];
        double d[2] = {0, 0};
        sf_space_displacement(&P->space, xe, P->pos_idx + 2 * (size_t)s, d);
        double F = sf_space_profile(&P->space, &P->profile, d);
        if (sf_rng_uniform(r) * P->U[i] >= F || s == skip)
            continue;
        if (!p->multapses) {
            if ((S->bitmap[s >> 6] >> (s & 63)) & 1u)
                continue;
            S->bitmap[s >> 6] |= 1ull << (s & 63);
        }
        S->list[k] = s;
        set_delay(p, P, xe, s, S, k);
        k++;
    }
    if (!p->multapses)
        for (uint64_t a = 0; a < k; a++)
            S->bitmap[S->list[a] >> 6] = 0;
    return k;
}

uint64_t sf_spatial_draw_bernoulli(const sf_projection *p, const void *plan, uint32_t j,
                                   uint32_t skip, sf_rng *r, sf_conn_scratch *S)
{
    const plan_t *P = plan;
    const double *xe = P->pos_ent + 2 * (size_t)j;
    uint64_t k = 0;
    if (p->p <= 0)
        return 0;
    for (uint32_t i = 0; i < P->n_disp; i++) {
        uint32_t cell;
        if (!target_cell(P, xe, P->disp + 2 * (size_t)i, &cell))
            continue;
        uint32_t c0 = P->cell_start[cell], n_c = P->cell_start[cell + 1] - c0;
        double q = fmin(1.0, p->p * P->U[i]);
        double lq = q < 1 ? log1p(-q) : -INFINITY;
        int64_t a = -1;
        for (;;) {
            double gap = q < 1 ? floor(log(sf_rng_uniform_pos(r)) / lq) : 0;
            if (gap >= (double)n_c)
                break;
            a += 1 + (int64_t)gap;
            if (a >= (int64_t)n_c)
                break;
            uint32_t s = P->members[c0 + (uint32_t)a];
            double d[2] = {0, 0};
            sf_space_displacement(&P->space, xe, P->pos_idx + 2 * (size_t)s, d);
            double pr = fmin(1.0, p->p * sf_space_profile(&P->space, &P->profile, d));
            if (q < 1 || pr < 1) /* thinning: keep with pr / q */
                if (sf_rng_uniform(r) * q >= pr)
                    continue;
            if (s == skip)
                continue;
            S->list[k] = s;
            set_delay(p, P, xe, s, S, k);
            k++;
        }
    }
    return k;
}

double sf_spatial_reach(const sf_model *m, const sf_projection *p, int other_pop)
{
    const sf_space *s = &m->pops[other_pop].space;
    double vol = s->extent[0] * (s->dim == 2 ? s->extent[1] : 1);
    double mass = sf_profile_integral(&p->profile, s->dim);
    return m->pops[other_pop].n * fmin(1.0, mass / vol);
}

static bool same_space(const sf_space *a, const sf_space *b)
{
    return a->geometry == b->geometry && a->dim == b->dim && a->extent[0] == b->extent[0] &&
           (a->dim == 1 || a->extent[1] == b->extent[1]);
}

bool sf_spatial_check(const sf_model *m, const sf_projection *p, char *msg, size_t len)
{
    const sf_population *src = &m->pops[p->source], *tgt = &m->pops[p->target];
    if (src->space.geometry == SF_SPACE_NONE || tgt->space.geometry == SF_SPACE_NONE) {
        snprintf(msg, len, "rule %s needs positions: population %s has no space: key",
                 p->rule->name, src->space.geometry == SF_SPACE_NONE ? src->name : tgt->name);
        return false;
    }
    if (!same_space(&src->space, &tgt->space)) {
        snprintf(msg, len, "populations %s and %s lie in different spaces (geometry and extent "
                 "must be equal)", src->name, tgt->name);
        return false;
    }
    if (p->profile.kind == SF_PROFILE_NONE) {
        snprintf(msg, len, "rule %s needs a profile: {kind: boxcar|exponential|gaussian, width: "
                 "mm}", p->rule->name);
        return false;
    }
    const sf_space *s = &src->space;
    if (s->periodic && p->profile.kind == SF_PROFILE_BOXCAR)
        for (int k = 0; k < s->dim; k++)
            if (!(p->profile.width < 0.5 * s->extent[k])) {
                snprintf(msg, len, "a boxcar width (%g mm) must be below half the extent "
                         "(%g mm) of a periodic space", p->profile.width, s->extent[k]);
                return false;
            }
    if (!p->rule->count_is_probability && !p->multapses) {
        int other = p->rule->by_source ? p->target : p->source;
        double reach = sf_spatial_reach(m, p, other);
        if ((double)p->count > 0.5 * reach) {
            snprintf(msg, len, "%s %llu without multapses exceeds half the %.0f neurons of %s "
                     "within the profile's reach; widen the profile or allow multapses",
                     p->rule->count_key, (unsigned long long)p->count, reach, m->pops[other].name);
            return false;
        }
    }
    return true;
}
