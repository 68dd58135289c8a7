/* The `rg` theory family: the stochastic Wilson-Cowan field on a lattice
 * (the model's `field:` section; src/lattice/field.h) and its one-loop
 * renormalization group (rg.h; docs/rg.md).
 *
 * Quantities (docs/rg.md "Quantities"):
 *   power_spectrum   [RG_BINS] mean power <|phi_k|^2>/N of the modes in
 *                    shells of |k| (row b: b dk <= |k| < (b+1) dk, dk =
 *                    pi sqrt(d) / RG_BINS; k = 0 left out); predicted by
 *                    the exact Euler-Maruyama power of each mode with the
 *                    one-loop kappa_eff (first order in the couplings),
 *                    averaged over the same modes as the estimate
 *   kappa_eff        one-loop stiffness kappa + (3 c3 - 2 c2^2/kappa) <phi^2>_0
 *   u0, w0           dimensionless couplings at the lattice cutoff Lambda = pi
 *   gell_mann_low_a  the coefficient a of u(l) = u0 / (1 + a u0 l) (d = 2)
 *   rg_u, rg_w       [RG_FLOW] the one-loop flow at l = ln(L) for block
 *                    sizes L = 1 .. size/2 (GSL odeiv2)
 *   block_kurtosis   [levels] excess kurtosis of the block sums (estimate
 *                    only: the RG gives its scaling, 1/ln L in d = 2 and a
 *                    power of L in d = 3, not its amplitude)
 * Invariant: the estimate and the expectation of power_spectrum average the
 * same modes with the same weights.
 */
#include "lattice/field.h"
#include "theory/family.h"
#include "theory/rg/rg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RG_BINS 32
#define RG_FLOW 32

typedef struct {
    sf_field_spec spec;
    double h;
    size_t M;
    double *lambda, *kvec; /* [M], [M dim] */
    int *bin;              /* [M] shell of mode j, -1: left out (k = 0) */
    double var0;           /* <phi^2>_0 of the free discrete-time field */
    double kappa_eff;
} rg_map;

static bool rg_accepts(const sf_model *m, char *why, size_t len)
{
    if (m->field)
        return true;
    snprintf(why, len, "the rg theory describes field models (a field: section) only");
    return false;
}

static void rg_unmap(void *p)
{
    rg_map *R = p;
    if (!R)
        return;
    free(R->lambda);
    free(R->kvec);
    free(R->bin);
    free(R);
}

static double bin_width(const sf_field_spec *s)
{
    return M_PI * sqrt((double)s->dim) / RG_BINS;
}

static sf_status rg_map_model(sf_context *ctx, const sf_model *m, void **mapped)
{
    *mapped = NULL;
    rg_map *R = calloc(1, sizeof *R);
    if (!R)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    R->spec = *m->field;
    R->h = m->sim.resolution;
    R->M = sf_field_modes(&R->spec);
    R->lambda = malloc(R->M * sizeof(double));
    R->kvec = malloc(R->M * (size_t)R->spec.dim * sizeof(double));
    R->bin = malloc(R->M * sizeof(int));
    if (!R->lambda || !R->kvec || !R->bin) {
        rg_unmap(R);
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    }
    sf_status st = sf_field_lambda(ctx, &R->spec, R->lambda, R->kvec);
    if (st) {
        rg_unmap(R);
        return st;
    }
    /* <phi^2>_0: the full spectrum's modes are the half spectrum's, those
     * with 0 < last index < n/2 twice (their conjugates) */
    size_t half = (size_t)R->spec.size / 2 + 1, N = sf_field_sites(&R->spec);
    double dk = bin_width(&R->spec), v = 0;
    for (size_t j = 0; j < R->M; j++) {
        size_t last = j % half;
        double a = R->spec.kappa * R->lambda[j] + R->spec.mass;
        double k2 = 0;
        for (int i = 0; i < R->spec.dim; i++)
            k2 += R->kvec[j * (size_t)R->spec.dim + (size_t)i] * R->kvec[j * (size_t)R->spec.dim + (size_t)i];
        int b = (int)(sqrt(k2) / dk);
        R->bin[j] = j == 0 ? -1 : b < RG_BINS ? b : RG_BINS - 1;
        if (j == 0 && R->spec.mass == 0)
            continue; /* the conserved mean does not fluctuate */
        double p = sf_field_free_power(R->spec.D, a, R->h);
        v += (last == 0 || last == half - 1 ? 1 : 2) * p;
    }
    R->var0 = v / (double)N;
    R->kappa_eff = R->spec.kappa +
                   (3 * R->spec.c3 - 2 * R->spec.c2 * R->spec.c2 / R->spec.kappa) * R->var0;
    if (!(R->kappa_eff > 0)) {
        double ke = R->kappa_eff;
        rg_unmap(R);
        return sf_fail(ctx, SF_ERR_MODEL, "%s: field: the one-loop stiffness kappa_eff = %g is "
                       "not positive: the couplings are beyond weak coupling", m->file, ke);
    }
    *mapped = R;
    return SF_OK;
}

