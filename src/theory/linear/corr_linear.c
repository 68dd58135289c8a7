/* Linear rate networks of both noise classes (Grytskyy et al. 2013, Front
 * Comput Neurosci 7:131, section 2): cross-spectra with delays, the echo /
 * correlated-input split, the equal-time covariance from the continuous
 * Lyapunov equation, and the lagged covariance by inverse FFT. Also the
 * correlation workspace and the dense helpers shared by the correlation
 * families (eigenvalues, checks).
 *
 * Model (tau_a, d_ab in s inside this file):
 *   input noise:  tau_a dy_a/dt = -y_a + sum_b W_ab y_b(t - d_ab) + xi_a(t)
 *   output noise: y_a(t) = sum_b W_ab (h_a * y_b)(t - d_ab) + x_a(t)
 * with <xi_a(t) xi_b(t')> = D_ab delta(t - t'). In the frequency domain
 * (omega = 2 pi f), with h~_a = 1/(1 + i omega tau_a) and
 * M_ab = W_ab h~_a e^{-i omega d_ab}, P = (1 - M)^-1:
 *   output noise: Y = P X,       C = P D P^H                 (G13 eq. 8)
 *   input noise:  Y = P H Xi,    C = P H D H^* P^H,  H = diag(h~)
 * The (1 - M)^-1 algebra is the linear-response kernel's
 * (src/theory/linear/kernel.c); this file maps the network onto it.
 * Invariant: every public function validates its arguments before it touches
 * the workspace, and nothing allocates per frequency (sf_theory_linear_conn,
 * a single-frequency query, allocates its n kernel factors h~).
 */
#include "theory/corr_impl.h"
#include "theory/linear/stability.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------
 * Workspace. */

void sf_theory_corr_workspace_destroy(sf_theory_corr_workspace *ws)
{
    if (!ws)
        return;
    free(ws->zM);
    free(ws->zP);
    free(ws->zA);
    free(ws->zB);
    free(ws->zC);
    sf_lr_ws_free(&ws->lr);
    free(ws->rA);
    free(ws->rU);
    free(ws->rF);
    free(ws->rB);
    free(ws->rC);
    free(ws->rG);
    free(ws->rH);
    free(ws->zh);
    free(ws->wr);
    free(ws->wi);
    free(ws->bwork);
    free(ws->gees_work);
    if (ws->c2r)
        fftw_destroy_plan(ws->c2r);
    fftw_free(ws->tbuf);
    fftw_free(ws->fbuf);
    free(ws->spec);
    free(ws);
}

