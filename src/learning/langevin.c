/* Task kind `langevin`: Bayesian ensembles of weakly non-linear two-layer
 * networks on the Gaussian power-law data of `learning_curve`, sampled by
 * Langevin dynamics, against the Gaussian process of the network's own
 * infinite-width kernel (the fixed point of Peraza Coppola, Helias &
 * Ringel, arXiv:2510.25553; nothing here is taken from the paper's text,
 * of which only the abstract is available: docs/learning.md).
 *
 * Data: x = Lambda^1/2 z, z ~ N(0, 1_D), lambda_k = k^-b; the target
 * y = sum_k k^{-a/2} eps_k z_k (random signs), labels with noise sigma.
 * Network: f(x) = N^-1/2 sum_i a_i phi(w_i . x), phi(h) = h + eps h^3;
 * priors a_i ~ N(0, var_a), w_ik ~ N(0, var_w); likelihood
 * exp(-sum_mu (f(x_mu) - y_mu)^2 / (2T)). Posterior sampling, exact at
 * any step: the read-out integrates out, p(W | data) ~ prior(W) N(y; 0, C),
 * C = var_a Phi Phi^T + T, and W is sampled from that marginal by
 * Metropolis-adjusted exponential-Euler Langevin steps (a pCN-Langevin
 * proposal: the prior's Ornstein-Uhlenbeck part exact, grad of
 * -log N(y; 0, C) held fixed over the step),
 *     W' = d W - var_w (1 - d) grad L + sqrt(var_w (1 - d^2)) xi,  d = exp(-h / var_w),
 * accepted with the Metropolis-Hastings probability; at every measurement
 * the read-out is drawn exactly from p(a | W, data) (Matheron's rule), so
 * (W, a) is a joint posterior sample. (A Langevin step of W given a is
 * stiff along the collective direction that moves f, curvature of order
 * var_a P lambda_1 / T, which the step below ignores: the read-out draw
 * hid that instability in the first versions, and a Metropolis test of
 * that step accepts nothing at N = 512, P = 128.)
 * h = dt / (1/var_w + var_a lambda_max(X^T X) g^2 / (T N)),
 * g = 1 + 3 |eps| var_w tr Lambda (the curvature scale of -log N(y; 0, C)
 * per unit; the acceptance rate is reported).
 *
 * Infinite width: a GP with K(x, x') = var_a E[phi(u) phi(v)], u, v
 * Gaussian with variances var_w |x|^2, var_w |x'|^2 and covariance
 * var_w x . x' (sf_lgv_phi_kernel). Its posterior on the same training set
 * (mean k^T (K + T)^-1 y, variance K(x, x) - k^T (K + T)^-1 k) is computed
 * exactly per instance; at eps = 0 the kernel is var_a var_w x . x' and the
 * self-consistent curve of learning_curve.c (lambda scaled by var_a var_w,
 * ridge T/P) is the prediction, with the mean posterior variance P kappa - T.
 *
 * Measured per (eps, N, P): E_ens, the posterior mean over samples of the
 * test error of one network (the ensemble's error); E_mean, the test error
 * of the ensemble-mean predictor, estimated without the bias of finitely
 * many samples as the test mean of (fbar_1 - y)(fbar_2 - y) over the two
 * halves of the chain; the GP's values of both on the same data and test
 * points; the relative deviations (E - E^GP)/E^GP; and drift, the
 * difference of E_ens between the chain's second and first half relative
 * to E_ens^GP (equilibration: 0 within its SE); accept, the acceptance
 * rate; the finite-width theory on the same data: at eps = 0 the GP of
 * the kernel u K0 (sf_lgv_renorm_u), at eps != 0 the GP of u K_phi (the
 * same saddle with the network's kernel: exact to first order in eps at
 * leading order in N, docs/learning.md): u, E_ens_rk, E_mean_rk,
 * dev_*_rk = (E_rk - E_gp) / E_gp and res_* = (E - E_rk) / E_gp.
 *
 * Invariant: an instance depends only on (seed, instance, spec); the P of
 * the list use the first P points (nested training sets); every chain has
 * its own streams (init, read-out, weights).
 */
#include "learning/langevin.h"
#include "learning/learning_impl.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the sampler ---- */

struct sf_lgv {
    int Pmax, D, N, P;
    bool fresh;  /* H, Phi belong to W */
    bool have_L; /* so do L and grad */
    double L;    /* -log p(y | W), the read-out integrated out */
    const double *X, *y;
    double eps, T, var_a, var_w, h;
    /* the current state and the proposal's (swapped on acceptance) */
    double *W, *H, *Phi, *W2, *H2, *Phi2;
    double *a, *G, *u, *r, *M, *grad, *grad2, *xi; /* u: N, r: P */
};

double sf_lgv_phi_kernel(double su2, double sv2, double c, double eps)
{
    return c * (1 + 3 * eps * (su2 + sv2) + 9 * eps * eps * su2 * sv2) + 6 * eps * eps * c * c * c;
}

sf_lgv *sf_lgv_create(int Pmax, int D, int N)
{
    sf_lgv *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->Pmax = Pmax, g->D = D, g->N = N;
    size_t nd = (size_t)N * D, pn = (size_t)Pmax * N;
    g->W = malloc(sizeof(double) * nd), g->W2 = malloc(sizeof(double) * nd);
    g->grad = malloc(sizeof(double) * nd), g->grad2 = malloc(sizeof(double) * nd);
    g->xi = malloc(sizeof(double) * nd), g->a = malloc(sizeof(double) * (size_t)N);
    g->H = malloc(sizeof(double) * pn), g->Phi = malloc(sizeof(double) * pn);
    g->H2 = malloc(sizeof(double) * pn), g->Phi2 = malloc(sizeof(double) * pn);
    g->M = malloc(sizeof(double) * pn), g->G = malloc(sizeof(double) * (size_t)Pmax * Pmax);
    g->u = malloc(sizeof(double) * (size_t)N), g->r = malloc(sizeof(double) * (size_t)Pmax);
    if (!g->W || !g->W2 || !g->grad || !g->grad2 || !g->xi || !g->a || !g->H || !g->Phi || !g->H2 ||
        !g->Phi2 || !g->M || !g->G || !g->u || !g->r) {
        sf_lgv_destroy(g);
        return NULL;
    }
    return g;
}

