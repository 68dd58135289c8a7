/* The maximal-margin perceptron without threshold, solved exactly: Wolfe's
 * minimum-norm-point algorithm (P. Wolfe, "Finding the nearest point in a
 * polytope", Math. Programming 11, 128, 1976) on the points y_r = zeta_r x_r.
 *
 * By Gordan's alternative, either some w has w . y_r > 0 for every r (the
 * set is linearly separable), or 0 lies in the convex hull of the y_r. The
 * point x* of the hull nearest to 0 decides: x* != 0 separates with
 * y_r . x* >= |x*|^2 for all r, and w = x* /|x*| is the hard-margin SVM
 * solution (margin |x*|, Cover & Gardner's maximal stability); x* = 0 is a
 * convex combination of the y_r that sums to zero. Both ways the result
 * carries a certificate that is checked here, outside the algorithm:
 * separable only when min_r y_r . w > 0 is verified; not separable only
 * when |sum lambda_r y_r| <= tol max|y_r| with lambda >= 0, sum lambda = 1.
 *
 * Invariant of the iteration: lambda > 0 on the corral S, sum 1; the
 * points of S are affinely independent (so |S| <= d + 1). The affine
 * minimisation solves the bordered Gram system with LAPACK (dgesv). The
 * workspace is allocated once (sf_mnp_workspace), the solve allocates
 * nothing.
 */
#include "learning/svm.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct sf_mnp_workspace {
    int p_max, d;
    int *S;                 /* [d + 1] indices of the corral               */
    double *lambda, *mu;    /* [d + 2]                                     */
    double *A, *b;          /* [(d + 2)^2], [d + 2] bordered system       */
    int *ipiv;              /* [d + 2]                                     */
    double *g;              /* [p_max] y_r . x                             */
    double *x;              /* [d]                                         */
};

sf_mnp_workspace *sf_mnp_workspace_create(int p_max, int d)
{
    sf_mnp_workspace *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    size_t k = (size_t)d + 2;
    w->p_max = p_max;
    w->d = d;
    w->S = malloc(sizeof(int) * k);
    w->lambda = malloc(sizeof(double) * k);
    w->mu = malloc(sizeof(double) * k);
    w->A = malloc(sizeof(double) * k * k);
    w->b = malloc(sizeof(double) * k);
    w->ipiv = malloc(sizeof(int) * k);
    w->g = malloc(sizeof(double) * (size_t)(p_max > 0 ? p_max : 1));
    w->x = malloc(sizeof(double) * (size_t)d);
    if (!w->S || !w->lambda || !w->mu || !w->A || !w->b || !w->ipiv || !w->g || !w->x) {
        sf_mnp_workspace_destroy(w);
        return NULL;
    }
    return w;
}

void sf_mnp_workspace_destroy(sf_mnp_workspace *w)
{
    if (!w)
        return;
    free(w->S), free(w->lambda), free(w->mu), free(w->A), free(w->b), free(w->ipiv);
    free(w->g), free(w->x);
    free(w);
}

/* mu = argmin |sum mu_i y_S(i)|^2 subject to sum mu = 1 (affine hull of S).
 * Returns 0, or -1 when the bordered system is singular. */
static int affine_min(sf_mnp_workspace *w, const double *Y, int d, int k)
{
    int n = k + 1;
    for (int i = 0; i < k; i++) {
        for (int j = 0; j <= i; j++) {
            double v = cblas_ddot(d, Y + (size_t)w->S[i] * d, 1, Y + (size_t)w->S[j] * d, 1);
            w->A[i * n + j] = w->A[j * n + i] = v;
        }
        w->A[i * n + k] = w->A[k * n + i] = 1.0;
        w->b[i] = 0.0;
    }
    w->A[k * n + k] = 0.0;
    w->b[k] = 1.0;
    if (LAPACKE_dgesv(LAPACK_ROW_MAJOR, n, 1, w->A, n, w->ipiv, w->b, 1) != 0)
        return -1;
    memcpy(w->mu, w->b, sizeof(double) * (size_t)k);
    return 0;
}

static void combine(sf_mnp_workspace *w, const double *Y, int d, int k)
{
    memset(w->x, 0, sizeof(double) * (size_t)d);
    for (int i = 0; i < k; i++)
        cblas_daxpy(d, w->lambda[i], Y + (size_t)w->S[i] * d, 1, w->x, 1);
}

