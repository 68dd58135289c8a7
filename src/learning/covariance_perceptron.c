/* Task kind `covariance_perceptron`: the pattern capacity of the
 * covariance perceptron against the classical (mean) perceptron
 * (Dahmen, Gilson & Helias, J. Phys. A 53, 354002, 2020; docs/learning.md).
 *
 * Task: p patterns; pattern r is an input covariance P^r = 1 + chi^r (m x m,
 * chi symmetric, zero diagonal, off-diagonal entries +c or -c with
 * probability f/2 each, else 0: variance s^2 = f c^2) with a label
 * zeta^r_ij = +-1 on each output pair i < j. Network: feed-forward W (n x m)
 * with unit rows; the output covariance Q^r = W P^r W^T. Training: gradient
 * ascent on the soft minimum of the margins zeta Q / s (below), on the unit
 * sphere of each row. The classical perceptron gets p mean patterns x^r
 * (m entries N(0, s^2)) with one label each and is solved exactly (svm.c).
 *
 * Measured per instance and input size m: the largest p for which the first
 * p patterns are classified with margin >= kappa, divided by m (bisection on
 * p; exact for the mean perceptron, where separability is monotone in p;
 * for the covariance perceptron each p is trained from the solution of the
 * largest separable p found so far, so its value is a certified lower bound:
 * every reported p comes with a W whose margins were checked), and whether
 * the first 2m mean patterns are separable (Cover: probability 1/2).
 *
 * Invariant: an instance's values depend only on (seed, instance, spec).
 */
#include "learning/capacity.h"
#include "learning/cov_converge.h"
#include "learning/cov_lasserre.h"
#include "learning/cov_shor.h"
#include "learning/cov_signs.h"
#include "learning/learning_impl.h"
#include "learning/svm.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CP_M, CP_N, CP_KAPPA, CP_C, CP_F, CP_ALPHA_MAX, CP_STEPS, CP_LR, CP_ETA0, CP_ETA1, CP_SOLVER, CP_RESTARTS, CP_CERTIFY, CP_OVERLAPS, CP_TOL, CP_WINDOW, CP_MAX_STEPS, CP_DECAYS, CP_NKEYS };
enum { SOLVE_SOFT, SOLVE_BLOCKS };
enum { CERT_NONE, CERT_SHOR, CERT_LASSERRE2 };

static const double default_m[] = {20, 50};

static const sf_learning_key keys[] = {
    [CP_M] = {"m", SF_LK_LIST, 20, 2, 2000, NULL, "input sizes m (one capacity each)", default_m, 2},
    [CP_N] = {"n", SF_LK_INT, 2, 2, 64, NULL, "outputs n (n(n-1)/2 labels per pattern)", NULL, 0},
    [CP_KAPPA] = {"kappa", SF_LK_REAL, 0, 0, 10, NULL,
                  "margin, in units of the field's standard deviation s = c sqrt(f)", NULL, 0},
    [CP_C] = {"c", SF_LK_REAL, 0.2, 1e-6, 1e6, NULL, "amplitude of the off-diagonal input covariances", NULL, 0},
    [CP_F] = {"f", SF_LK_REAL, 1, 1e-6, 1, NULL, "density of non-zero off-diagonal covariances", NULL, 0},
    [CP_ALPHA_MAX] = {"alpha_max", SF_LK_REAL, 12, 0.1, 100, NULL,
                      "largest load p/m tried for the covariance perceptron", NULL, 0},
    [CP_STEPS] = {"steps", SF_LK_INT, 400, 1, 1e7, NULL,
                  "gradient steps per trained load (with tol > 0: the length of the eta ramp)", NULL, 0},
    [CP_LR] = {"lr", SF_LK_REAL, 0.05, 1e-9, 10, NULL, "step size (Adam, per unit row)", NULL, 0},
    [CP_ETA0] = {"eta_start", SF_LK_REAL, 2, 1e-6, 1e6, NULL, "soft-minimum sharpness at the start", NULL, 0},
    [CP_ETA1] = {"eta_end", SF_LK_REAL, 50, 1e-6, 1e6, NULL, "soft-minimum sharpness at the end", NULL, 0},
    [CP_SOLVER] = {"solver", SF_LK_CHOICE, SOLVE_SOFT, 0, 1, "soft_margin|soft_margin_blocks",
                   "soft-margin gradient ascent; or followed, where it fails, by exact maximal-margin "
                   "steps of one row at a time (the others fixed: a linear problem, svm.c)", NULL, 0},
    [CP_RESTARTS] = {"restarts", SF_LK_INT, 0, 0, 1000, NULL,
                     "fresh random starts tried at a load where the warm start fails", NULL, 0},
    [CP_CERTIFY] = {"certify", SF_LK_CHOICE, CERT_NONE, 0, 2, "none|shor|lasserre2",
                    "n = 2: also a certified upper bound on p* and on the maximal margin at the "
                    "trained p*, from the Shor relaxation (cov_shor.c, DSDP); lasserre2: and, "
                    "where Shor's does not decide, from a level-2 moment relaxation "
                    "(cov_lasserre.c, m <= 8)", NULL, 0},
    [CP_OVERLAPS] = {"overlaps", SF_LK_INT, 0, 0, 1, NULL,
                     "1: also the cross-row overlaps |w_i . w_j| of the trained W at p* and the "
                     "exact finite-m field variance they imply", NULL, 0},
    [CP_TOL] = {"tol", SF_LK_REAL, 0, 0, 1, NULL,
                "0: a fixed budget of `steps` per load; > 0: after the eta ramp, train at eta_end "
                "until the best smallest margin rises by at most tol max(1, |margin|) over `window` "
                "steps (or max_steps); adds steps_per_load", NULL, 0},
    [CP_WINDOW] = {"window", SF_LK_INT, 200, 1, 1e7, NULL,
                   "steps between two checks of the convergence rule (tol > 0)", NULL, 0},
    [CP_MAX_STEPS] = {"max_steps", SF_LK_INT, 20000, 1, 1e8, NULL,
                      "hard cap on the steps of one trained load (tol > 0)", NULL, 0},
    [CP_DECAYS] = {"decays", SF_LK_INT, 4, 0, 30, NULL,
                   "tol > 0: stalls that halve the step size and double eta before a load is "
                   "abandoned", NULL, 0},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL, 0},
};

