/* Task kind `learning_curve`: kernel ridge regression on data with a
 * power-law kernel spectrum, against the self-consistent learning curve of
 * kernel regression and Gaussian-process inference (Bordelon, Canatar &
 * Pehlevan, ICML 2020; Canatar, Bordelon & Pehlevan, Nat. Commun. 12, 2914,
 * 2021; the fixed point of Peraza Coppola, Helias & Ringel, arXiv:2510.25553,
 * at infinite width; docs/learning.md).
 *
 * Data: x uniform on the circle [0, 1); the kernel
 *   K(x, x') = sum_{k>=1} lambda_k 2 cos(2 pi k (x - x')),  lambda_k = k^-b,
 * whose eigenfunctions under the data measure are sqrt2 cos(2 pi k x) and
 * sqrt2 sin(2 pi k x), both with eigenvalue lambda_k; for even b = 2n the sum
 * is the Bernoulli polynomial (-1)^{n+1} (2 pi)^{2n} B_{2n}(t) / (2n)! of
 * t = frac(x - x') (Abramowitz & Stegun 23.1.18), so a Gram matrix costs
 * O(P^2). Target y(x) = sqrt2 sum_{k<=K} k^{-a/2} cos(2 pi k x - theta_k),
 * random phases theta_k: power k^-a in the two modes of k. Estimator
 * f = k(x)^T (K + P rho 1)^-1 y (Cholesky), labels with noise of variance
 * sigma^2; E_g = <(f - y)^2> over test points (Monte Carlo, noise-free).
 *
 * Theory: kappa = rho + (kappa / P) sum_modes lambda / (lambda + kappa),
 * gamma = (1/P) sum_modes lambda^2 / (lambda + kappa)^2,
 * E_g = [sum_modes kappa^2 w^2 / (lambda + kappa)^2 + sigma^2 gamma] / (1 - gamma);
 * ridgeless, E_g ~ P^-(a-1) for a - 1 < 2b, else P^-2b. The sums run
 * exactly to k = max(K, 200 P) and beyond as integrals (midpoint rule).
 *
 * Invariant: an instance depends only on (seed, instance, spec); the P of
 * the list use the first P points of one sequence (nested training sets).
 */
#include "learning/learning_impl.h"

#include <cblas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_roots.h>
#include <lapacke.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { LC_DATA, LC_A, LC_B, LC_P, LC_RIDGE, LC_NOISE, LC_MODES, LC_TEST, LC_NKEYS };
enum { DATA_GAUSSIAN, DATA_CIRCLE };

static const double default_P[] = {100, 316, 1000};

static const sf_learning_key keys[] = {
    [LC_DATA] = {"data", SF_LK_CHOICE, DATA_GAUSSIAN, 0, 1, "gaussian|circle",
                 "Gaussian features with the spectrum, or uniform points on the circle", NULL, 0},
    [LC_A] = {"a", SF_LK_REAL, 2, 1.05, 20, NULL, "target power k^-a per frequency", NULL, 0},
    [LC_B] = {"b", SF_LK_REAL, 2, 0.5, 20, NULL, "kernel spectrum lambda_k = k^-b (circle: 2, 4 or 6)", NULL, 0},
    [LC_P] = {"P", SF_LK_LIST, 100, 2, 50000, NULL, "training-set sizes", default_P, 3},
    [LC_RIDGE] = {"ridge", SF_LK_REAL, 0, 0, 1e6, NULL, "ridge rho (estimator (K + P rho 1)^-1)", NULL, 0},
    [LC_NOISE] = {"noise", SF_LK_REAL, 0, 0, 1e6, NULL, "label noise standard deviation sigma", NULL, 0},
    [LC_MODES] = {"modes", SF_LK_INT, 0, 0, 1e7, NULL,
                  "frequencies k of the target (gaussian: also of the features; 0: 4 max P)", NULL, 0},
    [LC_TEST] = {"test", SF_LK_INT, 4000, 10, 1e7, NULL, "test points", NULL, 0},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL, 0},
};

static bool circle(const sf_learning_spec *s)
{
    return (int)s->v[LC_DATA] == DATA_CIRCLE;
}

