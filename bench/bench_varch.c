/* Benchmark of the three archiving schemes of the voltage-based rules
 * (src/plasticity/archive.c) against the in-degree K, in the style of
 * Stapmanns et al. 2021 (Front. Neuroinform. 15:609147): one postsynaptic
 * neuron with K plastic inputs firing Poisson at `rate` Hz, h = 0.1 ms,
 * dendritic delays of 1 ms (homogeneous) or 1..5 ms (heterogeneous), for
 * two kinds of postsynaptic factor: Clopath-like (sparse: M != 0 in bursts,
 * `sparse` of the steps) and Urbanczik-like (dense: every step, three time
 * constants and the J sums). The neuron dynamics are left out (a
 * fixed synthetic M): the numbers are the archive's and the rule's cost.
 * For the paper's N = 1,000 neurons multiply the time by N (the neurons'
 * archives are independent).
 *
 *   usage: bench_varch [T_MS [RATE [SPARSE]]]   (defaults 1000 ms, 5 Hz, 0.05)
 *
 * One JSON line per (rule, delays, K, scheme): seconds per neuron and
 * second of model time, the peak number of archive entries (full history)
 * or cells (compressed) or accumulators (time-driven, K) and their bytes
 * (docs/plasticity.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plasticity/archive.h"
#include "spikefield/core.h"

typedef struct {
    int64_t k;
    int j;
} event;

int main(int argc, char **argv)
{
    const double T_ms = argc > 1 ? atof(argv[1]) : 1000.0;
    const double rate = argc > 2 ? atof(argv[2]) : 5.0;
    const double sparse = argc > 3 ? atof(argv[3]) : 0.05;
    const double h = 0.1;
    const int64_t T = (int64_t)(T_ms / h);
    const int Ks[] = {100, 1000, 10000};
    for (int rule = 0; rule < 2; rule++) {
        const bool dense = rule == 1;
        sf_varch_kernel ker;
        const double tau_c[1] = {15.0}, tau_u[3] = {10.0, 3.0, 3.0};
        if (dense)
            sf_varch_kernel_init(&ker, h, 3, tau_u, 100.0);
        else
            sf_varch_kernel_init(&ker, h, 1, tau_c, 0.0);
        /* the factor: dense, a smooth random signal; sparse, bursts of 20 steps */
        double *M = malloc((size_t)(T + 1) * sizeof(double)), u[1];
        for (int64_t t = 1; t <= T; t++) {
            sf_rng_uniforms(5, SF_RNG_TEST, (uint32_t)rule, (uint64_t)t, 0, 1, u);
            M[t] = dense ? u[0] - 0.45 : 0.0;
        }
        if (!dense)
            for (int64_t t = 1; t <= T; t += 20) {
                sf_rng_uniforms(6, SF_RNG_TEST, 0, (uint64_t)t, 0, 1, u);
                if (u[0] < sparse)
                    for (int64_t q = t; q < t + 20 && q <= T; q++)
                        M[q] = 1e-4 * (1 + (q - t));
            }
        for (int het = 0; het < 2; het++)
            for (size_t ki = 0; ki < sizeof Ks / sizeof Ks[0]; ki++) {
                const int K = Ks[ki], Dmax = het ? 50 : 10;
                int *D = malloc((size_t)K * sizeof(int));
                for (int j = 0; j < K; j++)
                    D[j] = het ? 10 + (j * 7) % 41 : 10;
                /* presynaptic spikes: Bernoulli(rate h) per step */
                size_t nev = 0, cap = 1024;
                event *ev = malloc(cap * sizeof *ev);
                double *uu = malloc((size_t)K * sizeof(double));
                for (int64_t k = 0; k < T; k++) {
                    sf_rng_uniforms(7, SF_RNG_TEST, 1, (uint64_t)k, 0, (uint32_t)K, uu);
                    for (int j = 0; j < K; j++)
                        if (uu[j] < rate * h * 1e-3) {
                            if (nev == cap)
                                ev = realloc(ev, (cap *= 2) * sizeof *ev);
                            ev[nev++] = (event){k, j};
                        }
                }
                free(uu);
                for (int scheme = 0; scheme < 3; scheme++) {
                    int64_t *tl = malloc((size_t)K * sizeof(int64_t));
                    double *w = calloc((size_t)K, sizeof(double));
                    sf_varch_full full = {0};
                    full.n_incoming = (uint32_t)K;
                    sf_varch_comp comp;
                    sf_varch_comp_init(&comp, -Dmax);
                    sf_varch_acc *acc = scheme == SF_VARCH_TD ? malloc((size_t)K * sizeof *acc) : NULL;
                    double *ring = calloc((size_t)Dmax + 1, sizeof(double));
                    for (int j = 0; j < K; j++) {
                        tl[j] = -D[j];
                        if (scheme == SF_VARCH_EDC)
                            sf_varch_comp_register(&comp, tl[j]);
                        if (acc)
                            sf_varch_acc_reset(&acc[j], &ker, tl[j]);
                    }
                    size_t peak = 0, e = 0;
                    const double t0 = sf_wall_time();
                    for (int64_t k = 0; k < T; k++) {
                        const int64_t t = k + 1;
                        const double m = M[t];
                        if (scheme == SF_VARCH_ED && (m != 0.0 || dense))
                            sf_varch_full_append(&full, t, m);
                        if (scheme == SF_VARCH_EDC && (m != 0.0 || dense))
                            sf_varch_comp_append(&comp, t, m);
                        if (acc) {
                            ring[t % (Dmax + 1)] = m;
                            for (int j = 0; j < K; j++) {
                                const int64_t tj = t - D[j];
                                sf_varch_acc_step(&acc[j], &ker, tj >= 1 ? ring[tj % (Dmax + 1)] : 0.0);
                            }
                        }
                        for (; e < nev && ev[e].k == k; e++) {
                            const int j = ev[e].j;
                            const int64_t tr = t - D[j];
                            sf_varch_sums s;
                            if (scheme == SF_VARCH_ED) {
                                sf_varch_full_read(&full, &ker, tl[j], tr, &s);
                            } else if (scheme == SF_VARCH_EDC) {
                                sf_varch_comp_read(&comp, &ker, tl[j], tr, &s);
                                sf_varch_comp_move(&comp, tl[j], tr);
                            } else {
                                s = acc[j].s;
                                sf_varch_acc_reset(&acc[j], &ker, tr);
                            }
                            w[j] += s.I[0] - (dense ? s.J[1] : 0.0);
                            tl[j] = tr;
                        }
                        if (scheme == SF_VARCH_EDC && k + 2 - Dmax > comp.f)
                            sf_varch_comp_advance(&comp, &ker, k + 2 - Dmax);
                        const size_t size = scheme == SF_VARCH_ED ? full.len
                                            : scheme == SF_VARCH_EDC ? comp.n + comp.rlen
                                                                     : (size_t)K;
                        peak = size > peak ? size : peak;
                    }
                    const double secs = sf_wall_time() - t0;
                    const size_t unit = scheme == SF_VARCH_ED    ? sizeof(sf_varch_entry)
                                        : scheme == SF_VARCH_EDC ? sizeof(sf_varch_cell)
                                                                 : sizeof(sf_varch_acc);
                    double chk = 0;
                    for (int j = 0; j < K; j++)
                        chk += w[j];
                    static const char *names[] = {"time_driven", "full_history", "compressed"};
                    printf("{\"bench\": \"varch\", \"rule\": \"%s\", \"delays\": \"%s\", \"K\": %d, "
                           "\"scheme\": \"%s\", \"rate_hz\": %g, \"model_s\": %g, "
                           "\"s_per_neuron_per_model_s\": %.4g, \"peak_entries\": %zu, "
                           "\"peak_bytes\": %zu, \"checksum\": %.12g}\n",
                           dense ? "urbanczik" : "clopath", het ? "1-5ms" : "1ms", K,
                           names[scheme], rate, T_ms * 1e-3, secs / (T_ms * 1e-3), peak,
                           peak * unit, chk);
                    fflush(stdout);
                    sf_varch_full_free(&full);
                    sf_varch_comp_free(&comp);
                    free(acc);
                    free(ring);
                    free(tl);
                    free(w);
                }
                free(ev);
                free(D);
            }
        free(M);
    }
    return 0;
}
