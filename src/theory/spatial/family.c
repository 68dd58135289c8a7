/* The spatial theory family (Senk et al. 2020, Phys Rev Research 2:023174;
 * docs/spatial.md): networks of LIF populations (iaf_psc_exp,
 * iaf_psc_delta) on a ring or torus with distance-dependent projections.
 * The working point and the transfer functions come from the LIF
 * mean-field theory (src/theory/lif/, the same map); the transfer function
 * of each population is fitted by a first-order low-pass (gain h0, time
 * constant tau: the effective rate model, with the fit error); the neural
 * field's linear stability per wavenumber k = 2 pi m / L of the finite
 * ring (torus: the wavevectors (m1, m2)) and Lambert W branch gives the
 * leading mode, which is continued to the full LIF transfer function and
 * classified (rate, oscillation, pattern, wave). Simulation: the (k, f)
 * spectrum of each spatial population (wave.h).
 *
 * Invariant: the spatial coupling of a population pair is the LIF map's
 * K_ab J_ab times the K w-weighted mean of its projections' profile
 * transforms; a projection without a profile (uniform over the space) has
 * p(k) = [k = 0]. Nothing else of the model is read here.
 */
#include "theory/family.h"
#include "spikefield/analysis.h"
#include "theory/lif/lif_map.h"
#include "theory/map.h"
#include "theory/spatial/field.h"
#include "theory/spatial/wave.h"
#include "network/spatial.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_FIT 200          /* fit over f = 1 .. 200 Hz, 1 Hz steps (nnmt)        */
#define N_K1 200           /* ring: m = 0 .. 199                                  */
#define N_K2 15            /* torus: m1, m2 = 0 .. 14                             */
#define N_STEPS 20         /* continuation steps in alpha                         */
#define WAVE_DT_MS 0.5     /* simulation analysis: bins                           */
#define WAVE_NT 256        /* time bins per segment                               */
#define WAVE_NX 64         /* space bins                                          */
#define ACCURACY 0.10      /* the 10 % on (k, f)                          */
#define ASSUME "neural-field reduction of the LIF network (Senk et al. 2020): diffusion " \
               "approximation, low-pass fit of the transfer function, linear stability"

static const int branches[6] = {0, -1, 1, -2, 2, -3};

typedef struct {
    sf_lif_map *lif;
    int n, dim;
    double L[2];
    double d;              /* s: the delay, d0 of distance delays            */
    bool dist;             /* some projection has distance delays d0 + r / v */
    double d_mean;         /* s: d0 + the K w-weighted mean of r / v (starts) */
} spatial_mapped;

/* The delay of a projection at distance 0 (ms). */
static double delay0(const sf_projection *p)
{
    return p->profile.distance_delay ? p->profile.d0 : p->delay.a;
}

/* Mean distance of a profile's partners on the line (mm). */
static double mean_distance(const sf_profile *pr)
{
    switch (pr->kind) {
    case SF_PROFILE_BOXCAR: return 0.5 * pr->width;
    case SF_PROFILE_EXPONENTIAL: return pr->width;
    case SF_PROFILE_GAUSSIAN: return pr->width * sqrt(2 / M_PI);
    default: return 0;
    }
}

static const sf_neuron_type *const covers[] = {&sf_iaf_psc_exp, &sf_iaf_psc_delta, NULL};

