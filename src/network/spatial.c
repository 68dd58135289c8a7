/* The spatial rules' index and drawing (issue 14; definitions in spatial.h).
 *
 * Exact sampling by rejection from a proposal over cells. The space is cut
 * into nc[0] x nc[1] cells; the population partners come from (the
 * "indexed" one: sources for in-degree and Bernoulli, targets for
 * out-degree) is sorted by cell, at most nmax neurons per cell. For an
 * entity in cell a at sub-position q (each cell cut into SUB^dim parts), a
 * displacement c is proposed with probability U_q(c) / sum U_q from an
 * alias table (Walker; one table per sub-position), then a slot uniform in
 * [0, nmax): an empty slot is rejected, else neuron s of cell a + c is
 * accepted with probability F(x_s - x_e) / U_q(c). U_q(c) bounds F over
 * every pair of points (entity in sub-position q, partner in the cell c
 * away), so the accepted s has probability proportional to F, exactly
 * (the coins are 32-bit: probabilities are exact to 2^-32). Pairwise Bernoulli walks the cells with
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
    uint32_t n_disp;         /* displacements with U > 0 (for some q)         */
    uint32_t n_sub;          /* sub-positions per cell, SUB^dim               */
    double *pos_idx, *pos_ent; /* [n * 2] positions                           */
    uint32_t *cell_start;    /* [n_cells + 1]                                 */
    uint32_t *members;       /* [n_idx] indexed neurons by cell               */
    double *pos_sorted;      /* [n_idx * 2] their positions, in that order    */
    int32_t *disp;           /* [n_disp * 2] cell displacements               */
    double *U;               /* [n_sub * n_disp] bounds U_q(c)                */
    double *prob;            /* [n_disp] scratch of the alias construction     */
    uint32_t *alias;         /* [n_sub * n_disp] alias tables                 */
    uint64_t *thr;           /* [n_sub * n_disp] prob as a threshold on a word */
    double *Uw;              /* [n_sub * n_disp] U 2^-32: accept when word Uw < F */
    bool nearest;            /* F is f of the minimum image (cutoff < L/2)     */
    double cut2;             /* the cutoff squared                             */
    int gm[2];               /* Gaussian on a periodic space: images |i| <= gm */
    double gc[2][16];        /* exp(-i^2 L^2 / 2 R^2)                          */
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

#define SUB 8

/* U_q(c): the bound of F over displacements from sub-position q of a cell
 * to the cell c away, the box (c w - (q + 1) w / SUB, (c + 1) w - q w / SUB)
 * per dimension, summed over the periodic images. */
static double bound_of(const plan_t *P, const int32_t *c, const int *q)
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
                lo[k] = (c[k] - (q[k] + 1.0) / SUB) * P->cw[k] + sh;
                hi[k] = (c[k] + 1 - (double)q[k] / SUB) * P->cw[k] + sh;
            }
            double r = box_min_dist(P->dim, lo, hi);
            if (r <= rc)
                U += sf_profile_shape(&P->profile, r);
        }
    return U;
}

/* Cells per dimension: about half the profile's width, at least
 * eight neurons per cell on average, a divisor of the grid's shape on grids
 * (equal occupancy), at most 2^20 displacements. */