void sf_lgv_destroy(sf_lgv *g)
{
    if (!g)
        return;
    free(g->W), free(g->W2), free(g->grad), free(g->grad2), free(g->xi), free(g->a), free(g->H);
    free(g->Phi), free(g->H2), free(g->Phi2), free(g->M), free(g->G), free(g->u), free(g->r);
    free(g);
}

void sf_lgv_setup(sf_lgv *g, int P, const double *X, const double *y, double eps, double T,
                  double var_a, double var_w, double h)
{
    g->P = P, g->X = X, g->y = y, g->eps = eps, g->T = T, g->var_a = var_a, g->var_w = var_w, g->h = h;
    g->fresh = g->have_L = false;
}

double *sf_lgv_weights(sf_lgv *g)
{
    g->fresh = g->have_L = false; /* the caller may write */
    return g->W;
}

double *sf_lgv_readout(sf_lgv *g)
{
    return g->a;
}

void sf_lgv_init(sf_lgv *g, sf_rng *r)
{
    double sw = sqrt(g->var_w), sa = sqrt(g->var_a);
    for (size_t k = 0; k < (size_t)g->N * g->D; k++)
        g->W[k] = sw * sf_rng_normal(r);
    for (int i = 0; i < g->N; i++)
        g->a[i] = sa * sf_rng_normal(r);
    g->fresh = g->have_L = false;
}

/* H = X W^T and Phi = phi(H) / sqrt N over the P training points. */
static void forward(const sf_lgv *g, const double *W, double *H, double *Phi)
{
    int P = g->P, N = g->N;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, P, N, g->D, 1.0, g->X, g->D, W, g->D, 0.0, H, N);
    double s = 1 / sqrt((double)N), e = g->eps;
    for (size_t k = 0; k < (size_t)P * N; k++) {
        double x = H[k];
        Phi[k] = s * x * (1 + e * x * x);
    }
}

static void refresh(sf_lgv *g)
{
    if (!g->fresh)
        forward(g, g->W, g->H, g->Phi), g->have_L = false;
    g->fresh = true;
}

/* Matheron: a = a0 + var_a Phi^T (var_a Phi Phi^T + T)^-1 (y - Phi a0 - e),
 * a0 ~ N(0, var_a), e ~ N(0, T): exactly N(A^-1 Phi^T y / T, A^-1),
 * A = Phi^T Phi / T + 1 / var_a. */
int sf_lgv_sample_readout(sf_lgv *g, sf_rng *r)
{
    int P = g->P, N = g->N;
    refresh(g);
    double sa = sqrt(g->var_a), st = sqrt(g->T);
    for (int i = 0; i < N; i++)
        g->a[i] = sa * sf_rng_normal(r);
    for (int m = 0; m < P; m++)
        g->r[m] = g->y[m] - st * sf_rng_normal(r);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, P, N, -1.0, g->Phi, N, g->a, 1, 1.0, g->r, 1);
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, P, N, g->var_a, g->Phi, N, 0.0, g->G, P);
    for (int m = 0; m < P; m++)
        g->G[(size_t)m * P + m] += g->T;
    if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', P, g->G, P) != 0 ||
        LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'L', P, 1, g->G, P, g->r, 1) != 0)
        return -1;
    cblas_dgemv(CblasRowMajor, CblasTrans, P, N, g->var_a, g->Phi, N, g->r, 1, 1.0, g->a, 1);
    return 0;
}

/* The log-likelihood of W with the read-out integrated out,
 * l(W) = log N(y; 0, C), C = var_a Phi Phi^T + T (up to a constant):
 * l = -log det C / 2 - y^T C^-1 y / 2, and its gradient in W,
 * dl = var_a tr((alpha alpha^T - C^-1) dPhi Phi^T), alpha = C^-1 y:
 * grad = M^T X, M_mu,i = R_mu,i phi'(H_mu,i) / sqrt N,
 * R = var_a (alpha (Phi^T alpha)^T - C^-1 Phi). Returns -l (NaN when C is
 * not positive definite or not finite) and -grad l in grad. */
static double nloglik_grad(sf_lgv *g, const double *H, const double *Phi, double *grad)
{
    int P = g->P, N = g->N, D = g->D;
    double va = g->var_a, *C = g->G, *al = g->r, *v = g->u;
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, P, N, va, Phi, N, 0.0, C, P);
    for (int m = 0; m < P; m++)
        C[(size_t)m * P + m] += g->T;
    if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', P, C, P) != 0)
        return NAN;
    double ld = 0, q = 0;
    for (int m = 0; m < P; m++)
        ld += log(C[(size_t)m * P + m]), al[m] = g->y[m];
    if (LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'L', P, 1, C, P, al, 1) != 0 ||
        LAPACKE_dpotri(LAPACK_ROW_MAJOR, 'L', P, C, P) != 0)
        return NAN;
    for (int m = 0; m < P; m++)
        q += g->y[m] * al[m];
    if (!isfinite(ld) || !isfinite(q))
        return NAN;
    /* M = -R: var_a C^-1 Phi - var_a alpha v^T, v = Phi^T alpha */
    cblas_dgemv(CblasRowMajor, CblasTrans, P, N, 1.0, Phi, N, al, 1, 0.0, v, 1);
    cblas_dsymm(CblasRowMajor, CblasLeft, CblasLower, P, N, va, C, P, Phi, N, 0.0, g->M, N);
    cblas_dger(CblasRowMajor, P, N, -va, al, 1, v, 1, g->M, N);
    double s = 1 / sqrt((double)N), e3 = 3 * g->eps;
    for (size_t k = 0; k < (size_t)P * N; k++)
        g->M[k] *= s * (1 + e3 * H[k] * H[k]);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, N, D, P, 1.0, g->M, N, g->X, D, 0.0, grad, D);
    return ld + q / 2;
}

