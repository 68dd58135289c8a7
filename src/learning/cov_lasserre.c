/* The level-2 moment relaxation of the n = 2 covariance perceptron's
 * maximal margin (cov_lasserre.h; docs/learning.md section 1), solved by
 * DSDP (Benson & Ye, ACM TOMS 34, 16, 2008), and the independent check of
 * its certificate.
 *
 * One builder (`build`) writes the relaxation as a list of terms: entry
 * (block, packed position) or row gets coefficient v on the normal-form
 * monomial with id var (id 0: the monomial 1). Both the solver and the
 * check use it; the check takes nothing from DSDP but its S_b and mu.
 *
 * DSDP solves (D): max b^T y s.t. C - sum_v A_v y_v >= 0 over its cones.
 * y = the moments (ids 1..), b picks E[t], C = the constant parts, A_v =
 * -(the coefficient of moment v). Its primal (P) holds S_b >= 0, mu >= 0
 * with F = sum_b <S_b, blk_b> + mu . rows = (P's optimum) - E[t]
 * identically in the moments: the certificate. The moments are bounded by
 * |y_v| <= 2 T^2 (DSDPSetYBounds; true ones by 1, T or T^2); the check does
 * not need those multipliers: it bounds F's residual coefficients by the
 * monomials' bounds instead.
 *
 * Invariant: the returned bound is the checker's, never the solver's.
 */
#include "learning/cov_lasserre.h"
#include "learning/cov_shor.h"

#include <dsdp/dsdp5.h>
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- monomials: up to 4 variable indices, sorted (x_i = i, y_k = m + k,
 * t = 2m), 5 bits each, 31 = none ---- */

#define KEYBITS 20
#define NONE 31

typedef struct {
    int var, blk, pos; /* blk -1: a row; pos: packed index or row */
    double v;
} term;

typedef struct {
    int m, p, nvar;
    int *id;           /* key -> monomial id + 1 (0: not seen)               */
    int *deg;          /* id -> 0: (x, y) only, 1: has t, 2: t^2              */
    term *t;
    size_t nt, cap;
    double *acc;       /* a row's dense accumulator over ids                  */
    int *touched;
    size_t ntouched;
    bool fail;
} builder;

static uint32_t key_of(const int *ix, int n)
{
    int s[4];
    for (int i = 0; i < n; i++) {
        int v = ix[i], j = i;
        while (j > 0 && s[j - 1] > v)
            s[j] = s[j - 1], j--;
        s[j] = v;
    }
    uint32_t k = 0;
    for (int i = 0; i < 4; i++)
        k = k << 5 | (uint32_t)(i < n ? s[i] : NONE);
    return k;
}

static int mono_id(builder *b, const int *ix, int n)
{
    uint32_t k = key_of(ix, n);
    if (!b->id[k]) {
        int nt = 0;
        for (int i = 0; i < n; i++)
            nt += ix[i] == 2 * b->m;
        b->deg[b->nvar] = nt;
        b->id[k] = ++b->nvar;
    }
    return b->id[k] - 1;
}

static void push(builder *b, int var, int blk, int pos, double v)
{
    if (blk < 0) { /* rows accumulate densely, flushed by row_end */
        if (b->acc[var] == 0)
            b->touched[b->ntouched++] = var;
        b->acc[var] += v; /* listed again if it returns to 0: flushed once */
        return;
    }
    if (b->nt == b->cap) {
        size_t c = b->cap ? 2 * b->cap : 4096;
        term *t = realloc(b->t, sizeof(term) * c);
        if (!t) {
            b->fail = true;
            return;
        }
        b->t = t, b->cap = c;
    }
    b->t[b->nt++] = (term){var, blk, pos, v};
}

static void row_end(builder *b, int row)
{
    for (size_t q = 0; q < b->ntouched; q++) {
        int var = b->touched[q];
        double v = b->acc[var];
        b->acc[var] = 0;
        if (v != 0) {
            if (b->nt == b->cap) {
                size_t c = b->cap ? 2 * b->cap : 4096;
                term *t = realloc(b->t, sizeof(term) * c);
                if (!t) {
                    b->fail = true;
                    continue;
                }
                b->t = t, b->cap = c;
            }
            b->t[b->nt++] = (term){var, -1, row, v};
        }
    }
    b->ntouched = 0;
}