static void choose_cells(const sf_space *s, const sf_profile *pr, uint32_t n, uint32_t nc[2])
{
    double w = 0.5 * pr->width;
    double cap = fmax(1.0, n / 8.0);
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
    H.n_sub = H.dim == 2 ? SUB * SUB : SUB;
    size_t ns = H.n_sub;
    size_t sz = sizeof(plan_t) + sizeof(double) * 2 * (2 * (size_t)H.n_idx + H.n_ent) +
                sizeof(uint32_t) * ((size_t)H.n_cells + 1 + H.n_idx) +
                n_cand * (2 * sizeof(int32_t) + sizeof(double) + 2 * sizeof(uint32_t)) +
                ns * n_cand * (2 * sizeof(double) + sizeof(uint32_t) + sizeof(uint64_t)) + 128;
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
    CARVE(P->pos_sorted, double, 2 * (size_t)P->n_idx);
    CARVE(P->disp, int32_t, 2 * n_cand);
    CARVE(P->U, double, ns * n_cand);
    CARVE(P->prob, double, n_cand);
    CARVE(P->alias, uint32_t, ns * n_cand);
    CARVE(P->thr, uint64_t, ns * n_cand);
    CARVE(P->Uw, double, ns * n_cand);
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
    for (uint32_t a = 0; a < P->n_idx; a++)
        memcpy(P->pos_sorted + 2 * (size_t)a, P->pos_idx + 2 * (size_t)P->members[a],
               2 * sizeof(double));
    /* displacements with a positive bound for some sub-position: U_q(c) in
     * the layout U[q * n_cand + i] first, then packed to n_disp columns */
    P->n_disp = 0;
    for (uint64_t a = 0; a < n_cand; a++) {
        int32_t c[2] = {0, 0};
        c[0] = (int32_t)(a % span[0]);
        c[1] = (int32_t)(a / span[0]);
        if (!s->periodic)
            for (int k = 0; k < H.dim; k++)
                c[k] -= (int32_t)P->nc[k] - 1;
        double any = 0;
        for (uint32_t q = 0; q < P->n_sub; q++) {
            int qq[2] = {(int)(q % SUB), (int)(q / SUB)};
            double U = bound_of(P, c, qq);
            P->U[q * n_cand + P->n_disp] = U;
            any += U;
        }
        if (any > 0) {
            P->disp[2 * P->n_disp] = c[0];
            P->disp[2 * P->n_disp + 1] = c[1];
            P->n_disp++;
        }
    }
    for (uint32_t q = 0; q < P->n_sub; q++) /* pack rows to stride n_disp */
        memmove(P->U + (size_t)q * P->n_disp, P->U + (size_t)q * n_cand,
                sizeof(double) * P->n_disp);
    for (uint32_t q = 0; P->n_disp && q < P->n_sub; q++) {
        size_t o = (size_t)q * P->n_disp;
        alias_build(P->n_disp, P->U + o, P->prob, P->alias + o, work);
        for (uint32_t i = 0; i < P->n_disp; i++) {
            double t = ldexp(P->prob[i], 32);
            P->thr[o + i] = t >= 4294967296.0 ? (uint64_t)1 << 32 : (uint64_t)t;
            P->Uw[o + i] = ldexp(P->U[o + i], -32);
        }
    }
    P->cut2 = sf_profile_cutoff(&p->profile) * sf_profile_cutoff(&p->profile);
    P->nearest = true;
    for (int k = 0; k < H.dim; k++)
        P->nearest &= !s->periodic || sf_profile_cutoff(&p->profile) < 0.5 * s->extent[k];
    P->gm[0] = P->gm[1] = -1;
    if (!P->nearest && p->profile.kind == SF_PROFILE_GAUSSIAN) {
        bool fits = true;
        for (int k = 0; k < H.dim; k++) {
            double L = s->extent[k], R = p->profile.width;
            P->gm[k] = (int)floor(sf_profile_cutoff(&p->profile) / L + 0.5);
            fits &= P->gm[k] < 16 && 0.5 * L * L * P->gm[k] / (R * R) < 600; /* b^gm finite */
            for (int i = 0; i < 16 && i <= P->gm[k]; i++)
                P->gc[k][i] = exp(-0.5 * i * i * L * L / (R * R));
        }
        if (!fits)
            P->gm[0] = P->gm[1] = -1;
    }
    return P;
}

/* The home cell of position xe per dimension and the offset of its
 * sub-position's table. */
