/* The level-2 moment relaxation of the n = 2 covariance perceptron's
 * maximal margin (cov_lasserre.h; docs/learning.md section 1), solved by
 * DSDP (Benson & Ye, ACM TOMS 34, 16, 2008), and the independent check of
 * its certificate.
 *
 * DSDP solves (D): max b^T y s.t. C - sum_v A_v y_v >= 0 over its cones.
 * Here y = the moments (q without q_{00,00}, z, u, E[t], E[t^2]), b picks
 * E[t], and C - sum_v A_v y_v is the relaxation's matrices B1, B2 and its
 * linear rows l_j, so C holds their constant parts and A_v = -(the
 * coefficient of moment v). Its primal (P) holds S1, S2 >= 0, mu >= 0, and
 * F = <S1, B1> + <S2, B2> + mu . l = (P's optimum) - E[t] identically in
 * the moments: the certificate. The moments are bounded by
 * |y_v| <= 2 T^2 (DSDPSetYBounds; true ones by 1, T or T^2), whose
 * multipliers the check does not need: it bounds the residual
 * coefficients of F by the monomials' bounds instead.
 *
 * The linear rows are divided by the norms n_r = ||a_r||, a_r[ik] =
 * zeta_r P^r_ik, of the patterns they contain.
 *
 * Invariant: the returned bound is the checker's, never the solver's.
 */
#include "learning/cov_lasserre.h"
#include "learning/cov_shor.h"

#include <dsdp/dsdp5.h>
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* index of the symmetric pair i <= j (or j <= i) among m(m+1)/2 */
static int sym(int i, int j)
{
    if (i > j) {
        int t = i;
        i = j, j = t;
    }
    return j * (j + 1) / 2 + i;
}

size_t sf_lasserre2_s1_len(int m)
{
    return (size_t)(2 * m) * (2 * m + 1) / 2;
}

size_t sf_lasserre2_s2_len(int m)
{
    size_t n = 2 + (size_t)m * m;
    return n * (n + 1) / 2;
}

size_t sf_lasserre2_mu_len(int p)
{
    return 1 + 2 * (size_t)p + (size_t)p * (p - 1) / 2;
}

/* T >= |g_r| on the spheres: ||P^r||_2 <= 1 + ||chi^r||_F, plus 1 */
static double t_bound(int m, int p, const double *chi)
{
    double t = 0;
    size_t mm = (size_t)m * m;
    for (int r = 0; r < p; r++) {
        double s = 0;
        for (size_t q = 0; q < mm; q++)
            s += chi[r * mm + q] * chi[r * mm + q];
        t = fmax(t, sqrt(s));
    }
    return 2 + t;
}

/* a_r[ik] = zeta_r P^r_ik and its norm */
static void pattern_vectors(int m, int p, const double *chi, const double *zeta, double *a,
                            double *nr)
{
    size_t mm = (size_t)m * m;
    for (int r = 0; r < p; r++) {
        double s = 0;
        for (int i = 0; i < m; i++)
            for (int k = 0; k < m; k++) {
                double v = zeta[r] * (chi[r * mm + (size_t)i * m + k] + (i == k));
                a[r * mm + (size_t)i * m + k] = v;
                s += v * v;
            }
        nr[r] = sqrt(s);
    }
}

/* ---- the check ---- */

/* full n x n from packed lower row-wise, shifted by delta so that it is
 * PSD: delta = max(0, -lambda_min) + the eigenvalue error allowance
 * (64 n eps ||S||_F, dsyev being backward stable; as in cov_shor.c) + the
 * rounding of the added diagonal. Returns -1 on a failure. */
static int shifted(int n, const double *packed, double *T, double *ev)
{
    double fro = 0, dmax = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j <= i; j++) {
            double v = packed[(size_t)i * (i + 1) / 2 + j];
            if (!isfinite(v))
                return -1;
            T[(size_t)i * n + j] = T[(size_t)j * n + i] = v;
            fro += (i == j ? 1 : 2) * v * v;
            if (i == j)
                dmax = fmax(dmax, fabs(v));
        }
    fro = sqrt(fro);
    if (LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'N', 'U', n, T, n, ev))
        return -1;
    double delta = fmax(0.0, -ev[0]) + 64.0 * n * DBL_EPSILON * fro + 4 * DBL_EPSILON * dmax;
    delta *= 1 + 8 * DBL_EPSILON;
    for (int i = 0; i < n; i++)
        for (int j = 0; j <= i; j++) {
            double v = packed[(size_t)i * (i + 1) / 2 + j];
            T[(size_t)i * n + j] = T[(size_t)j * n + i] = v + (i == j ? delta : 0.0);
        }
    return 0;
}

