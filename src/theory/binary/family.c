/* The binary theory family (Glauber dynamics; Ginzburg & Sompolinsky 1994,
 * Helias et al. 2014): networks of `binary` populations driven by dc input
 * and by populations of binary neurons without incoming projections
 * (external). docs/binary.md lists the quantities.
 *
 * Invariant: the mapped network (binary_mapped) is the only source of the
 * theory's parameters; predict, estimate and expect never re-read the model
 * by name. With delays, lag-0 covariances come from the equivalent
 * input-noise linear network (Grytskyy et al. 2013) at lag 0.
 */
#include "theory/family.h"
#include "theory/delay.h"
#include "theory/linear/stability.h"
#include "theory/linear/netcorr.h"
#include "theory/map.h"

#include "neurons/binary.h"
#include "spikefield/analysis.h"

#include <complex.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ASSUME "Gaussian mean field; linearised (Glauber) dynamics"
/* spectral radius of M above which the coupling counts as strong: binary_ei
 * has 0.93 (covariances agree), the deterministic variant of docs/binary.md
 * "Limits" about 5 (covariances 30 % above the theory) */
#define BINARY_STRONG 2.0

typedef struct {
    sf_theory_map_pairs pr;
    sf_theory_delays dl;     /* the delay model: net.delays = dl.mean */
    sf_theory_binary_pop *pop;
    sf_theory_binary_net net;
} binary_mapped;

static bool binary_accepts(const sf_model *m, char *why, size_t len)
{
    return sf_theory_map_one_type(m, &sf_binary, "binary", why, len) &&
           sf_theory_map_inputs_check(m, false,
                                      "drive binary networks by dc input or by a population of "
                                      "binary neurons",
                                      why, len) &&
           sf_theory_map_projections_check(
               m, SF_THEORY_MAP_CONST_DELAY | SF_THEORY_MAP_CONST_WEIGHT, "binary", why, len);
}

static void binary_unmap(void *mapped)
{
    binary_mapped *bm = mapped;
    if (!bm)
        return;
    sf_theory_map_pairs_free(&bm->pr);
    sf_theory_delays_free(&bm->dl);
    free(bm->pop);
    free(bm);
}

static sf_status binary_map(sf_context *ctx, const sf_model *m, void **mapped)
{
    *mapped = NULL;
    char why[1024];
    if (!binary_accepts(m, why, sizeof why))
        return sf_fail(ctx, SF_ERR_MODEL, "%s", why);
    const int n = m->n_pops;
    binary_mapped *bm = calloc(1, sizeof *bm);
    double *dc = calloc((size_t)n, sizeof *dc);
    if (!bm || !dc || !(bm->pop = calloc((size_t)n, sizeof *bm->pop))) {
        free(dc);
        binary_unmap(bm);
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    }
    sf_status st = sf_theory_map_pairs_read(ctx, m, &bm->pr);
    if (st == SF_OK) /* the delay model: whole steps, transitions at the stamp */
        st = sf_theory_delays_read(ctx, m, SF_THEORY_TIMING_EVENT, &bm->dl);
    sf_theory_map_dc_add(m, dc);
    for (int a = 0; a < n && st == SF_OK; a++) {
        sf_theory_binary_pop *bp = &bm->pop[a];
        double sigma = sf_theory_map_param(m, a, &sf_binary, SF_BINARY_SIGMA);
        bp->theta = sf_theory_map_param(m, a, &sf_binary, SF_BINARY_THETA);
        bp->N = m->pops[a].n;
        bp->tau = sf_theory_map_param(m, a, &sf_binary, SF_BINARY_TAU_M);
        bp->mu_ext = dc[a];
        bp->var_ext = sigma * sigma;
        bool has_input = false;
        for (int b = 0; b < n; b++)
            has_input |= bm->pr.K[(size_t)a * n + b] > 0;
        if (!has_input) {
            bp->external = true;
            bp->m_ext = sigma > 0 ? 0.5 * erfc(-(dc[a] - bp->theta) / (M_SQRT2 * sigma))
                                  : (dc[a] > bp->theta ? 1.0 : 0.0);
        }
    }
    free(dc);
    if (st == SF_OK) {
        bm->net = (sf_theory_binary_net){.n_pop = n, .pop = bm->pop, .K = bm->pr.K,
                                         .J = bm->pr.w, .delay = 0, .delays = bm->dl.mean};
        st = sf_theory_binary_check(ctx, &bm->net);
    }
    if (st != SF_OK) {
        binary_unmap(bm);
        return st;
    }
    *mapped = bm;
    return SF_OK;
}