enum { V_COV, V_MEAN, V_COVER, V_BASE };
/* with certify: shor */
enum { V_UPPER, V_CLOSED, V_MLOW, V_MUP, V_MEXACT, V_NCERT };
/* with overlaps: 1 */
enum { V_R, V_VAR, V_NOVER };
/* with tol > 0 */
enum { V_STEPS, V_NCONV };

static int per_m(const sf_learning_spec *s)
{
    return V_BASE + ((int)s->v[CP_CERTIFY] != CERT_NONE ? V_NCERT : 0) +
           ((int)s->v[CP_OVERLAPS] ? V_NOVER : 0) + (s->v[CP_TOL] > 0 ? V_NCONV : 0);
}

static size_t n_values(const sf_learning_spec *s)
{
    return (size_t)s->n_list[CP_M] * per_m(s);
}

static void value_name(const sf_learning_spec *s, size_t k, char *name, size_t len, const char **unit)
{
    static const char *const base[V_BASE] = {"capacity_cov", "capacity_mean", "separable_at_2m"};
    static const char *const cert[V_NCERT] = {"capacity_cov_upper", "capacity_cov_closed",
                                              "margin_lower", "margin_upper", "margin_exact"};
    static const char *const over[V_NOVER] = {"overlap_R", "field_variance"};
    int j = (int)(k % per_m(s)), nc = (int)s->v[CP_CERTIFY] != CERT_NONE ? V_NCERT : 0;
    int no = (int)s->v[CP_OVERLAPS] ? V_NOVER : 0;
    const char *what = j < V_BASE            ? base[j]
                       : j < V_BASE + nc      ? cert[j - V_BASE]
                       : j < V_BASE + nc + no ? over[j - V_BASE - nc]
                                              : "steps_per_load";
    snprintf(name, len, "%s[m=%g]", what, s->list[CP_M][k / per_m(s)]);
    *unit = "";
}

static const char *check(const sf_learning_spec *s, char *buf, size_t len)
{
    if ((int)s->v[CP_CERTIFY] != CERT_NONE && (int)s->v[CP_N] != 2)
        return "certify: shor and lasserre2 need n = 2 (the relaxations are of the one-label "
               "problem)";
    if ((int)s->v[CP_CERTIFY] == CERT_LASSERRE2)
        for (int j = 0; j < s->n_list[CP_M]; j++)
            if (s->list[CP_M][j] > SF_LASSERRE2_MAX_M) {
                snprintf(buf, len,
                         "certify: lasserre2 handles m <= %d (learning.m has %g): the relaxation "
                         "has 3,875 moments at m = 8 and each DSDP iteration factors the square "
                         "of their number (half an hour a solve at m = 8); use certify: shor",
                         SF_LASSERRE2_MAX_M, s->list[CP_M][j]);
                return buf;
            }
    return NULL;
}