static int refresh_state(sf_lgv *g)
{
    refresh(g);
    if (!g->have_L) {
        g->L = nloglik_grad(g, g->H, g->Phi, g->grad);
        if (!isfinite(g->L))
            return -1;
        g->have_L = true;
    }
    return 0;
}

int sf_lgv_step_weights(sf_lgv *g, uint64_t seed, uint64_t entity, uint64_t idx0, sf_rng *ru)
{
    size_t n = (size_t)g->N * g->D;
    if (refresh_state(g))
        return -1;
    sf_rng_normals_blocks(seed, SF_RNG_LEARN, entity, idx0, (uint64_t)n, g->xi);
    /* the proposal: the prior's Ornstein-Uhlenbeck part integrated exactly
     * over h, grad L held fixed */
    double h = g->h, vw = g->var_w, d = exp(-h / vw), c = vw * (1 - d), sq = sqrt(vw * (1 - d * d));
    const double *W = g->W, *gr = g->grad;
    double *W2 = g->W2, *g2 = g->grad2;
    for (size_t k = 0; k < n; k++)
        W2[k] = d * W[k] - c * gr[k] + sq * g->xi[k];
    forward(g, W2, g->H2, g->Phi2);
    double L = g->L, L2 = nloglik_grad(g, g->H2, g->Phi2, g2);
    double u = sf_rng_uniform_pos(ru);
    if (!isfinite(L2))
        return 0; /* a proposal too far out: rejected (its density is 0 in double) */
    /* log of the Metropolis-Hastings ratio; the prior's parts cancel
     * because the OU proposal is reversible for it */
    double cr = 0, gg = 0;
    for (size_t k = 0; k < n; k++)
        cr += gr[k] * (W2[k] - d * W[k]) - g2[k] * (W[k] - d * W2[k]), gg += gr[k] * gr[k] - g2[k] * g2[k];
    double la = L - L2 + cr / (1 + d) + c * gg / (2 * (1 + d));
    if (!(log(u) < la))
        return 0;
    double *t;
    t = g->W, g->W = g->W2, g->W2 = t;
    t = g->H, g->H = g->H2, g->H2 = t;
    t = g->Phi, g->Phi = g->Phi2, g->Phi2 = t;
    t = g->grad, g->grad = g->grad2, g->grad2 = t;
    g->L = L2;
    return 1;
}

void sf_lgv_predict(const sf_lgv *g, int n, const double *Xt, double *f, double *work)
{
    int N = g->N;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, N, g->D, 1.0, Xt, g->D, g->W, g->D, 0.0, work, N);
    double s = 1 / sqrt((double)N), e = g->eps;
    for (int t = 0; t < n; t++) {
        double ft = 0;
        const double *h = work + (size_t)t * N;
        for (int i = 0; i < N; i++)
            ft += g->a[i] * h[i] * (1 + e * h[i] * h[i]);
        f[t] = s * ft;
    }
}

/* ---- the task ---- */

enum { LV_A, LV_B, LV_MODES, LV_P, LV_WIDTH, LV_EPS, LV_T, LV_VAR_A, LV_VAR_W, LV_NOISE, LV_DT,
       LV_BURN, LV_TIME, LV_THIN, LV_TEST, LV_NKEYS };
enum { V_ENS, V_ENS_GP, V_DEV_ENS, V_MEAN, V_MEAN_GP, V_DEV_MEAN, V_DRIFT, V_ACC, V_U, V_ENS_RK, V_MEAN_RK,
       V_RES_ENS, V_RES_MEAN, V_DEV_ENS_RK, V_DEV_MEAN_RK, NV };
static const char *const vnames[NV] = {"E_ens", "E_ens_gp", "dev_ens", "E_mean", "E_mean_gp",
                                       "dev_mean", "drift", "accept", "u", "E_ens_rk", "E_mean_rk",
                                       "res_ens", "res_mean", "dev_ens_rk", "dev_mean_rk"};

static const double default_P[] = {16, 32, 64, 128};
static const double default_width[] = {64, 512};
static const double default_eps[] = {0, 0.1};