static bool has_delays(const binary_mapped *bm)
{
    size_t n2 = (size_t)bm->net.n_pop * (size_t)bm->net.n_pop;
    bool delayed = bm->net.delay > 0;
    for (size_t k = 0; bm->net.delays && k < n2; k++)
        delayed |= bm->net.delays[k] > 0;
    return delayed;
}

static sf_status binary_predict(sf_context *ctx, const sf_model *m, const void *mapped,
                                const sf_predict_options *opt, sf_quantities *out)
{
    const binary_mapped *bm = mapped;
    const int n = bm->net.n_pop;
    const size_t n2 = (size_t)n * (size_t)n;
    /* lag grid for delayed networks: 8192 x 0.1 ms, long against tau */
    const size_t n_time = 8192;
    const double dt = 0.1;
    const bool delayed = has_delays(bm);
    double *buf = calloc(3 * (size_t)n + 10 * n2, sizeof *buf);
    double *Ct = delayed ? malloc(sizeof(double) * n_time * n2) : NULL;
    sf_theory_corr_workspace *ws = sf_theory_corr_workspace_create(n, delayed ? n_time : 0);
    sf_status st = SF_OK;
    if (!buf || !ws || (delayed && !Ct)) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
        goto out;
    }
    double *a = buf, *mu = a + n, *sigma = mu + n;
    double *c = sigma + n, *rho = c + n2, *c_int = rho + n2, *c_ext = c_int + n2;
    double *c_tr = c_ext + n2, *C0 = c_tr + n2, *W = C0 + n2, *D = W + n2, *tau = D + n2;
    double *c_in = tau + n; /* the covariances in sigma (Helias et al. 2014) */
    sf_theory_binary_point pt = {.m = a, .mu = mu, .sigma = sigma};
    /* activities and pair covariances at a joint fixed point: the input
     * variance includes sum K K J J c (defect 5 of issue 8) */
    st = sf_theory_binary_solve_correlated(ctx, &bm->net, NULL, NULL, ws, &pt, c_in);
    sf_theory_binary_net net = bm->net;
    net.c_pair = c_in;
    sf_theory_binary_cov cv = {c, C0, rho, c_int, c_ext, c_tr};
    if (st == SF_OK)
        st = sf_theory_binary_covariance(ctx, &net, a, ws, &cv);
    if (delayed && st == SF_OK) {
        /* with delays: the equivalent input-noise linear network
         * (Grytskyy et al. 2013), its covariance function at lag 0 */
        sf_theory_linear_net lin;
        st = sf_theory_binary_to_linear(ctx, &net, a, W, tau, D, &lin);
        if (st == SF_OK)
            st = sf_theory_linear_cov_time(ctx, &lin, SF_THEORY_NOISE_INPUT, dt, ws, Ct, NULL);
        for (int i = 0; st == SF_OK && i < n; i++)
            for (int j = 0; j < n; j++) {
                size_t ij = (size_t)i * (size_t)n + (size_t)j;
                double Ni = bm->pop[i].N, ai = a[i] * (1 - a[i]);
                C0[ij] = Ct[(n_time / 2) * n2 + ij];
                c[ij] = i == j ? (C0[ij] - ai / Ni) / (1 - 1 / Ni) : C0[ij];
                double ab2 = ai * a[j] * (1 - a[j]);
                rho[ij] = ab2 > 0 ? c[ij] / sqrt(ab2) : NAN;
            }
        if (st == SF_OK)
            sf_quantities_note(out, "with the delays: pair covariances and population averages "
                                    "at lag 0 from the equivalent input-noise linear network "
                                    "(Grytskyy et al. 2013); the internal / external / "
                                    "fast-tracking split is that of the undelayed network "
                                    "(Helias et al. 2014)");
    }
    if (st != SF_OK)
        goto out;
    /* the regime: strong coupling (spectral radius of the effective
     * connectivity M), where the Gaussian linearisation underestimates the
     * covariances (docs/binary.md, "Limits"), and the stability of the mean
     * field */
    double radius = 0;
    if (st == SF_OK && (st = sf_theory_binary_connectivity(ctx, &net, a, W, NULL)) == SF_OK) {
        double complex *ev = malloc((size_t)n * sizeof *ev);
        double *Mc = malloc(n2 * sizeof *Mc);
        if (!ev || !Mc)
            st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
        else {
            memcpy(Mc, W, n2 * sizeof *Mc);
            double *wr = (double *)ev, *wi = wr + n;
            if (LAPACKE_dgeev(LAPACK_ROW_MAJOR, 'N', 'N', n, Mc, n, wr, wi, NULL, 1, NULL, 1) == 0)
                for (int k = 0; k < n; k++)
                    radius = fmax(radius, hypot(wr[k], wi[k]));
        }
        free(ev);
        free(Mc);
    }
    const bool strong = radius > BINARY_STRONG;
    if (st == SF_OK)
        sf_quantities_note(out, "mean field with the pair covariances in the input variance "
                                "(Helias et al. 2014), %d iterations; largest |eigenvalue| of the "
                                "effective connectivity M: %.3g%s",
                           pt.iterations, radius, pt.stable ? "" : "; the mean-field fixed point "
                                                              "is UNSTABLE");
    for (int i = 0; i < n && st == SF_OK; i++) {
        sf_quantity *x = sf_quantities_add_scalar(ctx, out, "activity", "1", i, -1, a[i]);
        if (x && !pt.stable)
            sf_quantity_note(x, "mean-field fixed point unstable under tau dm/dt = -m + Phi(m)");
        if (!x || sf_quantity_assume(x, ASSUME) != SF_OK ||
            !sf_quantities_add_scalar(ctx, out, "mu", "", i, -1, mu[i]) ||
            !sf_quantities_add_scalar(ctx, out, "sigma", "", i, -1, sigma[i]))
            st = SF_ERR_NOMEM;
    }
    const struct {
        const char *name;
        const double *M;
    } pairs[] = {{"cov_pair", c},          {"corr_coef", rho},
                 {"cov_internal", c_int},  {"cov_external", c_ext},
                 {"cov_fast_tracking", c_tr}, {"cov_pop", C0}};
    size_t first_pair = sf_quantities_count(out);
    for (size_t k = 0; k < sizeof pairs / sizeof pairs[0] && st == SF_OK; k++)
        st = sf_theory_netcorr_add_pairs(ctx, out, n, pairs[k].name, "1", pairs[k].M, ASSUME);
    for (size_t k = first_pair; strong && st == SF_OK && k < sf_quantities_count(out); k++)
        st = sf_quantity_note(&out->q[k],
                              "strong coupling (largest |eigenvalue| of M %.3g > %g): the "
                              "Gaussian linearisation underestimates covariances, by up to 30 %% "
                              "for M_EE ~ 5 (docs/binary.md, Limits)",
                              radius, BINARY_STRONG);
    if (st == SF_OK && !bm->pr.fixed_outdegree)
        sf_quantities_note(out, "not all projections fixed_outdegree: population-averaged "
                                "covariances approximate (Grytskyy et al. 2013)");
    /* the stability report of the equivalent linear network */
    sf_theory_linear_net lin;
    sf_theory_linear_stability ls;
    if (st == SF_OK)
        st = sf_theory_binary_to_linear(ctx, &bm->net, a, W, tau, D, &lin);
    if (st == SF_OK)
        st = sf_theory_linear_net_stability(ctx, &lin, &ls);
    if (st == SF_OK)
        st = sf_theory_stability_add(ctx, &ls, NAN, out);