sf_theory_corr_workspace *sf_theory_corr_workspace_create(int n_max, size_t n_time)
{
    if (n_max < 1 || n_max > 4096)
        return NULL;
    if (n_time != 0 && (n_time < 4 || n_time % 2 != 0 || n_time > ((size_t)1 << 30)))
        return NULL;
    sf_theory_corr_workspace *ws = calloc(1, sizeof *ws);
    if (!ws)
        return NULL;
    ws->n_max = n_max;
    size_t nn = (size_t)n_max * (size_t)n_max;
    ws->zM = malloc(nn * sizeof *ws->zM);
    ws->zP = malloc(nn * sizeof *ws->zP);
    ws->zA = malloc(nn * sizeof *ws->zA);
    ws->zB = malloc(nn * sizeof *ws->zB);
    ws->zC = malloc(nn * sizeof *ws->zC);
    ws->rA = malloc(nn * sizeof *ws->rA);
    ws->rU = malloc(nn * sizeof *ws->rU);
    ws->rF = malloc(nn * sizeof *ws->rF);
    ws->rB = malloc(nn * sizeof *ws->rB);
    ws->rC = malloc(nn * sizeof *ws->rC);
    ws->rG = malloc(nn * sizeof *ws->rG);
    ws->rH = malloc(nn * sizeof *ws->rH);
    ws->zh = malloc((size_t)n_max * sizeof *ws->zh);
    ws->wr = malloc((size_t)n_max * sizeof *ws->wr);
    ws->wi = malloc((size_t)n_max * sizeof *ws->wi);
    ws->bwork = malloc((size_t)n_max * sizeof *ws->bwork);
    if (!ws->zM || !ws->zP || !ws->zA || !ws->zB || !ws->zC || !ws->rA || !ws->rU || !ws->rF ||
        !ws->rB || !ws->rC || !ws->rG || !ws->rH || !ws->zh || !ws->wr || !ws->wi ||
        !ws->bwork || sf_lr_ws_init(&ws->lr, n_max) != SF_OK) {
        sf_theory_corr_workspace_destroy(ws);
        return NULL;
    }
    /* Workspace query of dgees (Schur vectors, no sorting). */
    lapack_int sdim = 0;
    double wq = 0;
    lapack_int info = LAPACKE_dgees_work(LAPACK_COL_MAJOR, 'V', 'N', NULL, n_max, ws->rA,
                                         n_max, &sdim, ws->wr, ws->wi, ws->rU, n_max, &wq,
                                         -1, ws->bwork);
    ws->gees_lwork = (info == 0 && wq >= 3.0 * n_max) ? (lapack_int)wq : 3 * n_max + 64;
    ws->gees_work = malloc((size_t)ws->gees_lwork * sizeof *ws->gees_work);
    if (!ws->gees_work) {
        sf_theory_corr_workspace_destroy(ws);
        return NULL;
    }
    if (n_time) {
        ws->n_time = n_time;
        size_t nf = n_time / 2 + 1;
        ws->tbuf = fftw_malloc(n_time * sizeof *ws->tbuf);
        ws->fbuf = fftw_malloc(nf * sizeof *ws->fbuf);
        ws->spec = malloc(nf * nn * sizeof *ws->spec);
        if (!ws->tbuf || !ws->fbuf || !ws->spec) {
            sf_theory_corr_workspace_destroy(ws);
            return NULL;
        }
        ws->c2r = fftw_plan_dft_c2r_1d((int)n_time, ws->fbuf, ws->tbuf, FFTW_ESTIMATE);
        if (!ws->c2r) {
            sf_theory_corr_workspace_destroy(ws);
            return NULL;
        }
    }
    return ws;
}

/* ---------------------------------------------------------------------------
 * Shared kernels. */

sf_status sf__corr_ws_check(sf_context *ctx, const sf_theory_corr_workspace *ws, int n)
{
    if (!ws)
        return sf_fail(ctx, SF_ERR_ARG, "workspace is NULL");
    if (n > ws->n_max)
        return sf_fail(ctx, SF_ERR_ARG,
                       "workspace serves matrices up to %d x %d, network has n = %d",
                       ws->n_max, ws->n_max, n);
    return SF_OK;
}

sf_status sf__corr_finite(sf_context *ctx, const double *x, size_t count, const char *what)
{
    for (size_t i = 0; i < count; ++i)
        if (!isfinite(x[i]))
            return sf_fail(ctx, SF_ERR_ARG, "%s[%zu] = %g is not finite", what, i, x[i]);
    return SF_OK;
}

sf_status sf__corr_eig(sf_context *ctx, int n, const double *A, sf_theory_corr_workspace *ws)
{
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j)
            ws->rA[(size_t)j * (size_t)n + (size_t)i] = A[(size_t)i * (size_t)n + (size_t)j];
    lapack_int sdim = 0;
    lapack_int info = LAPACKE_dgees_work(LAPACK_COL_MAJOR, 'N', 'N', NULL, n, ws->rA, n,
                                         &sdim, ws->wr, ws->wi, ws->rU, n, ws->gees_work,
                                         ws->gees_lwork, ws->bwork);
    if (info != 0)
        return sf_fail(ctx, SF_ERR_NUMERIC, "eigenvalue computation failed (dgees info %d)",
                       (int)info);
    return SF_OK;
}

