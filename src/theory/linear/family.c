/* The linear rate (Ornstein-Uhlenbeck) theory family: networks of
 * `lin_rate` populations, tau dr/dt = -lambda r + mu + g I + sqrt(tau) sigma
 * xi, as the linear network of the population averages (Grytskyy et al.
 * 2013): tau_a / lambda_a, W_ab = g_a K_ab w_ab / lambda_a, D_aa =
 * sigma_a^2 tau_a / (N_a lambda_a^2) (input noise; output noise sigma_a^2
 * tau_a / N_a, tau in s), mean drive (mu_a + dc_a) / lambda_a.
 * docs/ou.md lists the quantities.
 *
 * Invariant: the mapped network (linear_mapped) is the only source of the
 * theory's parameters. Its delays are those of the delay model
 * (src/theory/delay.h): whole steps, timing of a held sample (-h/2: the
 * output of a step is the input of a later step as a whole).
 */
#include "theory/family.h"
#include "theory/delay.h"
#include "theory/linear/kernel.h"
#include "theory/linear/netcorr.h"
#include "theory/linear/stability.h"
#include "theory/map.h"

#include "neurons/rate.h"
#include "spikefield/analysis.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ASSUME "linear rate dynamics (exact for lin_rate); population averages exact for fixed out-degree"

typedef struct {
    sf_theory_map_pairs pr;
    sf_theory_delays dl;     /* the delay model: net.delays = dl.mean */
    double *N, *tau, *drive, *mean;   /* [n] each                           */
    double *W, *D;                    /* [n*n] each (one allocation with N)  */
    sf_theory_noise_class noise;
    sf_theory_linear_net net;
} linear_mapped;

static double par(const sf_model *m, int a, int index)
{
    return sf_theory_map_param(m, a, &sf_lin_rate, index);
}

static bool linear_accepts(const sf_model *m, char *why, size_t len)
{
    if (!sf_theory_map_one_type(m, &sf_lin_rate, "linear rate", why, len) ||
        !sf_theory_map_inputs_check(m, false, "the drive is mu plus dc inputs", why, len) ||
        !sf_theory_map_projections_check(m, SF_THEORY_MAP_CONST_DELAY, "linear rate", why, len))
        return false;
    const double out0 = par(m, 0, SF_RATE_OUTPUT_NOISE);
    for (int a = 0; a < m->n_pops; a++) {
        if (!(par(m, a, SF_RATE_LAMBDA) > 0)) {
            snprintf(why, len,
                     "%s: population %s: lambda = 0 (no leak) has no stationary linear theory",
                     m->file, m->pops[a].name);
            return false;
        }
        if (par(m, a, SF_RATE_OUTPUT_NOISE) != out0) {
            snprintf(why, len,
                     "%s: population %s: all populations must have the same noise class "
                     "(output_noise)",
                     m->file, m->pops[a].name);
            return false;
        }
    }
    return true;
}

static void linear_unmap(void *mapped)
{
    linear_mapped *lm = mapped;
    if (!lm)
        return;
    sf_theory_map_pairs_free(&lm->pr);
    sf_theory_delays_free(&lm->dl);
    free(lm->N);
    free(lm);
}

static sf_status linear_map(sf_context *ctx, const sf_model *m, void **mapped)
{
    *mapped = NULL;
    char why[1024];
    if (!linear_accepts(m, why, sizeof why))
        return sf_fail(ctx, SF_ERR_MODEL, "%s", why);
    const int n = m->n_pops;
    const size_t n2 = (size_t)n * (size_t)n;
    linear_mapped *lm = calloc(1, sizeof *lm);
    if (!lm || !(lm->N = calloc(4 * (size_t)n + 2 * n2, sizeof(double)))) {
        linear_unmap(lm);
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    }
    lm->tau = lm->N + n;
    lm->drive = lm->tau + n;
    lm->mean = lm->drive + n;
    lm->W = lm->mean + n;
    lm->D = lm->W + n2;
    sf_status st = sf_theory_map_pairs_read(ctx, m, &lm->pr);
    if (st == SF_OK)
        st = sf_theory_delays_read(ctx, m, SF_THEORY_TIMING_HELD, &lm->dl);
    if (st != SF_OK) {
        linear_unmap(lm);
        return st;
    }
    sf_theory_map_dc_add(m, lm->drive);
    const double out0 = par(m, 0, SF_RATE_OUTPUT_NOISE);
    for (int a = 0; a < n; a++) {
        double lam = par(m, a, SF_RATE_LAMBDA), tau = par(m, a, SF_RATE_TAU);
        double g = par(m, a, SF_RATE_G), sig = par(m, a, SF_RATE_SIGMA);
        lm->N[a] = m->pops[a].n;
        lm->tau[a] = tau / lam;
        lm->drive[a] = (lm->drive[a] + par(m, a, SF_RATE_MU)) / lam;
        for (int b = 0; b < n; b++) {
            size_t ab = (size_t)a * n + b;
            lm->W[ab] = g * lm->pr.K[ab] * lm->pr.w[ab] / lam;
        }
        /* white noise sqrt(tau) sigma xi, t in ms: intensity sigma^2 tau_s;
         * input noise is divided by lambda with the equation */
        double Dunit = sig * sig * tau * 1e-3 / (out0 != 0 ? 1.0 : lam * lam);
        lm->D[(size_t)a * n + a] = Dunit / lm->N[a];
    }
    lm->noise = out0 != 0 ? SF_THEORY_NOISE_OUTPUT : SF_THEORY_NOISE_INPUT;
    lm->net = (sf_theory_linear_net){.n = n, .W = lm->W, .tau = lm->tau, .delay = 0,
                                     .delays = lm->dl.mean, .D = lm->D};
    if ((st = sf_theory_linear_check(ctx, &lm->net)) == SF_OK) {
        memcpy(lm->mean, lm->drive, (size_t)n * sizeof *lm->mean);
        if ((st = sf_lr_solve_real(ctx, NULL, n, lm->W, lm->mean, 1)) == SF_ERR_NUMERIC)
            st = sf_fail(ctx, SF_ERR_RANGE, "%s: 1 - W is singular: no stationary mean rate",
                         m->file);
    }
    if (st != SF_OK) {
        linear_unmap(lm);
        return st;
    }
    *mapped = lm;
    return SF_OK;
}