static int spec_modes(const sf_learning_spec *s)
{
    if (s->v[LC_MODES] > 0)
        return (int)s->v[LC_MODES];
    double pm = 0;
    for (int i = 0; i < s->n_list[LC_P]; i++)
        pm = fmax(pm, s->list[LC_P][i]);
    return (int)(4 * pm);
}

static const char *check(const sf_learning_spec *s, char *buf, size_t len)
{
    for (int i = 0; i < s->n_list[LC_P]; i++)
        if (s->list[LC_P][i] != floor(s->list[LC_P][i]) || (i && s->list[LC_P][i] <= s->list[LC_P][i - 1]))
            return "learning_curve: P lists increasing whole numbers";
    double b = s->v[LC_B];
    if (circle(s) && b != 2 && b != 4 && b != 6) {
        snprintf(buf, len, "learning_curve: data circle has closed-form kernels for b = 2, 4, 6 "
                 "only (found %g)", b);
        return buf;
    }
    if (!circle(s) && s->v[LC_RIDGE] == 0 && spec_modes(s) <= s->list[LC_P][s->n_list[LC_P] - 1])
        return "learning_curve: ridgeless regression on gaussian data needs more modes than P";
    return NULL;
}

static size_t n_values(const sf_learning_spec *s)
{
    return (size_t)s->n_list[LC_P] + (s->n_list[LC_P] > 1);
}

static void value_name(const sf_learning_spec *s, size_t k, char *name, size_t len, const char **unit)
{
    *unit = "";
    if (k < (size_t)s->n_list[LC_P])
        snprintf(name, len, "E_g[P=%g]", s->list[LC_P][k]);
    else
        snprintf(name, len, "exponent");
}

/* K(t) for t = frac(x - x'): the Bernoulli-polynomial closed forms. */
static double kern(double t, int n)
{
    t -= floor(t);
    double t2 = t * t, B;
    switch (n) {
    case 1: B = t2 - t + 1.0 / 6; return 2 * M_PI * M_PI * B;            /* (2pi)^2 B2 / 2!  */
    case 2: B = t2 * t2 - 2 * t2 * t + t2 - 1.0 / 30;                   /* -(2pi)^4 B4 / 4! */
        return -pow(2 * M_PI, 4) * B / 24;
    default: B = t2 * t2 * t2 - 3 * t2 * t2 * t + 2.5 * t2 * t2 - 0.5 * t2 + 1.0 / 42;
        return pow(2 * M_PI, 6) * B / 720;                              /* (2pi)^6 B6 / 6!  */
    }
}

/* sqrt2 sum_{k<=K} k^{-a/2} cos(2 pi k x - theta_k), by rotation. */
static double target(double x, const double *ct, const double *st, int K, double a)
{
    double c1 = cos(2 * M_PI * x), s1 = sin(2 * M_PI * x), c = 1, s = 0, y = 0;
    for (int k = 1; k <= K; k++) {
        double cn = c * c1 - s * s1;
        s = s * c1 + c * s1, c = cn;
        if ((k & 255) == 0) { /* re-anchor the rotation against drift */
            c = cos(2 * M_PI * k * x), s = sin(2 * M_PI * k * x);
        }
        y += pow(k, -0.5 * a) * (c * ct[k] + s * st[k]);
    }
    return M_SQRT2 * y;
}

static double lsq_slope(const double *P, const double *E, int n)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int i = 0; i < n; i++) {
        double x = log(P[i]), y = log(E[i]);
        sx += x, sy += y, sxx += x * x, sxy += x * y;
    }
    return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

