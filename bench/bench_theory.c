/* Benchmark of the LIF mean-field theory (src/theory/lif_*.c, pcf.c,
 * network.c, spectra.c) on the full Potjans & Diesmann (2014) microcircuit:
 * self-consistent rates from a cold start, CVs, transfer functions of the 8
 * populations at 1000 frequencies (1 .. 1000 Hz), power spectra, eigenvalues
 * of the effective connectivity and the Nyquist stability scan, on one core.
 * Prints one JSON line; times in ms are the best of `reps` runs.
 * Target: rates + CVs + transfer functions + spectra <= 500 ms. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "spikefield/theory.h"

#include <gsl/gsl_errno.h>

/* in-degrees of the published connectivity (nnmt network_params_microcircuit) */
static const double K[64] = {
    2199.86486, 1079.32007, 979.241261, 467.578108, 159.240826, 0.0, 109.819852, 0.0,
    2990.00583, 860.261056, 703.691807, 289.693864, 380.735859, 0.0, 60.5863901, 0.0,
    159.875428, 34.5225188, 1117.17312, 794.596213, 32.6043349, 0.319552818, 667.325211, 0.0,
    1480.97354, 16.9432378, 1813.02026, 953.325789, 16.0313926, 0.0, 1608.12283, 0.0,
    2188.36598, 374.651134, 1135.62969, 31.3195876, 420.770722, 496.471959, 296.694639, 0.0,
    1165.66761, 159.083568, 570.579343, 12.0666667, 300.095775, 404.17277, 124.332394, 0.0,
    325.197985, 38.632025, 467.354637, 91.7147621, 285.670372, 21.1899271, 581.635915, 752.183189,
    766.90502, 5.83683853, 74.6380597, 2.74016282, 136.240841, 8.55427408, 979.791723, 459.402985};
static const double N[8] = {20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948};
static const double Kext[8] = {1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100};