static bool spatial_accepts(const sf_model *m, char *why, size_t len)
{
    int any = -1;
    for (int i = 0; i < m->n_proj; i++)
        if (m->proj[i].profile.kind != SF_PROFILE_NONE)
            any = i;
    if (any < 0) {
        snprintf(why, len, "%s: the spatial theory needs a spatial projection", m->file);
        return false;
    }
    const sf_space *s = &m->pops[m->proj[any].source].space;
    for (int a = 0; a < m->n_pops; a++) {
        const sf_space *t = &m->pops[a].space;
        if (t->geometry != s->geometry || t->extent[0] != s->extent[0] ||
            (s->dim == 2 && t->extent[1] != s->extent[1])) {
            snprintf(why, len, "%s: population %s: the spatial theory needs every population in "
                     "one space", m->file, m->pops[a].name);
            return false;
        }
    }
    if (!s->periodic) {
        snprintf(why, len, "%s: the spatial theory needs a periodic space (ring or torus), not a "
                 "sheet: a bounded sheet is not translation invariant, so plane waves e^{ikx} are "
                 "not its linear modes and the stability per wavenumber does not apply", m->file);
        return false;
    }
    for (int i = 0; i < m->n_proj; i++) {
        const sf_projection *p = &m->proj[i];
        if (p->profile.distance_delay) {
            if (s->dim != 1) {
                snprintf(why, len, "%s: projection %s: distance-dependent delays on a torus are not "
                         "part of the spatial theory (their kernel is in closed form on a ring "
                         "only)", m->file, p->name);
                return false;
            }
            if (sf_profile_cutoff(&p->profile) >= 0.5 * s->extent[0] &&
                p->profile.kind != SF_PROFILE_BOXCAR) {
                snprintf(why, len, "%s: projection %s: with distance-dependent delays the profile "
                         "must lie within half the ring (its reach %g mm, half the ring %g mm): "
                         "the delay kernel is in closed form on the line only", m->file, p->name,
                         sf_profile_cutoff(&p->profile), 0.5 * s->extent[0]);
                return false;
            }
        } else if (!sf_dist_is_const(&p->delay)) {
            snprintf(why, len, "%s: projection %s: the spatial theory needs constant delays or "
                     "distance-dependent ones (speed:), not random delays", m->file, p->name);
            return false;
        }
        if (delay0(p) != delay0(&m->proj[0])) {
            snprintf(why, len, "%s: projection %s: the spatial theory needs one delay (d0 of "
                     "distance-dependent delays) for all projections", m->file, p->name);
            return false;
        }
    }
    return sf_lif_map_accepts(m, why, len);
}

static void spatial_unmap(void *mapped)
{
    spatial_mapped *sm = mapped;
    if (!sm)
        return;
    sf_lif_map_destroy(sm->lif);
    free(sm);
}

static sf_status spatial_map(sf_context *ctx, const sf_model *m, void **mapped)
{
    *mapped = NULL;
    char why[1024];
    if (!spatial_accepts(m, why, sizeof why))
        return sf_fail(ctx, SF_ERR_MODEL, "%s", why);
    spatial_mapped *sm = calloc(1, sizeof *sm);
    if (!sm)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    sf_status st = sf_lif_map_create(ctx, m, &sm->lif);
    if (st) {
        spatial_unmap(sm);
        return st;
    }
    const sf_space *s = &m->pops[0].space;
    sm->n = m->n_pops;
    sm->dim = s->dim;
    sm->L[0] = s->extent[0];
    sm->L[1] = s->dim == 2 ? s->extent[1] : 1;
    sm->d = m->n_proj ? delay0(&m->proj[0]) * 1e-3 : 0;
    double num = 0, den = 0;
    for (int i = 0; i < m->n_proj; i++) {
        const sf_projection *p = &m->proj[i];
        double kw = fabs(sf_model_mean_indegree(m, p) * sf_dist_mean(&p->weight));
        sm->dist |= p->profile.distance_delay;
        num += kw * (p->profile.distance_delay ? mean_distance(&p->profile) / p->profile.speed : 0);
        den += kw;
    }
    sm->d_mean = sm->d + (den > 0 ? num / den * 1e-3 : 0);
    *mapped = sm;
    return SF_OK;
}

/* C_ab(k) (mV): the LIF map's K J times the K w-weighted profile transform. */
static void coupling(const sf_model *m, const spatial_mapped *sm, double k, double *C)
{
    int n = sm->n;
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++) {
            double num = 0, den = 0;
            for (int i = 0; i < m->n_proj; i++) {
                const sf_projection *p = &m->proj[i];
                if (p->target != a || p->source != b)
                    continue;
                double kw = sf_model_mean_indegree(m, p) * sf_dist_mean(&p->weight);
                double ft = p->profile.kind == SF_PROFILE_NONE
                                ? (k == 0)
                                : sf_field_profile_ft(p->profile.kind, p->profile.width, sm->dim, k);
                num += kw * ft;
                den += kw;
            }
            const sf_lif_map *L = sm->lif;
            C[a * n + b] = den != 0 ? L->K[a * n + b] * L->J[a * n + b] * num / den : 0;
        }
}