/* The predicted power, averaged per shell over the modes of the estimate. */
static void predicted_spectrum(const rg_map *R, double *out)
{
    double sum[RG_BINS] = {0}, cnt[RG_BINS] = {0};
    for (size_t j = 0; j < R->M; j++) {
        if (R->bin[j] < 0)
            continue;
        double a = R->kappa_eff * R->lambda[j] + R->spec.mass;
        sum[R->bin[j]] += sf_field_free_power(R->spec.D, a, R->h);
        cnt[R->bin[j]] += 1;
    }
    for (int b = 0; b < RG_BINS; b++)
        out[b] = cnt[b] > 0 ? sum[b] / cnt[b] : NAN;
}

#define ADD(call)                                                                            \
    do {                                                                                     \
        if (!(x = (call)))                                                                   \
            return SF_ERR_NOMEM;                                                             \
    } while (0)

static sf_status add_spectrum(sf_context *ctx, const rg_map *R, sf_quantities *out)
{
    sf_quantity *x;
    ADD(sf_quantities_add(ctx, out, "power_spectrum", "", -1, -1, SF_AXIS_NONE, RG_BINS, 1, false));
    predicted_spectrum(R, x->value);
    double dk = (R->kappa_eff - R->spec.kappa) / R->spec.kappa;
    sf_status st = sf_quantity_assume(x, "one loop, first order in the couplings: the exact "
                                      "Euler-Maruyama power of each mode with kappa_eff = %.6g; "
                                      "row b: shell b dk <= |k| < (b+1) dk, dk = %.6g", R->kappa_eff,
                                      bin_width(&R->spec));
    if (!st && dk != 0)
        st = sf_quantity_accuracy_set(x, fmax(1e-3, 2 * dk * dk), "second order of the loop "
                                      "expansion, 2 (delta kappa / kappa)^2 (docs/rg.md)");
    return st;
}

static sf_status rg_predict(sf_context *ctx, const sf_model *m, const void *mapped,
                            const sf_predict_options *opt, sf_quantities *out)
{
    (void)opt;
    const rg_map *R = mapped;
    const sf_field_spec *s = &R->spec;
    sf_quantity *x;
    sf_status st = add_spectrum(ctx, R, out);
    if (st)
        return st;
    ADD(sf_quantities_add_scalar(ctx, out, "kappa_eff", "", -1, -1, R->kappa_eff));
    ADD(sf_quantities_add_scalar(ctx, out, "field_variance_free", "", -1, -1, R->var0));
    /* dimensionless couplings at the lattice cutoff Lambda = pi */
    double kd = sf_rg_kd(s->dim) * pow(M_PI, s->dim - 2.0);
    double u0 = s->c3 * s->D * kd / (s->kappa * s->kappa);
    double w0 = s->c2 * s->c2 * s->D * kd / (s->kappa * s->kappa * s->kappa);
    ADD(sf_quantities_add_scalar(ctx, out, "u0", "", -1, -1, u0));
    ADD(sf_quantities_add_scalar(ctx, out, "w0", "", -1, -1, w0));
    ADD(sf_quantities_add_scalar(ctx, out, "gell_mann_low_a", "", -1, -1, SF_RG_A));
    double l[RG_FLOW], u[RG_FLOW], w[RG_FLOW];
    double lmax = log(s->size / 2.0);
    for (int i = 0; i < RG_FLOW; i++)
        l[i] = lmax * i / (RG_FLOW - 1);
    sf_status fl = sf_rg_flow(ctx, s->dim, u0, w0, l, RG_FLOW, u, w);
    ADD(sf_quantities_add(ctx, out, "rg_u", "", -1, -1, SF_AXIS_NONE, RG_FLOW, 1, false));
    memcpy(x->value, u, sizeof u);
    if ((st = sf_quantity_assume(x, "one-loop flow of u = c3 D K_d Lambda^(d-2) / kappa^2 at "
                                 "l = i ln(size/2) / %d, i = 0..%d (docs/rg.md)", RG_FLOW - 1,
                                 RG_FLOW - 1)))
        return st;
    if (fl && (st = sf_quantity_note(x, "%s", sf_context_errmsg(ctx))))
        return st;
    x->invalid = fl != SF_OK;
    ADD(sf_quantities_add(ctx, out, "rg_w", "", -1, -1, SF_AXIS_NONE, RG_FLOW, 1, false));
    memcpy(x->value, w, sizeof w);
    x->invalid = fl != SF_OK;
    return sf_quantity_assume(x, "one-loop flow of w = c2^2 D K_d Lambda^(d-2) / kappa^3, same l");
}