/* E_g of the circle model at the P of the list (nested: the first P points). */
static sf_status circle_curve(sf_context *ctx, const sf_learning_spec *s, uint64_t seed, uint64_t inst,
                              const volatile int *stop, double *values)
{
    int nP = s->n_list[LC_P], Pm = (int)s->list[LC_P][nP - 1], K = spec_modes(s), T = (int)s->v[LC_TEST];
    int n = (int)(s->v[LC_B] / 2);
    double a = s->v[LC_A], rho = s->v[LC_RIDGE], sigma = s->v[LC_NOISE];
    double *x = malloc(sizeof(double) * (size_t)(Pm + T)), *y = malloc(sizeof(double) * (size_t)(Pm + T));
    double *ct = malloc(sizeof(double) * (size_t)(K + 1)), *st = malloc(sizeof(double) * (size_t)(K + 1));
    double *G = malloc(sizeof(double) * (size_t)Pm * Pm), *al = malloc(sizeof(double) * (size_t)Pm);
    sf_status rc = SF_OK;
    if (!x || !y || !ct || !st || !G || !al) {
        rc = sf_fail(ctx, SF_ERR_NOMEM, "out of memory (learning curve at P = %d)", Pm);
        goto out;
    }
    sf_rng r, ph, nz;
    sf_rng_init(&r, seed, SF_RNG_LEARN, sf_learn_entity(inst, SF_LS_PATTERNS));
    sf_rng_init(&ph, seed, SF_RNG_LEARN, sf_learn_entity(inst, SF_LS_LABELS));
    sf_rng_init(&nz, seed, SF_RNG_LEARN, sf_learn_entity(inst, SF_LS_TRAIN));
    for (int k = 1; k <= K; k++) {
        double th = 2 * M_PI * sf_rng_uniform(&ph);
        ct[k] = cos(th), st[k] = sin(th);
    }
    for (int i = 0; i < Pm + T; i++) {
        x[i] = sf_rng_uniform(&r);
        y[i] = target(x[i], ct, st, K, a);
    }
    for (int i = 0; i < Pm; i++) /* label noise on the training points only */
        y[i] += sigma * sf_rng_normal(&nz);
    for (int j = 0; j < nP && !*stop; j++) {
        int P = (int)s->list[LC_P][j];
        for (int i = 0; i < P; i++) {
            for (int l = 0; l <= i; l++)
                G[(size_t)i * P + l] = kern(x[i] - x[l], n);
            G[(size_t)i * P + i] += P * rho;
            al[i] = y[i];
        }
        if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', P, G, P) != 0 ||
            LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'L', P, 1, G, P, al, 1) != 0) {
            rc = sf_fail(ctx, SF_ERR_NUMERIC, "learning curve: the Gram matrix at P = %d is not "
                         "numerically positive definite (use a ridge, or a smaller b)", P);
            goto out;
        }
        double e = 0;
        for (int t = 0; t < T; t++) {
            double f = 0, xt = x[Pm + t];
            for (int i = 0; i < P; i++)
                f += al[i] * kern(xt - x[i], n);
            e += (f - y[Pm + t]) * (f - y[Pm + t]);
        }
        values[j] = e / T;
    }
out:
    free(x), free(y), free(ct), free(st), free(G), free(al);
    return rc;
}

/* E_g of the Gaussian-feature model: D = modes features z_k ~ N(0, 1),
 * the kernel sum_k lambda_k z_k z'_k, the target sum_k k^{-a/2} eps_k z_k
 * (random signs eps_k); E_g exactly, (beta - beta*)^T Lambda (beta -
 * beta*) for the primal weights beta = Z^T alpha of the estimator. */