/* ---------------------------------------------------------------------------
 * Lyapunov equation (Bartels & Stewart 1972). The Kronecker form
 * (I x A + A x I) vec X = -vec Q costs O(n^6); Bartels-Stewart costs O(n^3)
 * and is backward stable, so it is used for every n. */

sf_status sf_theory_lyapunov_solve(sf_context *ctx, int n, const double *A, const double *Q,
                                   sf_theory_corr_workspace *ws, double *X)
{
    if (n < 1)
        return sf_fail(ctx, SF_ERR_ARG, "Lyapunov equation: n = %d < 1", n);
    if (!A || !Q || !X)
        return sf_fail(ctx, SF_ERR_ARG, "Lyapunov equation: NULL matrix");
    sf_status st = sf__corr_ws_check(ctx, ws, n);
    if (st != SF_OK)
        return st;
    size_t un = (size_t)n, nn = un * un;
    if ((st = sf__corr_finite(ctx, A, nn, "A")) != SF_OK ||
        (st = sf__corr_finite(ctx, Q, nn, "Q")) != SF_OK)
        return st;
    /* Column-major copy of A; dgees overwrites it with T and fills U. */
    for (size_t i = 0; i < un; ++i)
        for (size_t j = 0; j < un; ++j)
            ws->rA[j * un + i] = A[i * un + j];
    lapack_int sdim = 0;
    lapack_int info = LAPACKE_dgees_work(LAPACK_COL_MAJOR, 'V', 'N', NULL, n, ws->rA, n,
                                         &sdim, ws->wr, ws->wi, ws->rU, n, ws->gees_work,
                                         ws->gees_lwork, ws->bwork);
    if (info != 0)
        return sf_fail(ctx, SF_ERR_NUMERIC, "Schur decomposition failed (dgees info %d)",
                       (int)info);
    double max_re = -INFINITY;
    for (size_t i = 0; i < un; ++i)
        if (ws->wr[i] > max_re)
            max_re = ws->wr[i];
    if (!(max_re < 0))
        return sf_fail(ctx, SF_ERR_RANGE,
                       "Lyapunov equation: A is not stable (largest real part of an "
                       "eigenvalue %g >= 0), no stationary covariance exists",
                       max_re);
    /* F = -U^T Q U (column-major; U is ws->rU column-major: U(i,j) = rU[j n + i]). */
    double *U = ws->rU, *F = ws->rF, *tmp = ws->rB;
    for (size_t i = 0; i < un; ++i)          /* tmp = Q U (col-major) */
        for (size_t j = 0; j < un; ++j) {
            double s = 0;
            for (size_t k = 0; k < un; ++k)
                s += Q[i * un + k] * U[j * un + k];
            tmp[j * un + i] = s;
        }
    for (size_t i = 0; i < un; ++i)          /* F = -U^T tmp */
        for (size_t j = 0; j < un; ++j) {
            double s = 0;
            for (size_t k = 0; k < un; ++k)
                s += U[i * un + k] * tmp[j * un + k];
            F[j * un + i] = -s;
        }
    double scale = 1;
    info = LAPACKE_dtrsyl_work(LAPACK_COL_MAJOR, 'N', 'T', 1, n, n, ws->rA, n, ws->rA, n, F,
                               n, &scale);
    if (info < 0)
        return sf_fail(ctx, SF_ERR_NUMERIC, "dtrsyl failed (info %d)", (int)info);
    if (info == 1)
        return sf_fail(ctx, SF_ERR_NUMERIC,
                       "Lyapunov equation nearly singular (eigenvalues of A close to "
                       "-eigenvalues of A; dtrsyl perturbed them)");
    /* X = U Y U^T / scale, Y = F (col-major). */
    for (size_t i = 0; i < un; ++i)          /* tmp = Y U^T (col-major) */
        for (size_t j = 0; j < un; ++j) {
            double s = 0;
            for (size_t k = 0; k < un; ++k)
                s += F[k * un + i] * U[k * un + j];
            tmp[j * un + i] = s;
        }
    double *out = ws->rC;
    for (size_t i = 0; i < un; ++i)          /* out = U tmp, row-major */
        for (size_t j = 0; j < un; ++j) {
            double s = 0;
            for (size_t k = 0; k < un; ++k)
                s += U[k * un + i] * tmp[j * un + k];
            out[i * un + j] = s / scale;
        }
    bool sym = true;
    for (size_t i = 0; i < un && sym; ++i)
        for (size_t j = 0; j < i; ++j)
            if (Q[i * un + j] != Q[j * un + i]) {
                sym = false;
                break;
            }
    for (size_t i = 0; i < un; ++i)
        for (size_t j = 0; j < un; ++j)
            X[i * un + j] = sym ? 0.5 * (out[i * un + j] + out[j * un + i]) : out[i * un + j];
    return SF_OK;
}