/* The coupling at lambda (distance delays): C_ab(k, lambda) = K J times
 * the K w-weighted mean of the projections' transforms of p(x) e^{-lambda
 * |x| / v} (sf_field_profile_delay_ft; a projection without speed: p(k)). */
typedef struct {
    const sf_model *m;
    const spatial_mapped *sm;
    double k;
} kcoupling;

static sf_status coupling_at(void *user, double complex lambda, double complex *C)
{
    const kcoupling *kc = user;
    const sf_model *m = kc->m;
    const spatial_mapped *sm = kc->sm;
    int n = sm->n;
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++) {
            double complex num = 0;
            double den = 0;
            for (int i = 0; i < m->n_proj; i++) {
                const sf_projection *p = &m->proj[i];
                if (p->target != a || p->source != b)
                    continue;
                double kw = sf_model_mean_indegree(m, p) * sf_dist_mean(&p->weight);
                double complex ft;
                if (p->profile.kind == SF_PROFILE_NONE)
                    ft = kc->k == 0;
                else if (p->profile.distance_delay) /* a = lambda / v: 1/s over mm/ms */
                    ft = sf_field_profile_delay_ft(p->profile.kind, p->profile.width, kc->k,
                                                   lambda * 1e-3 / p->profile.speed);
                else
                    ft = sf_field_profile_ft(p->profile.kind, p->profile.width, sm->dim, kc->k);
                num += kw * ft;
                den += kw;
            }
            const sf_lif_map *L = sm->lif;
            C[a * n + b] = den != 0 ? L->K[a * n + b] * L->J[a * n + b] * num / den : 0;
        }
    return SF_OK;
}

/* Everything predict and expect report. */
typedef struct {
    double *rates, *mu, *sigma;  /* [n]                                     */
    sf_field_fit *fit;           /* [n]                                     */
    double tau;                  /* s, the common time constant (mean)      */
    size_t n_k;
    double *k;                   /* [n_k] 1/mm                               */
    sf_field_root lead;
    sf_field_kind kind;
    double complex lif_roots, lif_ode;
    bool lif_ok;
    char lif_why[256];
    double *growth_k;            /* [n_k] largest Re lambda per k            */
} analysis;

static void analysis_free(analysis *A)
{
    free(A->rates);
    free(A->fit);
    free(A->k);
    free(A->growth_k);
}