static const sf_learning_key keys[] = {
    [LV_A] = {"a", SF_LK_REAL, 2, 1.05, 20, NULL, "target power k^-a", NULL, 0},
    [LV_B] = {"b", SF_LK_REAL, 2, 0.5, 20, NULL, "input spectrum lambda_k = k^-b", NULL, 0},
    [LV_MODES] = {"modes", SF_LK_INT, 32, 1, 4096, NULL, "input dimension D (modes of the spectrum)", NULL, 0},
    [LV_P] = {"P", SF_LK_LIST, 16, 1, 4096, NULL, "training-set sizes", default_P, 4},
    [LV_WIDTH] = {"width", SF_LK_LIST, 64, 1, 65536, NULL, "hidden widths N", default_width, 2},
    [LV_EPS] = {"eps", SF_LK_LIST, 0, -10, 10, NULL, "non-linearity phi(h) = h + eps h^3", default_eps, 2},
    [LV_T] = {"temperature", SF_LK_REAL, 0.1, 1e-8, 1e6, NULL, "T: likelihood variance (the GP's ridge)", NULL, 0},
    [LV_VAR_A] = {"var_a", SF_LK_REAL, 1, 1e-8, 1e6, NULL, "prior variance of the read-out weights", NULL, 0},
    [LV_VAR_W] = {"var_w", SF_LK_REAL, 1, 1e-8, 1e6, NULL, "prior variance of the input weights", NULL, 0},
    [LV_NOISE] = {"noise", SF_LK_REAL, 0, 0, 1e6, NULL, "label noise standard deviation", NULL, 0},
    [LV_DT] = {"dt", SF_LK_REAL, 1, 1e-6, 1.5, NULL, "Langevin step in units of the inverse curvature bound (exact at any dt; the acceptance falls as it grows)", NULL, 0},
    [LV_BURN] = {"burn", SF_LK_REAL, 3, 0, 1e6, NULL, "burn-in time in units of var_w (the prior's relaxation time)", NULL, 0},
    [LV_TIME] = {"time", SF_LK_REAL, 12, 1e-6, 1e6, NULL, "sampling time in units of var_w", NULL, 0},
    [LV_THIN] = {"thin", SF_LK_INT, 1, 1, 1e6, NULL, "steps between measured samples", NULL, 0},
    [LV_TEST] = {"test", SF_LK_INT, 1000, 10, 1e6, NULL, "test points", NULL, 0},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL, 0},
};

static const char *check(const sf_learning_spec *s, char *buf, size_t len)
{
    (void)buf, (void)len;
    for (int i = 0; i < s->n_list[LV_P]; i++)
        if (s->list[LV_P][i] != floor(s->list[LV_P][i]) || (i && s->list[LV_P][i] <= s->list[LV_P][i - 1]))
            return "langevin: P lists increasing whole numbers";
    for (int i = 0; i < s->n_list[LV_WIDTH]; i++)
        if (s->list[LV_WIDTH][i] != floor(s->list[LV_WIDTH][i]))
            return "langevin: width lists whole numbers";
    return NULL;
}

static int n_combos(const sf_learning_spec *s)
{
    return s->n_list[LV_EPS] * s->n_list[LV_WIDTH] * s->n_list[LV_P];
}

static size_t n_values(const sf_learning_spec *s)
{
    return (size_t)n_combos(s) * NV;
}

/* combination c = (e nW + w) nP + j */
static void combo(const sf_learning_spec *s, int c, double *eps, int *N, int *P)
{
    int nP = s->n_list[LV_P], nW = s->n_list[LV_WIDTH];
    *P = (int)s->list[LV_P][c % nP];
    *N = (int)s->list[LV_WIDTH][(c / nP) % nW];
    *eps = s->list[LV_EPS][c / (nP * nW)];
}

static void value_name(const sf_learning_spec *s, size_t k, char *name, size_t len, const char **unit)
{
    double eps;
    int N, P;
    combo(s, (int)(k / NV), &eps, &N, &P);
    *unit = "";
    snprintf(name, len, "%s[eps=%g,N=%d,P=%d]", vnames[k % NV], eps, N, P);
}

/* x = Lambda^1/2 z and y = w . z for n points of the stream `stream`. */
static void draw_points(const sf_learning_spec *s, uint64_t seed, uint64_t inst, uint32_t stream, int n,
                        const double *w, double *X, double *y)
{
    int D = (int)s->v[LV_MODES];
    double b = s->v[LV_B];
    for (int i = 0; i < n; i++) {
        double *x = X + (size_t)i * D;
        sf_rng_normals_blocks(seed, SF_RNG_LEARN, sf_learn_entity(inst, stream), (uint64_t)i * D,
                              (uint64_t)D, x);
        double yi = 0;
        for (int k = 0; k < D; k++)
            yi += w[k] * x[k], x[k] *= pow(k + 1, -0.5 * b);
        y[i] = yi;
    }
}

/* The GP of the network's kernel on the first P training points: test mean
 * error and mean posterior variance. */
static int gp_reference(const sf_learning_spec *s, double eps, int P, const double *X, const double *y,
                        int nt, const double *Xt, const double *yt, double *G, double *k, double *al,
                        double *e_mean, double *var_mean)
{
    int D = (int)s->v[LV_MODES];
    double va = s->v[LV_VAR_A], vw = s->v[LV_VAR_W], T = s->v[LV_T];
#define DOT(p, q) cblas_ddot(D, p, 1, q, 1)
    for (int i = 0; i < P; i++) {
        const double *xi = X + (size_t)i * D;
        double si = vw * DOT(xi, xi);
        for (int j = 0; j <= i; j++) {
            const double *xj = X + (size_t)j * D;
            G[(size_t)i * P + j] = va * sf_lgv_phi_kernel(si, vw * DOT(xj, xj), vw * DOT(xi, xj), eps);
        }
        G[(size_t)i * P + i] += T;
        al[i] = y[i];
    }
    if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', P, G, P) != 0 ||
        LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'L', P, 1, G, P, al, 1) != 0)
        return -1;
    double em = 0, vm = 0;
    for (int t = 0; t < nt; t++) {
        const double *xt = Xt + (size_t)t * D;
        double st = vw * DOT(xt, xt), f = 0;
        for (int i = 0; i < P; i++) {
            const double *xi = X + (size_t)i * D;
            k[i] = va * sf_lgv_phi_kernel(st, vw * DOT(xi, xi), vw * DOT(xt, xi), eps);
            f += k[i] * al[i];
        }
        cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, P, G, P, k, 1);
        em += (f - yt[t]) * (f - yt[t]);
        vm += va * sf_lgv_phi_kernel(st, st, st, eps) - cblas_ddot(P, k, 1, k, 1);
    }