static sf_status linear_predict(sf_context *ctx, const sf_model *m, const void *mapped,
                                const sf_predict_options *opt, sf_quantities *out)
{
    const linear_mapped *lm = mapped;
    const int n = lm->net.n;
    const size_t n2 = (size_t)n * (size_t)n;
    const size_t n_time = 8192; /* lag grid for delayed networks: 8192 x 0.1 ms */
    const double dt = 0.1;
    bool delayed = lm->net.delay > 0;
    for (size_t k = 0; lm->net.delays && k < n2; k++)
        delayed |= lm->net.delays[k] > 0;
    const bool cov_time = delayed && lm->noise == SF_THEORY_NOISE_INPUT;
    sf_status st = SF_OK;
    for (int a = 0; a < n && st == SF_OK; a++) {
        sf_quantity *x = sf_quantities_add_scalar(ctx, out, "rate", "1", a, -1, lm->mean[a]);
        if (!x || sf_quantity_assume(x, ASSUME) != SF_OK)
            st = SF_ERR_NOMEM;
    }
    sf_theory_linear_stability ls;
    if (st == SF_OK)
        st = sf_theory_linear_net_stability(ctx, &lm->net, &ls);
    if (st == SF_OK)
        st = sf_theory_stability_add(ctx, &ls, NAN, out);
    if (st != SF_OK || (delayed && !cov_time)) {
        if (st == SF_OK)
            sf_quantities_note(out, "output noise is white: the equal-time covariance has a "
                                    "delta part; spikefield compare evaluates the covariance "
                                    "functions and spectra");
        return st;
    }
    double *C0 = calloc(n2, sizeof *C0), *Ct = cov_time ? malloc(sizeof(double) * n_time * n2)
                                                        : NULL;
    sf_theory_corr_workspace *ws = sf_theory_corr_workspace_create(n, cov_time ? n_time : 0);
    if (!C0 || !ws || (cov_time && !Ct)) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (cov_time) {
        st = sf_theory_linear_cov_time(ctx, &lm->net, lm->noise, dt, ws, Ct, NULL);
        for (size_t k = 0; st == SF_OK && k < n2; k++)
            C0[k] = Ct[(n_time / 2) * n2 + k];
        if (st == SF_OK)
            sf_quantities_note(out, "equal-time covariance of the population averages with the "
                                    "delays, from the covariance function at lag 0");
    } else {
        st = sf_theory_linear_cov_equal_time(ctx, &lm->net, ws, C0);
    }
    if (st == SF_OK)
        st = sf_theory_netcorr_add_pairs(ctx, out, n, "cov_pop", "1", C0, ASSUME);
out:
    free(C0);
    free(Ct);
    sf_theory_corr_workspace_destroy(ws);
    return st;
}

/* The voltmeter recorder of variable var of all units of population a
 * (index ri, population k of it); false if there is none. */
static bool find_trace(const sf_model *m, int a, const char *var, int *ri, int *k)
{
    for (int r = 0; r < m->n_recorders; r++) {
        const sf_recorder *rc = &m->recorders[r];
        if (rc->type != &sf_recorder_voltmeter || strcmp(rc->variable, var) ||
            rc->n_record < m->pops[a].n)
            continue;
        for (int j = 0; j < rc->n_pops; j++)
            if (rc->pops[j] == a) {
                *ri = r, *k = j;
                return true;
            }
    }
    return false;
}

