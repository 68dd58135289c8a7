/* The dmft theory family: random networks of tanh_rate / erf_rate units
 * with linear_summation = 0,
 *   tau dx/dt = -lambda x + sum_j w_ij G s(beta x_j) + sqrt(tau) sigma xi,
 * one population coupled onto itself (all_to_all or fixed_indegree, weights
 * of mean 0 and spread s), no inputs, mu = theta = 0, input noise. With u =
 * beta x and time in units of tau / lambda this is the network of dmft.h,
 *   g = |beta G| sqrt(K) s / lambda,   D = beta^2 sigma^2 / lambda,
 * K the in-degree (N, or N - 1 without autapses): what enters the DMFT is
 * the summed variance of the couplings of a unit, K s^2, so a model
 * expresses Var J_ij = g^2 / N by weight: {distribution: normal, mean: 0,
 * std: g / sqrt(N)} (docs/dmft.md). Back in the model's units
 * <x^2> = Delta / beta^2 and lags in ms.
 *
 * Weights of mean w0 != 0 (J_ij with mean J0/N, J0 = beta G K w0 / lambda):
 * the DMFT's symmetric solution, mean 0, in which the mean coupling does
 * not enter (the population average of phi vanishes for odd phi); it is
 * stable against a uniform shift while J0 <phi'(u)> < 1 (u ~ N(0, Delta0);
 * the mean mode's growth -1 + J0 <phi'>). Beyond, the predictions are
 * marked not valid: the state with a mean is the non-centred DMFT
 * (Delta(inf) > 0), not implemented. Then also: mean (0) and mean_mode
 * (J0 <phi'>); the estimate of mean from the voltmeter.
 *
 * Quantities (population 0): delta0 (<x^2>), autocorr (lag axis, ms),
 * tau_decay (ms), phi2 (<phi(x)^2>), local_stability (g^2 <phi'^2>),
 * lyapunov (1/ms), g_eff, noise_D. Estimates: delta0 and autocorr from a
 * voltmeter of `rate`, lyapunov by Benettin on the dense network
 * (ratenet.h).
 *
 * Invariant: dmft_mapped holds the only copy of the theory's parameters;
 * the estimates read the recording and the model, never the prediction.
 */
#include "theory/family.h"
#include "theory/dmft/dmft.h"
#include "theory/dmft/ratenet.h"
#include "theory/map.h"

#include "neurons/rate.h"
#include "spikefield/network.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ASSUME "large N (dynamic mean-field theory, Sompolinsky et al. 1988; Schuecker et al. 2018); continuous time (the simulation's exponential Euler step holds the input over h)"
#define N_TAU 3001    /* theory grid: 30 time constants ... */
#define DTAU 0.01     /* ... in steps of 0.01 tau          */
#define PRED_STRIDE 5 /* the predicted autocorr every 0.05 tau */

typedef struct {
    sf_dmft_params p;
    double tau_ms;   /* tau / lambda: the time unit */
    double beta;
    double G;
    double N, K;
    double J0;       /* mean coupling beta G K mean(w) / lambda (0: none) */
} dmft_mapped;

static double par(const sf_model *m, int index)
{
    const sf_neuron_type *t = m->pops[0].type;
    return sf_theory_map_param(m, 0, t, index);
}