static sf_status analyse(sf_context *ctx, const sf_model *m, const spatial_mapped *sm, analysis *A)
{
    int n = sm->n;
    size_t nn = (size_t)n;
    memset(A, 0, sizeof *A);
    A->n_k = sm->dim == 1 ? N_K1 : N_K2 * N_K2;
    A->rates = calloc(3 * nn, sizeof(double));
    A->fit = calloc(nn, sizeof *A->fit);
    A->k = malloc(sizeof(double) * A->n_k);
    A->growth_k = malloc(sizeof(double) * A->n_k);
    double complex *W = malloc(sizeof(double complex) * A->n_k * nn * nn);
    double complex *lam = malloc(sizeof(double complex) * A->n_k * nn * 6);
    double *C = malloc(sizeof(double) * nn * nn), f[N_FIT];
    double complex H[N_FIT];
    sf_theory_workspace *ws = sf_theory_workspace_create(n);
    sf_status st = SF_OK;
    if (!A->rates || !A->fit || !A->k || !A->growth_k || !W || !lam || !C || !ws) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
        goto out;
    }
    A->mu = A->rates + nn;
    A->sigma = A->mu + nn;
    const sf_theory_network *net = &sm->lif->net;
    sf_theory_fixed_point fp = {.rates = A->rates, .mu = A->mu, .sigma = A->sigma};
    if ((st = sf_theory_rates_solve(ctx, net, NULL, NULL, &fp)))
        goto out;
    for (int i = 0; i < N_FIT; i++)
        f[i] = i + 1;
    A->tau = 0;
    for (int a = 0; a < n; a++) {
        if ((st = sf_theory_lif_transfer_method(ctx, &net->pop[a], net->colored, A->mu[a],
                                                A->sigma[a], f, N_FIT, true, ws, H)) ||
            (st = sf_field_fit_lowpass(ctx, f, H, N_FIT, &A->fit[a])))
            goto out;
        A->tau += A->fit[a].tau / n;
    }
    for (size_t i = 0; i < A->n_k; i++) {
        double kx = sm->dim == 1 ? (double)i : (double)(i % N_K2), ky = sm->dim == 1 ? 0 : (double)(i / N_K2);
        A->k[i] = 2 * M_PI * hypot(kx / sm->L[0], ky / sm->L[1]);
        coupling(m, sm, A->k[i], C);
        for (int a = 0; a < n; a++)
            for (int b = 0; b < n; b++)
                W[(i * nn + (size_t)a) * nn + (size_t)b] =
                    A->fit[a].h0 * net->pop[a].tau_m * 1e-3 * C[a * n + b];
    }
    if ((st = sf_field_stability(ctx, n, W, A->k, A->n_k, A->tau, sm->dist ? sm->d_mean : sm->d,
                                 branches, 6, lam, &A->lead)))
        goto out;
    if (sm->dist) {
        /* distance delays: the Lambert W roots with the mean delay start
         * Newton's method on the rate model's characteristic equation
         * det[1 - h0 tau_m C(k, lambda) e^{-lambda d0} / (1 + lambda tau)] */
        double h0[16], tau[16];
        for (int a = 0; a < n && a < 16; a++)
            h0[a] = A->fit[a].h0, tau[a] = A->tau;
        sf_context *sub = sf_context_create();
        bool any = false;
        for (size_t i = 0; sub && n <= 16 && i < A->n_k; i++) {
            kcoupling kc = {m, sm, A->k[i]};
            sf_field_lif L = {n, net->pop, A->mu, A->sigma, h0, tau, NULL, sm->d, ws,
                              coupling_at, &kc};
            for (size_t j = 0; j < nn * 6; j++) {
                double complex l = lam[i * nn * 6 + j];
                bool ok = isfinite(creal(l)) && sf_field_lif_root(sub, &L, 0.0, &l) == SF_OK &&
                          isfinite(creal(l));
                lam[i * nn * 6 + j] = ok ? l : NAN;
                if (ok && (!any || creal(l) > creal(A->lead.lambda))) {
                    A->lead = (sf_field_root){l, A->k[i], (int)i, branches[j % 6], (int)(j / 6)};
                    any = true;
                }
            }
        }
        sf_context_destroy(sub);
        if (!any) {
            st = sf_fail(ctx, SF_ERR_NOCONV, "%s: the rate model with distance-dependent delays: "
                         "no root converged", m->file);
            goto out;
        }
    }
    for (size_t i = 0; i < A->n_k; i++) {
        double g = -INFINITY;
        for (size_t j = 0; j < nn * 6; j++)
            if (isfinite(creal(lam[i * nn * 6 + j])))
                g = fmax(g, creal(lam[i * nn * 6 + j]));
        A->growth_k[i] = g;
    }
    A->kind = sf_field_classify(&A->lead);
    /* continuation to the LIF network at the leading wavenumber; a failure
     * (outside the domain of the LIF transfer function's continuation) is
     * reported as a note, not an error */
    coupling(m, sm, A->lead.k, C);
    double h0[16], tau[16];
    for (int a = 0; a < n && a < 16; a++)
        h0[a] = A->fit[a].h0, tau[a] = A->tau;
    kcoupling kc = {m, sm, A->lead.k};
    sf_field_lif L = {n, net->pop, A->mu, A->sigma, h0, tau, C, sm->d, ws,
                      sm->dist ? coupling_at : NULL, &kc};
    sf_context *sub = sf_context_create();
    A->lif_ok = n <= 16 && sub &&
                sf_field_continue(sub, &L, A->lead.lambda, N_STEPS, &A->lif_roots, &A->lif_ode) ==
                    SF_OK;
    snprintf(A->lif_why, sizeof A->lif_why, "%s", sub ? sf_context_errmsg(sub) : "out of memory");
    sf_context_destroy(sub);