/* ---- the classical perceptron: exact, by Wolfe's minimum-norm point ---- */

static sf_status mean_perceptron(sf_context *ctx, const sf_learning_spec *s, uint64_t seed,
                                 uint64_t inst, int m, double *cap, double *cover)
{
    int pmax = 4 * m;
    double sd = s->v[CP_C] * sqrt(s->v[CP_F]), kappa = s->v[CP_KAPPA] * sd;
    double *Y = malloc(sizeof *Y * (size_t)pmax * (size_t)m);
    sf_mnp_workspace *w = sf_mnp_workspace_create(pmax, m);
    if (!Y || !w) {
        free(Y);
        sf_mnp_workspace_destroy(w);
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    }
    sf_rng r, l;
    sf_rng_init(&r, seed, SF_RNG_LEARN, sf_learn_entity(inst, SF_LS_PATTERNS) ^ ((uint64_t)m << 8));
    sf_rng_init(&l, seed, SF_RNG_LEARN, sf_learn_entity(inst, SF_LS_LABELS) ^ ((uint64_t)m << 8));
    for (int p = 0; p < pmax; p++) {
        double z = (sf_rng_u32(&l) & 1) ? 1.0 : -1.0; /* y = zeta x */
        for (int k = 0; k < m; k++)
            Y[(size_t)p * m + k] = z * sd * sf_rng_normal(&r);
    }
    int lo = 0, hi = pmax + 1; /* first lo separable; first hi not (assumed beyond pmax) */
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        sf_mnp_result res = sf_mnp_solve(w, Y, mid, m, NULL);
        if (res.separable && res.margin >= kappa)
            lo = mid;
        else
            hi = mid;
    }
    *cap = (double)lo / m;
    sf_mnp_result r2 = sf_mnp_solve(w, Y, 2 * m, m, NULL);
    *cover = r2.separable && r2.margin >= kappa ? 1.0 : 0.0;
    free(Y);
    sf_mnp_workspace_destroy(w);
    return SF_OK;
}

/* ---- the covariance perceptron: soft-margin gradient ascent ---- */

typedef struct {
    int m, n, npair, pmax;
    double sd, c0;  /* field sd s = c sqrt(f); the amplitude c            */
    uint8_t *S;     /* [pmax * m] rows of chi^r / c as bit-planes (cov_signs.h) */
    double *T;      /* the look-up table of W for cov_signs_apply        */
    double *X;      /* [pmax * m * m] chi^r as doubles, row-major: only for
                       the relaxations (certify), else NULL               */
    double *zeta;   /* [pmax * npair]                                     */
    double *W, *best, *U, *G, *am, *av, *mu;
    double *Y, *wi;        /* block steps: [pmax (n-1) m] points, [m]       */
    sf_mnp_workspace *mnp;
    double steps, loads;   /* gradient steps and trained loads, summed   */
} cov_ws;

static void cov_ws_free(cov_ws *c)
{
    free(c->S), free(c->T), free(c->X), free(c->zeta), free(c->W), free(c->best), free(c->U), free(c->G);
    free(c->am), free(c->av), free(c->mu), free(c->Y), free(c->wi);
    sf_mnp_workspace_destroy(c->mnp);
}

static int cov_ws_init(cov_ws *c, int m, int n, int pmax, double c0, double sd, bool need_x)
{
    memset(c, 0, sizeof *c);
    c->m = m, c->n = n, c->npair = n * (n - 1) / 2, c->pmax = pmax, c->sd = sd, c->c0 = c0;
    size_t mn = (size_t)m * n;
    c->S = calloc((size_t)pmax * m, sf_cov_signs_row_bytes(m));
    c->T = malloc(sizeof(double) * sf_cov_signs_table_len(m, n));
    if (need_x)
        c->X = malloc(sizeof(double) * (size_t)pmax * m * m);
    c->zeta = malloc(sizeof(double) * (size_t)pmax * c->npair);
    c->W = malloc(sizeof(double) * mn);
    c->best = malloc(sizeof(double) * mn);
    c->U = malloc(sizeof(double) * (size_t)pmax * mn);
    c->G = malloc(sizeof(double) * mn);
    c->am = malloc(sizeof(double) * mn);
    c->av = malloc(sizeof(double) * mn);
    c->mu = malloc(sizeof(double) * (size_t)pmax * c->npair);
    c->Y = malloc(sizeof(double) * (size_t)pmax * (n - 1) * m);
    c->wi = malloc(sizeof(double) * (size_t)m);
    c->mnp = sf_mnp_workspace_create(pmax * (n - 1), m);
    return c->S && c->T && (c->X || !need_x) && c->zeta && c->W && c->best && c->U && c->G && c->am && c->av && c->mu && c->Y &&
                   c->wi && c->mnp ? 0 : -1;
}

