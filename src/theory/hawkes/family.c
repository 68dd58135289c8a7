/* The Hawkes theory family (linear Hawkes process, exact; Hawkes 1971,
 * Grytskyy et al. 2013 section 4): networks of `hawkes` populations with a
 * baseline nu0 plus dc inputs. docs/hawkes.md lists the quantities.
 *
 * Invariant: the mapped network (hawkes_mapped) is the only source of the
 * theory's parameters. Its delays are those of the delay model
 * (src/theory/delay.h): whole steps, timing of a count (+h/2: a step's count
 * integrates the intensity over the step before its stamp).
 */
#include "theory/family.h"
#include "theory/delay.h"
#include "theory/linear/netcorr.h"
#include "theory/linear/stability.h"
#include "theory/map.h"

#include "neurons/hawkes.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ASSUME "linear Hawkes process (exact); population averages exact for fixed out-degree"

typedef struct {
    sf_theory_map_pairs pr;
    sf_theory_delays dl;     /* the delay model: net.delays = dl.mean */
    double *N, *nu0, *tau;   /* [n] each, one allocation */
    sf_theory_hawkes_net net;
} hawkes_mapped;

static bool hawkes_accepts(const sf_model *m, char *why, size_t len)
{
    return sf_theory_map_one_type(m, &sf_hawkes, "Hawkes", why, len) &&
           sf_theory_map_inputs_check(m, false, "the baseline is nu0 plus dc inputs", why, len) &&
           sf_theory_map_projections_check(m, SF_THEORY_MAP_CONST_DELAY, "Hawkes", why, len);
}

static void hawkes_unmap(void *mapped)
{
    hawkes_mapped *hm = mapped;
    if (!hm)
        return;
    sf_theory_map_pairs_free(&hm->pr);
    sf_theory_delays_free(&hm->dl);
    free(hm->N);
    free(hm);
}

static sf_status hawkes_map(sf_context *ctx, const sf_model *m, void **mapped)
{
    *mapped = NULL;
    char why[1024];
    if (!hawkes_accepts(m, why, sizeof why))
        return sf_fail(ctx, SF_ERR_MODEL, "%s", why);
    const int n = m->n_pops;
    hawkes_mapped *hm = calloc(1, sizeof *hm);
    if (!hm || !(hm->N = calloc(3 * (size_t)n, sizeof(double)))) {
        hawkes_unmap(hm);
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    }
    hm->nu0 = hm->N + n;
    hm->tau = hm->nu0 + n;
    sf_status st = sf_theory_map_pairs_read(ctx, m, &hm->pr);
    if (st == SF_OK)
        st = sf_theory_delays_read(ctx, m, SF_THEORY_TIMING_COUNT, &hm->dl);
    sf_theory_map_dc_add(m, hm->nu0);
    for (int a = 0; a < n; a++) {
        hm->N[a] = m->pops[a].n;
        hm->nu0[a] += sf_theory_map_param(m, a, &sf_hawkes, SF_HAWKES_NU0);
        hm->tau[a] = sf_theory_map_param(m, a, &sf_hawkes, SF_HAWKES_TAU);
    }
    if (st == SF_OK) {
        hm->net = (sf_theory_hawkes_net){.n_pop = n, .N = hm->N, .K = hm->pr.K, .w = hm->pr.w,
                                         .nu0 = hm->nu0, .tau = hm->tau, .delay = 0,
                                         .delays = hm->dl.mean};
        st = sf_theory_hawkes_check(ctx, &hm->net);
    }
    if (st != SF_OK) {
        hawkes_unmap(hm);
        return st;
    }
    *mapped = hm;
    return SF_OK;
}