out:
    free(W);
    free(lam);
    free(C);
    sf_theory_workspace_destroy(ws);
    if (st)
        analysis_free(A);
    return st;
}

static sf_quantity *scalar(sf_context *ctx, sf_quantities *out, const char *name, const char *unit,
                           int pop, double v)
{
    sf_quantity *x = sf_quantities_add_scalar(ctx, out, name, unit, pop, -1, v);
    if (x && sf_quantity_assume(x, ASSUME) != SF_OK)
        return NULL;
    return x;
}

/* The mode the simulation is compared with: the LIF-continued root when
 * the continuation worked, else the rate model's. */
static double complex mode_of(const analysis *A)
{
    return A->lif_ok ? A->lif_roots : A->lead.lambda;
}

static sf_status spatial_predict(sf_context *ctx, const sf_model *m, const void *mapped,
                                 const sf_predict_options *opt, sf_quantities *out)
{
    const spatial_mapped *sm = mapped;
    analysis A;
    sf_status st = analyse(ctx, m, sm, &A);
    if (st)
        return st;
    sf_quantity *x = NULL;
    bool ok = true;
    for (int a = 0; a < sm->n && ok; a++) {
        /* the stationary working point is that of the linear theory: not
         * what an unstable network settles into */
        ok = (x = scalar(ctx, out, "rate", "Hz", a, A.rates[a])) &&
             (A.kind == SF_FIELD_STABLE ||
              (x->invalid = true, sf_quantity_note(x, "the stationary state is linearly unstable "
                                                      "(%s): the network leaves it",
                                                   sf_field_kind_name(A.kind)) == SF_OK));
        ok = ok && scalar(ctx, out, "mu", "mV", a, A.mu[a]) && scalar(ctx, out, "sigma", "mV", a, A.sigma[a]) &&
             scalar(ctx, out, "rate_model_gain", "Hz/mV", a, A.fit[a].h0) &&
             scalar(ctx, out, "rate_model_tau", "ms", a, A.fit[a].tau * 1e3) &&
             (x = scalar(ctx, out, "rate_model_fit_error", "1", a, A.fit[a].eta)) &&
             sf_quantity_note(x, "eta = sqrt((se_tau/tau)^2 + (se_h0/h0)^2) of the least-squares "
                                 "fit of |H(f)|, f = 1..200 Hz; rms relative residual %.3g",
                              A.fit[a].rms_rel) == SF_OK;
    }
    const sf_field_root *R = &A.lead;
    double complex lm = mode_of(&A);
    double fr = fabs(cimag(R->lambda)) / (2 * M_PI), fl = fabs(cimag(lm)) / (2 * M_PI);
    ok = ok && (x = scalar(ctx, out, "wave_instability", "1", -1, (double)A.kind)) &&
         sf_quantity_note(x, "%s (0 stable, 1 rate, 2 oscillation, 3 pattern, 4 wave)",
                          sf_field_kind_name(A.kind)) == SF_OK;
    ok = ok && scalar(ctx, out, "leading_growth_rate", "1/s", -1, creal(R->lambda)) &&
         scalar(ctx, out, "leading_frequency", "Hz", -1, fr) &&
         scalar(ctx, out, "leading_wavenumber", "1/mm", -1, R->k) &&
         scalar(ctx, out, "leading_wavelength", "mm", -1, R->k > 0 ? 2 * M_PI / R->k : INFINITY) &&
         scalar(ctx, out, "leading_phase_velocity", "mm/s", -1,
                R->k > 0 ? fabs(cimag(R->lambda)) / R->k : NAN) &&
         (x = scalar(ctx, out, "leading_branch", "1", -1, R->branch)) &&
         sf_quantity_note(x, "of the Lambert W function, among 0, -1, 1, -2, 2, -3; rate model "
                             "tau = %.4g ms (mean over populations), delay %.4g ms%s",
                          A.tau * 1e3, sm->d * 1e3,
                          sm->dist ? " at distance 0 (distance delays d0 + r / v: the root by "
                                     "Newton's method from the branch's Lambert W root with the "
                                     "mean delay)" : "") == SF_OK;
    if (ok && A.lif_ok)
        ok = scalar(ctx, out, "lif_growth_rate", "1/s", -1, creal(A.lif_roots)) &&
             scalar(ctx, out, "lif_frequency", "Hz", -1, fl) &&
             (x = scalar(ctx, out, "lif_continuation_mismatch", "1", -1,
                         cabs(A.lif_roots - A.lif_ode) / cabs(A.lif_roots))) &&
             sf_quantity_note(x, "|root finding - continuation ODE| / |root| at alpha = 1") == SF_OK;
    else if (ok)
        ok = sf_quantities_note(out, "the continuation to the LIF transfer function failed (%s); "
                                     "the rate model's mode is the prediction", A.lif_why) == SF_OK;
    /* the mode the simulation is compared with (estimate: wave.h) */
    double kpred = A.kind == SF_FIELD_WAVE || A.kind == SF_FIELD_PATTERN ? R->k : NAN;
    for (int a = 0; a < sm->n && ok; a++) {
        if ((x = scalar(ctx, out, "wave_present", "1", a, A.kind == SF_FIELD_WAVE)))
            ok = sf_quantity_note(x, "1: the leading instability is a wave train") == SF_OK;
        ok = ok && x;
        if (ok && A.kind == SF_FIELD_WAVE) {
            ok = (x = scalar(ctx, out, "wave_frequency", "Hz", a, fl)) &&
                 sf_quantity_accuracy_set(x, ACCURACY, "issue 14: the peak within 10 %%") == SF_OK &&
                 (x = scalar(ctx, out, "wave_wavenumber", "1/mm", a, kpred)) &&
                 sf_quantity_accuracy_set(x, ACCURACY, "issue 14: the peak within 10 %%") == SF_OK;
        }
    }
    if (ok) {
        x = sf_quantities_add(ctx, out, "growth_rate_by_wavenumber", "1/s", -1, -1, SF_AXIS_NONE,
                              A.n_k, 2, false);
        ok = x != NULL;
        for (size_t i = 0; ok && i < A.n_k; i++) {
            x->value[2 * i] = A.k[i];
            x->value[2 * i + 1] = A.growth_k[i];
        }
        ok = ok && sf_quantity_note(x, "rows: wavenumber (1/mm), largest Re lambda over "
                                       "eigenvalues and branches (1/s)") == SF_OK;
    }
    analysis_free(&A);
    return ok ? SF_OK : sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
}