double sf_lasserre2_check(int m, int p, const double *chi, const double *zeta, const double *S1,
                          const double *S2, const double *mu)
{
    if (m < 2 || p < 1)
        return NAN;
    int ns = m * (m + 1) / 2, mm = m * m, n1 = 2 * m, n2 = 2 + mm;
    size_t nq = (size_t)ns * ns, nmu = sf_lasserre2_mu_len(p), nf = nq + 2 * (size_t)mm;
    double *T1 = malloc(sizeof(double) * n1 * n1), *T2 = malloc(sizeof(double) * n2 * n2);
    double *ev = malloc(sizeof(double) * n2), *f = calloc(2 * nf, sizeof(double));
    double *a = malloc(sizeof(double) * p * mm), *nr = malloc(sizeof(double) * p);
    double *w = malloc(sizeof(double) * nmu);
    double bound = NAN;
    if (!T1 || !T2 || !ev || !f || !a || !nr || !w)
        goto out;
    for (size_t j = 0; j < nmu; j++) {
        if (!isfinite(mu[j]))
            goto out;
        w[j] = fmax(mu[j], 0.0);
    }
    if (shifted(n1, S1, T1, ev) || shifted(n2, S2, T2, ev))
        goto out;
    pattern_vectors(m, p, chi, zeta, a, nr);
    double T = t_bound(m, p, chi);
    /* F's coefficients: f = [q (nq), z (mm), u (mm)], then their moduli's
     * sums at f + nf; c, c_t, c_tt and theirs */
    double *fq = f, *fz = f + nq, *fu = fz + mm, *aq = f + nf, *az = aq + nq, *au = az + mm;
    double c = 0, ct = 0, ctt = 0, ac = 0, act = 0, actt = 0;
#define ADD(coef, abs, v) ((coef) += (v), (abs) += fabs(v))
#define QI(i, j, k, l) ((size_t)sym(i, j) * ns + sym(k, l))
    /* <T1, B1>: E[x_a x_b] = sum_k q_{ab,kk}, E[x_a y_k] = z_ak,
     * E[y_k y_l] = sum_i q_{ii,kl} */
    for (int u = 0; u < n1; u++)
        for (int v = 0; v < n1; v++) {
            double x = T1[(size_t)u * n1 + v];
            if (u < m && v < m)
                for (int k = 0; k < m; k++)
                    ADD(fq[QI(u, v, k, k)], aq[QI(u, v, k, k)], x);
            else if (u >= m && v >= m)
                for (int i = 0; i < m; i++)
                    ADD(fq[QI(i, i, u - m, v - m)], aq[QI(i, i, u - m, v - m)], x);
            else if (u < m)
                ADD(fz[u * m + (v - m)], az[u * m + (v - m)], x);
            else
                ADD(fz[v * m + (u - m)], az[v * m + (u - m)], x);
        }
    /* <T2, B2>, v = [1; t; x (x) y] */
    ADD(c, ac, T2[0]);
    ADD(ct, act, 2 * T2[1]);
    ADD(ctt, actt, T2[n2 + 1]);
    for (int u = 2; u < n2; u++) {
        int i = (u - 2) / m, k = (u - 2) % m;
        ADD(fz[u - 2], az[u - 2], 2 * T2[u]);
        ADD(fu[u - 2], au[u - 2], 2 * T2[n2 + u]);
        for (int v = 2; v < n2; v++)
            ADD(fq[QI(i, (v - 2) / m, k, (v - 2) % m)], aq[QI(i, (v - 2) / m, k, (v - 2) % m)],
                T2[(size_t)u * n2 + v]);
    }
    /* t + T */
    ADD(ct, act, w[0]);
    ADD(c, ac, w[0] * T);
    for (int r = 0; r < p; r++) {
        const double *ar = a + (size_t)r * mm;
        /* (g_r - t) / n_r */
        double s = w[1 + r] / nr[r];
        for (int q = 0; q < mm; q++)
            ADD(fz[q], az[q], s * ar[q]);
        ADD(ct, act, -s);
        /* (t + T)(g_r - t) / n_r = (a_r . u - t^2 + T a_r . z - T t) / n_r */
        s = w[1 + p + r] / nr[r];
        for (int q = 0; q < mm; q++) {
            ADD(fu[q], au[q], s * ar[q]);
            ADD(fz[q], az[q], s * T * ar[q]);
        }
        ADD(ctt, actt, -s);
        ADD(ct, act, -s * T);
    }
    /* (g_r - t)(g_s - t) / (n_r n_s) */
    size_t row = 1 + 2 * (size_t)p;
    for (int r = 0; r < p; r++)
        for (int s = r + 1; s < p; s++, row++) {
            double ws = w[row] / (nr[r] * nr[s]);
            if (ws == 0)
                continue;
            const double *ar = a + (size_t)r * mm, *as = a + (size_t)s * mm;
            for (int u = 0; u < mm; u++) {
                double x = ws * ar[u];
                int i = u / m, k = u % m;
                for (int v = 0; v < mm; v++)
                    ADD(fq[QI(i, v / m, k, v % m)], aq[QI(i, v / m, k, v % m)], x * as[v]);
                ADD(fu[u], au[u], -ws * (ar[u] + as[u]));
            }
            ADD(ctt, actt, ws);
        }
    /* on the spheres q_{00,00} = 1 - sum of the other q_{ii,kk} */
    c += fq[0], ac += aq[0];
    for (int i = 0; i < m; i++)
        for (int k = 0; k < m; k++)
            if (i || k)
                fq[QI(i, i, k, k)] -= fq[0], aq[QI(i, i, k, k)] += aq[0];
    fq[0] = aq[0] = 0;
#undef ADD
#undef QI
    /* rounding: each coefficient has at most 4 p^2 + 2 m^2 + 8 m + 64 terms
     * (a product row reaches a q in up to 4 orderings; the elimination adds
     * one) and is off by at most that many eps times its terms' moduli */
    double g = (4.0 * p * p + 2.0 * mm + 8.0 * m + 64.0) * DBL_EPSILON * 1.01;
    double R = fabs(ctt) * T * T + g * actt * T * T + g * ac;
    for (size_t q = 0; q < nq + mm; q++)
        R += fabs(f[q]) + g * f[nf + q];
    for (size_t q = nq + mm; q < nf; q++)
        R += T * (fabs(f[q]) + g * f[nf + q]);
    double num = (c + R) * (1 + 4 * DBL_EPSILON) + 4 * DBL_MIN;
    double den_lo = -ct - g * act, den_hi = -ct + g * act;
    if (!(den_lo > 0))
        bound = INFINITY;
    else
        bound = num >= 0 ? num / den_lo * (1 + 2 * DBL_EPSILON)
                         : num / den_hi * (1 - 2 * DBL_EPSILON);
out:
    free(T1), free(T2), free(ev), free(f), free(a), free(nr), free(w);
    return bound;
}

