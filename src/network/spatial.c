/* The spatial rules' index and drawing (issue 14; definitions in spatial.h).
 *
 * Exact sampling by rejection from a proposal over cells. The space is cut
 * into nc[0] x nc[1] cells; the population partners come from (the
 * "indexed" one: sources for in-degree and Bernoulli, targets for
 * out-degree) is sorted by cell. Each cell is cut into SUB^dim
 * sub-positions; for an entity at sub-position q and a cell displacement c
 * the plan holds U_q(c) >= F, the bound of F over every pair of points
 * (entity in sub-position q, partner in the cell c away; the periodic
 * images summed). Fixed counts: per entity, a table over the cells within
 * reach with integer weights n_c m_c, m_c = ceil(U_q(c) S) (n_c the
 * neurons of the cell, S a scale making the sum < 2^32), sampled by a
 * 32-bit word through a guide table; then a neuron uniform among the n_c
 * (no empty slots), accepted with probability F S / m_c by a 32-bit coin:
 * the accepted neuron has probability proportional to F exactly (to 2^-32).
 * Proposals go in batches (the words at once, positions prefetched, f of
 * the nearest image vectorised, with an exp of multiplications only); F is the nearest
 * image's f plus the other images, bounded by tail, so the images are summed
 * only when the coin falls within tail of the nearest image's value. Each
 * entity's partners cost about 1.5 proposals each on the benchmark's torus
 * (docs/spatial.md).
 * Pairwise Bernoulli walks the cells with U > 0 and thins a geometric skip
 * of rate min(1, p U) to min(1, p F). All draws come from the entity's own
 * stream: the network does not depend on threads.
 */
#include "network/spatial.h"

#include <assert.h>
#include <float.h>
#ifdef __AVX2__
#include <immintrin.h>
#endif
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUB 8

/* A sorted partner in fixed point: coordinates in units of fq (periodic:
 * 2^32 units per extent, so a difference of two as int32 is the minimum
 * image; sheet: 2^30 per extent, so it never overflows) and its id. */
typedef struct {
    uint32_t x, y, id;
} fpos;

typedef struct {
    sf_space space;          /* of the indexed population (same as the other) */
    sf_profile profile;
    int dim;
    uint32_t n_idx, n_ent;   /* indexed and entity population sizes           */
    uint32_t nc[2], n_cells;
    double cw[2];            /* cell widths, mm                               */
    uint32_t n_disp;         /* displacements within reach                    */
    uint32_t n_sub;          /* sub-positions per cell, SUB^dim               */
    int guide_bits;          /* guide table of 2^guide_bits >= n_disp entries */
    double *pos_idx, *pos_ent; /* [n * 2] positions                           */
    uint32_t *cell_start;    /* [n_cells + 1]                                 */
    uint32_t *members;       /* [n_idx] indexed neurons by cell               */
    double *pos_sorted;      /* [n_idx * 2] their positions, in that order    */
    fpos *fp;                /* [n_idx] the same in fixed point, with the id  */
    uint32_t *ent_order;     /* [n_ent] entities by (home cell, sub-position) */
    double fq[2];            /* mm per fixed-point unit                       */
    double fs[2];            /* fixed-point units per mm                      */
    double band_r2;          /* |r^2 (fixed point) - r^2 (double)| <= this    */
    double band_rel;         /* f (fixed point) / f (double) in 1 -+ this     */
    double h;                /* the step (ms), for distance delays            */
    double step_margin;      /* |d (fixed point) - d (double)| / h <= this    */
    int32_t *disp;           /* [n_disp * 2] signed cell displacements        */
    int32_t c_lo[2];         /* displacements per dimension c_lo .. + span - 1 */
    uint32_t span[2];
    double *U;               /* [n_sub * n_disp] bounds U_q(c) >= F           */
    bool nearest;            /* F is f of the minimum image (cutoff < L/2)     */
    double cut2;             /* the cutoff squared                             */
    double tail;             /* F - f(nearest image) <= tail                   */
    int gm[2];               /* Gaussian on a periodic space: images |i| <= gm */
    double gc[2][16];        /* exp(-i^2 L^2 / 2 R^2)                          */
} plan_t;

/* One cell within reach of the entity, in its per-entity table. */
typedef struct {
    uint32_t c0, n;          /* first sorted index and neurons of the cell    */
    uint32_t cdf;            /* sum of n m of the cells before                */
    uint32_t pad;
    double m;                /* weight per neuron, ceil(U S)                  */
} wcell;

/* The head of the per-thread workspace: the table's sum and scale (the
 * table, the guide and the wrapped cells follow), kept while S->ws_plan and
 * S->ws_key name the plan and the entity's table key. */