#undef DOT
    *e_mean = em / nt, *var_mean = vm / nt;
    return 0;
}

/* The finite-width posterior of the deep linear network (eps = 0) in the
 * limit N, P -> infinity at fixed P/N: the GP of the kernel u K0,
 * K0 = var_a var_w X X^T, with u at the minimum of
 *     S(u) = N (u - log u) / 2 + log det(u K0 + T) / 2 + y^T (u K0 + T)^-1 y / 2
 * (derived in docs/learning.md after Li & Sompolinsky, Phys. Rev. X 11,
 * 031059, 2021). K0 = V diag(k) V^T; yt = V^T y. The global minimum on a
 * grid of log u, then bisection of S'(u) in its bracket. */
double sf_lgv_renorm_u(int P, int N, double T, const double *k, const double *yt)
{
    double best = INFINITY, ub = 1;
    for (int j = 0; j <= 400; j++) {
        double u = exp(-9.21 + j * (2 * 9.21 / 400)), S = N * (u - log(u)) / 2;
        for (int i = 0; i < P; i++) {
            double ki = fmax(k[i], 0);
            S += 0.5 * log(u * ki + T) + 0.5 * yt[i] * yt[i] / (u * ki + T);
        }
        if (S < best)
            best = S, ub = u;
    }
    double lo = ub * exp(-2 * 9.21 / 400), hi = ub * exp(2 * 9.21 / 400);
    for (int it = 0; it < 200; it++) {
        double u = 0.5 * (lo + hi), dS = N * (1 - 1 / u) / 2;
        for (int i = 0; i < P; i++) {
            double ki = fmax(k[i], 0), g = 1 / (u * ki + T);
            dS += 0.5 * ki * g - 0.5 * yt[i] * yt[i] * ki * g * g;
        }
        if (dS > 0)
            hi = u;
        else
            lo = u;
    }
    return 0.5 * (lo + hi);
}

/* The renormalised GP (kernel u K0, eps = 0) on the first P points: u, the
 * test mean error and the mean posterior variance. G: P x P, B: P x D,
 * kv, yt: P. */
static int rk_reference(const sf_learning_spec *s, int N, int P, const double *X, const double *y, int nt,
                        const double *Xt, const double *yt, double *G, double *B, double *kv, double *ytl,
                        double *u_out, double *e_mean, double *var_mean)
{
    int D = (int)s->v[LV_MODES];
    double sc = s->v[LV_VAR_A] * s->v[LV_VAR_W], T = s->v[LV_T];
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, P, P, D, sc, X, D, X, D, 0.0, G, P);
    if (LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'L', P, G, P, kv) != 0)
        return -1;
    /* G now holds V (columns); yt = V^T y, B = V^T X */
    cblas_dgemv(CblasRowMajor, CblasTrans, P, P, 1.0, G, P, y, 1, 0.0, ytl, 1);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, P, D, P, 1.0, G, P, X, D, 0.0, B, D);
    double u = sf_lgv_renorm_u(P, N, T, kv, ytl), em = 0, vm = 0;
    for (int t = 0; t < nt; t++) {
        const double *xt = Xt + (size_t)t * D;
        double f = 0, q = 0;
        for (int i = 0; i < P; i++) {
            double b = sc * cblas_ddot(D, B + (size_t)i * D, 1, xt, 1), g = 1 / (u * fmax(kv[i], 0) + T);
            f += b * ytl[i] * g, q += b * b * g;
        }
        f *= u;
        em += (f - yt[t]) * (f - yt[t]);
        vm += u * sc * cblas_ddot(D, xt, 1, xt, 1) - u * u * q;
    }
    *u_out = u, *e_mean = em / nt, *var_mean = vm / nt;
    return 0;
}

/* The finite-width theory at eps != 0: the GP of u K_phi, K_phi the
 * network's kernel, u the scalar saddle of the linear network with K_phi
 * in place of K0 (sf_lgv_renorm_u on its eigenvalues). Derived in
 * docs/learning.md: with the read-out integrated out, a row contributes
 * N M(t) = -(N/2) log(1 + t^T (K0 + eps K1) t / N) + O(eps^2) at leading
 * order in N (K0 + eps K1 the kernel to O(eps); K_phi is used so that
 * N -> infinity gives the GP itself). It is the kernel scaling that
 * Pacelli et al., Nat. Mach. Intell. 5, 1497 (2023) propose for one
 * hidden layer. Test mean error and mean posterior variance on the nt
 * test points. G: P x P (V), B, kv, ytl, kx: P. */
static int ks_reference(const sf_learning_spec *s, double eps, int N, int P, const double *X, const double *y,
                        int nt, const double *Xt, const double *yt, double *G, double *B, double *kv,
                        double *ytl, double *kx, double *u_out, double *e_mean, double *var_mean)
{
    int D = (int)s->v[LV_MODES];
    double va = s->v[LV_VAR_A], vw = s->v[LV_VAR_W], T = s->v[LV_T];
#define DOT(p, q) cblas_ddot(D, p, 1, q, 1)
    for (int i = 0; i < P; i++) {
        const double *xi = X + (size_t)i * D;
        for (int j = 0; j <= i; j++) {
            const double *xj = X + (size_t)j * D;
            G[(size_t)i * P + j] = va * sf_lgv_phi_kernel(vw * DOT(xi, xi), vw * DOT(xj, xj), vw * DOT(xi, xj), eps);
        }
    }
    if (LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'L', P, G, P, kv) != 0)
        return -1;
    cblas_dgemv(CblasRowMajor, CblasTrans, P, P, 1.0, G, P, y, 1, 0.0, ytl, 1);
    double u = sf_lgv_renorm_u(P, N, T, kv, ytl), em = 0, vm = 0;
    for (int t = 0; t < nt; t++) {
        const double *xt = Xt + (size_t)t * D;
        double st = vw * DOT(xt, xt), f = 0, qv = 0;
        for (int i = 0; i < P; i++) {
            const double *xi = X + (size_t)i * D;
            kx[i] = va * sf_lgv_phi_kernel(st, vw * DOT(xi, xi), vw * DOT(xt, xi), eps);
        }
        cblas_dgemv(CblasRowMajor, CblasTrans, P, P, 1.0, G, P, kx, 1, 0.0, B, 1); /* V^T k */
        for (int i = 0; i < P; i++) {
            double b = B[i], g = 1 / (u * fmax(kv[i], 0) + T);
            f += b * ytl[i] * g, qv += b * b * g;
        }
        f *= u;
        em += (f - yt[t]) * (f - yt[t]);
        vm += u * va * sf_lgv_phi_kernel(st, st, st, eps) - u * u * qv;
    }