static void normalise_rows(double *W, int n, int m)
{
    for (int i = 0; i < n; i++) {
        double s = cblas_dnrm2(m, W + (size_t)i * m, 1);
        cblas_dscal(m, 1.0 / s, W + (size_t)i * m, 1);
    }
}

/* Margins mu^r_ij = zeta^r_ij Q^r_ij / s of the first p patterns for W;
 * U^r_j = P^r w_j as a side product. Returns the smallest. chi^r W^T is
 * read from the bit-planes (cov_signs.h: a fixed summation order). */
static double cov_margins(cov_ws *c, int p)
{
    int m = c->m, n = c->n;
    sf_cov_signs_table(m, n, c->W, c->T);
    sf_cov_signs_apply(m, n, (size_t)p * m, c->S, c->T, c->U);
    double mn = INFINITY;
    for (int r = 0; r < p; r++) {
        double *U = c->U + (size_t)r * m * n;
        for (int k = 0; k < m; k++) /* c (chi/c) W^T plus the identity part of P = 1 + chi */
            for (int j = 0; j < n; j++)
                U[k * n + j] = c->c0 * U[k * n + j] + c->W[(size_t)j * m + k];
        int a = 0;
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++, a++) {
                double q = cblas_ddot(m, c->W + (size_t)i * m, 1, U + j, n);
                double v = c->zeta[(size_t)r * c->npair + a] * q / c->sd;
                c->mu[(size_t)r * c->npair + a] = v;
                mn = fmin(mn, v);
            }
    }
    return mn;
}

/* Trains W on the first p patterns; true when every margin reaches kappa
 * (in units of s), W then holds such a solution. */
static bool cov_train(cov_ws *c, const sf_learning_spec *s, double kappa, int p,
                      const volatile int *stop)
{
    int m = c->m, n = c->n;
    double lr = s->v[CP_LR], e0 = s->v[CP_ETA0], e1 = s->v[CP_ETA1];
    size_t mn = (size_t)m * n;
    sf_cov_conv cv;
    sf_cov_conv_init(&cv, (int)s->v[CP_STEPS], s->v[CP_TOL], (int)s->v[CP_WINDOW],
                     (int)s->v[CP_MAX_STEPS], (int)s->v[CP_DECAYS]);
    memset(c->am, 0, sizeof(double) * mn);
    memset(c->av, 0, sizeof(double) * mn);
    const double b1 = 0.9, b2 = 0.999;
    c->loads++;
    for (int t = 0; !*stop; t++) {
        double mn_margin = cov_margins(c, p);
        if (mn_margin >= kappa)
            return true;
        if (sf_cov_conv_stop(&cv, t, mn_margin))
            break;
        c->steps++;
        double eta = sf_cov_conv_eta(&cv, t, e0, e1);
        /* soft-min weights pi = softmax(-eta mu), stabilised by the minimum */
        double Z = 0;
        size_t nc = (size_t)p * c->npair;
        for (size_t q = 0; q < nc; q++) {
            c->mu[q] = exp(-eta * (c->mu[q] - mn_margin));
            Z += c->mu[q];
        }
        memset(c->G, 0, sizeof(double) * mn);
        for (int r = 0; r < p; r++) {
            const double *U = c->U + (size_t)r * m * n;
            int a = 0;
            for (int i = 0; i < n; i++)
                for (int j = i + 1; j < n; j++, a++) {
                    double g = c->mu[(size_t)r * c->npair + a] / Z *
                               c->zeta[(size_t)r * c->npair + a] / c->sd;
                    cblas_daxpy(m, g, U + j, n, c->G + (size_t)i * m, 1);
                    cblas_daxpy(m, g, U + i, n, c->G + (size_t)j * m, 1);
                }
        }
        for (int i = 0; i < n; i++) { /* tangent to the sphere of row i */
            double *g = c->G + (size_t)i * m, *w = c->W + (size_t)i * m;
            cblas_daxpy(m, -cblas_ddot(m, g, 1, w, 1), w, 1, g, 1);
        }
        double c1 = 1 - pow(b1, t + 1), c2 = 1 - pow(b2, t + 1);
        for (size_t q = 0; q < mn; q++) {
            c->am[q] = b1 * c->am[q] + (1 - b1) * c->G[q];
            c->av[q] = b2 * c->av[q] + (1 - b2) * c->G[q] * c->G[q];
            c->W[q] += lr * cv.lr_f / sqrt((double)m) * (c->am[q] / c1) / (sqrt(c->av[q] / c2) + 1e-12);
        }
        normalise_rows(c->W, n, m);
    }
    return false;
}