/* ---- the solver ---- */

typedef struct {
    int var, blk, idx;
    double v;
} entry;

static int entry_cmp(const void *pa, const void *pb)
{
    const entry *a = pa, *b = pb;
    if (a->var != b->var)
        return a->var < b->var ? -1 : 1;
    if (a->blk != b->blk)
        return a->blk < b->blk ? -1 : 1;
    return (a->idx > b->idx) - (a->idx < b->idx);
}

int sf_lasserre2_solve(int m, int p, const double *chi, const double *zeta, double *S1, double *S2,
                       double *mu, sf_lasserre2_result *res)
{
    memset(res, 0, sizeof *res);
    res->bound = res->relaxation = NAN;
    if (m < 2 || m > SF_LASSERRE2_MAX_M || p < 1)
        return -3;
    int ns = m * (m + 1) / 2, mm = m * m, n1 = 2 * m, n2 = 2 + mm;
    int nq = ns * ns, nv = nq + 2 * mm + 1, ET = nq + 2 * mm, ETT = ET + 1, TMP = nv + 1;
    size_t rows = sf_lasserre2_mu_len(p), w = (size_t)nv + 2;
    res->variables = nv, res->rows = (int)rows;
    /* DSDP numbers y from 1; 0 is the constant; q_{00,00} goes to TMP first */
#define QV(I, K) ((I) == 0 && (K) == 0 ? TMP : (I) * ns + (K))
#define ZV(i, k) (nq + (i) * m + (k))
#define UV(i, k) (nq + mm + (i) * m + (k))
    size_t ne_max = (size_t)n1 * (n1 + 1) / 2 * m + (size_t)n2 * (n2 + 1) / 2 + 4 * (size_t)mm + 16;
    entry *e = malloc(sizeof(entry) * ne_max);
    int *ind = malloc(sizeof(int) * ne_max), *ik = malloc(sizeof(int) * (nv + 2)), *lcol = NULL;
    double *val = malloc(sizeof(double) * ne_max), *lval = NULL;
    double *L = calloc(rows * w, sizeof(double)); /* dense rows; col 0: constant */
    double *a = malloc(sizeof(double) * p * mm), *nr = malloc(sizeof(double) * p);
    int rc = 0;
    if (!e || !ind || !val || !L || !a || !nr || !ik) {
        rc = -1;
        goto done;
    }
    size_t ne = 0;
    for (int u = 0; u < n1; u++)
        for (int v = 0; v <= u; v++) {
            int idx = u * (u + 1) / 2 + v;
            if (u < m)
                for (int k = 0; k < m; k++)
                    e[ne++] = (entry){QV(sym(u, v), sym(k, k)), 0, idx, 1.0};
            else if (v >= m)
                for (int i = 0; i < m; i++)
                    e[ne++] = (entry){QV(sym(i, i), sym(u - m, v - m)), 0, idx, 1.0};
            else
                e[ne++] = (entry){ZV(v, u - m), 0, idx, 1.0};
        }
    e[ne++] = (entry){0, 1, 0, 1.0};
    e[ne++] = (entry){ET, 1, 1, 1.0};
    e[ne++] = (entry){ETT, 1, 2, 1.0};
    for (int u = 2; u < n2; u++) {
        int i = (u - 2) / m, k = (u - 2) % m, base = u * (u + 1) / 2;
        e[ne++] = (entry){ZV(i, k), 1, base, 1.0};
        e[ne++] = (entry){UV(i, k), 1, base + 1, 1.0};
        for (int v = 2; v <= u; v++)
            e[ne++] = (entry){QV(sym(i, (v - 2) / m), sym(k, (v - 2) % m)), 1, base + v, 1.0};
    }
    /* q_{00,00} = 1 - sum of the other q_{ii,kk} */
    size_t ne0 = ne;
    for (size_t q = 0; q < ne0; q++)
        if (e[q].var == TMP) {
            e[q].var = 0;
            for (int i = 0; i < m; i++)
                for (int k = 0; k < m; k++)
                    if (i || k)
                        e[ne++] = (entry){QV(sym(i, i), sym(k, k)), e[q].blk, e[q].idx, -e[q].v};
        }
    qsort(e, ne, sizeof *e, entry_cmp);
    size_t nu = 0; /* merged */
    for (size_t q = 0; q < ne; q++) {
        if (nu && e[nu - 1].var == e[q].var && e[nu - 1].blk == e[q].blk &&
            e[nu - 1].idx == e[q].idx)
            e[nu - 1].v += e[q].v;
        else
            e[nu++] = e[q];
    }
    for (size_t q = 0; q < nu; q++)
        ind[q] = e[q].idx, val[q] = e[q].v;
    /* the linear rows */
    pattern_vectors(m, p, chi, zeta, a, nr);
    double T = t_bound(m, p, chi);
    L[ET] = 1, L[0] = T;
    for (int r = 0; r < p; r++) {
        const double *ar = a + (size_t)r * mm;
        double *r1 = L + (1 + (size_t)r) * w, *r2 = L + (1 + (size_t)p + r) * w, s = 1.0 / nr[r];
        for (int q = 0; q < mm; q++) {
            r1[nq + q] = s * ar[q];
            r2[nq + mm + q] = s * ar[q];
            r2[nq + q] = s * T * ar[q];
        }
        r1[ET] = -s;
        r2[ETT] = -s, r2[ET] = -s * T;
    }
    size_t jr = 1 + 2 * (size_t)p;
    for (int r = 0; r < p; r++)
        for (int s = r + 1; s < p; s++, jr++) {
            double *row = L + jr * w, sc = 1.0 / (nr[r] * nr[s]);
            const double *ar = a + (size_t)r * mm, *as = a + (size_t)s * mm;
            for (int u = 0; u < mm; u++) {
                int i = u / m, k = u % m;
                double x = sc * ar[u];
                for (int v = 0; v < mm; v++)
                    row[QV(sym(i, v / m), sym(k, v % m))] += x * as[v];
                row[nq + mm + u] -= sc * (ar[u] + as[u]);
            }
            row[ETT] = sc;
        }
    for (size_t j = 0; j < rows; j++) {
        double *row = L + j * w, x = row[TMP];
        if (x == 0)
            continue;
        row[0] += x;
        for (int i = 0; i < m; i++)
            for (int k = 0; k < m; k++)
                if (i || k)
                    row[QV(sym(i, i), sym(k, k))] -= x;
        row[TMP] = 0;
    }
    /* column-sparse: column 0 = c = the constants, column v = -l_v */
    size_t nnz = 0;
    for (size_t j = 0; j < rows * w; j++)
        nnz += L[j] != 0;
    lcol = malloc(sizeof(int) * (nnz + 1)), lval = malloc(sizeof(double) * (nnz + 1));
    if (!lcol || !lval) {
        rc = -1;
        goto done;
    }
    size_t z = 0;
    for (int v = 0; v <= nv; v++) {
        ik[v] = (int)z;
        for (size_t j = 0; j < rows; j++) {
            double x = L[j * w + v];
            if (x != 0)
                lcol[z] = (int)j, lval[z++] = v == 0 ? x : -x;
        }
    }
    ik[nv + 1] = (int)z;
#undef QV
#undef ZV
#undef UV

    sf_dsdp_lock();
    DSDP dsdp = NULL;
    SDPCone sdp;
    LPCone lp;
    int info = DSDPCreate(nv, &dsdp);
    info = info || DSDPCreateSDPCone(dsdp, 2, &sdp) || DSDPCreateLPCone(dsdp, &lp);
    info = info || SDPConeSetBlockSize(sdp, 0, n1) || SDPConeSetBlockSize(sdp, 1, n2);
    info = info || SDPConeSetSparsity(sdp, 0, nv) || SDPConeSetSparsity(sdp, 1, nv);
    for (size_t q = 0; q < nu && !info;) {
        size_t q1 = q;
        while (q1 < nu && e[q1].var == e[q].var && e[q1].blk == e[q].blk)
            q1++;
        info = SDPConeSetASparseVecMat(sdp, e[q].blk, e[q].var, e[q].blk ? n2 : n1,
                                       e[q].var ? -1.0 : 1.0, 0, ind + q, val + q, (int)(q1 - q));
        q = q1;
    }
    info = info || LPConeSetData(lp, (int)rows, ik, lcol, lval);
    info = info || DSDPSetDualObjective(dsdp, ET, 1.0) || DSDPSetYBounds(dsdp, -2 * T * T, 2 * T * T);
    info = info || DSDPSetGapTolerance(dsdp, 1e-8) || DSDPSetMaxIts(dsdp, 300);
    info = info || DSDPSetup(dsdp);
    double *c1 = NULL, *c2 = NULL, *cl = NULL;
    if (!info && !DSDPSolve(dsdp)) {
        DSDPTerminationReason why;
        DSDPStopReason(dsdp, &why);
        res->converged = why == DSDP_CONVERGED;
        DSDPGetIts(dsdp, &res->iterations);
        DSDPGetDObjective(dsdp, &res->relaxation);
        double *x1, *x2, *xl;
        int k1, k2, kl;
        if (!DSDPComputeX(dsdp) && !SDPConeGetXArray(sdp, 0, &x1, &k1) &&
            !SDPConeGetXArray(sdp, 1, &x2, &k2) && !LPConeGetXArray(lp, &xl, &kl) &&
            (size_t)k1 == sf_lasserre2_s1_len(m) && (size_t)k2 == sf_lasserre2_s2_len(m) &&
            (size_t)kl == rows) {
            c1 = S1 ? S1 : malloc(sizeof(double) * k1);
            c2 = S2 ? S2 : malloc(sizeof(double) * k2);
            cl = mu ? mu : malloc(sizeof(double) * kl);
            if (c1 && c2 && cl) {
                memcpy(c1, x1, sizeof(double) * k1);
                memcpy(c2, x2, sizeof(double) * k2);
                memcpy(cl, xl, sizeof(double) * kl);
            } else
                rc = -1;
        } else
            rc = -2;
    } else
        rc = -2;
    if (dsdp)
        DSDPDestroy(dsdp);
    sf_dsdp_unlock();
    if (!rc)
        res->bound = sf_lasserre2_check(m, p, chi, zeta, c1, c2, cl);
    if (c1 != S1)
        free(c1);
    if (c2 != S2)
        free(c2);
    if (cl != mu)
        free(cl);
done:
    free(e), free(ind), free(val), free(L), free(a), free(nr), free(ik), free(lcol), free(lval);
    return rc;
}