/* emits coef * (the monomial ix[0..n)) reduced modulo the spheres */
static void emit(builder *b, const int *ix, int n, double coef, int blk, int pos)
{
    int m = b->m;
    for (int s = 0; s < 2; s++) { /* x_{m-1}^2, then y_{m-1}^2 */
        int last = s ? 2 * m - 1 : m - 1, a = -1, c = -1;
        for (int i = 0; i < n; i++)
            if (ix[i] == last) {
                if (a < 0)
                    a = i;
                else if (c < 0)
                    c = i;
            }
        if (c >= 0) {
            int rest[4] = {0}, nr = 0;
            for (int i = 0; i < n; i++)
                if (i != a && i != c)
                    rest[nr++] = ix[i];
            emit(b, rest, nr, coef, blk, pos);
            for (int i = 0; i < m - 1; i++) {
                rest[nr] = rest[nr + 1] = s ? m + i : i;
                emit(b, rest, nr + 2, -coef, blk, pos);
            }
            return;
        }
    }
    push(b, mono_id(b, ix, n), blk, pos, coef);
}

static void emit2(builder *b, int u, int v, const int *w, int nw, double coef, int blk, int pos)
{
    int ix[4] = {u, v}, n = 2;
    for (int i = 0; i < nw; i++)
        ix[n++] = w[i];
    emit(b, ix, n, coef, blk, pos);
}

/* the even basis e of blk 1: element q as up to 2 indices, in the order
 * 1, t, x_i x_j (i <= j), x_i y_k, y_k y_l (k <= l), without the squares
 * of x_{m-1} and y_{m-1} */
static int even_basis(int m, int q, int *ix)
{
    if (q == 0)
        return 0;
    if (q == 1)
        return ix[0] = 2 * m, 1;
    int c = 2;
    for (int s = 0; s < 3; s++) /* xx, xy, yy */
        for (int j = 0; j < m; j++)
            for (int i = 0; i < (s == 1 ? m : j + 1); i++) {
                if (s != 1 && i == m - 1 && j == m - 1)
                    continue;
                if (c++ == q) {
                    ix[0] = s == 2 ? m + i : i;
                    ix[1] = s == 0 ? j : m + j;
                    return 2;
                }
            }
    return -1;
}

static int even_size(int m)
{
    return 2 + 2 * (m * (m + 1) / 2 - 1) + m * m;
}

/* a_r[ik] = zeta_r P^r_ik, its norm, and T */
static double patterns(int m, int p, const double *chi, const double *zeta, double *a, double *nr)
{
    size_t mm = (size_t)m * m;
    double tb = 0;
    for (int r = 0; r < p; r++) {
        double s = 0, f = 0;
        for (int i = 0; i < m; i++)
            for (int k = 0; k < m; k++) {
                double c = chi[r * mm + (size_t)i * m + k], v = zeta[r] * (c + (i == k));
                a[r * mm + (size_t)i * m + k] = v;
                s += v * v, f += c * c;
            }
        nr[r] = sqrt(s);
        tb = fmax(tb, sqrt(f));
    }
    return 2 + tb; /* ||P||_2 <= 1 + ||chi||_F, plus 1 */
}

static size_t max_monomials(int m)
{
    size_t n = 2 * (size_t)m + 5; /* C(2m + 1 + 4, 4) bounds them */
    return n * (n - 1) * (n - 2) * (n - 3) / 24 + 1;
}

/* the relaxation of the first p patterns as terms (sorted by var, blk,
 * pos; merged); T out */