/* Exact block steps: with the other rows fixed, the constraints of row i,
 * zeta^r_ij w_i . (P^r w_j) >= kappa s, are linear in w_i, and the unit w_i
 * of maximal margin is Wolfe's nearest point (svm.c). A step replaces w_i
 * only when that raises the smallest margin of row i's constraints, so the
 * smallest margin overall never falls. Rounds over the rows until every
 * margin reaches kappa (true) or a round changes nothing. */
static bool cov_blocks(cov_ws *c, double kappa, int p, const volatile int *stop)
{
    int m = c->m, n = c->n;
    for (int round = 0; round < 20 && !*stop; round++) {
        bool moved = false;
        for (int i = 0; i < n; i++) {
            double mn = cov_margins(c, p);
            if (mn >= kappa)
                return true;
            /* the points of row i and its current smallest margin */
            int q = 0;
            double cur = INFINITY;
            for (int r = 0; r < p; r++) {
                const double *U = c->U + (size_t)r * m * n;
                for (int j = 0; j < n; j++) {
                    if (j == i)
                        continue;
                    int a = i < j ? i * n - i * (i + 1) / 2 + (j - i - 1) : j * n - j * (j + 1) / 2 + (i - j - 1);
                    double z = c->zeta[(size_t)r * c->npair + a];
                    for (int k = 0; k < m; k++)
                        c->Y[(size_t)q * m + k] = z * U[k * n + j];
                    cur = fmin(cur, c->mu[(size_t)r * c->npair + a]);
                    q++;
                }
            }
            sf_mnp_result res = sf_mnp_solve(c->mnp, c->Y, q, m, c->wi);
            if (res.separable && res.margin / c->sd > cur + 1e-12) {
                memcpy(c->W + (size_t)i * m, c->wi, sizeof(double) * (size_t)m);
                moved = true;
            }
        }
        if (!moved)
            break;
    }
    return cov_margins(c, p) >= kappa;
}

/* The certified bound on the maximal margin of the first p patterns: Shor's
 * (cov_shor.c) and, with certify: lasserre2 where Shor's is not below
 * `below` (always for below = -INFINITY), the level-2 bound
 * (cov_lasserre.c), the smaller of the two. W (may be NULL): Shor's
 * rounding, its margin in *rounded. Returns 0 or the solvers' rc. */
static int cov_bound(cov_ws *c, const sf_learning_spec *s, int p, double below, double *lam,
                     double *W, double *bound, double *rounded)
{
    sf_shor_result r;
    int rc = sf_shor_solve(c->m, p, c->X, c->zeta, lam, W, &r);
    if (rc)
        return rc;
    *bound = r.bound, *rounded = r.rounded;
    if ((int)s->v[CP_CERTIFY] == CERT_LASSERRE2 && !(r.bound < below)) {
        sf_lasserre2_result l2;
        if ((rc = sf_lasserre2_solve(c->m, p, c->X, c->zeta, NULL, NULL, &l2)))
            return rc;
        *bound = fmin(*bound, l2.bound); /* both are certified; NaN-safe: fmin */
    }
    return 0;
}

/* The certified interval (certify: shor or lasserre2, n = 2): the smallest
 * p whose bound certifies that no W reaches margin kappa (at kappa = 0:
 * 1e-6 s), by bisection above the trained p* = lo (a certificate at p holds
 * for every larger p: its multipliers of the patterns beyond p are 0); and
 * at p = lo the maximal margin between the trainer's (ascent towards the
 * bound, from its solution) and the bound. v: the V_NCERT values. */