out:
    free(buf);
    free(Ct);
    sf_theory_corr_workspace_destroy(ws);
    return st;
}

/* Binary states (from their transitions) sampled every Delta:
 * analysis.spectrum_bin, default 1 ms (at least one step). */
static double binary_delta_ms(const sf_model *m)
{
    return sf_theory_map_spectrum_bin(m, 1.0);
}

static sf_status binary_estimate(sf_context *ctx, const sf_model *m, const sf_recording *rec,
                                 sf_quantities *out)
{
    const int np = m->n_pops;
    const double t0 = m->sim.t_analysis, t1 = sf_recording_t_end(rec), delta = binary_delta_ms(m);
    if (!(t1 > t0))
        return sf_fail(ctx, SF_ERR_MODEL, "%s: nothing simulated after the analysis start %g ms",
                       m->file, t0);
    sf_theory_netcorr_input in = {
        .spikes = false, .delta_ms = delta, .mean_name = "activity", .mean_unit = "1",
        .cov_unit = "1", .spec_unit = "1/Hz",
        .activity = "binary states (from their transitions) sampled every Delta"};
    sf_status st = sf_theory_netcorr_signals_alloc(ctx, &in, np);
    for (int a = 0; a < np && st == SF_OK; a++) {
        const uint32_t *ids;
        const int64_t *steps;
        size_t ns, nn;
        if (!sf_recording_spikes(rec, a, &ids, &steps, &ns)) {
            st = sf_fail(ctx, SF_ERR_MODEL,
                         "%s: spikes of population %s are not recorded; binary states are "
                         "reconstructed from them",
                         m->file, m->pops[a].name);
            break;
        }
        sf_spikes sp = {ids, steps, ns, m->pops[a].n, (uint32_t)a, m->sim.resolution};
        if ((st = sf_analysis_binary_signal(ctx, &sp, NULL, t0, t1, delta, NULL, 0, &nn, NULL)) !=
            SF_OK)
            break;
        if (!(in.sig[a] = malloc((nn ? nn : 1) * sizeof(double)))) {
            st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
            break;
        }
        st = sf_analysis_binary_signal(ctx, &sp, NULL, t0, t1, delta, in.sig[a], nn, &nn,
                                       &in.var1[a]);
        in.n_sig = nn;
    }
    if (st == SF_OK)
        st = sf_theory_netcorr_estimate(ctx, m, rec, &in, out);
    sf_theory_netcorr_signals_free(&in, np);
    return st;
}