static int build(builder *b, int m, int p, const double *chi, const double *zeta, double *T)
{
    memset(b, 0, sizeof *b);
    b->m = m, b->p = p;
    size_t mm = (size_t)m * m, nmax = max_monomials(m);
    b->id = calloc((size_t)1 << KEYBITS, sizeof(int));
    b->deg = calloc(nmax, sizeof(int));
    b->acc = calloc(nmax, sizeof(double));
    b->touched = malloc(sizeof(int) * nmax);
    double *a = malloc(sizeof(double) * p * mm), *nr = malloc(sizeof(double) * p);
    if (!b->id || !b->deg || !b->acc || !b->touched || !a || !nr) {
        free(a), free(nr);
        return -1;
    }
    int one[1] = {0};
    mono_id(b, one, 0); /* id 0: the constant */
    *T = patterns(m, p, chi, zeta, a, nr);
    int n1 = 2 * m, ne = even_size(m), tix = 2 * m;
    /* blk 0, 2, 3 + r: w w^T times 1, (t + T), (g_r - t) / n_r */
    for (int u = 0; u < n1; u++)
        for (int v = 0; v <= u; v++) {
            int pos = u * (u + 1) / 2 + v;
            emit2(b, u, v, NULL, 0, 1.0, 0, pos);
            emit2(b, u, v, &tix, 1, 1.0, 2, pos);
            emit2(b, u, v, NULL, 0, *T, 2, pos);
            for (int r = 0; r < p; r++) {
                const double *ar = a + (size_t)r * mm;
                for (int i = 0; i < m; i++)
                    for (int k = 0; k < m; k++) {
                        double c = ar[(size_t)i * m + k] / nr[r];
                        if (c != 0) {
                            int w[2] = {i, m + k};
                            emit2(b, u, v, w, 2, c, 3 + r, pos);
                        }
                    }
                emit2(b, u, v, &tix, 1, -1.0 / nr[r], 3 + r, pos);
            }
        }
    /* blk 1 */
    for (int u = 0; u < ne; u++)
        for (int v = 0; v <= u; v++) {
            int iu[2], iv[2], nu = even_basis(m, u, iu), nv = even_basis(m, v, iv);
            int ix[4];
            for (int q = 0; q < nu; q++)
                ix[q] = iu[q];
            for (int q = 0; q < nv; q++)
                ix[nu + q] = iv[q];
            emit(b, ix, nu + nv, 1.0, 1, u * (u + 1) / 2 + v);
        }
    /* rows */
    int row = 0;
    emit(b, &tix, 1, 1.0, -1, row), emit(b, NULL, 0, *T, -1, row), row_end(b, row++);
    for (int r = 0; r < p; r++, row++) { /* (g_r - t) / n_r */
        const double *ar = a + (size_t)r * mm;
        for (size_t q = 0; q < mm; q++) {
            int w[2] = {(int)(q / m), m + (int)(q % m)};
            emit(b, w, 2, ar[q] / nr[r], -1, row);
        }
        emit(b, &tix, 1, -1.0 / nr[r], -1, row);
        row_end(b, row);
    }
    for (int r = 0; r < p; r++, row++) { /* (t + T)(g_r - t) / n_r */
        const double *ar = a + (size_t)r * mm;
        for (size_t q = 0; q < mm; q++) {
            int w[3] = {(int)(q / m), m + (int)(q % m), tix};
            emit(b, w, 3, ar[q] / nr[r], -1, row);
            emit(b, w, 2, *T * ar[q] / nr[r], -1, row);
        }
        int tt[2] = {tix, tix};
        emit(b, tt, 2, -1.0 / nr[r], -1, row);
        emit(b, &tix, 1, -*T / nr[r], -1, row);
        row_end(b, row);
    }
    for (int r = 0; r < p; r++)
        for (int s = r + 1; s < p; s++, row++) { /* (g_r - t)(g_s - t) / (n_r n_s) */
            const double *ar = a + (size_t)r * mm, *as = a + (size_t)s * mm;
            double sc = 1.0 / (nr[r] * nr[s]);
            for (size_t q = 0; q < mm; q++) {
                int w[4] = {(int)(q / m), m + (int)(q % m)};
                for (size_t q2 = 0; q2 < mm; q2++) {
                    double c = sc * ar[q] * as[q2];
                    if (c != 0) {
                        w[2] = (int)(q2 / m), w[3] = m + (int)(q2 % m);
                        emit(b, w, 4, c, -1, row);
                    }
                }
                w[2] = tix;
                emit(b, w, 3, -sc * (ar[q] + as[q]), -1, row);
            }
            int tt[2] = {tix, tix};
            emit(b, tt, 2, sc, -1, row);
            row_end(b, row);
        }
    free(a), free(nr);
    if (b->fail)
        return -1;
    return 0;
}

/* The normal form of one monomial, for the unit test: the builder's own
 * emit into a row, read back by monomial. */