#undef DOT
    *u_out = u, *e_mean = em / nt, *var_mean = vm / nt;
    return 0;
}

static sf_status instance(sf_context *ctx, const sf_learning_spec *s, uint64_t seed, uint64_t inst,
                          int threads, const volatile int *stop, double *values)
{
    (void)threads;
    int D = (int)s->v[LV_MODES], nP = s->n_list[LV_P], Pm = (int)s->list[LV_P][nP - 1];
    int nt = (int)s->v[LV_TEST], thin = (int)s->v[LV_THIN], Nmax = 0;
    for (int i = 0; i < s->n_list[LV_WIDTH]; i++)
        Nmax = (int)fmax(Nmax, s->list[LV_WIDTH][i]);
    double a = s->v[LV_A], T = s->v[LV_T], va = s->v[LV_VAR_A], vw = s->v[LV_VAR_W];
    double trL = 0;
    for (int k = 0; k < D; k++)
        trL += pow(k + 1, -s->v[LV_B]);
    size_t big = (size_t)Pm > (size_t)nt ? (size_t)Pm : (size_t)nt;
    double *w = malloc(sizeof(double) * D), *X = malloc(sizeof(double) * (size_t)Pm * D);
    double *y = malloc(sizeof(double) * Pm), *Xt = malloc(sizeof(double) * (size_t)nt * D);
    double *yt = malloc(sizeof(double) * nt), *G = malloc(sizeof(double) * (size_t)Pm * Pm);
    double *kv = malloc(sizeof(double) * big), *al = malloc(sizeof(double) * Pm);
    double *f = malloc(sizeof(double) * nt), *fb = malloc(sizeof(double) * 2 * (size_t)nt);
    double *work = malloc(sizeof(double) * (size_t)nt * Nmax), *XtX = malloc(sizeof(double) * D * D);
    double *ev = malloc(sizeof(double) * D), *B = malloc(sizeof(double) * (size_t)Pm * D);
    double *ytl = malloc(sizeof(double) * Pm);
    sf_lgv *g = sf_lgv_create(Pm, D, Nmax);
    sf_status rc = SF_OK;
    double hcur = 0;
    if (!w || !X || !y || !Xt || !yt || !G || !kv || !al || !f || !fb || !work || !XtX || !ev || !B || !ytl || !g) {
        rc = sf_fail(ctx, SF_ERR_NOMEM, "out of memory (langevin: P = %d, N = %d, D = %d)", Pm, Nmax, D);
        goto out;
    }
    sf_rng lab;
    sf_rng_init(&lab, seed, SF_RNG_LEARN, sf_learn_entity(inst, SF_LS_LABELS));
    for (int k = 0; k < D; k++)
        w[k] = pow(k + 1, -0.5 * a) * ((sf_rng_u32(&lab) & 1) ? 1 : -1);
    draw_points(s, seed, inst, SF_LS_PATTERNS, Pm, w, X, y);
    for (int i = 0; i < Pm; i++)
        y[i] += s->v[LV_NOISE] * sf_rng_normal(&lab);
    draw_points(s, seed, inst, SF_LS_TEST, nt, w, Xt, yt);

    for (int c = 0; c < n_combos(s) && !*stop; c++) {
        double eps, *v = values + (size_t)c * NV;
        int N, P;
        combo(s, c, &eps, &N, &P);
        double egp, vgp;
        if (gp_reference(s, eps, P, X, y, nt, Xt, yt, G, kv, al, &egp, &vgp)) {
            rc = sf_fail(ctx, SF_ERR_NUMERIC, "langevin: the GP Gram matrix at P = %d is not positive definite", P);
            goto out;
        }
        v[V_MEAN_GP] = egp, v[V_ENS_GP] = egp + vgp;
        double erk = NAN, vrk = NAN, ulin;
        if (rk_reference(s, N, P, X, y, nt, Xt, yt, G, B, kv, ytl, &ulin, &erk, &vrk)) {
            rc = sf_fail(ctx, SF_ERR_NUMERIC, "langevin: no eigenvalues of the kernel at P = %d", P);
            goto out;
        }
        if (eps == 0) {
            v[V_U] = ulin;
            v[V_MEAN_RK] = erk, v[V_ENS_RK] = erk + vrk;
        } else {
            /* the O(eps) finite-width theory: the kernel u K_phi */
            if (ks_reference(s, eps, N, P, X, y, nt, Xt, yt, G, B, kv, ytl, al, &v[V_U], &erk, &vrk)) {
                rc = sf_fail(ctx, SF_ERR_NUMERIC, "langevin: no eigenvalues of the kernel at P = %d", P);
                goto out;
            }
            v[V_MEAN_RK] = erk, v[V_ENS_RK] = erk + vrk;
        }
        /* the step from the largest curvature of U in W */
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, D, P, 1.0, X, D, 0.0, XtX, D);
        LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'N', 'L', D, XtX, D, ev);
        double gain = 1 + 3 * fabs(eps) * vw * trL;
        double h = hcur = s->v[LV_DT] / (1 / vw + va * ev[D - 1] * gain * gain / (T * N));
        long burn = (long)ceil(s->v[LV_BURN] * vw / h), steps = (long)ceil(s->v[LV_TIME] * vw / h);
        long n_meas = steps / thin;
        if (n_meas < 4)
            n_meas = 4, steps = 4L * thin;
        sf_lgv *gn = g;
        gn->N = N; /* the workspace holds Nmax; this chain uses N */
        sf_lgv_setup(gn, P, X, y, eps, T, va, vw, h);
        uint32_t cs = (uint32_t)(c + 1) << 8;
        sf_rng ri, ra;
        sf_rng_init(&ri, seed, SF_RNG_LEARN, sf_learn_entity(inst, SF_LS_INIT | cs));
        sf_rng_init(&ra, seed, SF_RNG_LEARN, sf_learn_entity(inst, SF_LS_TRAIN | cs));
        uint64_t went = sf_learn_entity(inst, SF_LS_NULL | cs), idx = 0;
        sf_lgv_init(gn, &ri);
        double e_half[2] = {0, 0};
        long m_half[2] = {0, 0}, n_acc = 0, n_prop = 0;
        memset(fb, 0, sizeof(double) * 2 * (size_t)nt);
        for (long it = 0; it < burn + steps && !*stop; it++) {
            /* W is a sample of its marginal posterior; with a drawn from
             * p(a | W, data), (W, a) is a joint sample */
            long k = it - burn, mi = (k + 1) / thin - 1;
            if (k >= 0 && (k + 1) % thin == 0 && mi < n_meas) {
                if (sf_lgv_sample_readout(gn, &ra))
                    goto diverged;
                int half = mi >= n_meas / 2;
                sf_lgv_predict(gn, nt, Xt, f, work);
                double e = 0;
                for (int t = 0; t < nt; t++) {
                    e += (f[t] - yt[t]) * (f[t] - yt[t]);
                    fb[(size_t)half * nt + t] += f[t];
                }
                e_half[half] += e / nt, m_half[half]++;
            }
            int acc = sf_lgv_step_weights(gn, seed, went, idx, &ra);
            if (acc < 0)
                goto diverged;
            if (k >= 0)
                n_acc += acc, n_prop++;
            idx += (uint64_t)N * D;
        }
        if (m_half[0] < 2 || m_half[1] < 2)
            break; /* stopped too early to measure: NaN */
        double e1 = e_half[0] / m_half[0], e2 = e_half[1] / m_half[1], cross = 0;
        for (int t = 0; t < nt; t++)
            cross += (fb[t] / m_half[0] - yt[t]) * (fb[nt + t] / m_half[1] - yt[t]);
        v[V_ENS] = (e_half[0] + e_half[1]) / (m_half[0] + m_half[1]);
        v[V_MEAN] = cross / nt;
        v[V_DEV_ENS] = (v[V_ENS] - v[V_ENS_GP]) / v[V_ENS_GP];
        v[V_DEV_MEAN] = (v[V_MEAN] - v[V_MEAN_GP]) / v[V_MEAN_GP];
        v[V_DRIFT] = (e2 - e1) / v[V_ENS_GP];
        v[V_ACC] = (double)n_acc / (double)n_prop;
        /* the theories' deviations from the GP (their infinite-width
         * limit), and res = dev - dev_rk = (E - E_rk) / E_gp */
        v[V_DEV_ENS_RK] = (v[V_ENS_RK] - v[V_ENS_GP]) / v[V_ENS_GP];
        v[V_DEV_MEAN_RK] = (v[V_MEAN_RK] - v[V_MEAN_GP]) / v[V_MEAN_GP];
        v[V_RES_ENS] = (v[V_ENS] - v[V_ENS_RK]) / v[V_ENS_GP];
        v[V_RES_MEAN] = (v[V_MEAN] - v[V_MEAN_RK]) / v[V_MEAN_GP];
    }
    goto out;