static const char *trace_variable(const sf_model *m)
{
    return par(m, 0, SF_RATE_OUTPUT_NOISE) != 0 ? "output" : "rate";
}

/* The sampling interval of the traces (the last population's recorder, as
 * every population's should be the same): a whole number of steps. */
static double linear_delta_ms(const sf_model *m)
{
    const double h = m->sim.resolution;
    double delta = h;
    int ri, k;
    for (int a = 0; a < m->n_pops; a++)
        if (find_trace(m, a, trace_variable(m), &ri, &k))
            delta = nearbyint(m->recorders[ri].interval / h) * h;
    return delta;
}

static sf_status linear_estimate(sf_context *ctx, const sf_model *m, const sf_recording *rec,
                                 sf_quantities *out)
{
    const int np = m->n_pops;
    const double t0 = m->sim.t_analysis;
    const char *var = trace_variable(m);
    const bool output = par(m, 0, SF_RATE_OUTPUT_NOISE) != 0;
    sf_theory_netcorr_input in = {.spikes = false, .delta_ms = m->sim.resolution,
                                  .mean_name = "rate", .mean_unit = "1", .cov_unit = "1",
                                  .spec_unit = "1/Hz",
                                  .activity = "voltmeter traces of all units"};
    sf_status st = sf_theory_netcorr_signals_alloc(ctx, &in, np);
    for (int a = 0; a < np && st == SF_OK; a++) {
        int ri, k;
        const float *data;
        size_t nt;
        uint32_t nn;
        double tt0, dt;
        if (!find_trace(m, a, var, &ri, &k) ||
            !sf_recording_trace(rec, ri, k, &data, &nt, &nn, &tt0, &dt)) {
            st = sf_fail(ctx, SF_ERR_MODEL,
                         "%s: population %s: the comparison needs a voltmeter recording `%s` of "
                         "all %u units (recorders: {kind: voltmeter, variable: %s, n: %u, ...})",
                         m->file, m->pops[a].name, var, m->pops[a].n, var, m->pops[a].n);
            break;
        }
        const char *rname = m->recorders[ri].name;
        size_t first = 0;
        while (first < nt && tt0 + (double)first * dt < t0 - 1e-9)
            first++;
        if (first >= nt) {
            st = sf_fail(ctx, SF_ERR_MODEL, "%s: recorder %s has no samples after %g ms",
                         m->file, rname, t0);
            break;
        }
        if (output && fabs(dt - m->sim.resolution) > 1e-9 * dt) {
            st = sf_fail(ctx, SF_ERR_MODEL,
                         "%s: recorder %s: output noise is white; record it every step "
                         "(interval %g ms, not %g ms)",
                         m->file, rname, m->sim.resolution, dt);
            break;
        }
        in.delta_ms = dt;
        in.n_sig = nt - first;
        if (!(in.sig[a] = malloc(in.n_sig * sizeof(double)))) {
            st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
            break;
        }
        st = sf_analysis_trace_signal(ctx, data + first * nn, in.n_sig, nn, in.sig[a],
                                      &in.var1[a]);
    }
    if (st == SF_OK)
        st = sf_theory_netcorr_estimate(ctx, m, rec, &in, out);
    sf_theory_netcorr_signals_free(&in, np);
    return st;
}

static sf_status linear_expect(sf_context *ctx, const sf_model *m, const void *mapped,
                               const sf_quantities *pred, const sf_quantities *est,
                               sf_quantities *out)
{
    const linear_mapped *lm = mapped;
    sf_theory_netcorr_theory th = {.lin = lm->net, .cls = lm->noise, .mean = lm->mean,
                                   .pair = SF_NETCORR_PAIR_NONE, .spikes = false,
                                   .delta_ms = linear_delta_ms(m),
                                   .assumptions = ASSUME, .shift_ms = lm->dl.offset,
                                   .fixed_outdegree = lm->pr.fixed_outdegree, .pred = pred};
    sf_status st = sf_theory_netcorr_expect(ctx, m, &th, est, out);
    if (st == SF_OK) {
        sf_quantities_note(out, "pair covariances: no prediction (needs the single-unit "
                                "variance)");
    }
    return st;
}

static const sf_neuron_type *const linear_covers[] = {&sf_lin_rate, NULL};

const sf_theory_type sf_theory_family_lin_rate = {
    .name = "lin_rate",
    .doc = "linear rate (Ornstein-Uhlenbeck) networks: means, equal-time covariances, spectra "
           "(Grytskyy et al. 2013)",
    .covers = linear_covers,
    .accepts = linear_accepts,
    .map = linear_map,
    .unmap = linear_unmap,
    .predict = linear_predict,
    .estimate = linear_estimate,
    .expect = linear_expect,
};