static size_t home_of(const plan_t *P, const double *xe, int32_t *home)
{
    uint32_t q = 0, mul = 1;
    home[0] = home[1] = 0;
    for (int d = 0; d < P->dim; d++) {
        double v = xe[d] / P->cw[d], f = floor(v);
        int32_t h = (int32_t)(f < 0 ? 0 : f >= P->nc[d] ? P->nc[d] - 1 : f);
        int sq = (int)((v - h) * SUB);
        sq = sq < 0 ? 0 : sq >= SUB ? SUB - 1 : sq;
        home[d] = h;
        q += (uint32_t)sq * mul;
        mul *= SUB;
    }
    return (size_t)q * P->n_disp;
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

/* f of the nearest image of xs - xe: F on a sheet or when the cutoff is
 * below L/2, a lower bound of F otherwise. */
static inline double nearest_at(const plan_t *P, const double *xe, const double *xs)
{
    double r2 = 0;
    for (int k = 0; k < P->dim; k++) {
        double v = xs[k] - xe[k], L = P->space.extent[k];
        if (P->space.periodic)
            v = v >= 0.5 * L ? v - L : v < -0.5 * L ? v + L : v;
        r2 += v * v;
    }
    double R = P->profile.width;
    switch (P->profile.kind) {
    case SF_PROFILE_BOXCAR: return r2 <= R * R ? 1.0 : 0.0;
    case SF_PROFILE_GAUSSIAN: return r2 <= P->cut2 ? exp(-0.5 * r2 / (R * R)) : 0.0;
    default: return sf_profile_shape(&P->profile, sqrt(r2));
    }
}

/* F(xs - xe). */
static inline double profile_at(const plan_t *P, const double *xe, const double *xs)
{
    if (!P->nearest && P->gm[0] >= 0) {
        /* periodic Gaussian, separable: sum_i exp(-(x + i L)^2 / 2 R^2)
         * = exp(-x^2 / 2 R^2) sum_i c_i b^i, b = exp(-L x / R^2) */
        double R2 = P->profile.width * P->profile.width, r2 = 0, prod = 1;
        for (int k = 0; k < P->dim; k++) {
            double v = xs[k] - xe[k], L = P->space.extent[k];
            v = v >= 0.5 * L ? v - L : v < -0.5 * L ? v + L : v;
            r2 += v * v;
            double b = exp(-L * v / R2), bi = 1, bn = 1, sum = 1;
            for (int i = 1; i <= P->gm[k]; i++) {
                bi *= b;
                bn /= b;
                sum += P->gc[k][i] * (bi + bn);
            }
            prod *= sum;
        }
        return exp(-0.5 * r2 / R2) * prod;
    }
    if (!P->nearest) {
        double d[2] = {0, 0};
        sf_space_displacement(&P->space, xe, xs, d);
        return sf_space_profile(&P->space, &P->profile, d);
    }
    return nearest_at(P, xe, xs);
}

/* Words of the entity's stream in chunks of 64 (so what a draw gets does not
 * depend on anything but the stream). */
typedef struct {
    sf_rng *r;
    unsigned pos;
    uint32_t buf[64];
} wordbuf;
static inline uint32_t next_word(wordbuf *w)
{
    if (w->pos == 64) {
        sf_rng_fill_u32(w->r, w->buf, 64);
        w->pos = 0;
    }
    return w->buf[w->pos++];
}
/* Uniform integer in [0, n), n >= 1 (Lemire 2019, exact). */
static inline uint32_t word_below(wordbuf *w, uint32_t n)
{
    uint64_t m = (uint64_t)next_word(w) * n;
    if ((uint32_t)m < n) {
        uint32_t t = (uint32_t)(-n) % n;
        while ((uint32_t)m < t)
            m = (uint64_t)next_word(w) * n;
    }
    return (uint32_t)(m >> 32);
}

static void set_delay(const sf_projection *p, const plan_t *P, const double *xe, const double *xs,
                      sf_conn_scratch *S, uint64_t k)
{
    if (p->profile.distance_delay)
        S->dv[k] = p->profile.d0 + sf_space_distance(&P->space, xe, xs) / p->profile.speed;
}

uint64_t sf_spatial_draw_fixed(const sf_projection *p, const void *plan, uint32_t j, uint64_t K,
                               uint32_t skip, sf_rng *r, sf_conn_scratch *S)
{
    const plan_t *P = plan;
    const double *xe = P->pos_ent + 2 * (size_t)j;
    uint64_t k = 0, tries = 0, max_tries = 1000000 + 1000 * K;
    if (!P->n_disp)
        return 0;
    wordbuf w = {r, 64, {0}};
    int32_t home[2];
    size_t o = home_of(P, xe, home); /* the entity's cell and table, once */
    const uint64_t *thr = P->thr + o;
    const uint32_t *alias = P->alias + o;
    const double *Uw = P->Uw + o;
    while (k < K && tries++ < max_tries) {
        /* proposal: displacement i from the alias table (two words: index
         * and the 32-bit coin against its threshold), then a slot */
        uint32_t i = word_below(&w, P->n_disp);
        if ((uint64_t)next_word(&w) >= thr[i])
            i = alias[i];
        uint32_t cell = 0, mul = 1;
        bool off = false;
        for (int d = 0; d < P->dim; d++) {
            int64_t a = (int64_t)home[d] + P->disp[2 * (size_t)i + d];
            if (P->space.periodic)
                a = a >= (int64_t)P->nc[d] ? a - P->nc[d] : a;
            else if (a < 0 || a >= (int64_t)P->nc[d])
                off = true;
            cell += (uint32_t)a * mul;
            mul *= P->nc[d];
        }
        uint32_t slot = word_below(&w, P->nmax), acc = next_word(&w);
        if (off)
            continue;
        uint32_t c0 = P->cell_start[cell];
        if (slot >= P->cell_start[cell + 1] - c0)
            continue;
        const double *xs = P->pos_sorted + 2 * (size_t)(c0 + slot);
        /* accept with F / U (a 32-bit coin); F >= f(nearest image), which
         * decides most proposals with one evaluation of f */
        double coin = (double)acc * Uw[i];
        if (coin >= nearest_at(P, xe, xs) && (P->nearest || coin >= profile_at(P, xe, xs)))
            continue;
        uint32_t s = P->members[c0 + slot];
        if (s == skip)
            continue;
        if (!p->multapses) {
            if ((S->bitmap[s >> 6] >> (s & 63)) & 1u)
                continue;
            S->bitmap[s >> 6] |= 1ull << (s & 63);
        }
        S->list[k] = s;
        set_delay(p, P, xe, xs, S, k);
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
    int32_t home[2];
    const double *U = P->U + home_of(P, xe, home);
    for (uint32_t i = 0; i < P->n_disp; i++) {
        uint32_t cell;
        if (U[i] <= 0 || !target_cell(P, xe, P->disp + 2 * (size_t)i, &cell))
            continue;
        uint32_t c0 = P->cell_start[cell], n_c = P->cell_start[cell + 1] - c0;
        double q = fmin(1.0, p->p * U[i]);
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
            const double *xs = P->pos_sorted + 2 * (size_t)(c0 + (uint32_t)a);
            double pr = fmin(1.0, p->p * profile_at(P, xe, xs));
            if (q < 1 || pr < 1) /* thinning: keep with pr / q */
                if (sf_rng_uniform(r) * q >= pr)
                    continue;
            if (s == skip)
                continue;
            S->list[k] = s;
            set_delay(p, P, xe, xs, S, k);
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