diverged:
    rc = sf_fail(ctx, SF_ERR_NUMERIC, "langevin: the chain diverged (step h = %.3g: use a smaller dt)", hcur);
out:
    if (g)
        g->N = Nmax;
    sf_lgv_destroy(g);
    free(w), free(X), free(y), free(Xt), free(yt), free(G), free(kv), free(al), free(f), free(fb);
    free(work), free(XtX), free(ev), free(B), free(ytl);
    return rc;
}

/* The data average of the renormalisation (eps = 0), by the
 * self-consistent (deterministic-equivalent) theory of kernel regression
 * with the kernel u K0, eigenvalues u var_a var_w lambda_k and ridge T:
 * kappa = u sc kappa' (kappa' the root of learning_curve.c at ridge
 * T / (P u sc)), L_k = lambda_k / (lambda_k + kappa'),
 *     tr(G K0) ~ sum_k L_k / u,
 *     y^T G y ~ (sum_k w_k^2 (1 - L_k) + sigma^2) / kappa
 * (the leave-one-out form: [(K + T)^-1 y]_mu = [(K + T)^-1]_mu,mu (y_mu -
 * f_-mu(x_mu)), with the diagonal ~ 1 / (P kappa)), and
 * y^T G K0 G y = -d(y^T G y)/du by a central difference. Q returns
 * y^T G y, *trgk tr(G K0); NaN without a root. */