static bool dmft_accepts(const sf_model *m, char *why, size_t len)
{
    if (m->n_pops != 1) {
        snprintf(why, len, "%s: the dmft theory describes one population coupled onto itself "
                 "(%d populations)", m->file, m->n_pops);
        return false;
    }
    const char *pn = m->pops[0].name;
    if (m->pops[0].param_dist) {
        snprintf(why, len, "%s: population %s: heterogeneous parameters are not in the dmft "
                 "theory", m->file, pn);
        return false;
    }
    if (par(m, SF_RATE_LINEAR_SUMMATION) != 0) {
        snprintf(why, len, "%s: population %s: the dmft theory needs linear_summation: 0 "
                 "(I = sum_j w_ij phi(x_j), the random network of Sompolinsky et al.)",
                 m->file, pn);
        return false;
    }
    if (par(m, SF_RATE_OUTPUT_NOISE) != 0 || par(m, SF_RATE_MU) != 0 ||
        par(m, SF_RATE_THETA) != 0 || !(par(m, SF_RATE_LAMBDA) > 0) ||
        par(m, SF_RATE_BETA) == 0 || par(m, SF_RATE_G) == 0) {
        snprintf(why, len, "%s: population %s: the dmft theory needs input noise "
                 "(output_noise: 0), mu = 0, theta = 0 (odd phi), lambda > 0, beta and g "
                 "non-zero", m->file, pn);
        return false;
    }
    if (m->n_inputs > 0) {
        snprintf(why, len, "%s: input %s: the dmft theory has no external inputs (the noise is "
                 "the neuron's sigma)", m->file, m->inputs[0].name);
        return false;
    }
    if (m->n_proj != 1) {
        snprintf(why, len, "%s: the dmft theory needs exactly one projection, %s onto itself "
                 "(%d projections)", m->file, pn, m->n_proj);
        return false;
    }
    const sf_projection *pr = &m->proj[0];
    double mean, sd;
    sf_theory_map_dist_moments(&pr->weight, &mean, &sd);
    if (!(sd > 0)) {
        snprintf(why, len, "%s: projection %s: the dmft theory needs weights of non-zero "
                 "spread, e.g. {distribution: normal, mean: 0, std: g/sqrt(N)} "
                 "(mean %g, sd %g)", m->file, pr->name, mean, sd);
        return false;
    }
    if (!sf_theory_map_dist_is_const(&pr->delay) ||
        fabs(pr->delay.a - m->sim.resolution) > 1e-9 * m->sim.resolution) {
        snprintf(why, len, "%s: projection %s: the dmft theory has no delay: set delay to the "
                 "resolution (%g ms)", m->file, pr->name, m->sim.resolution);
        return false;
    }
    return true;
}

static void dmft_unmap(void *mapped) { free(mapped); }

static sf_status dmft_map(sf_context *ctx, const sf_model *m, void **mapped)
{
    *mapped = NULL;
    char why[1024];
    if (!dmft_accepts(m, why, sizeof why))
        return sf_fail(ctx, SF_ERR_MODEL, "%s", why);
    dmft_mapped *dm = calloc(1, sizeof *dm);
    if (!dm)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    sf_theory_map_pairs pr = {0};
    sf_status st = sf_theory_map_pairs_read(ctx, m, &pr);
    if (st != SF_OK) {
        free(dm);
        return st;
    }
    double mean, sd;
    sf_theory_map_dist_moments(&m->proj[0].weight, &mean, &sd);
    const double lam = par(m, SF_RATE_LAMBDA), beta = par(m, SF_RATE_BETA);
    const double G = par(m, SF_RATE_G), sig = par(m, SF_RATE_SIGMA);
    dm->K = pr.K[0];
    dm->N = m->pops[0].n;
    sf_theory_map_pairs_free(&pr);
    dm->beta = beta;
    dm->G = G;
    dm->tau_ms = par(m, SF_RATE_TAU) / lam;
    dm->p = (sf_dmft_params){.phi = m->pops[0].type == &sf_erf_rate ? SF_DMFT_ERF : SF_DMFT_TANH,
                             .g = fabs(beta * G) * sqrt(dm->K) * sd / lam,
                             .D = beta * beta * sig * sig / lam};
    dm->J0 = beta * G * dm->K * mean / lam;
    *mapped = dm;
    return SF_OK;
}

/* Solves the mapped DMFT; delta [N_TAU] in tau units (may be NULL). */
static sf_status solve(sf_context *ctx, const dmft_mapped *dm, double *delta,
                       sf_dmft_solution *sol)
{
    sf_dmft_workspace *ws = sf_dmft_workspace_create(N_TAU, DTAU, 0);
    if (!ws)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    sf_status st = sf_dmft_solve(ctx, ws, &dm->p, true, delta, sol);
    sf_dmft_workspace_destroy(ws);
    return st;
}

static sf_status add(sf_context *ctx, sf_quantities *out, const char *name, const char *unit,
                     double v, const char *note)
{
    sf_quantity *x = sf_quantities_add_scalar(ctx, out, name, unit, 0, -1, v);
    if (!x || sf_quantity_assume(x, ASSUME) != SF_OK || (note && sf_quantity_note(x, "%s", note)))
        return SF_ERR_NOMEM;
    return SF_OK;
}

