/* Benchmark of the correlation theory (src/theory/corr_*.c): a 2-population
 * E-I network at 1000 frequencies (Hawkes spectra with the echo split, the
 * binary input-noise spectra), the binary working point and equal-time
 * covariances, and the Hawkes covariance function on 8192 lags.
 * Prints one JSON line; each time is the best of `reps` runs, in ms.
 * Target: milliseconds for the 1000-frequency spectra. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "spikefield/theory.h"

static double best_of(double *best, double t0, double t1)
{
    double dt = (t1 - t0) * 1e3;
    if (dt < *best)
        *best = dt;
    return dt;
}

int main(void)
{
    enum { NF = 1000, NT = 8192, REPS = 20 };
    sf_context *ctx = sf_context_create();
    sf_theory_corr_workspace *ws = sf_theory_corr_workspace_create(3, NT);
    double *freq = malloc(NF * sizeof *freq);
    double complex *C = malloc(NF * 4 * sizeof *C), *E = malloc(NF * 4 * sizeof *E),
                   *X = malloc(NF * 4 * sizeof *X);
    double *Ct = malloc(NT * 4 * sizeof *Ct);
    if (!ctx || !ws || !freq || !C || !E || !X || !Ct) {
        fprintf(stderr, "bench_theory_corr: out of memory\n");
        return 1;
    }
    for (int k = 0; k < NF; ++k)
        freq[k] = 0.5 * k;   /* 0 .. 499.5 Hz */

    /* Hawkes E-I: N = 4000/1000, K = 400/100, inhibition-dominated. */
    double N[2] = {4000, 1000}, K[4] = {400, 100, 400, 100};
    double w[4] = {0.001, -0.005, 0.001, -0.005}, nu0[2] = {10, 10}, tau[2] = {5, 5};
    sf_theory_hawkes_net hk = {.n_pop = 2, .N = N, .K = K, .w = w, .nu0 = nu0, .tau = tau,
                               .delay = 1.5};
    double r[2];
    double t_rates = INFINITY, t_hspec = INFINITY, t_hspec_split = INFINITY,
           t_htime = INFINITY, t_bsolve = INFINITY, t_bcov = INFINITY, t_bspec = INFINITY;
    sf_status st = SF_OK;
    for (int rep = 0; rep < REPS && st == SF_OK; ++rep) {
        double t0 = sf_wall_time();
        st = sf_theory_hawkes_rates(ctx, &hk, ws, r, NULL);
        best_of(&t_rates, t0, sf_wall_time());
        t0 = sf_wall_time();
        if (st == SF_OK)
            st = sf_theory_hawkes_spectrum(ctx, &hk, r, freq, NF, ws, C, NULL, NULL, NULL);
        best_of(&t_hspec, t0, sf_wall_time());
        t0 = sf_wall_time();
        if (st == SF_OK)
            st = sf_theory_hawkes_spectrum(ctx, &hk, r, freq, NF, ws, C, NULL, E, X);
        best_of(&t_hspec_split, t0, sf_wall_time());
        t0 = sf_wall_time();
        if (st == SF_OK)
            st = sf_theory_hawkes_cov_time(ctx, &hk, r, 0.1, ws, Ct, NULL);
        best_of(&t_htime, t0, sf_wall_time());
    }

    /* Binary E-I-X (Renart-like, J = j/sqrt(K)). */
    double sK = sqrt(800.0);
    sf_theory_binary_pop pop[3] = {
        {.theta = 1.0, .N = 4000, .tau = 10},
        {.theta = 0.7, .N = 1000, .tau = 10},
        {.theta = 0, .N = 4000, .tau = 10, .external = true, .m_ext = 0.1},
    };
    double Kb[9] = {800, 200, 800, 800, 200, 800, 0, 0, 0};
    double Jb[9] = {1 / sK, -6 / sK, 1 / sK, 1 / sK, -5.4 / sK, 0.8 / sK, 0, 0, 0};
    sf_theory_binary_net bn = {.n_pop = 3, .pop = pop, .K = Kb, .J = Jb, .delay = 1.0};
    double m[3], c[9], Wl[9], tl[3], Dl[9];
    double complex *Cb = malloc(NF * 9 * sizeof *Cb);
    sf_theory_binary_point pt = {.m = m};
    sf_theory_binary_cov cov = {.c = c};
    sf_theory_linear_net lin;
    int iterations = 0;
    for (int rep = 0; rep < REPS && st == SF_OK && Cb; ++rep) {
        double t0 = sf_wall_time();
        st = sf_theory_binary_solve(ctx, &bn, NULL, NULL, &pt);
        best_of(&t_bsolve, t0, sf_wall_time());
        iterations = pt.iterations;
        t0 = sf_wall_time();
        if (st == SF_OK)
            st = sf_theory_binary_covariance(ctx, &bn, m, ws, &cov);
        best_of(&t_bcov, t0, sf_wall_time());
        t0 = sf_wall_time();
        if (st == SF_OK)
            st = sf_theory_binary_to_linear(ctx, &bn, m, Wl, tl, Dl, &lin);
        if (st == SF_OK)
            st = sf_theory_linear_spectrum(ctx, &lin, SF_THEORY_NOISE_INPUT, freq, NF, ws, Cb, NULL,
                                           NULL);
        best_of(&t_bspec, t0, sf_wall_time());
    }
    if (st != SF_OK) {
        printf("{\"name\": \"theory_corr\", \"error\": \"%s\"}\n", sf_context_errmsg(ctx));
        return 1;
    }
    printf("{\"name\": \"theory_corr\", \"n_freq\": %d, \"n_lags\": %d, \"reps\": %d, "
           "\"hawkes_rates_ms\": %.4f, \"hawkes_spectrum_2pop_1000f_ms\": %.4f, "
           "\"hawkes_spectrum_split_2pop_1000f_ms\": %.4f, \"hawkes_cov_time_8192_ms\": %.4f, "
           "\"binary_solve_ms\": %.4f, \"binary_solve_iterations\": %d, "
           "\"binary_covariance_ms\": %.4f, \"binary_spectrum_3pop_1000f_ms\": %.4f, "
           "\"c_EE\": %.6g, \"c_EI\": %.6g, \"c_II\": %.6g, "
           "\"targets\": {\"spectrum_1000f_ms_max\": 10.0}, "
           "\"ok\": {\"spectrum\": %s}}\n",
           NF, NT, REPS, t_rates, t_hspec, t_hspec_split, t_htime, t_bsolve, iterations, t_bcov,
           t_bspec, c[0], c[1], c[4], t_hspec_split <= 10.0 ? "true" : "false");
    free(Cb);
    free(freq);
    free(C);
    free(E);
    free(X);
    free(Ct);
    sf_theory_corr_workspace_destroy(ws);
    sf_context_destroy(ctx);
    return 0;
}