/* ---------------------------------------------------------------------------
 * Linear networks. */

static double pair_delay(const sf_theory_linear_net *net, size_t a, size_t b)
{
    return net->delays ? net->delays[a * (size_t)net->n + b] : net->delay;
}

sf_status sf_theory_linear_check(sf_context *ctx, const sf_theory_linear_net *net)
{
    if (!net)
        return sf_fail(ctx, SF_ERR_ARG, "linear network is NULL");
    if (net->n < 1)
        return sf_fail(ctx, SF_ERR_ARG, "linear network: n = %d, need n >= 1", net->n);
    if (!net->W || !net->tau || !net->D)
        return sf_fail(ctx, SF_ERR_ARG, "linear network: W, tau and D must not be NULL");
    size_t n = (size_t)net->n, nn = n * n;
    sf_status st;
    if ((st = sf__corr_finite(ctx, net->W, nn, "W")) != SF_OK ||
        (st = sf__corr_finite(ctx, net->D, nn, "D")) != SF_OK)
        return st;
    for (size_t a = 0; a < n; ++a)
        if (!(net->tau[a] > 0) || !isfinite(net->tau[a]))
            return sf_fail(ctx, SF_ERR_ARG, "tau[%zu] = %g ms, need a finite value > 0", a,
                           net->tau[a]);
    for (size_t a = 0; a < n; ++a)
        for (size_t b = 0; b < n; ++b) {
            double d = pair_delay(net, a, b);
            if (!(d >= 0) || !isfinite(d))
                return sf_fail(ctx, SF_ERR_ARG, "delay[%zu][%zu] = %g ms, need >= 0", a, b, d);
        }
    for (size_t a = 0; a < n; ++a) {
        if (net->D[a * n + a] < 0)
            return sf_fail(ctx, SF_ERR_ARG, "noise intensity D[%zu][%zu] = %g < 0", a, a,
                           net->D[a * n + a]);
        for (size_t b = 0; b < a; ++b) {
            double x = net->D[a * n + b], y = net->D[b * n + a];
            if (fabs(x - y) > 1e-12 * (fabs(x) + fabs(y)))
                return sf_fail(ctx, SF_ERR_ARG, "noise intensity D is not symmetric: "
                               "D[%zu][%zu] = %g, D[%zu][%zu] = %g", a, b, x, b, a, y);
        }
    }
    return SF_OK;
}

/* M(s) at complex s (1/s) into M (row-major) through the kernel,
 * M_ab = h~_a(s) W_ab e^{-s d_ab}, h~_a = 1/(1 + s tau_a); h [n] receives
 * h~_a. */
static void build_conn_s(const sf_theory_linear_net *net, double complex s, double complex *M,
                         double complex *h)
{
    size_t n = (size_t)net->n;
    for (size_t a = 0; a < n; ++a) {
        h[a] = 1.0 / (1.0 + s * net->tau[a] * SF_MS);
        for (size_t b = 0; b < n; ++b)
            M[a * n + b] = cexp(-s * pair_delay(net, a, b) * SF_MS);
    }
    sf_lr_conn(net->n, h, net->W, M, M);
}