static sf_status binary_expect(sf_context *ctx, const sf_model *m, const void *mapped,
                               const sf_quantities *pred, const sf_quantities *est,
                               sf_quantities *out)
{
    const binary_mapped *bm = mapped;
    const int n = bm->net.n_pop;
    const size_t n2 = (size_t)n * (size_t)n;
    double *buf = calloc(3 * (size_t)n + 2 * n2, sizeof *buf);
    sf_status st = SF_OK;
    if (!buf) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
        goto out;
    }
    double *act = buf, *a_single = act + n, *tau = a_single + n, *W = tau + n, *D = W + n2;
    for (int a = 0; a < n; a++) {
        long i = sf_quantities_find(pred, "activity", a, -1);
        act[a] = i >= 0 ? pred->q[i].value[0] : NAN;
        a_single[a] = act[a] * (1 - act[a]);
    }
    /* the pair covariances in the input variance, as in the prediction */
    double *c_in = malloc(n2 * sizeof *c_in), *m_in = malloc((size_t)n * sizeof *m_in);
    sf_theory_corr_workspace *cws = sf_theory_corr_workspace_create(n, 0);
    sf_theory_binary_point pt = {.m = m_in};
    if (!c_in || !m_in || !cws)
        st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    else
        st = sf_theory_binary_solve_correlated(ctx, &bm->net, NULL, NULL, cws, &pt, c_in);
    sf_theory_corr_workspace_destroy(cws);
    free(m_in);
    if (st != SF_OK) {
        free(c_in);
        goto out;
    }
    sf_theory_binary_net net = bm->net;
    net.c_pair = c_in;
    sf_theory_netcorr_theory th = {.cls = SF_THEORY_NOISE_INPUT, .mean = act,
                                   .a_single = a_single, .pair = SF_NETCORR_PAIR_BINARY,
                                   .spikes = false, .delta_ms = binary_delta_ms(m),
                                   .assumptions = ASSUME, .shift_ms = bm->dl.offset,
                                   .fixed_outdegree = bm->pr.fixed_outdegree, .pred = pred};
    st = sf_theory_binary_to_linear(ctx, &net, act, W, tau, D, &th.lin);
    if (st == SF_OK)
        st = sf_theory_netcorr_expect(ctx, m, &th, est, out);
    free(c_in);
    if (st == SF_OK) {
        sf_quantities_note(out, "binary: Gaussian mean field and linearised (Glauber) dynamics");
    }
out:
    free(buf);
    return st;
}

static const sf_neuron_type *const binary_covers[] = {&sf_binary, NULL};

const sf_theory_type sf_theory_family_binary = {
    .name = "binary",
    .doc = "binary (Glauber) networks: Gaussian mean field, equal-time covariances, spectra "
           "(Helias et al. 2014)",
    .covers = binary_covers,
    .accepts = binary_accepts,
    .map = binary_map,
    .unmap = binary_unmap,
    .predict = binary_predict,
    .estimate = binary_estimate,
    .expect = binary_expect,
};
