/* The linear-response kernel: effective connectivity, (1 - M)^-1 solves,
 * covariances C = (1 - M)^-1 D (1 - M)^-H and det(1 - M), written once for
 * every family (src/theory/linear/kernel.h). The elimination itself is the
 * library's one small linear solver (src/core/linalg.c).
 *
 * The covariance uses two solves with the factors instead of forming the
 * inverse: with A = 1 - M and X = A^-1 D, C = A^-1 X^H (D Hermitian), which
 * costs n^3/3 + 2 n^3 complex multiply-adds.
 *
 * Invariant: nothing here allocates except sf_lr_ws_init and the one-shot
 * path of sf_lr_solve_real with ws == NULL.
 */
#include "theory/linear/kernel.h"

#include "core/linalg.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

sf_status sf_lr_ws_init(sf_lr_ws *ws, int n_max)
{
    assert(ws && n_max >= 0);
    memset(ws, 0, sizeof *ws);
    if (n_max == 0)
        return SF_OK;
    size_t nn = (size_t)n_max * (size_t)n_max;
    ws->lu = malloc(nn * sizeof *ws->lu);
    ws->x = malloc(nn * sizeof *ws->x);
    ws->piv = malloc((size_t)n_max * sizeof *ws->piv);
    if (!ws->lu || !ws->x || !ws->piv) {
        sf_lr_ws_free(ws);
        return SF_ERR_NOMEM;
    }
    ws->n_max = n_max;
    return SF_OK;
}

void sf_lr_ws_free(sf_lr_ws *ws)
{
    if (!ws)
        return;
    free(ws->lu);
    free(ws->x);
    free(ws->piv);
    memset(ws, 0, sizeof *ws);
}

void sf_lr_conn(int n, const double complex *g, const double *W, const double complex *E,
                double complex *M)
{
    size_t un = (size_t)n;
    for (size_t a = 0; a < un; ++a)
        for (size_t b = 0; b < un; ++b) {
            size_t i = a * un + b;
            M[i] = E ? g[a] * W[i] * E[i] : g[a] * W[i];
        }
}

/* Factors ws->lu (holding 1 - M) in place. */
static sf_status factor(sf_context *ctx, sf_lr_ws *ws, int n, double f)
{
    ws->n = n;
    int info = sf_linalg_lu(n, ws->lu, ws->piv);
    if (!info)
        return SF_OK;
    if (isnan(f))
        return sf_fail(ctx, SF_ERR_NUMERIC,
                       "1 - W is singular (pivot %d of %d): the linear system has no "
                       "stationary state",
                       info, n);
    return sf_fail(ctx, SF_ERR_NUMERIC,
                   "1 - M(f) is singular at f = %g Hz: the network is at a linear instability",
                   f);
}

sf_status sf_lr_factor(sf_context *ctx, sf_lr_ws *ws, int n, const double complex *M, double f)
{
    assert(ws && n >= 1 && n <= ws->n_max);
    size_t un = (size_t)n;
    for (size_t a = 0; a < un; ++a)
        for (size_t b = 0; b < un; ++b)
            ws->lu[a * un + b] = (a == b ? 1.0 : 0.0) - M[a * un + b];
    return factor(ctx, ws, n, f);
}

double complex sf_lr_det(const sf_lr_ws *ws)
{
    return sf_linalg_lu_det(ws->n, ws->lu, ws->piv);
}

void sf_lr_apply(const sf_lr_ws *ws, double complex *B, int nrhs)
{
    sf_linalg_lu_solve(ws->n, ws->lu, ws->piv, B, nrhs);
}

void sf_lr_propagator(const sf_lr_ws *ws, double complex *P)
{
    size_t un = (size_t)ws->n;
    for (size_t a = 0; a < un; ++a)
        for (size_t b = 0; b < un; ++b)
            P[a * un + b] = a == b ? 1.0 : 0.0;
    sf_lr_apply(ws, P, ws->n);
}

/* In place: X <- X^H (square). */
static void conj_transpose(size_t n, double complex *X)
{
    for (size_t a = 0; a < n; ++a) {
        X[a * n + a] = conj(X[a * n + a]);
        for (size_t b = 0; b < a; ++b) {
            double complex t = X[a * n + b];
            X[a * n + b] = conj(X[b * n + a]);
            X[b * n + a] = conj(t);
        }
    }
}

/* In place: C <- (C + C^H)/2. */
static void hermitian_part(size_t n, double complex *C)
{
    for (size_t a = 0; a < n; ++a) {
        C[a * n + a] = creal(C[a * n + a]);
        for (size_t b = 0; b < a; ++b) {
            double complex s = 0.5 * (C[a * n + b] + conj(C[b * n + a]));
            C[a * n + b] = s;
            C[b * n + a] = conj(s);
        }
    }
}

void sf_lr_cov(const sf_lr_ws *ws, const double complex *D, double complex *C)
{
    size_t un = (size_t)ws->n;
    if (C != D)
        memcpy(C, D, un * un * sizeof *C);
    sf_lr_apply(ws, C, ws->n);   /* X = A^-1 D     */
    conj_transpose(un, C);       /* X^H = D A^-H   */
    sf_lr_apply(ws, C, ws->n);   /* A^-1 D A^-H    */
    hermitian_part(un, C);
}

sf_status sf_lr_spectrum(sf_context *ctx, sf_lr_ws *ws, int n, const double complex *M,
                         const double complex *D, double f, double complex *C)
{
    sf_status st = sf_lr_factor(ctx, ws, n, M, f);
    if (st == SF_OK)
        sf_lr_cov(ws, D, C);
    return st;
}

/* ws->lu = 1 - W (complex), factored. */
static sf_status factor_real(sf_context *ctx, sf_lr_ws *ws, int n, const double *W)
{
    size_t un = (size_t)n;
    for (size_t a = 0; a < un; ++a)
        for (size_t b = 0; b < un; ++b)
            ws->lu[a * un + b] = (a == b ? 1.0 : 0.0) - W[a * un + b];
    return factor(ctx, ws, n, NAN);
}

sf_status sf_lr_solve_real(sf_context *ctx, sf_lr_ws *ws, int n, const double *W, double *B,
                           int nrhs)
{
    assert(n >= 1 && nrhs >= 1 && nrhs <= n);
    sf_lr_ws own;
    if (!ws) {
        if (sf_lr_ws_init(&own, n) != SF_OK)
            return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
        ws = &own;
    }
    assert(n <= ws->n_max);
    size_t nb = (size_t)n * (size_t)nrhs;
    sf_status st = factor_real(ctx, ws, n, W);
    if (st == SF_OK) {
        for (size_t i = 0; i < nb; ++i)
            ws->x[i] = B[i];
        sf_lr_apply(ws, ws->x, nrhs);
        for (size_t i = 0; i < nb; ++i)
            B[i] = creal(ws->x[i]);
    }
    if (ws == &own)
        sf_lr_ws_free(&own);
    return st;
}

sf_status sf_lr_cov_real(sf_context *ctx, sf_lr_ws *ws, int n, const double *W, const double *D,
                         double *C)
{
    assert(ws && n >= 1 && n <= ws->n_max);
    sf_status st = factor_real(ctx, ws, n, W);
    if (st != SF_OK)
        return st;
    size_t nn = (size_t)n * (size_t)n;
    for (size_t i = 0; i < nn; ++i)
        ws->x[i] = D[i];
    sf_lr_cov(ws, ws->x, ws->x);
    for (size_t i = 0; i < nn; ++i)
        C[i] = creal(ws->x[i]);
    return SF_OK;
}