int sf_lasserre2_normal_form(int m, const int *ix, int n, int (*mono)[4], double *coef, int cap)
{
    if (m < 2 || m > SF_LASSERRE2_MAX_M || n < 0 || n > 4)
        return -1;
    for (int i = 0; i < n; i++)
        if (ix[i] < 0 || ix[i] > 2 * m)
            return -1;
    builder b;
    memset(&b, 0, sizeof b);
    b.m = m;
    size_t nmax = max_monomials(m);
    b.id = calloc((size_t)1 << KEYBITS, sizeof(int));
    b.deg = calloc(nmax, sizeof(int));
    b.acc = calloc(nmax, sizeof(double));
    b.touched = malloc(sizeof(int) * nmax);
    int got = -1;
    if (b.id && b.deg && b.acc && b.touched) {
        emit(&b, ix, n, 1.0, -1, 0);
        row_end(&b, 0);
        got = b.fail || b.nt > (size_t)cap ? -1 : (int)b.nt;
        for (uint32_t k = 0; got > 0 && k < (1u << KEYBITS); k++)
            for (int q = 0; b.id[k] && q < got; q++)
                if (b.t[q].var == b.id[k] - 1) {
                    for (int i = 0; i < 4; i++) {
                        int v = (int)(k >> (5 * (3 - i)) & 31);
                        mono[q][i] = v == NONE ? -1 : v;
                    }
                    coef[q] = b.t[q].v;
                }
    }
    free(b.t), free(b.id), free(b.deg), free(b.acc), free(b.touched);
    return got;
}

static int term_cmp(const void *pa, const void *pb)
{
    const term *a = pa, *b = pb;
    if (a->var != b->var)
        return a->var < b->var ? -1 : 1;
    if (a->blk != b->blk)
        return a->blk < b->blk ? -1 : 1;
    return (a->pos > b->pos) - (a->pos < b->pos);
}

static void merge(builder *b)
{
    qsort(b->t, b->nt, sizeof(term), term_cmp);
    size_t nu = 0;
    for (size_t q = 0; q < b->nt; q++) {
        if (nu && b->t[nu - 1].var == b->t[q].var && b->t[nu - 1].blk == b->t[q].blk &&
            b->t[nu - 1].pos == b->t[q].pos)
            b->t[nu - 1].v += b->t[q].v;
        else
            b->t[nu++] = b->t[q];
    }
    b->nt = nu;
}

static void builder_free(builder *b)
{
    free(b->id), free(b->deg), free(b->t), free(b->acc), free(b->touched);
}

static int block_size(int m, int blk)
{
    return blk == 1 ? even_size(m) : 2 * m;
}

static size_t block_offset(int m, int blk)
{
    size_t n1 = (size_t)2 * m * (2 * m + 1) / 2, ne = (size_t)even_size(m);
    if (blk == 0)
        return 0;
    if (blk == 1)
        return n1;
    return n1 + ne * (ne + 1) / 2 + (size_t)(blk - 2) * n1;
}

size_t sf_lasserre2_x_len(int m, int p)
{
    return block_offset(m, 3 + p);
}

size_t sf_lasserre2_mu_len(int p)
{
    return 1 + 2 * (size_t)p + (size_t)p * (p - 1) / 2;
}

/* ---- the check ---- */

/* packed lower row-wise n x n -> shifted by delta so that it is PSD:
 * delta = max(0, -lambda_min) + the eigenvalue error allowance (64 n eps
 * ||S||_F, dsyev being backward stable; as in cov_shor.c) + the rounding
 * of the added diagonal. Writes the shifted packed matrix to out. */
static int shifted(int n, const double *packed, double *full, double *ev, double *out)
{
    double fro = 0, dmax = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j <= i; j++) {
            double v = packed[(size_t)i * (i + 1) / 2 + j];
            if (!isfinite(v))
                return -1;
            full[(size_t)i * n + j] = full[(size_t)j * n + i] = v;
            fro += (i == j ? 1 : 2) * v * v;
            if (i == j)
                dmax = fmax(dmax, fabs(v));
        }
    fro = sqrt(fro);
    if (LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'N', 'U', n, full, n, ev))
        return -1;
    double delta = fmax(0.0, -ev[0]) + 64.0 * n * DBL_EPSILON * fro + 4 * DBL_EPSILON * dmax;
    delta *= 1 + 8 * DBL_EPSILON;
    for (int i = 0; i < n; i++)
        for (int j = 0; j <= i; j++) {
            size_t q = (size_t)i * (i + 1) / 2 + j;
            out[q] = packed[q] + (i == j ? delta : 0.0);
        }
    return 0;
}

