/* The Shor relaxation of the n = 2 covariance perceptron's maximal margin,
 * solved by DSDP (Benson & Ye, ACM TOMS 34, 16, 2008), and the independent
 * check of its certificate (cov_shor.h; docs/learning.md section 1).
 *
 * DSDP solves (D): max b^T y s.t. C - sum_i A_i y_i >= 0 over its cones.
 * Here y = lambda (p variables, lower bounds 0), b = 1, and two m x m
 * blocks: C = 1, A_r = zeta_r P^r and C = 1, A_r = -zeta_r P^r, i.e.
 * -1 <= M(lambda) <= 1. Its optimum is 1 / t_Shor: the bound is
 * ||M||_2 / sum lambda at the optimum. Its primal (P): min tr X+ + tr X-
 * s.t. zeta_r <P^r, X+ - X-> >= 1, X+-, >= 0, is the relaxation itself
 * (B = (X+ - X-) / tr, nuclear norm 1), which the rounding uses.
 *
 * Invariant: the returned bound is the checker's, never the solver's.
 */
#include "learning/cov_shor.h"

#include <dsdp/dsdp5.h>
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t dsdp_lock = PTHREAD_MUTEX_INITIALIZER;

void sf_dsdp_lock(void)
{
    pthread_mutex_lock(&dsdp_lock);
}

void sf_dsdp_unlock(void)
{
    pthread_mutex_unlock(&dsdp_lock);
}

double sf_shor_check(int m, int p, const double *chi, const double *zeta, const double *lambda,
                     double *work)
{
    double *M = work, *ev = work + (size_t)m * m, sum = 0, amax = 0;
    for (int r = 0; r < p; r++) {
        if (!(lambda[r] >= 0) || !isfinite(lambda[r]))
            return NAN;
        sum += lambda[r];
    }
    if (!(sum > 0) || !isfinite(sum))
        return NAN;
    memset(M, 0, sizeof(double) * (size_t)m * m);
    for (int r = 0; r < p; r++) {
        double a = lambda[r] * zeta[r];
        const double *X = chi + (size_t)r * m * m;
        for (int k = 0; k < m; k++) {
            for (int l = 0; l < m; l++) {
                M[(size_t)k * m + l] += a * X[(size_t)k * m + l];
                amax = fmax(amax, fabs(X[(size_t)k * m + l]));
            }
            M[(size_t)k * m + k] += a;
        }
    }
    amax = fmax(amax, 1.0);
    double fro = 0;
    for (size_t q = 0; q < (size_t)m * m; q++)
        fro += M[q] * M[q];
    fro = sqrt(fro);
    if (LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'N', 'U', m, M, m, ev))
        return NAN;
    double sig = fmax(fabs(ev[0]), fabs(ev[m - 1]));
    /* forming each entry of M: at most p roundings of terms <= lambda_r
     * amax; the spectral norm moves by at most m times the largest entry
     * error. dsyev is backward stable: eigenvalues within a small multiple
     * of m eps ||M||_F (Anderson et al., LAPACK Users' Guide, 4.7). */
    double slack = 2.0 * m * p * DBL_EPSILON * sum * amax + 64.0 * m * DBL_EPSILON * fro;
    return (sig + slack) / sum;
}

bool sf_shor_verify(int m, int p, const double *chi, const double *zeta, const double *lambda,
                    double claim, double *work)
{
    return sf_shor_check(m, p, chi, zeta, lambda, work) <= claim;
}

/* the top eigenpair of the packed (lower, row-wise) symmetric m x m matrix */
static double top_eig(int m, const double *packed, double *A, double *ev, double *vec)
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j <= i; j++)
            A[(size_t)i * m + j] = A[(size_t)j * m + i] = packed[(size_t)i * (i + 1) / 2 + j];
    if (LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', m, A, m, ev))
        return 0;
    for (int k = 0; k < m; k++)
        vec[k] = A[(size_t)k * m + (m - 1)];
    return fmax(ev[m - 1], 0.0);
}

static double min_margin(int m, int p, const double *chi, const double *zeta, const double *w1,
                         const double *w2)
{
    double mn = INFINITY;
    for (int r = 0; r < p; r++) {
        const double *X = chi + (size_t)r * m * m;
        double q = 0;
        for (int k = 0; k < m; k++) {
            double u = w2[k];
            for (int l = 0; l < m; l++)
                u += X[(size_t)k * m + l] * w2[l];
            q += w1[k] * u;
        }
        mn = fmin(mn, zeta[r] * q);
    }
    return mn;
}