/* M(f) at s = 2 pi i f (the phase factors evaluated as cos + i sin). */
static void build_conn(const sf_theory_linear_net *net, double f, double complex *M,
                       double complex *h)
{
    size_t n = (size_t)net->n;
    double omega = 2 * M_PI * f;
    for (size_t a = 0; a < n; ++a) {
        h[a] = 1.0 / (1.0 + I * omega * net->tau[a] * SF_MS);
        for (size_t b = 0; b < n; ++b) {
            double ph = -omega * pair_delay(net, a, b) * SF_MS;
            M[a * n + b] = cos(ph) + I * sin(ph);
        }
    }
    sf_lr_conn(net->n, h, net->W, M, M);
}

/* The linear network's M(s) for the stability report. */
typedef struct {
    const sf_theory_linear_net *net;
    const double *freq;
    double complex *h;
} lin_system;

static sf_status lin_grid(sf_context *ctx, void *user, size_t k, double complex *M)
{
    lin_system *L = user;
    build_conn(L->net, L->freq[k], M, L->h);
    (void)ctx;
    return SF_OK;
}

static sf_status lin_at(sf_context *ctx, void *user, double complex s, double complex *M)
{
    lin_system *L = user;
    build_conn_s(L->net, s, M, L->h);
    (void)ctx;
    return SF_OK;
}

sf_status sf_theory_linear_net_stability(sf_context *ctx, const sf_theory_linear_net *net,
                                     sf_theory_linear_stability *out)
{
    sf_status st = sf_theory_linear_check(ctx, net);
    if (st != SF_OK)
        return st;
    if (!out)
        return sf_fail(ctx, SF_ERR_ARG, "output is NULL");
    /* the grid: up to where |M| < 0.02 (|M_ab| <= |W_ab| / (2 pi f tau_a)),
     * at least 1 kHz; steps resolving the phase of the longest delay */
    size_t n = (size_t)net->n;
    double top = 1000, dmax = 0;
    for (size_t a = 0; a < n; ++a) {
        double row = 0;
        for (size_t b = 0; b < n; ++b) {
            row += fabs(net->W[a * n + b]);
            dmax = fmax(dmax, pair_delay(net, a, b));
        }
        top = fmax(top, row / (0.02 * 2 * M_PI * net->tau[a] * SF_MS));
    }
    double df = dmax > 0 ? fmin(0.5, 1.0 / (40 * dmax * SF_MS)) : 0.5;
    size_t nf = (size_t)ceil(top / df) + 1;
    if (nf > 2000000)
        return sf_fail(ctx, SF_ERR_RANGE,
                       "linear stability: the scan would need %zu frequencies (up to %g Hz)", nf,
                       top);
    double *freq = malloc(nf * sizeof *freq);
    double complex *h = malloc(n * sizeof *h);
    sf_lr_ws lr;
    if (!freq || !h || sf_lr_ws_init(&lr, net->n) != SF_OK) {
        free(freq);
        free(h);
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    }
    for (size_t k = 0; k < nf; ++k)
        freq[k] = df * (double)k;
    lin_system L = {.net = net, .freq = freq, .h = h};
    sf_lr_system sys = {.n = net->n, .grid = lin_grid, .at = lin_at, .user = &L};
    st = sf_lr_stability(ctx, &lr, &sys, freq, nf, NULL, out);
    sf_lr_ws_free(&lr);
    free(freq);
    free(h);
    return st;
}

