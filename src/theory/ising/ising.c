/* Exact enumeration, Metropolis sampling, naive mean field and TAP of the
 * pairwise Ising model (ising.h).
 *
 * Invariant: the exact sums visit the 2^n states in Gray-code order with
 * the local fields f_i = h_i + sum_j J_ij s_j kept up to date, weights
 * relative to the largest log-weight (found in a first pass), so no
 * exponential overflows for any couplings.
 */
#include "theory/ising/ising.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static sf_status check(sf_context *ctx, const sf_ising *is, size_t nmax)
{
    const size_t n = is ? is->n : 0;
    if (!is || n == 0 || n > nmax || !is->J || !is->h)
        return sf_fail(ctx, SF_ERR_ARG, "ising: need 1 <= n <= %zu spins, couplings and fields",
                       nmax);
    for (size_t i = 0; i < n; i++) {
        if (is->J[i * n + i] != 0 || !isfinite(is->h[i]))
            return sf_fail(ctx, SF_ERR_ARG, "ising: J_%zu%zu must be 0 and h finite", i, i);
        for (size_t j = 0; j < i; j++)
            if (is->J[i * n + j] != is->J[j * n + i] || !isfinite(is->J[i * n + j]))
                return sf_fail(ctx, SF_ERR_ARG, "ising: J must be finite and symmetric (J_%zu%zu)",
                               i, j);
    }
    return SF_OK;
}