int sf_shor_solve(int m, int p, const double *chi, const double *zeta, double *lambda, double *W,
                  sf_shor_result *res)
{
    memset(res, 0, sizeof *res);
    res->bound = res->relaxation = res->rounded = NAN;
    size_t np = (size_t)m * (m + 1) / 2;
    double *data = malloc(sizeof(double) * 2 * (size_t)p * np);
    double *work = malloc(sizeof(double) * ((size_t)m * m * 2 + 4 * (size_t)m));
    if (!data || !work) {
        free(data), free(work);
        return -1;
    }
    for (int r = 0; r < p; r++) {
        double *a = data + (size_t)r * np, *b = data + ((size_t)p + r) * np;
        const double *X = chi + (size_t)r * m * m;
        for (int i = 0; i < m; i++)
            for (int j = 0; j <= i; j++) {
                double v = zeta[r] * (X[(size_t)i * m + j] + (i == j));
                a[(size_t)i * (i + 1) / 2 + j] = v;
                b[(size_t)i * (i + 1) / 2 + j] = -v;
            }
    }
    int rc = 0;
    pthread_mutex_lock(&dsdp_lock);
    DSDP dsdp = NULL;
    SDPCone sdp;
    BCone bc;
    int info = DSDPCreate(p, &dsdp);
    info = info || DSDPCreateSDPCone(dsdp, 2, &sdp);
    info = info || DSDPCreateBCone(dsdp, &bc) || BConeAllocateBounds(bc, p);
    for (int blk = 0; blk < 2 && !info; blk++)
        info = SDPConeSetBlockSize(sdp, blk, m) || SDPConeSetIdentity(sdp, blk, 0, m, 1.0);
    for (int r = 0; r < p && !info; r++)
        info = DSDPSetDualObjective(dsdp, r + 1, 1.0) || BConeSetLowerBound(bc, r + 1, 0.0) ||
               SDPConeSetADenseVecMat(sdp, 0, r + 1, m, 1.0, data + (size_t)r * np, (int)np) ||
               SDPConeSetADenseVecMat(sdp, 1, r + 1, m, 1.0, data + ((size_t)p + r) * np, (int)np);
    info = info || DSDPSetGapTolerance(dsdp, 1e-8) || DSDPSetMaxIts(dsdp, 200);
    info = info || DSDPSetup(dsdp);
    int solved = !info && !DSDPSolve(dsdp);
    if (solved && !DSDPGetY(dsdp, lambda, p)) {
        DSDPTerminationReason why;
        DSDPStopReason(dsdp, &why);
        res->converged = why == DSDP_CONVERGED;
        DSDPGetIts(dsdp, &res->iterations);
        double sum = 0;
        for (int r = 0; r < p; r++) {
            lambda[r] = fmax(lambda[r], 0.0); /* any lambda >= 0 certifies */
            sum += lambda[r];
        }
        res->relaxation = 1.0 / sum;
        if (W && !DSDPComputeX(dsdp)) {
            double *xp, *xm, *A = work + (size_t)m * m, *ev = A + (size_t)m * m;
            double *ep = ev + m, *em = ep + m;
            int nn;
            if (!SDPConeGetXArray(sdp, 0, &xp, &nn) && !SDPConeGetXArray(sdp, 1, &xm, &nn)) {
                double a = top_eig(m, xp, A, ev, ep), b = top_eig(m, xm, A, ev, em);
                double *w1 = W, *w2 = W + m, n1 = 0, n2 = 0;
                for (int k = 0; k < m; k++) {
                    w1[k] = sqrt(a) * ep[k] + sqrt(b) * em[k];
                    w2[k] = sqrt(a) * ep[k] - sqrt(b) * em[k];
                    n1 += w1[k] * w1[k], n2 += w2[k] * w2[k];
                }
                if (n1 > 0 && n2 > 0) {
                    for (int k = 0; k < m; k++)
                        w1[k] /= sqrt(n1), w2[k] /= sqrt(n2);
                    res->rounded = min_margin(m, p, chi, zeta, w1, w2);
                }
            }
        }
    } else
        rc = -2;
    if (dsdp)
        DSDPDestroy(dsdp);
    pthread_mutex_unlock(&dsdp_lock);
    if (!rc)
        res->bound = sf_shor_check(m, p, chi, zeta, lambda, work);
    free(data), free(work);
    return rc;
}