static sf_status gaussian_curve(sf_context *ctx, const sf_learning_spec *s, uint64_t seed,
                                uint64_t inst, const volatile int *stop, double *values)
{
    int nP = s->n_list[LC_P], Pm = (int)s->list[LC_P][nP - 1], D = spec_modes(s);
    double a = s->v[LC_A], b = s->v[LC_B], rho = s->v[LC_RIDGE], sigma = s->v[LC_NOISE];
    double *F = malloc(sizeof(double) * (size_t)Pm * D), *w = malloc(sizeof(double) * (size_t)D);
    double *sl = malloc(sizeof(double) * (size_t)D), *y = malloc(sizeof(double) * (size_t)Pm);
    double *G = malloc(sizeof(double) * (size_t)Pm * Pm), *al = malloc(sizeof(double) * (size_t)Pm);
    double *beta = malloc(sizeof(double) * (size_t)D);
    sf_status rc = SF_OK;
    if (!F || !w || !sl || !y || !G || !al || !beta) {
        rc = sf_fail(ctx, SF_ERR_NOMEM, "out of memory (learning curve: %d x %d features)", Pm, D);
        goto out;
    }
    sf_rng ph, nz;
    sf_rng_init(&ph, seed, SF_RNG_LEARN, sf_learn_entity(inst, SF_LS_LABELS));
    sf_rng_init(&nz, seed, SF_RNG_LEARN, sf_learn_entity(inst, SF_LS_TRAIN));
    for (int k = 0; k < D; k++) {
        sl[k] = pow(k + 1, -0.5 * b);
        w[k] = pow(k + 1, -0.5 * a) * ((sf_rng_u32(&ph) & 1) ? 1 : -1); /* in units of z */
    }
    /* F = Z Lambda^1/2, row i from its own block of the pattern stream */
    for (int i = 0; i < Pm; i++) {
        sf_rng_normals_blocks(seed, SF_RNG_LEARN, sf_learn_entity(inst, SF_LS_PATTERNS),
                              (uint64_t)i * (uint64_t)D, (uint64_t)D, F + (size_t)i * D);
        double yi = 0;
        for (int k = 0; k < D; k++)
            yi += w[k] * F[(size_t)i * D + k], F[(size_t)i * D + k] *= sl[k];
        y[i] = yi + sigma * sf_rng_normal(&nz);
    }
    for (int j = 0; j < nP && !*stop; j++) {
        int P = (int)s->list[LC_P][j];
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, P, D, 1.0, F, D, 0.0, G, P);
        for (int i = 0; i < P; i++)
            G[(size_t)i * P + i] += P * rho, al[i] = y[i];
        if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', P, G, P) != 0 ||
            LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'L', P, 1, G, P, al, 1) != 0) {
            rc = sf_fail(ctx, SF_ERR_NUMERIC, "learning curve: the Gram matrix at P = %d is not "
                         "numerically positive definite (use a ridge or more modes)", P);
            goto out;
        }
        /* f(z) = sum_k beta_k sl_k z_k with beta = F^T alpha; target w */
        cblas_dgemv(CblasRowMajor, CblasTrans, P, D, 1.0, F, D, al, 1, 0.0, beta, 1);
        double e = 0;
        for (int k = 0; k < D; k++) {
            double d = beta[k] * sl[k] - w[k];
            e += d * d;
        }
        values[j] = e;
    }
out:
    free(F), free(w), free(sl), free(y), free(G), free(al), free(beta);
    return rc;
}

static sf_status instance(sf_context *ctx, const sf_learning_spec *s, uint64_t seed, uint64_t inst,
                          int threads, const volatile int *stop, double *values)
{
    (void)threads;
    int nP = s->n_list[LC_P];
    sf_status rc = circle(s) ? circle_curve(ctx, s, seed, inst, stop, values)
                             : gaussian_curve(ctx, s, seed, inst, stop, values);
    if (!rc && nP > 1 && !*stop)
        values[nP] = -lsq_slope(s->list[LC_P], values, nP);
    return rc;
}

/* ---- the theory ---- */

typedef struct {
    double b, kappa;
    int which; /* 0: lambda/(lambda+kappa), 1: lambda^2/(lambda+kappa)^2 */
} tail_par;

static double tail_f(double k, void *v)
{
    tail_par *p = v;
    double l = pow(k, -p->b), q = l / (l + p->kappa);
    return p->which ? q * q : q;
}

typedef struct {
    double b, rho, P;
    int kmax, per_k;  /* modes per k (circle 2, gaussian 1); tail beyond kmax
                         only on the circle */
    bool tail;
    gsl_integration_workspace *w;
} curve_par;

/* sum over the kernel's modes, exactly to kmax, then (circle) the integral */
static double mode_sum(const curve_par *c, double kappa, int which)
{
    double s = 0;
    for (int k = c->kmax; k >= 1; k--) {
        double l = pow(k, -c->b), q = l / (l + kappa);
        s += which ? q * q : q;
    }
    if (c->tail) {
        tail_par p = {c->b, kappa, which};
        gsl_function F = {tail_f, &p};
        double r = 0, err;
        gsl_integration_qagiu(&F, c->kmax + 0.5, 0, 1e-10, 1000, c->w, &r, &err);
        s += r;
    }
    return c->per_k * s;
}