sf_status sf_theory_linear_conn(sf_context *ctx, const sf_theory_linear_net *net, double f,
                                double complex *M)
{
    sf_status st = sf_theory_linear_check(ctx, net);
    if (st != SF_OK)
        return st;
    if (!M)
        return sf_fail(ctx, SF_ERR_ARG, "output M is NULL");
    if (!isfinite(f))
        return sf_fail(ctx, SF_ERR_ARG, "frequency %g Hz is not finite", f);
    double complex *h = malloc((size_t)net->n * sizeof *h);
    if (!h)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    build_conn(net, f, M, h);
    free(h);
    return SF_OK;
}

/* One frequency: C (and the split) of the class at f. Noise matrix Dn (n^2
 * complex) in ws->zC on return for the time-domain code. */
static sf_status spectrum_at(sf_context *ctx, const sf_theory_linear_net *net,
                             sf_theory_noise_class cls,
                             double f, sf_theory_corr_workspace *ws, double complex *C,
                             double complex *echo, double complex *corr_in)
{
    size_t n = (size_t)net->n;
    double complex *hp = ws->zh;
    build_conn(net, f, ws->zM, hp);
    double complex *Dn = ws->zC;
    for (size_t a = 0; a < n; ++a)
        for (size_t b = 0; b < n; ++b)
            Dn[a * n + b] = cls == SF_THEORY_NOISE_INPUT
                                ? hp[a] * net->D[a * n + b] * conj(hp[b])
                                : (double complex)net->D[a * n + b];
    sf_status st = sf_lr_factor(ctx, &ws->lr, net->n, ws->zM, f);
    if (st != SF_OK)
        return st;
    /* C = P Dn P^H, P = (1 - M)^-1, and X = P Dn for the split */
    bool split = echo || corr_in;
    double complex *X = ws->zP;
    sf_lr_cov(&ws->lr, Dn, C, split ? X : NULL);
    if (split) {
        /* echo = M X + (M X)^H, corr_in = M P Dn P^H M^H = M C M^H;
         * T = M X (zB), U = M C (zA). */
        double complex *T = ws->zB, *U = ws->zA, *M = ws->zM;
        for (size_t a = 0; a < n; ++a)
            for (size_t b = 0; b < n; ++b) {
                double complex s = 0, u = 0;
                for (size_t c = 0; c < n; ++c) {
                    s += M[a * n + c] * X[c * n + b];
                    u += M[a * n + c] * C[c * n + b];
                }
                T[a * n + b] = s;
                U[a * n + b] = u;
            }
        if (echo)
            for (size_t a = 0; a < n; ++a)
                for (size_t b = 0; b < n; ++b)
                    echo[a * n + b] = T[a * n + b] + conj(T[b * n + a]);
        if (corr_in)
            for (size_t a = 0; a < n; ++a)
                for (size_t b = 0; b < n; ++b) {
                    double complex s = 0;
                    for (size_t c = 0; c < n; ++c)
                        s += U[a * n + c] * conj(M[b * n + c]);
                    corr_in[a * n + b] = s;
                }
    }
    return SF_OK;
}

sf_status sf_theory_linear_spectrum(sf_context *ctx, const sf_theory_linear_net *net,
                                    sf_theory_noise_class cls, const double *freq,
                                    size_t n_freq, sf_theory_corr_workspace *ws,
                                    double complex *C, double complex *echo,
                                    double complex *corr_in)
{
    sf_status st = sf_theory_linear_check(ctx, net);
    if (st != SF_OK)
        return st;
    if (cls != SF_THEORY_NOISE_OUTPUT && cls != SF_THEORY_NOISE_INPUT)
        return sf_fail(ctx, SF_ERR_ARG, "unknown noise class %d", (int)cls);
    if (cls == SF_THEORY_NOISE_INPUT && (echo || corr_in))
        return sf_fail(ctx, SF_ERR_ARG, "the echo / correlated-input split exists only for "
                       "the output-noise class; pass NULL for echo and corr_in");
    if (n_freq && (!freq || !C))
        return sf_fail(ctx, SF_ERR_ARG, "freq and C must not be NULL");
    if ((st = sf__corr_ws_check(ctx, ws, net->n)) != SF_OK)
        return st;
    if (n_freq && (st = sf__corr_finite(ctx, freq, n_freq, "freq")) != SF_OK)
        return st;
    size_t nn = (size_t)net->n * (size_t)net->n;
    for (size_t k = 0; k < n_freq; ++k) {
        st = spectrum_at(ctx, net, cls, freq[k], ws, C + k * nn, echo ? echo + k * nn : NULL,
                         corr_in ? corr_in + k * nn : NULL);
        if (st != SF_OK)
            return st;
    }
    return SF_OK;
}