sf_mnp_result sf_mnp_solve(sf_mnp_workspace *w, const double *Y, int p, int d, double *wout)
{
    sf_mnp_result res = {0};
    if (p == 0) { /* nothing to separate: any w does */
        res.separable = true;
        res.margin = INFINITY;
        if (wout) {
            memset(wout, 0, sizeof(double) * (size_t)d);
            wout[0] = 1;
        }
        return res;
    }
    const double eps = 1e-12;
    double maxn2 = 0;
    int j0 = 0;
    for (int r = 0; r < p; r++) {
        double n2 = cblas_ddot(d, Y + (size_t)r * d, 1, Y + (size_t)r * d, 1);
        if (n2 > maxn2)
            maxn2 = n2;
        if (n2 < cblas_ddot(d, Y + (size_t)j0 * d, 1, Y + (size_t)j0 * d, 1))
            j0 = r;
    }
    int k = 1;
    w->S[0] = j0;
    w->lambda[0] = 1.0;
    combine(w, Y, d, k);
    int iter = 0, max_iter = 50 * (p + d) + 1000;
    for (; iter < max_iter; iter++) {
        double xx = cblas_ddot(d, w->x, 1, w->x, 1);
        if (xx <= eps * maxn2)
            break; /* 0 is in the hull */
        cblas_dgemv(CblasRowMajor, CblasNoTrans, p, d, 1.0, Y, d, w->x, 1, 0.0, w->g, 1);
        int j = 0;
        for (int r = 1; r < p; r++)
            if (w->g[r] < w->g[j])
                j = r;
        if (w->g[j] > xx - 1e-12 * maxn2)
            break; /* optimal: every y_r . x >= |x|^2 */
        bool in = false;
        for (int i = 0; i < k; i++)
            in |= w->S[i] == j;
        if (in || k > d)
            break; /* no progress possible in floating point */
        w->S[k] = j;
        w->lambda[k++] = 0.0;
        for (int minor = 0; minor <= d + 2; minor++) {
            if (affine_min(w, Y, d, k) != 0) {
                res.singular = true;
                break;
            }
            bool pos = true;
            for (int i = 0; i < k; i++)
                pos &= w->mu[i] > 1e-14;
            if (pos) {
                memcpy(w->lambda, w->mu, sizeof(double) * (size_t)k);
                break;
            }
            double theta = 1.0;
            for (int i = 0; i < k; i++)
                if (w->mu[i] <= 1e-14) {
                    double t = w->lambda[i] / (w->lambda[i] - w->mu[i]);
                    if (t < theta)
                        theta = t;
                }
            for (int i = 0; i < k; i++)
                w->lambda[i] = theta * w->mu[i] + (1 - theta) * w->lambda[i];
            int kk = 0; /* drop the points whose weight reached 0 */
            for (int i = 0; i < k; i++)
                if (w->lambda[i] > 1e-14) {
                    w->S[kk] = w->S[i];
                    w->lambda[kk++] = w->lambda[i];
                }
            if (kk == k) /* rounding: drop the smallest */
            {
                int im = 0;
                for (int i = 1; i < k; i++)
                    if (w->lambda[i] < w->lambda[im])
                        im = i;
                for (int i = im; i + 1 < k; i++)
                    w->S[i] = w->S[i + 1], w->lambda[i] = w->lambda[i + 1];
                kk = k - 1;
            }
            k = kk;
            double sum = 0;
            for (int i = 0; i < k; i++)
                sum += w->lambda[i];
            for (int i = 0; i < k; i++)
                w->lambda[i] /= sum;
        }
        combine(w, Y, d, k);
        if (res.singular)
            break;
    }
    res.iterations = iter;
    /* the certificates, checked on the result */
    double xx = cblas_ddot(d, w->x, 1, w->x, 1), nx = sqrt(xx);
    res.distance = nx;
    if (nx > 0) {
        cblas_dgemv(CblasRowMajor, CblasNoTrans, p, d, 1.0, Y, d, w->x, 1, 0.0, w->g, 1);
        double gmin = w->g[0];
        for (int r = 1; r < p; r++)
            gmin = fmin(gmin, w->g[r]);
        res.margin = gmin / nx;
    } else
        res.margin = -INFINITY;
    res.separable = res.margin > 0 && nx > 1e-9 * sqrt(maxn2);
    res.certified = res.separable || nx <= 1e-6 * sqrt(maxn2);
    if (wout)
        for (int i = 0; i < d; i++)
            wout[i] = nx > 0 ? w->x[i] / nx : 0;
    return res;
}