static sf_status spatial_estimate(sf_context *ctx, const sf_model *m, const sf_recording *rec,
                                  sf_quantities *out)
{
    double h = m->sim.resolution, t0 = m->sim.t_analysis, t1 = sf_recording_t_end(rec);
    for (int a = 0; a < m->n_pops; a++) {
        const uint32_t *ids;
        const int64_t *steps;
        size_t ns;
        if (!sf_recording_spikes(rec, a, &ids, &steps, &ns) || !(t1 > t0))
            continue;
        sf_spikes sp = {ids, steps, ns, m->pops[a].n, (uint32_t)a, h};
        sf_pop_stats s;
        sf_status st = sf_analysis_population(ctx, &sp, t0, t1, m->sim.bin, 0, m->sim.seed, &s);
        if (st)
            return st;
        sf_quantity *x = sf_quantities_add_scalar(ctx, out, "rate", "Hz", a, -1, s.rate_Hz);
        if (!x)
            return SF_ERR_NOMEM;
        x->se[0] = s.rate_sem;
        sf_wave_result w;
        if ((st = sf_wave_analyse(ctx, m, rec, a, WAVE_DT_MS, WAVE_NT, WAVE_NX, &w)))
            return st;
        if (!(x = sf_quantities_add_scalar(ctx, out, "wave_present", "1", a, -1, w.wave)))
            return SF_ERR_NOMEM;
        x->se[0] = 0;
        if (sf_quantity_note(x, "dominant mode of the (k, f) spectrum at k = %.4g /mm, f = %.4g Hz, "
                                "%.3g times the background, p = %.2g (Gamma null over %zu "
                                "segments), modulation depth %.3g (a wave: >= %g)",
                             w.k_peak, w.f_peak, w.snr, w.p_value, w.n_seg, w.modulation,
                             SF_WAVE_MIN_MODULATION) != SF_OK ||
            (w.k_peak > 0 && w.n_y == 1 &&
             sf_quantity_note(x, "travels %s at %.4g mm/s; power over its mirror image in k %.3g",
                              w.direction > 0 ? "+x" : "-x", w.velocity, w.asymmetry) != SF_OK) ||
            (w.k_peak > 0 && w.n_y > 1 &&
             sf_quantity_note(x, "travels along the wave vector (%.4g, %.4g) /mm at %.4g mm/s; "
                                 "power over its mirror image in k %.3g (spectrum over kx, ky and "
                                 "f)", w.kx, w.ky, fabs(w.velocity), w.asymmetry) != SF_OK))
            return SF_ERR_NOMEM;
        if (!w.wave)
            continue;
        /* the peak's standard errors: the spectral resolution / sqrt(12) */
        double df = 1e3 / ((double)w.n_t * w.dt), dk = 2 * M_PI / m->pops[a].space.extent[0];
        if (!(x = sf_quantities_add_scalar(ctx, out, "wave_frequency", "Hz", a, -1, w.f_peak)))
            return SF_ERR_NOMEM;
        x->se[0] = df / sqrt(12.0);
        if (!(x = sf_quantities_add_scalar(ctx, out, "wave_wavenumber", "1/mm", a, -1, w.k_peak)))
            return SF_ERR_NOMEM;
        x->se[0] = dk / sqrt(12.0);
        if (!(x = sf_quantities_add_scalar(ctx, out, "wave_phase_velocity", "mm/s", a, -1,
                                           fabs(w.velocity))))
            return SF_ERR_NOMEM;
        x->se[0] = fabs(w.velocity) * hypot(df / sqrt(12.0) / w.f_peak, dk / sqrt(12.0) / w.k_peak);
    }
    return SF_OK;
}