sf_status sf_theory_linear_cov_equal_time(sf_context *ctx, const sf_theory_linear_net *net,
                                          sf_theory_corr_workspace *ws, double *C)
{
    sf_status st = sf_theory_linear_check(ctx, net);
    if (st != SF_OK)
        return st;
    if (!C)
        return sf_fail(ctx, SF_ERR_ARG, "output C is NULL");
    if ((st = sf__corr_ws_check(ctx, ws, net->n)) != SF_OK)
        return st;
    size_t n = (size_t)net->n;
    for (size_t a = 0; a < n; ++a)
        for (size_t b = 0; b < n; ++b)
            if (pair_delay(net, a, b) != 0)
                return sf_fail(ctx, SF_ERR_ARG,
                               "equal-time covariance from the Lyapunov equation needs zero "
                               "delays (delay[%zu][%zu] = %g ms); use "
                               "sf_theory_linear_cov_time",
                               a, b, pair_delay(net, a, b));
    /* A = T^-1 (W - 1), Q = T^-1 D T^-1 (T in s). */
    double *A = ws->rG, *Q = ws->rH;
    for (size_t a = 0; a < n; ++a)
        for (size_t b = 0; b < n; ++b) {
            double ta = net->tau[a] * SF_MS, tb = net->tau[b] * SF_MS;
            A[a * n + b] = (net->W[a * n + b] - (a == b ? 1.0 : 0.0)) / ta;
            Q[a * n + b] = net->D[a * n + b] / (ta * tb);
        }
    st = sf_theory_lyapunov_solve(ctx, net->n, A, Q, ws, C);
    if (st == SF_ERR_RANGE)
        return sf_fail(ctx, SF_ERR_RANGE,
                       "the linear network is unstable (an eigenvalue of W has real part "
                       ">= 1): no stationary covariance");
    return st;
}

/* e^{-t/tau}/tau for t > 0, half of it at t == 0 (the mean of the two
 * one-sided limits, which is what the Fourier series of a jump converges
 * to), 0 for t < 0. t, tau in s; |t| < eps counts as 0. */
static double kernel_h(double t, double tau, double eps)
{
    if (t > eps)
        return exp(-t / tau) / tau;
    if (t >= -eps)
        return 0.5 / tau;
    return 0;
}

