/* Benchmark of the dmft family (src/theory/dmft/): one DMFT solution with
 * its Lyapunov exponent, a 50 x 50 phase diagram over (g, D) on one core,
 * and the dense coupling product of a 10^4-unit rate network (the
 * Benettin step's J [phi(x), phi'(x) q]: OpenBLAS dgemv, dgemm with two
 * columns, and the fused float kernel sf_dmft_net_product) against the machine's measured memory bandwidth (a read-only sum over a
 * 1.6 GB array, one core). Prints JSON lines; times are CPU times (sf_cpu_time),
 * the best of the repetitions, since the machine may be shared.
 * Targets (issue 15): one solution < 50 ms; the phase diagram < 60 s. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "spikefield/core.h"
#include "theory/dmft/dmft.h"
#include "theory/dmft/ratenet.h"

int main(void)
{
    sf_context *ctx = sf_context_create();
    sf_dmft_workspace *ws = sf_dmft_workspace_create(3001, 0.01, 0);
    if (!ctx || !ws)
        return 1;
    const struct {
        double g, D;
    } one[] = {{1.5, 0.0}, {2.0, 0.5}, {3.0, 0.0}, {3.0, 2.0}};
    double worst = 0;
    for (size_t c = 0; c < sizeof one / sizeof *one; c++) {
        sf_dmft_params p = {SF_DMFT_TANH, one[c].g, one[c].D};
        sf_dmft_solution s;
        double best = INFINITY;
        for (int r = 0; r < 5; r++) {
            const double t0 = sf_cpu_time();
            if (sf_dmft_solve(ctx, ws, &p, true, NULL, &s) != SF_OK)
                return 1;
            best = fmin(best, sf_cpu_time() - t0);
        }
        worst = fmax(worst, best);
        printf("{\"name\": \"dmft_solve\", \"g\": %g, \"D\": %g, \"delta0\": %.8g, \"lyapunov\": "
               "%.6g, \"cpu_ms\": %.2f}\n",
               p.g, p.D, s.delta0, s.lyapunov, best * 1e3);
    }
    printf("{\"name\": \"dmft_solve_max\", \"cpu_ms\": %.2f, \"targets\": {\"cpu_ms_max\": 50}, "
           "\"ok\": {\"cpu_ms\": %s}}\n",
           worst * 1e3, worst < 0.05 ? "true" : "false");
    fflush(stdout);

    enum { NG = 50, ND = 50 };
    double g[NG], D[ND], *lam = malloc(NG * ND * sizeof *lam), *stab = malloc(NG * ND * sizeof *stab);
    for (int i = 0; i < NG; i++)
        g[i] = 0.1 + 2.9 * i / (NG - 1);
    for (int j = 0; j < ND; j++)
        D[j] = 2.0 * j / (ND - 1);
    double t0 = sf_cpu_time();
    if (sf_dmft_phase_diagram(ctx, ws, SF_DMFT_TANH, g, NG, D, ND, lam, stab) != SF_OK)
        return 1;
    const double pd = sf_cpu_time() - t0;
    int chaotic = 0, expansive_stable = 0;
    for (int k = 0; k < NG * ND; k++) {
        chaotic += lam[k] > 0;
        expansive_stable += lam[k] < 0 && stab[k] > 1;
    }
    double gc[3], gs[3];
    const double Dl[3] = {0.2, 0.5, 1.0};
    for (int k = 0; k < 3; k++)
        if (sf_dmft_transition(ctx, ws, SF_DMFT_TANH, Dl[k], 0.8, 3.0, 1e-4, &gc[k], &gs[k]))
            return 1;
    printf("{\"name\": \"dmft_phase_diagram\", \"grid\": [%d, %d], \"g\": [0.1, 3.0], \"D\": [0, "
           "2], \"cpu_s\": %.2f, \"chaotic_points\": %d, \"expansive_nonchaotic_points\": %d, "
           "\"g_c\": {\"0.2\": %.4f, \"0.5\": %.4f, \"1\": %.4f}, \"g_local\": {\"0.2\": %.4f, "
           "\"0.5\": %.4f, \"1\": %.4f}, \"targets\": {\"cpu_s_max\": 60}, \"ok\": {\"cpu_s\": "
           "%s}}\n",
           NG, ND, pd, chaotic, expansive_stable, gc[0], gc[1], gc[2], gs[0], gs[1], gs[2],
           pd < 60 ? "true" : "false");
    fflush(stdout);
    free(lam);
    free(stab);

    /* the fused product at N = 1000 (J in cache): ns per coupling and vector,
     * to set beside the engine's sparse delivery (ns per synapse event) */
    {
        const size_t m = 1000;
        float *Js = malloc(m * m * sizeof *Js);
        double *a = malloc(4 * m * sizeof *a);
        if (Js && a) {
            for (size_t k = 0; k < m * m; k++)
                Js[k] = (float)((double)((k * 2654435761u) % 1000) * 1e-3 - 0.5);
            for (size_t k = 0; k < 2 * m; k++)
                a[k] = cos((double)k);
            double best = INFINITY;
            for (int r = 0; r < 5; r++) {
                t0 = sf_cpu_time();
                for (int k = 0; k < 100; k++)
                    sf_dmft_net_product(Js, m, a, a + m, a + 2 * m, a + 3 * m);
                best = fmin(best, (sf_cpu_time() - t0) / 100);
            }
            printf("{\"name\": \"dmft_dense_product_1000\", \"ns_per_coupling_per_vector\": %.3f, "
                   "\"checksum\": %g}\n",
                   best / (2.0 * m * m) * 1e9, a[2 * m] + a[3 * m]);
        }
        free(Js);
        free(a);
    }
    /* the coupling product at N = 10^4 against the read bandwidth */
    const size_t n = 10000, big = 200000000; /* 1.6 GB */
    double *J = malloc(n * n * sizeof *J), *X = malloc(2 * n * sizeof *X),
           *Y = malloc(2 * n * sizeof *Y), *A = malloc(big * sizeof *A);
    if (!J || !X || !Y || !A) {
        printf("{\"name\": \"dmft_dense_product\", \"skipped\": \"out of memory\"}\n");
        return 0;
    }
    for (size_t k = 0; k < n * n; k++)
        J[k] = (double)((k * 2654435761u) % 1000) * 1e-3 - 0.5;
    for (size_t k = 0; k < 2 * n; k++)
        X[k] = sin((double)k);
    for (size_t k = 0; k < big; k++)
        A[k] = (double)(k & 1023);
    double bw = 0, sum = 0;
    for (int r = 0; r < 3; r++) {
        t0 = sf_cpu_time();
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (size_t k = 0; k < big; k += 4) {
            s0 += A[k];
            s1 += A[k + 1];
            s2 += A[k + 2];
            s3 += A[k + 3];
        }
        sum += s0 + s1 + s2 + s3;
        bw = fmax(bw, (double)big * 8 / (sf_cpu_time() - t0) / 1e9);
    }
    double gemv = INFINITY, gemm = INFINITY;
    for (int r = 0; r < 5; r++) {
        t0 = sf_cpu_time();
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)n, 1.0, J, (int)n, X, 1, 0.0, Y, 1);
        gemv = fmin(gemv, sf_cpu_time() - t0);
        t0 = sf_cpu_time();
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)n, 2, (int)n, 1.0, J, (int)n, X,
                    (int)n, 0.0, Y, (int)n);
        gemm = fmin(gemm, sf_cpu_time() - t0);
    }
    float *Jf = malloc(n * n * sizeof *Jf);
    double fused = INFINITY;
    if (Jf) {
        for (size_t k = 0; k < n * n; k++)
            Jf[k] = (float)J[k];
        for (int r = 0; r < 5; r++) {
            t0 = sf_cpu_time();
            sf_dmft_net_product(Jf, n, X, X + n, Y, Y + n);
            fused = fmin(fused, sf_cpu_time() - t0);
        }
        free(Jf);
    }
    const double bytes = (double)n * n * 8;
    printf("{\"name\": \"dmft_dense_product\", \"n\": %zu, \"read_bandwidth_GBps\": %.2f, "
           "\"dgemv_ms\": %.1f, \"dgemv_GBps\": %.2f, \"dgemv_GFLOPs\": %.2f, \"dgemm2_ms\": %.1f, "
           "\"dgemm2_GBps\": %.2f, \"dgemm2_GFLOPs\": %.2f, \"dgemv_fraction_of_peak\": %.2f, "
           "\"fused2_float_ms\": %.1f, \"fused2_float_GBps\": %.2f, \"fused2_float_GFLOPs\": %.2f, "
           "\"fused2_fraction_of_peak\": %.2f, \"checksum\": %g}\n",
           n, bw, gemv * 1e3, bytes / gemv / 1e9, 2.0 * n * n / gemv / 1e9, gemm * 1e3,
           bytes / gemm / 1e9, 4.0 * n * n / gemm / 1e9, bytes / gemv / 1e9 / bw, fused * 1e3,
           bytes / 2 / fused / 1e9, 4.0 * n * n / fused / 1e9, bytes / 2 / fused / 1e9 / bw,
           sum + Y[0] + Y[n]);
    free(J);
    free(X);
    free(Y);
    free(A);
    sf_dmft_workspace_destroy(ws);
    sf_context_destroy(ctx);
    return 0;
}