/* The accuracy of delta0 and lyapunov for a finite network, measured by
 * tests/validation/val_dmft.c at N = 1000 (5 realisations, h = 0.05 tau):
 * delta0 within 4.9 % for D = 0 (g = 1.5; 2.3 % at g = 2, 0.8 % at g = 3)
 * with a realisation spread of 3 %, within 0.5 % for D = 1; the Lyapunov
 * exponent within 13 % (g = 1.5, D = 0) where it is not near 0. Scaled by
 * sqrt(1000 / N), the scaling of the realisation spread. */
static sf_status set_accuracy(sf_quantities *out, const dmft_mapped *dm)
{
    const double s = sqrt(1000.0 / dm->N);
    const char *src = "tests/validation/val_dmft.c, N = 1000, 5 realisations; scaled by "
                      "sqrt(1000/N)";
    long i = sf_quantities_find(out, "delta0", 0, -1);
    long j = sf_quantities_find(out, "lyapunov", 0, -1);
    if (i < 0 || j < 0)
        return SF_OK;
    sf_status st = sf_quantity_accuracy_set(&out->q[i], (dm->p.D > 0 ? 0.02 : 0.08) * s, "%s", src);
    return st == SF_OK ? sf_quantity_accuracy_set(&out->q[j], 0.15 * s, "%s", src) : st;
}

/* <phi'(u)> of the normalised unit over u ~ N(0, Delta0): tanh' = 1 - tanh^2,
 * erf'(u) = 2/sqrt(pi) e^{-u^2}, whose Gaussian mean is closed. */
static double mean_slope(const dmft_mapped *dm, const sf_dmft_solution *s)
{
    return dm->p.phi == SF_DMFT_ERF ? M_2_SQRTPI / sqrt(1 + 2 * s->delta0) : 1 - s->phi2;
}

/* A mean coupling: the symmetric solution's mean and the mean mode; every
 * prediction marked not valid where the mean mode grows. */
static sf_status mean_coupling(sf_context *ctx, const dmft_mapped *dm, const sf_dmft_solution *s,
                               sf_quantities *out)
{
    const double mm = dm->J0 * mean_slope(dm, s);
    sf_status st = add(ctx, out, "mean", "1", 0.0, "the symmetric solution: the population "
                       "average of phi vanishes, so the mean coupling J0 adds no input");
    if (st == SF_OK)
        st = add(ctx, out, "mean_mode", "1", mm, "J0 <phi'(u)>, u ~ N(0, Delta0): a uniform "
                 "shift grows as -1 + J0 <phi'>; the symmetric state is stable while < 1");
    if (st == SF_OK && mm >= 1) {
        for (size_t i = 0; i < out->n; i++)
            out->q[i].invalid = true;
        st = sf_quantities_note(out, "J0 <phi'> = %.4g >= 1 (J0 = %.4g): the symmetric state is "
                                "unstable and the network settles with a non-zero mean; its "
                                "DMFT (non-centred, Delta(inf) > 0) is not implemented, so these "
                                "predictions are not valid", mm, dm->J0);
    } else if (st == SF_OK)
        st = sf_quantities_note(out, "mean coupling J0 = %.4g: the symmetric DMFT solution, "
                                "stable (J0 <phi'> = %.4g < 1); finite N adds O(1/N) from the "
                                "amplified mean fluctuations", dm->J0, mm);
    return st;
}