sf_status sf_theory_linear_cov_time(sf_context *ctx, const sf_theory_linear_net *net,
                                    sf_theory_noise_class cls, double dt_ms,
                                    sf_theory_corr_workspace *ws, double *C_tau,
                                    double *delta)
{
    sf_status st = sf_theory_linear_check(ctx, net);
    if (st != SF_OK)
        return st;
    if (cls != SF_THEORY_NOISE_OUTPUT && cls != SF_THEORY_NOISE_INPUT)
        return sf_fail(ctx, SF_ERR_ARG, "unknown noise class %d", (int)cls);
    if (!(dt_ms > 0) || !isfinite(dt_ms))
        return sf_fail(ctx, SF_ERR_ARG, "lag step dt = %g ms, need > 0", dt_ms);
    if (!C_tau)
        return sf_fail(ctx, SF_ERR_ARG, "output C_tau is NULL");
    if ((st = sf__corr_ws_check(ctx, ws, net->n)) != SF_OK)
        return st;
    if (!ws->n_time)
        return sf_fail(ctx, SF_ERR_ARG, "the workspace has no lag grid (created with "
                       "n_time = 0)");
    size_t n = (size_t)net->n, nn = n * n, nt = ws->n_time, nf = nt / 2 + 1;
    double dt = dt_ms * SF_MS, df = 1.0 / ((double)nt * dt);
    /* Spectrum minus the analytically known parts, on f_k = k df. */
    for (size_t k = 0; k < nf; ++k) {
        double f = (double)k * df;
        double complex *R = ws->spec + k * nn;
        st = spectrum_at(ctx, net, cls, f, ws, R, NULL, NULL);
        if (st != SF_OK)
            return st;
        /* After spectrum_at: ws->zM = M(f), ws->zC = noise matrix Dn. */
        double complex *M = ws->zM, *Dn = ws->zC;
        if (cls == SF_THEORY_NOISE_INPUT) {
            for (size_t i = 0; i < nn; ++i)
                R[i] -= Dn[i];
        } else {
            for (size_t a = 0; a < n; ++a)
                for (size_t b = 0; b < n; ++b) {
                    double complex s = Dn[a * n + b];
                    for (size_t c = 0; c < n; ++c)
                        s += M[a * n + c] * Dn[c * n + b] + Dn[a * n + c] * conj(M[b * n + c]);
                    R[a * n + b] -= s;
                }
        }
    }
    /* Inverse transform of every pair: C(tau_m) = sum_k R(f_k) e^{2 pi i f_k
     * tau_m} df with tau_m = (m - nt/2) dt, i.e. input (-1)^k R(f_k) df. */
    for (size_t p = 0; p < nn; ++p) {
        for (size_t k = 0; k < nf; ++k) {
            double complex v = ws->spec[k * nn + p] * df * ((k & 1) ? -1.0 : 1.0);
            if (k == nt / 2)
                v = creal(v);
            ((double *)ws->fbuf)[2 * k] = creal(v);
            ((double *)ws->fbuf)[2 * k + 1] = cimag(v);
        }
        fftw_execute(ws->c2r);
        for (size_t m = 0; m < nt; ++m)
            C_tau[m * nn + p] = ws->tbuf[m];
    }
    /* Add back the analytic parts. */
    double eps = 1e-9 * dt;
    for (size_t m = 0; m < nt; ++m) {
        double t = ((double)m - (double)(nt / 2)) * dt;
        double *Cm = C_tau + m * nn;
        for (size_t a = 0; a < n; ++a)
            for (size_t b = 0; b < n; ++b) {
                double ta = net->tau[a] * SF_MS, tb = net->tau[b] * SF_MS;
                double add = 0;
                if (cls == SF_THEORY_NOISE_INPUT) {
                    /* F^-1[h~_a conj(h~_b)](t) = e^{-t/ta}/(ta+tb) (t >= 0),
                     * e^{t/tb}/(ta+tb) (t < 0). */
                    add = net->D[a * n + b] *
                          (t >= 0 ? exp(-t / ta) : exp(t / tb)) / (ta + tb);
                } else {
                    /* (M D)_ab <-> sum_c W_ac D_cb h_a(t - d_ac),
                     * (D M^H)_ab <-> sum_c D_ac W_bc h_b(-t - d_bc). */
                    for (size_t c = 0; c < n; ++c) {
                        double dac = pair_delay(net, a, c) * SF_MS;
                        double dbc = pair_delay(net, b, c) * SF_MS;
                        add += net->W[a * n + c] * net->D[c * n + b] * kernel_h(t - dac, ta, eps);
                        add += net->D[a * n + c] * net->W[b * n + c] * kernel_h(-t - dbc, tb, eps);
                    }
                }
                Cm[a * n + b] += add;
            }
    }
    if (delta)
        for (size_t i = 0; i < nn; ++i)
            delta[i] = cls == SF_THEORY_NOISE_OUTPUT ? net->D[i] : 0.0;
    return SF_OK;
}