typedef struct {
    uint32_t cum, pad;
    double s32;
} ws_head;

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
            double smin = 0;
            for (int k = 0; k < P->dim; k++) {
                double sh = s->periodic ? n[k] * s->extent[k] : 0;
                double lo = (c[k] - (q[k] + 1.0) / SUB) * P->cw[k] + sh;
                double hi = (c[k] + 1 - (double)q[k] / SUB) * P->cw[k] + sh;
                double v = lo > 0 ? lo : hi < 0 ? -hi : 0;
                smin += v * v;
            }
            if (sqrt(smin) <= rc)
                U += sf_profile_shape(&P->profile, sqrt(smin));
        }
    return U;
}

/* Cells per dimension: from a quarter of a boxcar's width or half of the
 * other profiles' (so the bounds are tight), coarsened until the cells
 * within reach are at most `budget` (the per-entity table costs one
 * operation per cell); at most 2^20 cells in 1-D, 2^12 per dimension in
 * 2-D, and about four cells per neuron. */
static void choose_cells(const sf_space *s, const sf_profile *pr, uint32_t n, double budget,
                         uint32_t nc[2])
{
    double w = (pr->kind == SF_PROFILE_BOXCAR ? 0.25 : 0.5) * pr->width;
    double rc = sf_profile_cutoff(pr), cap = fmax(1.0, 4.0 * n);
    nc[0] = nc[1] = 1;
    for (int k = 0; k < s->dim; k++) {
        double v = floor(s->extent[k] / w);
        v = fmin(v, s->dim == 1 ? cap : ceil(sqrt(cap * s->extent[k] / s->extent[1 - k])));
        v = fmin(v, s->dim == 1 ? 1 << 20 : 1 << 12);
        nc[k] = v < 1 ? 1 : (uint32_t)v;
    }
    for (;;) {
        double reach = 1;
        for (int k = 0; k < s->dim; k++) {
            double m = ceil(rc / (s->extent[k] / nc[k])) + 1;
            reach *= fmin(s->periodic ? nc[k] : 2.0 * nc[k] - 1, 2 * m + 1);
        }
        if (reach <= budget || (nc[0] == 1 && nc[1] == 1))
            break;
        for (int k = 0; k < s->dim; k++)
            nc[k] = nc[k] > 1 ? (uint32_t)fmin(nc[k] - 1, floor(nc[k] / 1.25)) : 1;
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

/* Bound of the periodic images other than the nearest: every such image of
 * a minimum-image displacement is at least (|n_k| - 1/2) L_k away along a
 * dimension with n_k != 0. The Gaussian's separable sum (profile_at):
 * tau_k = 2 sum_{i=1..gm} exp(-((i - 1/2) L)^2 / 2R^2) per dimension and
 * F <= (g_x + tau_x)(g_y + tau_y); plus 1e-16 for the cut of the nearest
 * image (nearest_at). */
static double tail_bound(const plan_t *P)
{
    const sf_space *s = &P->space;
    double R = P->profile.width, t = 1e-16;
    if (P->nearest)
        return 0;
    if (P->gm[0] >= 0) {
        double tau[2] = {0, 0};
        for (int k = 0; k < P->dim; k++)
            for (int i = 1; i <= P->gm[k]; i++) {
                double x = (i - 0.5) * s->extent[k];
                tau[k] += 2 * exp(-0.5 * x * x / (R * R));
            }
        return t + tau[0] + tau[1] + tau[0] * tau[1];
    }
    double rc = sf_profile_cutoff(&P->profile);
    int m0 = (int)floor(rc / s->extent[0] + 0.5), m1 = 0;
    if (P->dim == 2)
        m1 = (int)floor(rc / s->extent[1] + 0.5);
    for (int i = -m0; i <= m0; i++)
        for (int j = -m1; j <= m1; j++) {
            if (!i && !j)
                continue;
            double x = fmax(abs(i) - 0.5, 0) * s->extent[0];
            double y = P->dim == 2 ? fmax(abs(j) - 0.5, 0) * s->extent[1] : 0;
            t += sf_profile_shape(&P->profile, hypot(x, y));
        }
    return t;
}

/* A coordinate in fixed point (fixed_point_init). */
static inline uint32_t fixed_of(const plan_t *P, int k, double x)
{
    return (uint32_t)(int64_t)llrint(x * P->fs[k]); /* periodic: 2^32 wraps to 0 */
}

/* The fixed-point copy of the sorted positions and the bounds of its error
 * (definitions in the fields' comments). A coordinate is off by at most
 * half a unit (plus the multiplication's rounding), so a difference by
 * e <= q (1 + 1e-6) + 4 eps L from the double one the exact path computes
 * (the minimum image in double rounds to about 2 eps L); then
 * |r^2 - r~^2| <= sum_k e_k (2 |d_k| + e_k) + 4 eps r^2 with |d_k| <= L_k
 * (band_r2). f relative: the Gaussian exp(|c| band_r2) - 1 with
 * c = -1/2R^2, the exponential |r - r~| / R <= sqrt(band_r2) / R, both
 * plus the vectorised exp's 3e-13 (its error 1.2e-13 at either value);
 * the boxcar and the cutoff are exact outside r^2 within band_r2 of the
 * step. */
static void fixed_point_init(plan_t *P)
{
    const sf_space *s = &P->space;
    double band = 0, R = P->profile.width;
    for (int k = 0; k < 2; k++) {
        double L = k < P->dim ? s->extent[k] : 1.0;
        P->fs[k] = (s->periodic ? 4294967296.0 : 1073741824.0) / L;
        P->fq[k] = L / (s->periodic ? 4294967296.0 : 1073741824.0);
        if (k < P->dim) {
            double e = P->fq[k] * (1 + 1e-6) + 4 * DBL_EPSILON * L;
            band += e * (2 * L + e) + 4 * DBL_EPSILON * L * L;
        }
    }
    P->band_r2 = band;
    switch (P->profile.kind) {
    case SF_PROFILE_GAUSSIAN: P->band_rel = expm1(0.5 * band / (R * R)); break;
    case SF_PROFILE_EXPONENTIAL: P->band_rel = expm1(sqrt(band) / R); break;
    default: P->band_rel = 0;
    }
    P->band_rel = 2 * P->band_rel + 1e-12;
    /* distance delays d0 + r / v: |r - r~| <= sqrt(band_r2), plus rounding */
    if (P->profile.distance_delay)
        P->step_margin = (sqrt(band) / P->profile.speed +
                          1e-13 * (P->profile.d0 + sf_space_max_distance(s) / P->profile.speed)) /
                         P->h + 1e-9;
    for (uint32_t a = 0; a < P->n_idx; a++) {
        const double *x = P->pos_sorted + 2 * (size_t)a;
        P->fp[a].x = fixed_of(P, 0, x[0]);
        P->fp[a].y = P->dim == 2 ? fixed_of(P, 1, x[1]) : 0;
        P->fp[a].id = P->members[a];
    }
}

static size_t home_of(const plan_t *P, const double *xe, int32_t *home);

/* The key of an entity's table: its home cell and sub-position, below
 * n_cells n_sub <= 2^30. */
static uint64_t table_key(const plan_t *P, const int32_t *home, size_t o)
{
    uint64_t cell = (uint64_t)home[0] + (uint64_t)home[1] * P->nc[0];
    return cell * P->n_sub + o / P->n_disp;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* ent_order: the entities sorted by their table's key (ties by index), so
 * that the entities of one cell and sub-position follow each other (their
 * table is built once) and neighbours share their partners in the cache. */
static bool order_entities(plan_t *P)
{
    uint64_t *k = malloc(sizeof(uint64_t) * ((size_t)P->n_ent + 1));
    if (!k)
        return false;
    for (uint32_t j = 0; j < P->n_ent; j++) {
        int32_t home[2];
        size_t o = home_of(P, P->pos_ent + 2 * (size_t)j, home);
        k[j] = table_key(P, home, o) << 32 | j;
    }
    qsort(k, P->n_ent, sizeof(uint64_t), cmp_u64);
    for (uint32_t j = 0; j < P->n_ent; j++)
        P->ent_order[j] = (uint32_t)k[j];
    free(k);
    return true;
}

const uint32_t *sf_spatial_entity_order(const void *plan)
{
    return ((const plan_t *)plan)->ent_order;
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
    H.h = m->sim.resolution;
    double budget = p->rule->count_is_probability ? 1024.0 : fmax(64.0, (double)p->count);
    choose_cells(s, &p->profile, H.n_idx, budget, H.nc);
    H.n_cells = H.nc[0] * (H.dim == 2 ? H.nc[1] : 1);
    for (int k = 0; k < 2; k++)
        H.cw[k] = k < H.dim ? s->extent[k] / H.nc[k] : 1;
    /* candidate displacements per dimension: [-m, m] with m the reach in
     * cells, every residue once where that covers a periodic dimension */
    double rc = sf_profile_cutoff(&p->profile);
    int32_t c_lo[2] = {0, 0};
    uint64_t span[2] = {1, 1};
    for (int k = 0; k < H.dim; k++) {
        int64_t mk = (int64_t)ceil(rc / H.cw[k]) + 1, nk = H.nc[k];
        if (s->periodic && 2 * mk + 1 >= nk) {
            c_lo[k] = (int32_t)(-(nk - 1) / 2);
            span[k] = (uint64_t)nk;
        } else {
            mk = s->periodic ? mk : (mk < nk - 1 ? mk : nk - 1);
            c_lo[k] = (int32_t)-mk;
            span[k] = (uint64_t)(2 * mk + 1);
        }
    }
    uint64_t n_cand = span[0] * span[1];
    for (int k = 0; k < 2; k++)
        H.c_lo[k] = c_lo[k], H.span[k] = (uint32_t)span[k];
    H.n_sub = H.dim == 2 ? SUB * SUB : SUB;
    size_t ns = H.n_sub;
    size_t sz = sizeof(plan_t) + sizeof(double) * 2 * (2 * (size_t)H.n_idx + H.n_ent) +
                sizeof(uint32_t) * ((size_t)H.n_cells + 1 + H.n_idx) +
                n_cand * 2 * sizeof(int32_t) + ns * n_cand * sizeof(double) +
                sizeof(fpos) * (size_t)H.n_idx + sizeof(uint32_t) * (size_t)H.n_ent + 128;
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
    CARVE(P->fp, fpos, P->n_idx);
    CARVE(P->ent_order, uint32_t, P->n_ent);
    CARVE(P->disp, int32_t, 2 * n_cand);
    CARVE(P->U, double, ns * n_cand);
#undef CARVE
    for (uint32_t i = 0; i < P->n_idx; i++)
        sf_space_position(m, ip, i, P->pos_idx + 2 * i);
    for (uint32_t i = 0; i < P->n_ent; i++)
        sf_space_position(m, ep, i, P->pos_ent + 2 * i);
    /* counting sort of the indexed neurons by cell (ascending within) */
    uint32_t *cur = malloc(sizeof(uint32_t) * ((size_t)P->n_cells + 1));
    if (!cur) {
        free(blk);
        return NULL;
    }
    memset(P->cell_start, 0, sizeof(uint32_t) * ((size_t)P->n_cells + 1));
    for (uint32_t i = 0; i < P->n_idx; i++)
        P->cell_start[cell_of(P, P->pos_idx + 2 * i) + 1]++;
    for (uint32_t c = 0; c < P->n_cells; c++)
        P->cell_start[c + 1] += P->cell_start[c];
    memcpy(cur, P->cell_start, sizeof(uint32_t) * P->n_cells);
    for (uint32_t i = 0; i < P->n_idx; i++)
        P->members[cur[cell_of(P, P->pos_idx + 2 * i)]++] = i;
    free(cur);
    for (uint32_t a = 0; a < P->n_idx; a++)
        memcpy(P->pos_sorted + 2 * (size_t)a, P->pos_idx + 2 * (size_t)P->members[a],
               2 * sizeof(double));
    /* displacements with a positive bound for some sub-position: U_q(c)
     * in the layout [q * n_cand + i] first, then packed to n_disp columns */
    P->n_disp = 0;
    for (uint64_t a = 0; a < n_cand; a++) {
        int32_t c[2] = {(int32_t)(a % span[0]) + c_lo[0], (int32_t)(a / span[0]) + c_lo[1]};
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
    P->guide_bits = 2; /* about four guide entries per cell */
    while ((1u << P->guide_bits) < 4 * P->n_disp)
        P->guide_bits++;
    fixed_point_init(P);
    if (!order_entities(P)) {
        free(blk);
        return NULL;
    }
    P->cut2 = rc * rc;
    P->nearest = true;
    for (int k = 0; k < H.dim; k++)
        P->nearest &= !s->periodic || rc < 0.5 * s->extent[k];
    P->gm[0] = P->gm[1] = -1;
    if (!P->nearest && p->profile.kind == SF_PROFILE_GAUSSIAN) {
        bool fits = true;
        for (int k = 0; k < H.dim; k++) {
            double L = s->extent[k], R = p->profile.width;
            P->gm[k] = (int)floor(rc / L + 0.5);
            fits &= P->gm[k] < 16 && 0.5 * L * L * P->gm[k] / (R * R) < 600; /* b^gm finite */
            for (int i = 0; i < 16 && i <= P->gm[k]; i++)
                P->gc[k][i] = exp(-0.5 * i * i * L * L / (R * R));
        }
        if (!fits)
            P->gm[0] = P->gm[1] = -1;
    }
    P->tail = tail_bound(P);
    return P;
}

size_t sf_spatial_scratch_bytes(const void *plan)
{
    const plan_t *P = plan;
    return sizeof(ws_head) + sizeof(wcell) * ((size_t)P->n_disp + 1) +
           sizeof(uint32_t) * ((size_t)1 << P->guide_bits) +
           sizeof(int32_t) * ((size_t)P->span[0] + P->span[1]);
}

/* The home cell of position xe per dimension and the offset of its
 * sub-position's row of U. */
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

/* The cell at signed displacement d from the home cell; false if off a
 * sheet. */
static inline bool target_cell(const plan_t *P, const int32_t *home, const int32_t *d,
                               uint32_t *cell)
{
    uint32_t c = 0, mul = 1;
    for (int k = 0; k < P->dim; k++) {
        int64_t a = (int64_t)home[k] + d[k], n = P->nc[k];
        if (P->space.periodic) /* |d| < n: one wrap (no division) */
            a = a < 0 ? a + n : a >= n ? a - n : a;
        else if (a < 0 || a >= n)
            return false;
        c += (uint32_t)a * mul;
        mul *= P->nc[k];
    }
    *cell = c;
    return true;
}

/* f of the nearest image of xs - xe: F on a sheet or when the cutoff is
 * below L/2, F - tail <= it <= F otherwise. */
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

/* The minimum image of a coordinate difference v in (-L, L). */
static inline double min_image(const plan_t *P, int k, double v)
{
    double L = P->space.extent[k];
    if (!P->space.periodic)
        return v;
    return v >= 0.5 * L ? v - L : v < -0.5 * L ? v + L : v;
}

/* exp(x) for -40 <= x <= 0 (the profiles within their cutoff; below, the
 * value is meaningless and the caller discards it), relative error about
 * 1e-13: e^x = (e^{x/1024})^1024, e^{x/1024} by its Taylor series to the
 * 9th power (|x/1024| < 0.04, remainder below 1e-19), ten squarings. Only
 * multiplications and additions, so a loop over a batch vectorises (libm's
 * exp is a call per value). */
static inline double exp_neg(double x)
{
    double r = x * (1.0 / 1024.0);
    double p = 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    p *= p, p *= p, p *= p, p *= p, p *= p; /* written out: the loop vectorises */
    p *= p, p *= p, p *= p, p *= p, p *= p;
    return p;
}

/* f of the nearest image of the coordinate differences (x[t], y[t]) in
 * (-L, L) (y[t] = 0 in 1-D; wrap false: already the nearest image), times
 * scale, for t < n; leaves r^2 in x, y is scratch. */
static void nearest_batch(const plan_t *P, int n, double *x, double *y, double scale, double *out,
                          bool wrap)
{
    const double R = P->profile.width, cut2 = P->cut2;
    if (P->space.periodic && wrap) {
        const double L0 = P->space.extent[0], i0 = 1.0 / L0;
        const double L1 = P->dim == 2 ? P->space.extent[1] : 1.0, i1 = 1.0 / L1;
#pragma omp simd
        for (int t = 0; t < n; t++) {
            x[t] -= L0 * __builtin_rint(x[t] * i0); /* |x| < L: rint is -1, 0 or 1 */
            y[t] -= L1 * __builtin_rint(y[t] * i1);
        }
    }
    for (int t = 0; t < n; t++) /* x: r^2 */
        x[t] = x[t] * x[t] + y[t] * y[t];
    switch (P->profile.kind) {
    case SF_PROFILE_BOXCAR:
        for (int t = 0; t < n; t++)
            out[t] = x[t] <= R * R ? scale : 0.0;
        break;
    case SF_PROFILE_GAUSSIAN: {
        const double c = -0.5 / (R * R);
        for (int t = 0; t < n; t++) /* beyond the cutoff finite or +inf, discarded */
            out[t] = exp_neg(c * x[t]) * scale;
        for (int t = 0; t < n; t++)
            out[t] = x[t] <= cut2 ? out[t] : 0.0;
        break;
    }
    default: {
        const double c = -1.0 / R;
        for (int t = 0; t < n; t++)
            y[t] = x[t] <= cut2 ? c * sqrt(x[t]) : 0.0;
        for (int t = 0; t < n; t++)
            out[t] = exp_neg(y[t]) * scale;
        for (int t = 0; t < n; t++)
            out[t] = x[t] <= cut2 ? out[t] : 0.0;
    }
    }
}

/* The decision of a proposal (coin lhs, partner at xs) from the double
 * positions: f of the nearest image as nearest_batch computes it, and when
 * the coin falls within tail above it, F with every image. */
static bool accept_exact(const plan_t *P, const double *xe, const double *xs, double lhs,
                         double s32, double tail)
{
    double x = xs[0] - xe[0], y = P->dim == 2 ? xs[1] - xe[1] : 0.0, f;
    nearest_batch(P, 1, &x, &y, s32, &f, true);
    if (lhs < f)
        return true;
    return !P->nearest && lhs < f + tail && lhs < profile_at(P, xe, xs) * s32;
}

/* The decisions of nb <= 32 proposals that the fixed point makes for
 * certain: coin lhs[t] against f~ = f[t] (the fixed-point f of the nearest
 * image, scaled) with r~^2 = r2[t]. Bit t of *unsure is set when the coin
 * lies within the error band of f~ (band_rel of it below, band_rel plus
 * the other images' tail above) or r~^2 within band_r2 of the cutoff (the
 * boxcar's step): then the double positions decide (accept_exact); else
 * bit t of the result is the decision, which the double positions would
 * take too. */
static inline uint32_t sure_decisions(const plan_t *P, int nb, const double *lhs,
                                      const double *f, const double *r2, double tail,
                                      uint32_t *unsure)
{
    const double lo_f = 1 - P->band_rel, hi_f = 1 + P->band_rel, band_r2 = P->band_r2;
    const double cut2 = P->cut2; /* the boxcar's step too */
    uint32_t acc = 0, uns = 0;
    int t = 0;
#ifdef __AVX2__
    /* the same comparisons four at a time, their bits by movemask */
    const __m256d vlo = _mm256_set1_pd(lo_f), vhi = _mm256_set1_pd(hi_f);
    const __m256d vtail = _mm256_set1_pd(tail), vcut = _mm256_set1_pd(cut2);
    const __m256d vband = _mm256_set1_pd(band_r2);
    const __m256d vabs = _mm256_castsi256_pd(_mm256_set1_epi64x(INT64_MAX));
    for (; t + 4 <= nb; t += 4) {
        __m256d l = _mm256_loadu_pd(lhs + t), fv = _mm256_loadu_pd(f + t);
        __m256d d = _mm256_and_pd(_mm256_sub_pd(_mm256_loadu_pd(r2 + t), vcut), vabs);
        __m256d yes = _mm256_cmp_pd(l, _mm256_mul_pd(fv, vlo), _CMP_LT_OQ);
        __m256d no = _mm256_cmp_pd(l, _mm256_add_pd(_mm256_mul_pd(fv, vhi), vtail), _CMP_GE_OQ);
        __m256d sure = _mm256_and_pd(_mm256_or_pd(yes, no), _mm256_cmp_pd(d, vband, _CMP_GT_OQ));
        acc |= (uint32_t)_mm256_movemask_pd(_mm256_and_pd(yes, sure)) << t;
        uns |= (uint32_t)(_mm256_movemask_pd(sure) ^ 15) << t;
    }
#endif
    for (; t < nb; t++) {
        int yes = lhs[t] < f[t] * lo_f;
        int s = (yes | (lhs[t] >= f[t] * hi_f + tail)) & (fabs(r2[t] - cut2) > band_r2);
        acc |= (uint32_t)(yes & s) << t;
        uns |= (uint32_t)(s ^ 1) << t;
    }
    *unsure = uns;
    return acc;
}

bool sf_spatial_decide(const void *plan, const double *xe, const double *xs, double lhs,
                       double s32, bool *exact)
{
    const plan_t *P = plan;
    uint32_t ex = fixed_of(P, 0, xe[0]), sx = fixed_of(P, 0, xs[0]);
    uint32_t ey = P->dim == 2 ? fixed_of(P, 1, xe[1]) : 0, sy = P->dim == 2 ? fixed_of(P, 1, xs[1]) : 0;
    /* a batch of four copies, so that the vectorised path decides */
    double x[4], y[4], f[4], l[4];
    for (int t = 0; t < 4; t++) {
        x[t] = (double)(int32_t)(sx - ex) * P->fq[0];
        y[t] = (double)(int32_t)(sy - ey) * (P->dim == 2 ? P->fq[1] : 0.0);
        l[t] = lhs;
    }
    uint32_t unsure;
    nearest_batch(P, 4, x, y, s32, f, false);
    uint32_t acc = sure_decisions(P, 4, l, f, x, P->tail * s32, &unsure);
    *exact = unsure & 1;
    return *exact ? accept_exact(P, xe, xs, lhs, s32, P->tail * s32) : (acc & 1);
}

void sf_spatial_band(const void *plan, double *band_rel, double *band_r2, double *tail)
{
    const plan_t *P = plan;
    *band_rel = P->band_rel;
    *band_r2 = P->band_r2;
    *tail = P->tail;
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

/* The distance delay d0 + r / v (r of the minimum image, as
 * sf_space_distance). */
static inline void set_delay(const sf_projection *p, const plan_t *P, const double *xe,
                             const double *xs, sf_conn_scratch *S, uint64_t k)
{
    if (!p->profile.distance_delay)
        return;
    double r2 = 0;
    for (int d = 0; d < P->dim; d++) {
        double v = xs[d] - xe[d], L = P->space.extent[d];
        if (P->space.periodic)
            v = v >= 0.5 * L ? v - L : v < -0.5 * L ? v + L : v;
        r2 += v * v;
    }
    S->dv[k] = p->profile.d0 + sqrt(r2) / p->profile.speed;
}

/* set_delay from the fixed-point r~^2 of the partner: the delay of the
 * same step unless d / h lies within step_margin of a rounding boundary
 * (then from the double positions). Only its step is used (sf_delay_steps). */
static inline void set_delay_fixed(const sf_projection *p, const plan_t *P, const double *xe,
                                   uint32_t a, double r2, sf_conn_scratch *S, uint64_t k)
{
    if (!p->profile.distance_delay)
        return;
    double d = p->profile.d0 + sqrt(r2) / p->profile.speed, q = d / P->h;
    if (fabs(q - floor(q) - 0.5) > P->step_margin)
        S->dv[k] = d;
    else
        set_delay(p, P, xe, P->pos_sorted + 2 * (size_t)a, S, k);
}

/* The accepted proposals of a batch (bits of acc, in order) into S->list
 * from k on, up to K: the partner's id unless it is skip or (without
 * multapses) already drawn; its distance delay with dd. Returns the new k. */
static inline __attribute__((always_inline)) uint64_t
take_accepted(const sf_projection *p, const plan_t *P, const double *xe, uint32_t acc,
              const uint32_t *ba, const double *br2, uint32_t skip, uint64_t K, uint64_t k,
              sf_conn_scratch *S, const bool multapses, const bool dd)
{
    for (; acc && k < K; acc &= acc - 1) {
        int t = __builtin_ctz(acc);
        uint32_t a = ba[t];
        uint32_t s = P->fp[a].id;
        if (s == skip)
            continue;
        if (!multapses) {
            if ((S->bitmap[s >> 6] >> (s & 63)) & 1u)
                continue;
            S->bitmap[s >> 6] |= 1ull << (s & 63);
        }
        S->list[k] = s;
        if (dd)
            set_delay_fixed(p, P, xe, a, br2[t], S, k);
        k++;
    }
    return k;
}

/* The entity's table over the cells within reach (in ws): weights n_c m_c
 * with m_c = ceil(U_q(c) S); returns their sum (0: no partner within
 * reach) and S 2^32 in *s32. */
static uint32_t entity_table(const plan_t *P, const int32_t *home, const double *U, wcell *W,
                             uint32_t *guide, double *s32)
{
    /* the cell at displacement (dx, dy): col[dx] + row[dy] (wrapped once
     * per dimension here, not per cell), -1 off a sheet */
    int32_t *col = (int32_t *)(guide + ((size_t)1 << P->guide_bits)), *row = col + P->span[0];
    for (int k = 0; k < 2; k++) {
        int32_t *v = k ? row : col;
        int64_t n = k < P->dim ? P->nc[k] : 1, mul = k ? P->nc[0] : 1;
        for (uint32_t a = 0; a < P->span[k]; a++) {
            int64_t c = (int64_t)home[k] + P->c_lo[k] + a;
            if (P->space.periodic)
                c = c < 0 ? c + n : c >= n ? c - n : c;
            v[a] = c < 0 || c >= n ? INT32_MIN / 2 : (int32_t)(c * mul);
        }
    }
    col -= P->c_lo[0];
    row -= P->c_lo[1];
    double tot = 0, nsum = 0;
    for (uint32_t i = 0; i < P->n_disp; i++) {
        int32_t cell = col[P->disp[2 * (size_t)i]] + row[P->disp[2 * (size_t)i + 1]];
        uint32_t c0 = 0, n = 0;
        if (U[i] > 0 && cell >= 0) {
            c0 = P->cell_start[cell];
            n = P->cell_start[cell + 1] - c0;
        }
        W[i].c0 = c0;
        W[i].n = n;
        tot += U[i] * n;
        nsum += n;
    }
    if (tot <= 0)
        return 0;
    /* sum n ceil(U S) <= S tot + sum n < 2^32; m = ceil(U S) <= 2^32 */
    double S = (4294967296.0 - nsum - 4096.0) / tot * (1.0 - 1e-12);
    uint64_t cum = 0;
    for (uint32_t i = 0; i < P->n_disp; i++) {
        W[i].cdf = (uint32_t)cum;
        W[i].m = W[i].n ? ceil(U[i] * S) : 0;
        cum += (uint64_t)W[i].n * (uint64_t)W[i].m;
    }
    assert(cum < 4294967296ull);
    W[P->n_disp].cdf = (uint32_t)cum;
    /* guide[g]: the first cell whose range reaches above g 2^32 / G
     * (cell i is that for the g with g B < cdf_{i+1}, B = 2^32 / G, not
     * taken by a cell before it) */
    const int sh = 32 - P->guide_bits;
    uint32_t G = 1u << P->guide_bits, g = 0;
    for (uint32_t i = 0; i < P->n_disp && g < G; i++) {
        uint64_t end = ((uint64_t)W[i + 1].cdf + ((1ull << sh) - 1)) >> sh; /* g B < cdf */
        end = end > G ? G : end;
        for (; g < end; g++)
            guide[g] = i;
    }
    for (; g < G; g++)
        guide[g] = P->n_disp - 1;
    *s32 = ldexp(S, 32);
    return (uint32_t)cum;
}

uint64_t sf_spatial_draw_fixed(const sf_projection *p, const void *plan, uint32_t j, uint64_t K,
                               uint32_t skip, sf_rng *r, sf_conn_scratch *S)
{
    const plan_t *P = plan;
    const double *xe = P->pos_ent + 2 * (size_t)j;
    uint64_t k = 0, tries = 0, max_tries = 1000000 + 1000 * K;
    if (!P->n_disp || !K)
        return 0;
    assert(S->ws && S->ws_bytes >= sf_spatial_scratch_bytes(P));
    ws_head *head = S->ws;
    wcell *W = (wcell *)(head + 1);
    uint32_t *guide = (uint32_t *)(W + P->n_disp + 1);
    int32_t home[2];
    size_t o = home_of(P, xe, home); /* the entity's cell and sub-position, once */
    /* the table depends on the cell and sub-position alone: the entities
     * come in their order (sf_spatial_entity_order), so it is mostly the
     * previous entity's */
    uint64_t key = table_key(P, home, o);
    if (S->ws_plan != P || S->ws_key != key) {
        head->cum = entity_table(P, home, P->U + o, W, guide, &head->s32);
        S->ws_plan = P;
        S->ws_key = key;
    }
    const uint32_t cum = head->cum;
    const double s32 = head->s32;
    if (!cum)
        return 0;
    const double tail = P->tail * s32;
    const int shift = 32 - P->guide_bits;
    const uint32_t ex = fixed_of(P, 0, xe[0]), ey = P->dim == 2 ? fixed_of(P, 1, xe[1]) : 0;
    const double fq0 = P->fq[0], fq1 = P->dim == 2 ? P->fq[1] : 0.0;
    /* proposals in batches of BATCH: the words of a batch come from the
     * stream at once (cells, then neurons within them, then coins; the
     * rare retries of the uniform draw within a cell from the stream after
     * them), the positions are prefetched (the sorted positions are out of
     * the core's cache), f of the nearest image is computed for the whole
     * batch (vectorised), then the proposals are decided in order, so the
     * result is that of deciding each at once */
    enum { BATCH = 32 };
    uint32_t wd[3 * BATCH], ba[BATCH];
    double blhs[BATCH], bx[BATCH], by[BATCH], bf[BATCH];
    const bool multapses = p->multapses, dd = p->profile.distance_delay;
    const fpos *const fp = P->fp;
    while (k < K && tries < max_tries) {
        sf_rng_fill_u32(r, wd, 3 * BATCH);
        tries += BATCH;
        int nb = 0;
        for (int t = 0; t < BATCH; t++) {
            uint32_t u = wd[t];
            if (u >= cum)
                continue;
            uint32_t i = guide[(uint64_t)u >> shift];
            while (W[i + 1].cdf <= u)
                i++;
            /* uniform in [0, n) (Lemire 2019, exact) */
            uint32_t n = W[i].n;
            uint64_t mm = (uint64_t)wd[BATCH + t] * n;
            if ((uint32_t)mm < n) {
                uint32_t th = (uint32_t)(-n) % n;
                while ((uint32_t)mm < th)
                    mm = (uint64_t)sf_rng_u32(r) * n;
            }
            uint32_t a = W[i].c0 + (uint32_t)(mm >> 32);
            ba[nb] = a;
            blhs[nb++] = (double)wd[2 * BATCH + t] * W[i].m; /* exact to 2^-53 */
            __builtin_prefetch(fp + a);
        }
        /* f from the fixed-point differences (the minimum image as int32);
         * a decision is certain unless the coin lies within the error
         * bands (band_rel of f, band_r2 of r^2 at a step of f) of it:
         * then the double positions decide, as they would alone */
        for (int t = 0; t < nb; t++) {
            const fpos *f = fp + ba[t];
            bx[t] = (double)(int32_t)(f->x - ex) * fq0;
            by[t] = (double)(int32_t)(f->y - ey) * fq1;
        }
        nearest_batch(P, nb, bx, by, s32, bf, false);
        uint32_t unsure, acc = sure_decisions(P, nb, blhs, bf, bx, tail, &unsure);
        for (; unsure; unsure &= unsure - 1) { /* rare: these exactly */
            int t = __builtin_ctz(unsure);
            if (accept_exact(P, xe, P->pos_sorted + 2 * (size_t)ba[t], blhs[t], s32, tail))
                acc |= 1u << t;
        }
        /* the accepted in proposal order (take_accepted specialised on the
         * two flags, so that its loop has no test of them) */
        if (multapses)
            k = dd ? take_accepted(p, P, xe, acc, ba, bx, skip, K, k, S, true, true)
                   : take_accepted(p, P, xe, acc, ba, bx, skip, K, k, S, true, false);
        else
            k = dd ? take_accepted(p, P, xe, acc, ba, bx, skip, K, k, S, false, true)
                   : take_accepted(p, P, xe, acc, ba, bx, skip, K, k, S, false, false);
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
        if (U[i] <= 0 || !target_cell(P, home, P->disp + 2 * (size_t)i, &cell))
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