/* log-weight change of flipping spin k: -2 s_k f_k, f the local field */
sf_status sf_ising_exact(sf_context *ctx, const sf_ising *is, double *m, double *C)
{
    sf_status st = check(ctx, is, SF_ISING_EXACT_MAX);
    if (st != SF_OK)
        return st;
    const size_t n = is->n;
    const uint64_t ns = (uint64_t)1 << n;
    int *s = malloc(n * sizeof *s);
    double *f = malloc(n * sizeof *f), *ss = calloc(n * n, sizeof *ss);
    if (!s || !f || !ss) {
        free(s), free(f), free(ss);
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    }
    double lmax = -INFINITY, Z = 0;
    for (int pass = 0; pass < 2; pass++) {
        /* all spins down: log-weight -sum h + 1/2 sum J */
        double L = 0;
        for (size_t i = 0; i < n; i++) {
            s[i] = -1;
            L -= is->h[i];
            f[i] = is->h[i];
            for (size_t j = 0; j < n; j++)
                f[i] -= is->J[i * n + j];
        }
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                L += 0.5 * is->J[i * n + j];
        for (uint64_t k = 0; k < ns; k++) {
            if (k > 0) {
                const size_t b = (size_t)__builtin_ctzll(k); /* Gray code: flip bit b */
                L -= 2.0 * s[b] * (f[b] - is->h[b]) + 2.0 * s[b] * is->h[b];
                s[b] = -s[b];
                for (size_t i = 0; i < n; i++)
                    f[i] += 2.0 * s[b] * is->J[i * n + b];
            }
            if (pass == 0) {
                lmax = fmax(lmax, L);
                continue;
            }
            const double w = exp(L - lmax);
            Z += w;
            for (size_t i = 0; i < n; i++) {
                const double wi = w * s[i];
                ss[i * n + i] += wi;
                for (size_t j = i + 1; j < n; j++)
                    ss[i * n + j] += wi * s[j];
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        m[i] = ss[i * n + i] / Z;
    if (C)
        for (size_t i = 0; i < n; i++) {
            C[i * n + i] = 1 - m[i] * m[i];
            for (size_t j = i + 1; j < n; j++)
                C[i * n + j] = C[j * n + i] = ss[i * n + j] / Z - m[i] * m[j];
        }
    free(s), free(f), free(ss);
    return SF_OK;
}

enum { N_BATCH = 20 };

sf_status sf_ising_sample(sf_context *ctx, const sf_ising *is, uint64_t seed, uint64_t burn,
                          uint64_t sweeps, double *m, double *m_se, double *C)
{
    sf_status st = check(ctx, is, (size_t)1 << 20);
    if (st != SF_OK)
        return st;
    if (sweeps < N_BATCH)
        return sf_fail(ctx, SF_ERR_ARG, "ising: at least %d sweeps", N_BATCH);
    const size_t n = is->n;
    int *s = malloc(n * sizeof *s);
    double *f = malloc(n * sizeof *f), *bm = calloc(n, sizeof *bm), *sm = calloc(n, sizeof *sm),
           *sm2 = calloc(n, sizeof *sm2), *ss = C ? calloc(n * n, sizeof *ss) : NULL,
           *u = malloc(n * sizeof *u);
    if (!s || !f || !bm || !sm || !sm2 || !u || (C && !ss)) {
        free(s), free(f), free(bm), free(sm), free(sm2), free(ss), free(u);
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        s[i] = 1;
        f[i] = is->h[i];
        for (size_t j = 0; j < n; j++)
            f[i] += is->J[i * n + j];
    }
    const uint64_t per = sweeps / N_BATCH, total = burn + per * N_BATCH;
    for (uint64_t t = 0; t < total; t++) {
        /* one uniform per spin and sweep: block t of stream (seed, NEURON, 0x1517 << 32 | i) */
        sf_rng_uniforms(seed, SF_RNG_NEURON, 0x1517u, t, 0, (uint32_t)n, u);
        for (size_t i = 0; i < n; i++) {
            const double dl = -2.0 * s[i] * f[i]; /* log acceptance ratio */
            if (dl >= 0 || u[i] < exp(dl)) {
                s[i] = -s[i];
                for (size_t k = 0; k < n; k++)
                    f[k] += 2.0 * s[i] * is->J[k * n + i];
            }
        }
        if (t < burn)
            continue;
        for (size_t i = 0; i < n; i++)
            bm[i] += s[i];
        if (ss)
            for (size_t i = 0; i < n; i++)
                for (size_t j = i + 1; j < n; j++)
                    ss[i * n + j] += s[i] * s[j];
        if ((t - burn + 1) % per == 0)
            for (size_t i = 0; i < n; i++) {
                const double b = bm[i] / (double)per;
                sm[i] += b;
                sm2[i] += b * b;
                bm[i] = 0;
            }
    }
    for (size_t i = 0; i < n; i++) {
        m[i] = sm[i] / N_BATCH;
        if (m_se)
            m_se[i] = sqrt(fmax(sm2[i] / N_BATCH - m[i] * m[i], 0.0) / (N_BATCH - 1));
    }
    if (C)
        for (size_t i = 0; i < n; i++) {
            C[i * n + i] = 1 - m[i] * m[i];
            for (size_t j = i + 1; j < n; j++)
                C[i * n + j] = C[j * n + i] = ss[i * n + j] / (double)(per * N_BATCH) - m[i] * m[j];
        }
    free(s), free(f), free(bm), free(sm), free(sm2), free(ss), free(u);
    return SF_OK;
}

sf_status sf_ising_forward(sf_context *ctx, const sf_ising *is, bool tap, double tol, int max_iter,
                           double *m)
{
    sf_status st = check(ctx, is, (size_t)1 << 20);
    if (st != SF_OK)
        return st;
    const size_t n = is->n;
    for (size_t i = 0; i < n; i++)
        m[i] = 0;
    for (int it = 0; it < max_iter; it++) {
        double change = 0;
        for (size_t i = 0; i < n; i++) { /* Gauss-Seidel order */
            double field = is->h[i], ons = 0;
            for (size_t j = 0; j < n; j++) {
                const double Jij = is->J[i * n + j];
                field += Jij * m[j];
                ons += Jij * Jij * (1 - m[j] * m[j]);
            }
            if (tap)
                field -= m[i] * ons;
            const double nm = 0.5 * m[i] + 0.5 * tanh(field);
            change = fmax(change, fabs(nm - m[i]));
            m[i] = nm;
        }
        if (change < tol)
            return SF_OK;
    }
    return sf_fail(ctx, SF_ERR_NUMERIC, "ising: %s iteration did not converge in %d sweeps",
                   tap ? "TAP" : "naive mean-field", max_iter);
}

sf_status sf_ising_inverse(sf_context *ctx, size_t n, const double *m, const double *C, bool tap,
                           double *J, double *h)
{
    if (n == 0 || !m || !C || !J || !h)
        return sf_fail(ctx, SF_ERR_ARG, "ising: inverse needs n >= 1, m and C");
    for (size_t i = 0; i < n; i++)
        if (!(fabs(m[i]) < 1))
            return sf_fail(ctx, SF_ERR_RANGE, "ising: |m_%zu| = %g must be < 1", i, fabs(m[i]));
    double *A = malloc(n * n * sizeof *A);
    if (!A)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    memcpy(A, C, n * n * sizeof *A);
    if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (lapack_int)n, A, (lapack_int)n) != 0 ||
        LAPACKE_dpotri(LAPACK_ROW_MAJOR, 'L', (lapack_int)n, A, (lapack_int)n) != 0) {
        free(A);
        return sf_fail(ctx, SF_ERR_NUMERIC, "ising: C is not positive definite");
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            A[j * n + i] = A[i * n + j]; /* dpotri fills the lower triangle */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            const double x = A[i * n + j];
            if (i == j) {
                J[i * n + j] = 0;
            } else if (!tap) {
                J[i * n + j] = -x;
            } else {
                /* [-1 + sqrt(1 - 8 a x)] / (4 a), a = m_i m_j, rationalised:
                 * -2 x / (1 + sqrt(1 - 8 a x)), finite as a -> 0 */
                const double disc = 1 - 8 * m[i] * m[j] * x;
                if (disc < 0) {
                    free(A);
                    return sf_fail(ctx, SF_ERR_RANGE,
                                   "ising: no real TAP coupling for pair (%zu, %zu)", i, j);
                }
                J[i * n + j] = -2 * x / (1 + sqrt(disc));
            }
        }
    for (size_t i = 0; i < n; i++) {
        double v = atanh(m[i]), ons = 0;
        for (size_t j = 0; j < n; j++) {
            v -= J[i * n + j] * m[j];
            ons += J[i * n + j] * J[i * n + j] * (1 - m[j] * m[j]);
        }
        h[i] = tap ? v + m[i] * ons : v;
    }
    free(A);
    return SF_OK;
}