static double kappa_eq(double lk, void *v)
{
    curve_par *c = v;
    double kappa = exp(lk);
    return kappa - c->rho - kappa / c->P * mode_sum(c, kappa, 0);
}

/* The self-consistent E_g at P for lambda_k = k^-b, w_k^2 = k^-a, modes
 * 1..K (circle: two per k, exact to max(K, 200 P), then the integral);
 * *kappa (may be NULL) the root. NaN if the root is not found. */
double sf_learning_curve_eg(double a, double b, double rho, double sig2, int K, bool circ, double P,
                            gsl_integration_workspace *w, double *kappa_out)
{
    curve_par c = {b, rho, P, K, 1, false, w};
    if (circ)
        c.kmax = K > (int)(200 * P) ? K : (int)(200 * P), c.per_k = 2, c.tail = true;
    gsl_function F = {kappa_eq, &c};
    /* kappa lies between rho and rho + sum lambda (the ridgeless root is
     * of order P^-b) */
    double lo = log(1e-6 * pow(P, -b) + rho), hi = log(rho + 10.0 * (1 + P));
    gsl_root_fsolver *so = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (!so || gsl_root_fsolver_set(so, &F, lo, hi) != 0) {
        gsl_root_fsolver_free(so);
        return NAN;
    }
    for (int it = 0; it < 200; it++) {
        gsl_root_fsolver_iterate(so);
        if (gsl_root_test_interval(gsl_root_fsolver_x_lower(so), gsl_root_fsolver_x_upper(so), 1e-13, 0) == GSL_SUCCESS)
            break;
    }
    double kappa = exp(gsl_root_fsolver_root(so));
    gsl_root_fsolver_free(so);
    double gamma = mode_sum(&c, kappa, 1) / P, t = 0;
    for (int k = K; k >= 1; k--) {
        double l = pow(k, -b);
        t += kappa * kappa * pow(k, -a) / ((l + kappa) * (l + kappa));
    }
    if (kappa_out)
        *kappa_out = kappa;
    return (t + sig2 * gamma) / (1 - gamma);
}

static double theory_eg(const sf_learning_spec *s, double P, gsl_integration_workspace *w)
{
    return sf_learning_curve_eg(s->v[LC_A], s->v[LC_B], s->v[LC_RIDGE], s->v[LC_NOISE] * s->v[LC_NOISE],
                                spec_modes(s), circle(s), P, w, NULL);
}

static sf_status predict(sf_context *ctx, const sf_learning_spec *s, double *values, sf_quantities *q)
{
    int nP = s->n_list[LC_P];
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
    if (!w)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    for (int j = 0; j < nP; j++)
        values[j] = theory_eg(s, s->list[LC_P][j], w);
    gsl_integration_workspace_free(w);
    for (int j = 0; j < nP; j++)
        if (!isfinite(values[j]))
            return sf_fail(ctx, SF_ERR_NOCONV, "learning curve: no solution of the self-consistent "
                           "equation at P = %g", s->list[LC_P][j]);
    if (nP > 1)
        values[nP] = -lsq_slope(s->list[LC_P], values, nP);
    double a = s->v[LC_A], b = s->v[LC_B], asym = fmin(a - 1, 2 * b);
    sf_quantity *x = sf_quantities_add_scalar(ctx, q, "exponent_asymptotic", "", -1, -1,
                                              s->v[LC_RIDGE] == 0 ? asym : 0);
    if (!x || sf_quantity_note(x, s->v[LC_RIDGE] == 0 ? "ridgeless: min(a - 1, 2b)"
                                                     : "with a ridge the curve saturates") ||
        sf_quantities_note(q, "E_g: self-consistent kernel-regression / GP learning curve "
                              "(Canatar, Bordelon & Pehlevan 2021), averaged over training sets; "
                              "exponent: least-squares slope of -ln E_g over the listed P"))
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    return SF_OK;
}

const sf_learning_kind sf_learning_curve = {
    .name = "learning_curve",
    .doc = "kernel regression on power-law data vs the self-consistent learning curve",
    .keys = keys,
    .check = check,
    .n_values = n_values,
    .value_name = value_name,
    .instance = instance,
    .predict = predict,
};