int main(void)
{
    enum { NP = 8, NF = 1000, REPS = 3 };
    gsl_set_error_handler_off(); /* GSL must report, never abort */
    sf_context *ctx = sf_context_create();
    sf_theory_workspace *ws = sf_theory_workspace_create(NP);
    double *freq = malloc(NF * sizeof *freq), *P = malloc(NF * NP * sizeof *P);
    double complex *H = malloc(NF * NP * sizeof *H), *E = malloc(NF * NP * sizeof *E);
    if (!ctx || !ws || !freq || !P || !H || !E) {
        fprintf(stderr, "bench_theory: out of memory\n");
        return 1;
    }
    for (int k = 0; k < NF; ++k)
        freq[k] = 1.0 + k; /* 1 .. 1000 Hz */

    sf_theory_pop pop[NP];
    double J[64], d[64], dsd[64];
    double j = sf_theory_psc_to_psp(87.8, 0.5, 250.0);
    for (int a = 0; a < NP; ++a) {
        pop[a] = (sf_theory_pop){.tau_m = 10, .t_ref = 2, .V_th = -50, .V_reset = -65,
                                 .E_L = -65, .C_m = 250, .tau_s = 0.5, .N = N[a],
                                 .ext_rate = 8.0 * Kext[a], .J_ext = j};
        for (int b = 0; b < NP; ++b) {
            J[a * NP + b] = (b % 2) ? -4.0 * j : j;
            d[a * NP + b] = (b % 2) ? 0.75 : 1.5;
            dsd[a * NP + b] = 0.5 * d[a * NP + b];
        }
    }
    J[0 * NP + 2] *= 2.0;
    sf_theory_network net = {.n_pop = NP, .pop = pop, .K = K, .J = J, .delay = d,
                             .delay_sd = dsd,
                             .delay_dist = SF_THEORY_DELAY_TRUNCATED_GAUSSIAN};

    double rates[NP], mu[NP], sigma[NP], cv[NP];
    double t_rates = INFINITY, t_cv = INFINITY, t_tf = INFINITY, t_ps = INFINITY,
           t_eig = INFINITY, t_stab = INFINITY, cpu_core = INFINITY;
    sf_theory_linear_stability ls = {0};
    sf_theory_fixed_point fp = {.rates = rates, .mu = mu, .sigma = sigma};
    sf_status st = SF_OK;
    for (int rep = 0; rep < REPS && st == SF_OK; ++rep) {
        double c0 = sf_cpu_time();
        double t0 = sf_wall_time();
        st = sf_theory_rates_solve(ctx, &net, NULL, NULL, &fp);
        double t1 = sf_wall_time();
        if (st == SF_OK)
            st = sf_theory_network_cv(ctx, &net, rates, ws, cv);
        double t2 = sf_wall_time();
        if (st == SF_OK)
            st = sf_theory_network_transfer(ctx, &net, mu, sigma, freq, NF, ws, H);
        double t3 = sf_wall_time();
        if (st == SF_OK)
            st = sf_theory_power_spectra(ctx, &net, rates, H, freq, NF, ws, P);
        double t4 = sf_wall_time();
        double c1 = sf_cpu_time();
        if (st == SF_OK)
            st = sf_theory_connectivity_eigenvalues(ctx, &net, H, freq, NF, ws, E);
        double t5 = sf_wall_time();
        if (st == SF_OK)
            st = sf_theory_linear_stability_scan(ctx, &net, H, freq, NF, ws, &ls);
        double t6 = sf_wall_time();
        t_rates = fmin(t_rates, 1e3 * (t1 - t0));
        t_cv = fmin(t_cv, 1e3 * (t2 - t1));
        t_tf = fmin(t_tf, 1e3 * (t3 - t2));
        t_ps = fmin(t_ps, 1e3 * (t4 - t3));
        t_eig = fmin(t_eig, 1e3 * (t5 - t4));
        t_stab = fmin(t_stab, 1e3 * (t6 - t5));
        cpu_core = fmin(cpu_core, 1e3 * (c1 - c0));
    }
    if (st != SF_OK) {
        fprintf(stderr, "bench_theory: %s\n", sf_context_errmsg(ctx));
        return 1;
    }
    double core = t_rates + t_cv + t_tf + t_ps;
    /* peak of the L2/3E spectrum in the gamma range */
    int kmax = 0;
    for (int k = 20; k < 200; ++k)
        if (P[k * NP] > P[kmax * NP])
            kmax = k;
    printf("{\"bench\": \"theory_lif_microcircuit\", \"populations\": %d, \"frequencies\": %d, "
           "\"reps\": %d, \"rates_ms\": %.3f, \"cv_ms\": %.3f, \"transfer_ms\": %.3f, "
           "\"spectra_ms\": %.3f, \"core_total_ms\": %.3f, \"core_cpu_ms\": %.3f, "
           "\"eigenvalues_ms\": %.3f, \"stability_scan_ms\": %.3f, \"target_ms\": 500, "
           "\"ok\": %s, \"rates_hz\": [%.4f, %.4f, %.4f, %.4f, %.4f, %.4f, %.4f, %.4f], "
           "\"cv\": [%.4f, %.4f, %.4f, %.4f, %.4f, %.4f, %.4f, %.4f], "
           "\"l23e_gamma_peak_hz\": %.1f, \"nyquist_unstable\": %d, \"f_critical_hz\": %.1f}\n",
           NP, NF, REPS, t_rates, t_cv, t_tf, t_ps, core, cpu_core, t_eig, t_stab,
           core <= 500.0 ? "true" : "false", rates[0], rates[1], rates[2], rates[3], rates[4],
           rates[5], rates[6], rates[7], cv[0], cv[1], cv[2], cv[3], cv[4], cv[5], cv[6], cv[7],
           freq[kmax], ls.n_unstable, ls.f_critical);
    free(freq);
    free(P);
    free(H);
    free(E);
    sf_theory_workspace_destroy(ws);
    sf_context_destroy(ctx);
    return 0;
}