static sf_status dmft_predict(sf_context *ctx, const sf_model *m, const void *mapped,
                              const sf_predict_options *opt, sf_quantities *out)
{
    (void)m, (void)opt;
    const dmft_mapped *dm = mapped;
    double *delta = malloc(N_TAU * sizeof *delta);
    if (!delta)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    sf_dmft_solution s;
    sf_status st = solve(ctx, dm, delta, &s);
    const double b2 = dm->beta * dm->beta, tu = dm->tau_ms;
    const char *fp = s.fixed_point ? "D = 0 and g phi'(0) <= 1: the fixed point x = 0" : NULL;
    if (st == SF_OK)
        st = add(ctx, out, "delta0", "1", s.delta0 / b2, fp);
    if (st == SF_OK)
        st = add(ctx, out, "phi2", "1", dm->G * dm->G * s.phi2, NULL);
    if (st == SF_OK)
        st = add(ctx, out, "local_stability", "1", s.stability,
                 "g^2 <phi'(x)^2>: the fixed point / locally expanding when > 1");
    if (st == SF_OK)
        st = add(ctx, out, "lyapunov", "1/ms", s.lyapunov / tu,
                 "maximal Lyapunov exponent, conditional on the noise (two-replica DMFT)");
    if (st == SF_OK)
        st = add(ctx, out, "tau_decay", "ms", s.tau_decay * tu,
                 "first lag with Delta(tau) = Delta(0)/e");
    if (st == SF_OK)
        st = add(ctx, out, "g_eff", "1", dm->p.g, "|beta g| sqrt(K) sd(w) / lambda");
    if (st == SF_OK)
        st = add(ctx, out, "noise_D", "1", dm->p.D,
                 "beta^2 sigma^2 / lambda: <xi xi'> = D delta(t - t'), t in units of "
                 "tau / lambda");
    if (st == SF_OK)
        st = set_accuracy(out, dm);
    if (st == SF_OK && dm->J0 != 0)
        st = mean_coupling(ctx, dm, &s, out);
    if (st == SF_OK) {
        const size_t nr = (N_TAU - 1) / PRED_STRIDE + 1;
        sf_quantity *x = sf_quantities_add(ctx, out, "autocorr", "1", 0, -1, SF_AXIS_LAG, nr, 1,
                                           false);
        if (!x || sf_quantity_assume(x, ASSUME) != SF_OK)
            st = SF_ERR_NOMEM;
        for (size_t k = 0; st == SF_OK && k < nr; k++) {
            x->axis_values[k] = (double)(k * PRED_STRIDE) * DTAU * tu;
            x->value[k] = delta[k * PRED_STRIDE] / b2;
        }
    }
    free(delta);
    return st;
}

/* The voltmeter recorder of `rate` of population 0 (index ri); false if none. */
static bool find_trace(const sf_model *m, int *ri)
{
    for (int r = 0; r < m->n_recorders; r++) {
        const sf_recorder *rc = &m->recorders[r];
        if (rc->type == &sf_recorder_voltmeter && !strcmp(rc->variable, "rate") &&
            rc->n_pops == 1 && rc->pops[0] == 0) {
            *ri = r;
            return true;
        }
    }
    return false;
}

#define N_SEG 10

/* autocorr(k) = mean over units and times t of x(t) x(t + k dt), in N_SEG
 * segments of the window (the pairs starting in each), SE over segments. */