static sf_status cov_certify(sf_context *ctx, cov_ws *c, const sf_learning_spec *s, int lo,
                             const volatile int *stop, double *v)
{
    int m = c->m, pmax = c->pmax;
    double kc = fmax(s->v[CP_KAPPA], 1e-6) * c->sd, *lam = malloc(sizeof(double) * (size_t)pmax);
    double *wr = malloc(sizeof(double) * 2 * (size_t)m), bound, rounded;
    if (!lam || !wr) {
        free(lam), free(wr);
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory (Shor relaxation, m = %d)", m);
    }
    int rc = 0;
    for (int q = 0; q < V_NCERT; q++)
        v[q] = NAN;
    /* the upper end: first p certified; beyond pmax when pmax is not */
    int a = lo, b = pmax + 1;
    if (!(rc = cov_bound(c, s, pmax, kc, lam, NULL, &bound, &rounded)) && bound < kc) {
        b = pmax;
        while (b - a > 1 && !*stop && !rc) {
            /* level 2 is tight more often than Shor: try lo + 1 first */
            int mid = (int)s->v[CP_CERTIFY] == CERT_LASSERRE2 && a == lo ? lo + 1 : (a + b) / 2;
            rc = cov_bound(c, s, mid, kc, lam, NULL, &bound, &rounded);
            if (!rc && bound < kc)
                b = mid;
            else
                a = mid;
        }
        if (!rc && !*stop) {
            v[V_UPPER] = (double)(b - 1) / m;
            v[V_CLOSED] = b - 1 == lo;
        }
    }
    /* the maximal margin at p = lo */
    if (!rc && lo > 0 && !*stop &&
        !(rc = cov_bound(c, s, lo, -INFINITY, lam, wr, &bound, &rounded))) {
        double ub = bound / c->sd;
        memcpy(c->W, c->best, sizeof(double) * 2 * (size_t)m);
        double best = cov_margins(c, lo);
        cov_train(c, s, ub, lo, stop);
        if (cov_margins(c, lo) < best) /* the ascent ends where it ends */
            memcpy(c->W, c->best, sizeof(double) * 2 * (size_t)m);
        cov_blocks(c, ub, lo, stop); /* never lowers the smallest margin */
        best = fmax(best, cov_margins(c, lo));
        best = fmax(best, rounded / c->sd);
        v[V_MLOW] = best;
        v[V_MUP] = ub;
        v[V_MEXACT] = best >= ub - 1e-6 * fmax(1.0, fabs(ub));
    }
    free(lam), free(wr);
    if (rc)
        return sf_fail(ctx, rc == -1 ? SF_ERR_NOMEM : SF_ERR_NUMERIC,
                       "%s relaxation failed (m = %d): %s",
                       (int)s->v[CP_CERTIFY] == CERT_LASSERRE2 ? "Shor or level-2" : "Shor", m,
                       rc == -1 ? "out of memory" : "DSDP found no dual point");
    return SF_OK;
}

/* The cross-row overlaps of W (overlaps: 1): the mean over pairs of |R_ij|
 * and of the field's exact variance over fresh patterns, in units of s^2:
 * h = w_i^T chi w_j = sum_{k<l} chi_kl (w_ik w_jl + w_il w_jk) with
 * independent chi_kl of variance s^2, so
 * var h / s^2 = sum_{k<l} (w_ik w_jl + w_il w_jk)^2
 *             = 1 + R_ij^2 - 2 sum_k w_ik^2 w_jk^2 for unit rows. */
static void cov_overlaps(const cov_ws *c, const double *W, double *v)
{
    int m = c->m, n = c->n;
    double sr = 0, sv = 0;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            const double *a = W + (size_t)i * m, *b = W + (size_t)j * m;
            double R = 0, d = 0;
            for (int k = 0; k < m; k++)
                R += a[k] * b[k], d += a[k] * a[k] * b[k] * b[k];
            sr += fabs(R);
            sv += 1 + R * R - 2 * d;
        }
    v[V_R] = sr / c->npair;
    v[V_VAR] = sv / c->npair;
}