static sf_status spatial_expect(sf_context *ctx, const sf_model *m, const void *mapped,
                                const sf_quantities *pred, const sf_quantities *est,
                                sf_quantities *out)
{
    /* the estimators are unbiased for what the prediction states: copy it */
    for (size_t i = 0; i < sf_quantities_count(est); i++) {
        const sf_quantity *e = &est->q[i];
        long j = sf_quantities_find(pred, e->name, e->pop[0], e->pop[1]);
        if (!strcmp(e->name, "wave_phase_velocity")) {
            long f = sf_quantities_find(pred, "wave_frequency", e->pop[0], -1);
            long k = sf_quantities_find(pred, "wave_wavenumber", e->pop[0], -1);
            if (f >= 0 && k >= 0) {
                double v = 2 * M_PI * sf_quantity_values(pred, (size_t)f)[0] /
                           sf_quantity_values(pred, (size_t)k)[0];
                sf_quantity *x = sf_quantities_add_scalar(ctx, out, e->name, e->unit, e->pop[0], -1, v);
                if (!x || sf_quantity_accuracy_set(x, ACCURACY, "issue 14: within 10 %%") != SF_OK)
                    return SF_ERR_NOMEM;
            }
            continue;
        }
        if (j >= 0 && !sf_quantities_add_copy(ctx, out, &pred->q[j]))
            return SF_ERR_NOMEM;
    }
    return SF_OK;
}

const sf_theory_type sf_theory_family_spatial = {
    .name = "spatial",
    .doc = "LIF networks on a ring or torus: neural-field stability, wave trains (Senk et al. 2020)",
    .covers = covers,
    .accepts = spatial_accepts,
    .map = spatial_map,
    .unmap = spatial_unmap,
    .predict = spatial_predict,
    .estimate = spatial_estimate,
    .expect = spatial_expect,
};