static sf_status autocorr_estimate(sf_context *ctx, const sf_model *m, const sf_recording *rec,
                                   sf_quantities *out)
{
    int ri;
    const float *data;
    size_t nt;
    uint32_t nn;
    double t0, dt;
    if (!find_trace(m, &ri) || !sf_recording_trace(rec, ri, 0, &data, &nt, &nn, &t0, &dt))
        return sf_fail(ctx, SF_ERR_MODEL,
                       "%s: population %s: the comparison needs a voltmeter recording `rate` "
                       "(recorders: {kind: voltmeter, populations: [%s], variable: rate, n: .., "
                       "interval: ..})",
                       m->file, m->pops[0].name, m->pops[0].name);
    size_t first = 0;
    while (first < nt && t0 + (double)first * dt < m->sim.t_analysis - 1e-9)
        first++;
    const size_t ns = nt > first ? nt - first : 0;
    const double tau_u = par(m, SF_RATE_TAU) / par(m, SF_RATE_LAMBDA);
    size_t nlag = (size_t)floor(fmin(10.0 * tau_u, (double)ns * dt / 10.0) / dt) + 1;
    const size_t stride = nlag > 401 ? (nlag + 399) / 400 : 1;
    nlag = (nlag - 1) / stride + 1;
    if (ns < 20 * N_SEG || nlag < 2)
        return sf_fail(ctx, SF_ERR_MODEL, "%s: recorder %s: too few samples after %g ms (%zu)",
                       m->file, m->recorders[ri].name, m->sim.t_analysis, ns);
    const size_t lmax = (nlag - 1) * stride, usable = ns - lmax, seg = usable / N_SEG;
    double *c = calloc(N_SEG * nlag, sizeof *c);
    if (!c)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    const float *x = data + first * nn;
    for (size_t s = 0; s < N_SEG; s++) {
        double *cs = c + s * nlag;
        for (size_t t = s * seg; t < (s + 1) * seg; t++)
            for (size_t l = 0; l < nlag; l++) {
                const float *a = x + t * nn, *b = x + (t + l * stride) * nn;
                double acc = 0;
                for (uint32_t j = 0; j < nn; j++)
                    acc += (double)a[j] * (double)b[j];
                cs[l] += acc;
            }
        for (size_t l = 0; l < nlag; l++)
            cs[l] /= (double)seg * nn;
    }
    sf_quantity *q = sf_quantities_add(ctx, out, "autocorr", "1", 0, -1, SF_AXIS_LAG, nlag, 1,
                                       false);
    sf_status st = q ? SF_OK : SF_ERR_NOMEM;
    for (size_t l = 0; st == SF_OK && l < nlag; l++) {
        double s1 = 0, s2 = 0;
        for (size_t s = 0; s < N_SEG; s++) {
            s1 += c[s * nlag + l];
            s2 += c[s * nlag + l] * c[s * nlag + l];
        }
        const double mean = s1 / N_SEG;
        q->axis_values[l] = (double)(l * stride) * dt;
        q->value[l] = mean;
        q->se[l] = sqrt(fmax(s2 / N_SEG - mean * mean, 0.0) / (N_SEG - 1));
    }
    if (st == SF_OK) {
        q->correlated = true;
        st = sf_quantity_note(q, "population average of x(t) x(t + tau) over %u units, SE over "
                              "%d segments of the window", nn, N_SEG);
    }
    if (st == SF_OK) {
        sf_quantity *d = sf_quantities_add_scalar(ctx, out, "delta0", "1", 0, -1, q->value[0]);
        if (!d)
            st = SF_ERR_NOMEM;
        else {
            d->se[0] = q->se[0];
            st = sf_quantity_note(d, "<x^2> over %u units and the window, SE over %d segments",
                                  nn, N_SEG);
        }
    }
    double wmean, wsd;
    sf_theory_map_dist_moments(&m->proj[0].weight, &wmean, &wsd);
    if (st == SF_OK && wmean != 0) { /* a mean coupling: the population mean of x */
        double s1 = 0, s2 = 0;
        for (size_t sg = 0; sg < N_SEG; sg++) {
            double a = 0;
            for (size_t t = sg * seg; t < (sg + 1) * seg; t++)
                for (uint32_t j = 0; j < nn; j++)
                    a += (double)x[t * nn + j];
            a /= (double)seg * nn;
            s1 += a, s2 += a * a;
        }
        const double mu = s1 / N_SEG;
        sf_quantity *d = sf_quantities_add_scalar(ctx, out, "mean", "1", 0, -1, mu);
        if (!d)
            st = SF_ERR_NOMEM;
        else {
            d->se[0] = sqrt(fmax(s2 / N_SEG - mu * mu, 0.0) / (N_SEG - 1));
            st = sf_quantity_note(d, "<x> over %u units and the window, SE over %d segments", nn,
                                  N_SEG);
        }
    }
    free(c);
    return st;
}