static sf_status rg_estimate(sf_context *ctx, const sf_model *m, const sf_recording *rec,
                             sf_quantities *out)
{
    const sf_field_stats *fs = sf_recording_field(rec);
    if (!fs)
        return sf_fail(ctx, SF_ERR_ARG, "%s: the recording is not a field run", m->file);
    if (fs->n_samples < 2 * SF_FIELD_BATCHES)
        return sf_fail(ctx, SF_ERR_MODEL, "%s: field.statistics: %lld samples, fewer than the %d "
                       "needed for the batch-means standard errors (lengthen the run or shorten "
                       "statistics.interval)", m->file, (long long)fs->n_samples, 2 * SF_FIELD_BATCHES);
    void *mp = NULL;
    sf_status st = rg_map_model(ctx, m, &mp);
    if (st)
        return st;
    const rg_map *R = mp;
    sf_quantity *x = sf_quantities_add(ctx, out, "power_spectrum", "", -1, -1, SF_AXIS_NONE,
                                       RG_BINS, 1, false);
    if (!x) {
        rg_unmap(mp);
        return SF_ERR_NOMEM;
    }
    double cnt[RG_BINS] = {0}, bsum[SF_FIELD_BATCHES][RG_BINS];
    memset(bsum, 0, sizeof bsum);
    for (size_t j = 0; j < R->M; j++) {
        int b = R->bin[j];
        if (b < 0)
            continue;
        x->value[b] += fs->power[j];
        cnt[b] += 1;
        for (int q = 0; q < SF_FIELD_BATCHES; q++)
            if (fs->nb_blocks[q] > 0)
                bsum[q][b] += fs->power_batch[(size_t)q * R->M + j] / fs->nb_blocks[q];
    }
    for (int b = 0; b < RG_BINS; b++) {
        x->value[b] = cnt[b] > 0 ? x->value[b] / cnt[b] : NAN;
        double s = 0, s2 = 0;
        int B = 0; /* batches with samples (fewer in an interrupted run) */
        for (int q = 0; q < SF_FIELD_BATCHES; q++) {
            if (!(fs->nb_blocks[q] > 0) || !(cnt[b] > 0))
                continue;
            double v = bsum[q][b] / cnt[b];
            s += v;
            s2 += v * v;
            B++;
        }
        x->se[b] = B > 1 ? sqrt(fmax(0, (s2 - s * s / B) / (B - 1)) / B) : NAN;
    }
    st = sf_quantity_note(x, "batch means over %d batches of %lld samples", SF_FIELD_BATCHES,
                          (long long)fs->n_samples);
    x = st ? NULL
           : sf_quantities_add(ctx, out, "block_kurtosis", "", -1, -1, SF_AXIS_NONE,
                               (size_t)fs->n_levels, 1, false);
    if (!st && !x)
        st = SF_ERR_NOMEM;
    for (int lv = 0; !st && lv < fs->n_levels; lv++) {
        double skew, var;
        sf_field_stats_blocks(fs, lv, &x->value[lv], &x->se[lv], &skew, &var);
    }
    if (!st)
        st = sf_quantity_note(x, "excess kurtosis of the sums over blocks of L^d sites, row i: "
                              "L = 2^i; the RG predicts its decay, not its amplitude");
    rg_unmap(mp);
    return st;
}

static sf_status rg_expect(sf_context *ctx, const sf_model *m, const void *mapped,
                           const sf_quantities *pred, const sf_quantities *est, sf_quantities *out)
{
    (void)m;
    (void)pred;
    (void)est;
    return add_spectrum(ctx, mapped, out);
}

static const sf_neuron_type *const rg_covers[] = {NULL};

const sf_theory_type sf_theory_family_rg = {
    .name = "rg",
    .doc = "the stochastic Wilson-Cowan field on a lattice (field: section): free and one-loop "
           "spectra, one-loop RG flow of the couplings (Gell-Mann-Low in d = 2)",
    .covers = rg_covers,
    .accepts = rg_accepts,
    .map = rg_map_model,
    .unmap = rg_unmap,
    .predict = rg_predict,
    .estimate = rg_estimate,
    .expect = rg_expect,
};