static sf_status hawkes_predict(sf_context *ctx, const sf_model *m, const void *mapped,
                                const sf_predict_options *opt, sf_quantities *out)
{
    const hawkes_mapped *hm = mapped;
    const int n = hm->net.n_pop;
    const size_t n2 = (size_t)n * (size_t)n;
    double *buf = calloc((size_t)n + 5 * n2, sizeof *buf), rho_w;
    sf_theory_corr_workspace *ws = sf_theory_corr_workspace_create(n, 0);
    sf_status st = SF_OK;
    if (!buf || !ws) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
        goto out;
    }
    double *r = buf, *c = r + n, *rho = c + n2, *C0 = rho + n2;
    st = sf_theory_hawkes_rates(ctx, &hm->net, ws, r, &rho_w);
    if (st == SF_OK)
        st = sf_theory_hawkes_count_cov(ctx, &hm->net, r, ws, C0, c, rho);
    for (int a = 0; a < n && st == SF_OK; a++) {
        sf_quantity *x = sf_quantities_add_scalar(ctx, out, "rate", "Hz", a, -1, r[a]);
        if (!x || sf_quantity_assume(x, ASSUME) != SF_OK)
            st = SF_ERR_NOMEM;
    }
    if (st == SF_OK)
        st = sf_theory_netcorr_add_pairs(ctx, out, n, "count_cov_pair", "Hz", c, ASSUME);
    if (st == SF_OK)
        st = sf_theory_netcorr_add_pairs(ctx, out, n, "corr_coef", "1", rho, ASSUME);
    if (st == SF_OK)
        st = sf_theory_netcorr_add_pairs(ctx, out, n, "count_cov_pop", "Hz", C0, ASSUME);
    if (st == SF_OK)
        sf_quantities_note(out, "count covariances per second of counting window, in the limit "
                                "of long windows; corr_coef of long-window counts");
    /* the stability report of the equivalent linear network */
    sf_theory_linear_net lin;
    sf_theory_linear_stability ls;
    if (st == SF_OK)
        st = sf_theory_hawkes_to_linear(ctx, &hm->net, r, C0 + n2, C0 + 2 * n2, &lin);
    if (st == SF_OK)
        st = sf_theory_linear_net_stability(ctx, &lin, &ls);
    if (st == SF_OK)
        st = sf_theory_stability_add(ctx, &ls, NAN, out);
out:
    free(buf);
    sf_theory_corr_workspace_destroy(ws);
    return st;
}

static sf_status hawkes_estimate(sf_context *ctx, const sf_model *m, const sf_recording *rec,
                                 sf_quantities *out)
{
    sf_theory_netcorr_input in = {.spikes = true,
                                  .delta_ms = sf_theory_map_spectrum_bin(m, m->sim.resolution),
                                  .mean_name = "rate", .mean_unit = "Hz",
                                  .cov_unit = "spikes^2 per bin", .spec_unit = "Hz",
                                  .activity = "spike counts in bins of Delta (analysis.spectrum_bin, default one step)"};
    return sf_theory_netcorr_estimate(ctx, m, rec, &in, out);
}

static sf_status hawkes_expect(sf_context *ctx, const sf_model *m, const void *mapped,
                               const sf_quantities *pred, const sf_quantities *est,
                               sf_quantities *out)
{
    const hawkes_mapped *hm = mapped;
    const int n = hm->net.n_pop;
    const size_t n2 = (size_t)n * (size_t)n;
    double *buf = calloc((size_t)n + 2 * n2, sizeof *buf);
    sf_status st = SF_OK;
    if (!buf) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
        goto out;
    }
    double *r = buf, *W = r + n, *D = W + n2;
    for (int a = 0; a < n; a++) {
        long i = sf_quantities_find(pred, "rate", a, -1);
        r[a] = i >= 0 ? pred->q[i].value[0] : NAN;
    }
    sf_theory_hawkes_net net = hm->net;
    sf_theory_netcorr_theory th = {.cls = SF_THEORY_NOISE_OUTPUT, .mean = r,
                                   .pair = SF_NETCORR_PAIR_HAWKES, .spikes = true,
                                   .delta_ms = sf_theory_map_spectrum_bin(m, m->sim.resolution),
                                   .assumptions = ASSUME, .shift_ms = hm->dl.offset,
                                   .fixed_outdegree = hm->pr.fixed_outdegree, .pred = pred};
    st = sf_theory_hawkes_to_linear(ctx, &net, r, W, D, &th.lin);
    if (st == SF_OK)
        st = sf_theory_netcorr_expect(ctx, m, &th, est, out);
    if (st == SF_OK) {
        sf_quantities_note(out, "pair covariances: Poisson auto part, leading order in 1/N");
    }
out:
    free(buf);
    return st;
}

static const sf_neuron_type *const hawkes_covers[] = {&sf_hawkes, NULL};

const sf_theory_type sf_theory_family_hawkes = {
    .name = "hawkes",
    .doc = "linear Hawkes networks: rates, count covariances, spectra (exact)",
    .covers = hawkes_covers,
    .accepts = hawkes_accepts,
    .map = hawkes_map,
    .unmap = hawkes_unmap,
    .predict = hawkes_predict,
    .estimate = hawkes_estimate,
    .expect = hawkes_expect,
};