static double check_built(const builder *b, int m, int p, double T, const double *X,
                          const double *mu)
{
    size_t nx = sf_lasserre2_x_len(m, p), nmu = sf_lasserre2_mu_len(p);
    int nmax = even_size(m);
    double *S = malloc(sizeof(double) * nx), *full = malloc(sizeof(double) * nmax * nmax);
    double *ev = malloc(sizeof(double) * nmax), *f = calloc(2 * (size_t)b->nvar, sizeof(double));
    double *w = malloc(sizeof(double) * nmu), bound = NAN;
    int *cnt = calloc((size_t)b->nvar, sizeof(int));
    if (!S || !full || !ev || !f || !w || !cnt)
        goto out;
    for (size_t j = 0; j < nmu; j++) {
        if (!isfinite(mu[j]))
            goto out;
        w[j] = fmax(mu[j], 0.0);
    }
    for (int blk = 0; blk < 3 + p; blk++) {
        size_t o = block_offset(m, blk);
        if (shifted(block_size(m, blk), X + o, full, ev, S + o))
            goto out;
    }
    /* F's coefficient of each monomial, and the sum of its terms' moduli */
    double *af = f + b->nvar;
    for (size_t q = 0; q < b->nt; q++) {
        const term *t = &b->t[q];
        double x;
        if (t->blk < 0)
            x = w[t->pos] * t->v;
        else {
            int u = (int)((sqrt(8.0 * t->pos + 1) - 1) / 2);
            while (u * (u + 1) / 2 > t->pos)
                u--;
            while ((u + 1) * (u + 2) / 2 <= t->pos)
                u++;
            int v = t->pos - u * (u + 1) / 2;
            x = (u == v ? 1.0 : 2.0) * S[block_offset(m, t->blk) + t->pos] * t->v;
        }
        f[t->var] += x, af[t->var] += fabs(x), cnt[t->var]++;
    }
    int kmax = 0;
    for (int v = 0; v < b->nvar; v++)
        kmax = cnt[v] > kmax ? cnt[v] : kmax;
    /* rounding: a coefficient summed from k terms is off by at most
     * k eps times the sum of their moduli (each term one product more) */
    double g = (kmax + 4.0) * DBL_EPSILON * 1.01, R = 0, c = 0, ct = 0, act = 0;
    int tix = 2 * m, idt = b->id[key_of(&tix, 1)] - 1; /* the monomial t */
    for (int v = 0; v < b->nvar; v++) {
        if (v == 0)
            c = f[0] + g * af[0];
        else if (v == idt)
            ct = f[v], act = af[v];
        else {
            double bnd = b->deg[v] == 0 ? 1.0 : b->deg[v] == 1 ? T : T * T;
            R += bnd * (fabs(f[v]) + g * af[v]);
        }
    }
    double num = (c + R) * (1 + 4 * DBL_EPSILON) + 4 * DBL_MIN;
    double den_lo = -ct - g * act, den_hi = -ct + g * act;
    if (idt < 0 || !(den_lo > 0))
        bound = INFINITY;
    else
        bound = num >= 0 ? num / den_lo * (1 + 2 * DBL_EPSILON) : num / den_hi * (1 - 2 * DBL_EPSILON);
out:
    free(S), free(full), free(ev), free(f), free(w), free(cnt);
    return bound;
}

double sf_lasserre2_check(int m, int p, const double *chi, const double *zeta, const double *X,
                          const double *mu)
{
    if (m < 2 || m > SF_LASSERRE2_MAX_M || p < 1)
        return NAN;
    builder b;
    double T, bound = NAN;
    if (!build(&b, m, p, chi, zeta, &T)) {
        merge(&b);
        bound = check_built(&b, m, p, T, X, mu);
    }
    builder_free(&b);
    return bound;
}

/* ---- the solver ---- */