static double de_pieces(const sf_learning_spec *s, double u, int P, gsl_integration_workspace *w,
                        double *trgk, double *eg, double *kap_out)
{
    double sc = s->v[LV_VAR_A] * s->v[LV_VAR_W], T = s->v[LV_T], sig2 = s->v[LV_NOISE] * s->v[LV_NOISE];
    double a = s->v[LV_A], b = s->v[LV_B], kap;
    int D = (int)s->v[LV_MODES];
    double e = sf_learning_curve_eg(a, b, T / P / (u * sc), sig2, D, false, P, w, &kap);
    if (!isfinite(e))
        return NAN;
    double sl = 0, r = 0;
    for (int k = D; k >= 1; k--) {
        double l = pow(k, -b), L = l / (l + kap);
        sl += L, r += pow(k, -a) * (1 - L);
    }
    if (trgk)
        *trgk = sl / u;
    if (eg)
        *eg = e;
    if (kap_out)
        *kap_out = kap;
    return (r + sig2) / (u * sc * kap);
}

/* N (1 - 1/u) - (y^T G K0 G y - tr(G K0)) in the data average */
static double de_saddle(const sf_learning_spec *s, double u, int N, int P, gsl_integration_workspace *w)
{
    double du = 1e-5 * u, tr;
    double qp = de_pieces(s, u + du, P, w, NULL, NULL, NULL), qm = de_pieces(s, u - du, P, w, NULL, NULL, NULL);
    if (!isfinite(de_pieces(s, u, P, w, &tr, NULL, NULL)) || !isfinite(qp) || !isfinite(qm))
        return NAN;
    return N * (1 - 1 / u) - (-(qp - qm) / (2 * du) - tr);
}

/* The root of de_saddle nearest u = 1 (in log u) among the sign changes
 * from - to + (minima of the averaged action) on [1e-3, 1e3]; NaN if none. */
double sf_lgv_renorm_u_avg(const sf_learning_spec *s, int N, int P, gsl_integration_workspace *w)
{
    const int n = 240;
    double best = NAN, lo = log(1e-3), hi = log(1e3), step = (hi - lo) / n;
    double fprev = de_saddle(s, exp(lo), N, P, w);
    for (int j = 1; j <= n; j++) {
        double x = lo + j * step, f = de_saddle(s, exp(x), N, P, w);
        if (fprev < 0 && f >= 0) {
            double a = x - step, b = x;
            for (int it = 0; it < 100; it++) {
                double m = 0.5 * (a + b);
                if (de_saddle(s, exp(m), N, P, w) < 0)
                    a = m;
                else
                    b = m;
            }
            double r = 0.5 * (a + b);
            if (!isfinite(best) || fabs(r) < fabs(log(best)))
                best = exp(r);
        }
        fprev = f;
    }
    return best;
}

static sf_status predict(sf_context *ctx, const sf_learning_spec *s, double *values, sf_quantities *q)
{
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
    if (!w)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    double sc = s->v[LV_VAR_A] * s->v[LV_VAR_W], T = s->v[LV_T], sig2 = s->v[LV_NOISE] * s->v[LV_NOISE];
    sf_status rc = SF_OK;
    for (int c = 0; c < n_combos(s); c++) {
        double eps, *v = values + (size_t)c * NV;
        int N, P;
        combo(s, c, &eps, &N, &P);
        v[V_DEV_ENS] = v[V_DEV_MEAN] = v[V_DRIFT] = 0;
        v[V_RES_ENS] = v[V_RES_MEAN] = 0;
        if (eps != 0)
            continue;
        /* lambda scaled by sc: the curve of (rho / sc), kappa = sc kappa' */
        double kap, eg = sf_learning_curve_eg(s->v[LV_A], s->v[LV_B], T / P / sc, sig2, (int)s->v[LV_MODES],
                                              false, P, w, &kap);
        if (!isfinite(eg)) {
            rc = sf_fail(ctx, SF_ERR_NOCONV, "langevin: no solution of the self-consistent equation at P = %d", P);
            break;
        }
        v[V_MEAN_GP] = eg;
        v[V_ENS_GP] = eg + P * sc * kap - T;
        /* finite width: the curve of the renormalised kernel u K0 */
        double u = sf_lgv_renorm_u_avg(s, N, P, w), egu, kapu;
        if (!isfinite(u) || !isfinite(de_pieces(s, u, P, w, NULL, &egu, &kapu))) {
            rc = sf_fail(ctx, SF_ERR_NOCONV, "langevin: no solution of the renormalisation at N = %d, P = %d", N, P);
            break;
        }
        v[V_U] = u;
        v[V_MEAN] = v[V_MEAN_RK] = egu;
        v[V_ENS] = v[V_ENS_RK] = egu + P * u * sc * kapu - T;
    }
    gsl_integration_workspace_free(w);
    if (!rc && sf_quantities_note(q, "E_*_gp: the self-consistent GP learning curve of the network's "
                                     "infinite-width kernel var_a var_w x.x' (eps = 0 only; ridge T/P; the "
                                     "ensemble adds the mean posterior variance P kappa - T); u, E_*_rk and "
                                     "E_ens, E_mean: the same curve for the renormalised kernel u K0 of width "
                                     "N, u from the data-averaged saddle point (docs/learning.md); dev_*, "
                                     "drift: 0 at infinite width and in equilibrium; res_*: 0 (the finite-width "
                                     "theory, u K_phi at eps != 0, exact to O(eps))"))
        rc = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    return rc;
}

const sf_learning_kind sf_learning_langevin = {
    .name = "langevin",
    .doc = "Langevin ensembles of two-layer phi(h) = h + eps h^3 networks vs their infinite-width GP",
    .keys = keys,
    .check = check,
    .n_values = n_values,
    .value_name = value_name,
    .instance = instance,
    .predict = predict,
};