/* Largest Lyapunov exponent of the model's own network (dense, Benettin). */
static sf_status lyapunov_estimate(sf_context *ctx, const sf_model *m, sf_quantities *out)
{
    const uint32_t n = m->pops[0].n;
    if (n > 8192) {
        sf_quantities_note(out, "lyapunov: not estimated for N = %u > 8192 (dense couplings)",
                           n);
        return SF_OK;
    }
    sf_dmft_net net;
    sf_status st = sf_dmft_net_from_model(ctx, m, &net);
    if (st != SF_OK)
        return st;
    const double h = m->sim.resolution, tau_u = par(m, SF_RATE_TAU) / par(m, SF_RATE_LAMBDA);
    const int64_t steps = (int64_t)llround(m->sim.duration / h);
    const int64_t skip = (int64_t)llround(m->sim.t_analysis / h);
    int renorm = (int)fmax(1.0, floor(0.5 * tau_u / h));
    double lam = NAN, se = NAN;
    st = sf_dmft_net_lyapunov(ctx, &net, steps, skip, renorm, N_SEG, &lam, &se, NULL);
    sf_dmft_net_free(&net);
    if (st != SF_OK)
        return st;
    sf_quantity *q = sf_quantities_add_scalar(ctx, out, "lyapunov", "1/ms", 0, -1, lam);
    if (!q)
        return SF_ERR_NOMEM;
    q->se[0] = se;
    return sf_quantity_note(q, "Benettin method on the tangent dynamics of the model's network "
                            "(dense couplings, the engine's step and noise), renormalised every "
                            "%d steps, SE over %d batches", renorm, N_SEG);
}

static sf_status dmft_estimate(sf_context *ctx, const sf_model *m, const sf_recording *rec,
                               sf_quantities *out)
{
    char why[1024];
    if (!dmft_accepts(m, why, sizeof why))
        return sf_fail(ctx, SF_ERR_MODEL, "%s", why);
    sf_status st = autocorr_estimate(ctx, m, rec, out);
    return st == SF_OK ? lyapunov_estimate(ctx, m, out) : st;
}

/* The theory's value of every estimate: Delta at the estimator's lags
 * (linear interpolation on the 0.01 tau grid). */
static sf_status dmft_expect(sf_context *ctx, const sf_model *m, const void *mapped,
                             const sf_quantities *pred, const sf_quantities *est,
                             sf_quantities *out)
{
    (void)m;
    const dmft_mapped *dm = mapped;
    double *delta = malloc(N_TAU * sizeof *delta);
    if (!delta)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    sf_dmft_solution s;
    sf_status st = solve(ctx, dm, delta, &s);
    const double b2 = dm->beta * dm->beta;
    for (size_t i = 0; st == SF_OK && i < est->n; i++) {
        const sf_quantity *e = &est->q[i];
        if (!strcmp(e->name, "autocorr")) {
            sf_quantity *x = sf_quantities_add(ctx, out, "autocorr", "1", 0, -1, SF_AXIS_LAG,
                                               e->rows, 1, false);
            if (!x || sf_quantity_assume(x, ASSUME) != SF_OK) {
                st = SF_ERR_NOMEM;
                break;
            }
            for (size_t k = 0; k < e->rows; k++) {
                const double t = e->axis_values[k] / dm->tau_ms / DTAU;
                size_t j = (size_t)floor(t);
                double v;
                if (j + 1 >= N_TAU) {
                    v = delta[N_TAU - 1];
                } else {
                    const double f = t - (double)j;
                    v = (1 - f) * delta[j] + f * delta[j + 1];
                }
                x->axis_values[k] = e->axis_values[k];
                x->value[k] = v / b2;
            }
        } else {
            long j = sf_quantities_find(pred, e->name, 0, -1);
            if (j >= 0 && !sf_quantities_add_copy(ctx, out, &pred->q[j]))
                st = SF_ERR_NOMEM;
        }
    }
    if (st == SF_OK && dm->N < 1e4)
        sf_quantities_note(out, "finite N = %g: corrections of order 1/N, large near the "
                                "transition (docs/dmft.md)", dm->N);
    free(delta);
    return st;
}

static const sf_neuron_type *const dmft_covers[] = {&sf_tanh_rate, &sf_erf_rate, NULL};

const sf_theory_type sf_theory_family_dmft = {
    .name = "dmft",
    .doc = "random rate networks (tanh_rate / erf_rate, linear_summation 0): dynamic mean-field "
           "autocorrelation, local stability and maximal Lyapunov exponent (Sompolinsky et al. "
           "1988; Schuecker et al. 2018)",
    .covers = dmft_covers,
    .accepts = dmft_accepts,
    .map = dmft_map,
    .unmap = dmft_unmap,
    .predict = dmft_predict,
    .estimate = dmft_estimate,
    .expect = dmft_expect,
};