static sf_status cov_perceptron(sf_context *ctx, const sf_learning_spec *s, uint64_t seed,
                                uint64_t inst, int m, const volatile int *stop, double *vals)
{
    double *cap = &vals[V_COV];
    int n = (int)s->v[CP_N], pmax = (int)ceil(s->v[CP_ALPHA_MAX] * m);
    double c0 = s->v[CP_C], f = s->v[CP_F];
    cov_ws c;
    if (cov_ws_init(&c, m, n, pmax, c0, c0 * sqrt(f), (int)s->v[CP_CERTIFY] != CERT_NONE)) {
        cov_ws_free(&c);
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory (covariance patterns, m = %d, p = %d)", m,
                       pmax);
    }
    sf_rng r, l, w0;
    uint64_t mk = (uint64_t)m << 8 | 1;
    sf_rng_init(&r, seed, SF_RNG_LEARN, sf_learn_entity(inst, SF_LS_PATTERNS) ^ mk);
    sf_rng_init(&l, seed, SF_RNG_LEARN, sf_learn_entity(inst, SF_LS_LABELS) ^ mk);
    sf_rng_init(&w0, seed, SF_RNG_LEARN, sf_learn_entity(inst, SF_LS_INIT) ^ mk);
    size_t rb = sf_cov_signs_row_bytes(m);
    for (int p = 0; p < pmax; p++) {
        double *X = c.X ? c.X + (size_t)p * m * m : NULL;
        uint8_t *S = c.S + (size_t)p * m * rb;
        for (int k = 0; k < m; k++) {
            if (X)
                X[(size_t)k * m + k] = 0;
            for (int q = k + 1; q < m; q++) {
                double u = sf_rng_uniform(&r);
                int sg = u < 0.5 * f ? 1 : u < f ? -1 : 0;
                sf_cov_signs_set(S + (size_t)k * rb, m, q, sg);
                sf_cov_signs_set(S + (size_t)q * rb, m, k, sg);
                if (X)
                    X[(size_t)k * m + q] = X[(size_t)q * m + k] = sg * c0;
            }
        }
        for (int a = 0; a < c.npair; a++)
            c.zeta[(size_t)p * c.npair + a] = (sf_rng_u32(&l) & 1) ? 1.0 : -1.0;
    }
    for (int q = 0; q < m * n; q++)
        c.W[q] = sf_rng_normal(&w0);
    normalise_rows(c.W, n, m);
    memcpy(c.best, c.W, sizeof(double) * (size_t)m * n);
    int lo = 0, hi = pmax + 1;
    while (hi - lo > 1 && !*stop) {
        int mid = (lo + hi) / 2;
        memcpy(c.W, c.best, sizeof(double) * (size_t)m * n);
        bool ok = false;
        for (int start = 0; !ok && start <= (int)s->v[CP_RESTARTS] && !*stop; start++) {
            if (start > 0) { /* a fresh start from the instance's init stream */
                for (int q = 0; q < m * n; q++)
                    c.W[q] = sf_rng_normal(&w0);
                normalise_rows(c.W, n, m);
            }
            ok = cov_train(&c, s, s->v[CP_KAPPA], mid, stop) ||
                 ((int)s->v[CP_SOLVER] == SOLVE_BLOCKS && cov_blocks(&c, s->v[CP_KAPPA], mid, stop));
        }
        if (ok) {
            lo = mid;
            memcpy(c.best, c.W, sizeof(double) * (size_t)m * n);
        } else if (!*stop)
            hi = mid;
    }
    *cap = hi - lo > 1 ? NAN : (double)lo / m; /* stopped before it was found */
    sf_status st = SF_OK;
    double *extra = vals + V_BASE;
    int nc = (int)s->v[CP_CERTIFY] != CERT_NONE ? V_NCERT : 0;
    if ((int)s->v[CP_OVERLAPS])
        cov_overlaps(&c, c.best, extra + nc);
    if (s->v[CP_TOL] > 0) /* the bisection's loads, before any certification */
        extra[nc + ((int)s->v[CP_OVERLAPS] ? V_NOVER : 0) + V_STEPS] =
            c.loads > 0 ? c.steps / c.loads : 0;
    if ((int)s->v[CP_CERTIFY] != CERT_NONE && !*stop && hi - lo == 1)
        st = cov_certify(ctx, &c, s, lo, stop, extra);
    cov_ws_free(&c);
    return st;
}

static sf_status instance(sf_context *ctx, const sf_learning_spec *s, uint64_t seed, uint64_t inst,
                          int threads, const volatile int *stop, double *values)
{
    (void)threads;
    sf_status st = SF_OK;
    for (int j = 0; j < s->n_list[CP_M] && !st && !*stop; j++) {
        int m = (int)s->list[CP_M][j];
        double *v = values + (size_t)j * per_m(s);
        if (!(st = mean_perceptron(ctx, s, seed, inst, m, &v[V_MEAN], &v[V_COVER])))
            st = cov_perceptron(ctx, s, seed, inst, m, stop, v);
    }
    return st;
}