int sf_lasserre2_solve(int m, int p, const double *chi, const double *zeta, double *X, double *mu,
                       sf_lasserre2_result *res)
{
    memset(res, 0, sizeof *res);
    res->bound = res->relaxation = NAN;
    if (m < 2 || m > SF_LASSERRE2_MAX_M || p < 1)
        return -3;
    builder b;
    double T;
    size_t rows = sf_lasserre2_mu_len(p), nx = sf_lasserre2_x_len(m, p);
    int rc = build(&b, m, p, chi, zeta, &T) ? -1 : 0;
    int *ind = NULL, *ik = NULL, *lcol = NULL;
    double *val = NULL, *lval = NULL, *cx = NULL, *cm = NULL;
    if (rc)
        goto done;
    merge(&b);
    int nv = b.nvar - 1, tix = 2 * m, ET = b.id[key_of(&tix, 1)] - 1;
    res->variables = nv, res->rows = (int)rows;
    /* the SDP terms first in each var (blk >= 0 sorts after -1: split) */
    ind = malloc(sizeof(int) * (b.nt + 1)), val = malloc(sizeof(double) * (b.nt + 1));
    ik = malloc(sizeof(int) * ((size_t)nv + 2));
    lcol = malloc(sizeof(int) * (b.nt + 1)), lval = malloc(sizeof(double) * (b.nt + 1));
    cx = X ? X : malloc(sizeof(double) * nx), cm = mu ? mu : malloc(sizeof(double) * rows);
    if (!ind || !val || !ik || !lcol || !lval || !cx || !cm) {
        rc = -1;
        goto done;
    }
    size_t z = 0;
    for (size_t q = 0, v = 0; v <= (size_t)nv; v++) { /* LP columns: c, then -l_v */
        ik[v] = (int)z;
        while (q < b.nt && b.t[q].var == (int)v) {
            if (b.t[q].blk < 0)
                lcol[z] = b.t[q].pos, lval[z++] = v == 0 ? b.t[q].v : -b.t[q].v;
            q++;
        }
    }
    ik[nv + 1] = (int)z;
    for (size_t q = 0; q < b.nt; q++)
        ind[q] = b.t[q].pos, val[q] = b.t[q].v;

    sf_dsdp_lock();
    DSDP dsdp = NULL;
    SDPCone sdp;
    LPCone lp;
    int info = DSDPCreate(nv, &dsdp);
    info = info || DSDPCreateSDPCone(dsdp, 3 + p, &sdp) || DSDPCreateLPCone(dsdp, &lp);
    for (int blk = 0; blk < 3 + p && !info; blk++)
        info = SDPConeSetBlockSize(sdp, blk, block_size(m, blk));
    for (size_t q = 0; q < b.nt && !info;) {
        size_t q1 = q;
        while (q1 < b.nt && b.t[q1].var == b.t[q].var && b.t[q1].blk == b.t[q].blk)
            q1++;
        if (b.t[q].blk >= 0)
            info = SDPConeSetASparseVecMat(sdp, b.t[q].blk, b.t[q].var,
                                           block_size(m, b.t[q].blk), b.t[q].var ? -1.0 : 1.0, 0,
                                           ind + q, val + q, (int)(q1 - q));
        q = q1;
    }
    info = info || LPConeSetData(lp, (int)rows, ik, lcol, lval);
    info = info || DSDPSetDualObjective(dsdp, ET, 1.0) || DSDPSetYBounds(dsdp, -2 * T * T, 2 * T * T);
    info = info || DSDPSetGapTolerance(dsdp, 1e-8) || DSDPSetMaxIts(dsdp, 300);
    info = info || DSDPSetup(dsdp);
    if (!info && !DSDPSolve(dsdp)) {
        DSDPTerminationReason why;
        DSDPStopReason(dsdp, &why);
        res->converged = why == DSDP_CONVERGED;
        DSDPGetIts(dsdp, &res->iterations);
        DSDPGetDObjective(dsdp, &res->relaxation);
        double *xl;
        int kl;
        if (!DSDPComputeX(dsdp) && !LPConeGetXArray(lp, &xl, &kl) && (size_t)kl == rows) {
            memcpy(cm, xl, sizeof(double) * rows);
            for (int blk = 0; blk < 3 + p && !rc; blk++) {
                double *xb;
                int kb, n = block_size(m, blk);
                if (SDPConeGetXArray(sdp, blk, &xb, &kb) || kb != n * (n + 1) / 2)
                    rc = -2;
                else
                    memcpy(cx + block_offset(m, blk), xb, sizeof(double) * kb);
            }
        } else
            rc = -2;
    } else
        rc = -2;
    if (dsdp)
        DSDPDestroy(dsdp);
    sf_dsdp_unlock();
    if (!rc)
        res->bound = check_built(&b, m, p, T, cx, cm);
done:
    if (cx != X)
        free(cx);
    if (cm != mu)
        free(cm);
    free(ind), free(val), free(ik), free(lcol), free(lval);
    builder_free(&b);
    return rc;
}
