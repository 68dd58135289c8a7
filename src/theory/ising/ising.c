/* Exact enumeration, Metropolis sampling, naive mean field and TAP of the
 * pairwise Ising model (ising.h).
 *
 * Invariant: the exact sums visit the 2^n states in Gray-code order with
 * the local fields f_i = h_i + sum_j J_ij s_j kept up to date, weights
 * relative to the largest log-weight (found in a first pass), so no
 * exponential overflows for any couplings.
 */
#include "theory/ising/ising.h"

#include <assert.h>
#include <lapacke.h>
#include <stdbool.h>
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

enum { N_BATCH = SF_ISING_BATCHES };

sf_status sf_ising_sample(sf_context *ctx, const sf_ising *is, sf_ising_rule rule, uint64_t seed,
                          uint64_t burn, uint64_t sweeps, const volatile int *stop, double *m,
                          double *m_se, double *C, double *C_se, uint64_t *done)
{
    sf_status st = check(ctx, is, (size_t)1 << 20);
    if (st != SF_OK)
        return st;
    if (sweeps < N_BATCH)
        return sf_fail(ctx, SF_ERR_ARG, "ising: at least %d sweeps", N_BATCH);
    assert(!C_se || C);
    const size_t n = is->n, nn = C ? n * n : 0;
    double *s = malloc(n * sizeof *s), *f = malloc(n * sizeof *f), *bm = calloc(n, sizeof *bm),
           *sm = calloc(n, sizeof *sm), *sm2 = calloc(n, sizeof *sm2), *u = malloc(n * sizeof *u),
           *ss = C ? calloc(nn, sizeof *ss) : NULL, *bss = C ? calloc(nn, sizeof *bss) : NULL,
           *cs = C_se ? calloc(nn, sizeof *cs) : NULL, *cs2 = C_se ? calloc(nn, sizeof *cs2) : NULL;
    if (!s || !f || !bm || !sm || !sm2 || !u || (C && (!ss || !bss)) || (C_se && (!cs || !cs2))) {
        free(s), free(f), free(bm), free(sm), free(sm2), free(u), free(ss), free(bss), free(cs),
            free(cs2);
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        s[i] = 1;
        f[i] = is->h[i];
        for (size_t j = 0; j < n; j++)
            f[i] += is->J[i * n + j];
    }
    const uint64_t per = sweeps / N_BATCH, total = burn + per * N_BATCH;
    uint64_t t = 0;
    int nb = 0;
    for (; t < total && !(stop && *stop); t++) {
        /* one uniform per spin and sweep: block t of stream (seed, NEURON, 0x1517 << 32 | i) */
        sf_rng_uniforms(seed, SF_RNG_NEURON, 0x1517u, t, 0, (uint32_t)n, u);
        for (size_t i = 0; i < n; i++) {
            bool flip;
            if (rule == SF_ISING_GLAUBER)
                flip = (u[i] < 1 / (1 + exp(-2.0 * f[i]))) != (s[i] > 0);
            else {
                const double dl = -2.0 * s[i] * f[i]; /* log acceptance ratio */
                flip = dl >= 0 || u[i] < exp(dl);
            }
            if (flip) {
                s[i] = -s[i];
                const double *Ji = is->J + i * n; /* J symmetric: row i is column i */
                for (size_t k = 0; k < n; k++)
                    f[k] += 2.0 * s[i] * Ji[k];
            }
        }
        if (t < burn)
            continue;
        for (size_t i = 0; i < n; i++)
            bm[i] += s[i];
        if (bss)
            for (size_t i = 0; i < n; i++)
                for (size_t j = i + 1; j < n; j++)
                    bss[i * n + j] += s[i] * s[j];
        if ((t - burn + 1) % per)
            continue;
        /* a batch is complete */
        for (size_t i = 0; i < n; i++) {
            bm[i] /= (double)per;
            sm[i] += bm[i];
            sm2[i] += bm[i] * bm[i];
        }
        for (size_t i = 0; bss && i < n; i++) {
            if (cs) {
                const double c = 1 - bm[i] * bm[i];
                cs[i * n + i] += c, cs2[i * n + i] += c * c;
            }
            for (size_t j = i + 1; j < n; j++) {
                const size_t k = i * n + j;
                if (cs) {
                    const double c = bss[k] / (double)per - bm[i] * bm[j];
                    cs[k] += c, cs2[k] += c * c;
                }
                ss[k] += bss[k];
                bss[k] = 0;
            }
        }
        for (size_t i = 0; i < n; i++)
            bm[i] = 0;
        nb++;
    }
    if (done)
        *done = t;
    if (nb < 2) {
        st = sf_fail(ctx, SF_ERR_INTERRUPTED, "ising: sampling stopped before two batches of %llu "
                     "sweeps were complete", (unsigned long long)per);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        m[i] = sm[i] / nb;
        if (m_se)
            m_se[i] = sqrt(fmax(sm2[i] / nb - m[i] * m[i], 0.0) / (nb - 1));
    }
    for (size_t i = 0; C && i < n; i++)
        for (size_t j = i; j < n; j++) {
            const size_t k = i * n + j;
            C[k] = C[j * n + i] =
                i == j ? 1 - m[i] * m[i] : ss[k] / (double)(per * (uint64_t)nb) - m[i] * m[j];
            if (C_se) {
                const double mc = cs[k] / nb;
                C_se[k] = C_se[j * n + i] = sqrt(fmax(cs2[k] / nb - mc * mc, 0.0) / (nb - 1));
            }
        }
out:
    free(s), free(f), free(bm), free(sm), free(sm2), free(u), free(ss), free(bss), free(cs),
        free(cs2);
    return st;
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

/* A <- A^-1 for a symmetric positive definite A [n * n] (Cholesky);
 * false when A is not positive definite. */
static bool spd_invert(size_t n, double *A)
{
    if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (lapack_int)n, A, (lapack_int)n) != 0 ||
        LAPACKE_dpotri(LAPACK_ROW_MAJOR, 'L', (lapack_int)n, A, (lapack_int)n) != 0)
        return false;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            A[j * n + i] = A[i * n + j]; /* dpotri fills the lower triangle */
    return true;
}

sf_status sf_ising_response(sf_context *ctx, size_t n, const double *J, const double *m, bool tap,
                            double *C)
{
    if (n == 0 || !J || !m || !C)
        return sf_fail(ctx, SF_ERR_ARG, "ising: response needs n >= 1, J and m");
    for (size_t i = 0; i < n; i++) {
        if (!(fabs(m[i]) < 1))
            return sf_fail(ctx, SF_ERR_RANGE, "ising: |m_%zu| = %g must be < 1", i, fabs(m[i]));
        double d = 1 / (1 - m[i] * m[i]);
        for (size_t j = 0; j < n; j++) {
            const double Jij = i == j ? 0 : J[i * n + j];
            if (tap)
                d += Jij * Jij * (1 - m[j] * m[j]);
            C[i * n + j] = -Jij - (tap ? 2 * Jij * Jij * m[i] * m[j] : 0);
        }
        C[i * n + i] = d;
    }
    if (!spd_invert(n, C))
        return sf_fail(ctx, SF_ERR_NUMERIC, "ising: the %s Hessian is not positive definite (the "
                       "couplings are beyond the theory's stable state)", tap ? "TAP" : "nMF");
    return SF_OK;
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
    if (!spd_invert(n, A)) {
        free(A);
        return sf_fail(ctx, SF_ERR_NUMERIC, "ising: C is not positive definite");
    }
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