static sf_status predict(sf_context *ctx, const sf_learning_spec *s, double *values, sf_quantities *q)
{
    int n = (int)s->v[CP_N];
    double kappa = s->v[CP_KAPPA];
    double a_cov = sf_covariance_alpha(n, kappa), a_mean = sf_gardner_alpha(kappa);
    double contacts = sf_rs_contacts_per_dof(1, kappa);
    sf_rsb1 r1, r1m;
    sf_capacity_1rsb(1, n, kappa, &r1);
    sf_capacity_1rsb(0, 1, kappa, &r1m);
    double q_at, a_at = sf_rs_alpha_at(1, n, kappa, &q_at);
    for (int j = 0; j < s->n_list[CP_M]; j++) {
        int m = (int)s->list[CP_M][j];
        double *v = values + (size_t)j * per_m(s);
        for (int k = V_BASE; k < per_m(s); k++)
            v[k] = NAN;
        v[V_COV] = a_cov;
        /* at kappa = 0 the finite-size mean of p* / m is exactly Cover's */
        v[V_MEAN] = kappa == 0 ? sf_cover_mean_pstar(m, 4 * m) / m : a_mean;
        v[V_COVER] = kappa == 0 ? sf_cover_fraction(2 * m, m) : NAN;
    }
    sf_quantity *x;
    if (!(x = sf_quantities_add_scalar(ctx, q, "alpha_c_cov", "", -1, -1, a_cov)) ||
        sf_quantity_assume(x, "replica symmetry; m -> infinity; cross-row overlaps 0") ||
        sf_quantity_note(x, "the replica-symmetric saddle is unstable (de Almeida-Thouless) "
                            "before capacity at every kappa: an overestimate, see alpha_c_cov_1rsb") ||
        !(x = sf_quantities_add_scalar(ctx, q, "alpha_c_cov_1rsb", "", -1, -1, r1.alpha)) ||
        sf_quantity_assume(x, "one-step RSB, q1 -> 1 with x/(1 - q1) fixed; m -> infinity; "
                              "cross-row overlaps 0") ||
        sf_quantity_note(x, r1.converged ? "our derivation (docs/learning.md); a full-RSB value "
                                           "would be lower or equal"
                                         : "the minimum lies on the edge of the search box") ||
        !(x = sf_quantities_add_scalar(ctx, q, "q0_1rsb", "", -1, -1, r1.q0)) ||
        !(x = sf_quantities_add_scalar(ctx, q, "y_1rsb", "", -1, -1, r1.y)) ||
        sf_quantity_note(x, "y = x/(1 - q1) at the 1RSB capacity (0: replica-symmetric)") ||
        !(x = sf_quantities_add_scalar(ctx, q, "alpha_at_cov", "", -1, -1, a_at)) ||
        sf_quantity_note(x, "load where the replica-symmetric saddle becomes unstable "
                            "(symmetric replicon); NaN: stable up to capacity") ||
        !(x = sf_quantities_add_scalar(ctx, q, "q_at_cov", "", -1, -1, q_at)) ||
        !(x = sf_quantities_add_scalar(ctx, q, "rs_contacts_per_dof", "", -1, -1, contacts)) ||
        sf_quantity_note(x, "constraints at the margin per weight degree of freedom that the "
                            "replica-symmetric saddle implies at capacity, 2 Phi(kappa)/I(kappa); "
                            "a maximal-margin solution has at most dof + 1") ||
        !(x = sf_quantities_add_scalar(ctx, q, "alpha_c_mean", "", -1, -1, a_mean)) ||
        sf_quantity_assume(x, "Gardner 1988, m -> infinity") ||
        !(x = sf_quantities_add_scalar(ctx, q, "alpha_c_mean_1rsb", "", -1, -1, r1m.alpha)) ||
        sf_quantity_note(x, r1m.rs ? "equals Gardner's: the 1RSB minimum is the replica-symmetric limit"
                                   : "below Gardner's: replica symmetry is broken (kappa < 0)") ||
        !(x = sf_quantities_add_scalar(ctx, q, "info_cov", "bit/weight", -1, -1,
                                       a_cov * (n - 1) / 2.0)) ||
        sf_quantity_note(x, "label bits p n(n-1)/2 per weight n m at capacity") ||
        !(x = sf_quantities_add_scalar(ctx, q, "info_mean", "bit/weight", -1, -1, a_mean)) ||
        sf_quantity_note(x, "label bits p n per weight n m at capacity") ||
        sf_quantities_note(q, "capacity_cov: replica-symmetric 4/((n-1) I(kappa)), our derivation "
                              "(docs/learning.md), unstable at capacity for every kappa; alpha_c_cov_1rsb is the "
                              "one-step RSB value; "
                              "capacity_mean at kappa = 0: Cover's finite-m mean"))
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    return SF_OK;
}

const sf_learning_kind sf_learning_covariance_perceptron = {
    .name = "covariance_perceptron",
    .doc = "pattern capacity of the covariance perceptron vs the classical perceptron "
           "(Dahmen, Gilson & Helias 2020)",
    .keys = keys,
    .check = check,
    .n_values = n_values,
    .value_name = value_name,
    .instance = instance,
    .predict = predict,
};
