/* Benchmark of issue 16 part 1 (the nonlinear SDE, docs/fluctuations.md):
 *  - the exact Fokker-Planck references of one parameter point (moments by
 *    quadrature, the eigenmodes, spectrum and response at 30 frequencies),
 *    and the three approximations, wall time per point (target < 1 s);
 *  - 10^5 sde_poly trajectories for 10^4 steps through the engine (no
 *    recorders), Euler-Maruyama and Heun, on 2 threads (target < 5 s).
 * The load average before each run is printed with it (the machine is
 * shared: a figure taken under load is an upper bound).
 *
 *   usage: bench_sde [N [STEPS [THREADS]]]
 *
 * Prints JSON lines: {"name": "sde_fp_point", ...}, {"name": "sde_sim", ...}. */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "spikefield/model.h"
#include "spikefield/network.h"
#include "bench_util.h"
#include "theory/sde/sde.h"

int main(int argc, char **argv)
{
    const long N = argc > 1 ? atol(argv[1]) : 100000, steps = argc > 2 ? atol(argv[2]) : 10000;
    const int threads = argc > 3 ? atoi(argv[3]) : 2;
    sf_context *ctx = sf_context_create();
    if (!ctx)
        return 1;
    /* the exact references and approximations, per point */
    const double pts[][2] = {{0.5, 0.1}, {1.0, 0.5}, {1.0, 1.0}, {1.5, 2.0}};
    double w[30], worst = 0, t_all = sf_wall_time();
    for (int j = 0; j < 30; j++)
        w[j] = 0.01 * pow(10.0, 4.0 * j / 29.0);
    for (int k = 0; k < 4; k++) {
        double t0 = sf_wall_time(), acc = 0;
        sf_sde_params p = {1, pts[k][0], -1, pts[k][1]};
        sf_sde_moments mo;
        sf_sde_modes md;
        if (sf_theory_sde_moments(ctx, &p, &mo) || sf_theory_sde_modes(ctx, &p, 0, &md)) {
            fprintf(stderr, "bench_sde: %s\n", sf_context_errmsg(ctx));
            return 1;
        }
        for (int j = 0; j < 30; j++)
            acc += sf_theory_sde_modes_spectrum(&md, w[j]) + creal(sf_theory_sde_modes_response(&md, p.D, w[j]));
        for (int m = 0; m < SF_SDE_N_METHODS; m++) {
            sf_sde_approx a;
            if (sf_theory_sde_approx(ctx, &p, (sf_sde_method)m, w, 30, &a))
                return 1;
            acc += a.var;
            sf_theory_sde_approx_free(&a);
        }
        double dt = sf_wall_time() - t0;
        if (dt > worst)
            worst = dt;
        if (!(acc == acc))
            return 1;
    }
    printf("{\"name\": \"sde_fp_point\", \"points\": 4, \"total_s\": %.4f, \"worst_point_s\": %.4f, "
           "\"target_s\": 1.0, \"ok\": %s, \"load\": %.2f}\n", sf_wall_time() - t_all, worst,
           worst < 1.0 ? "true" : "false", bench_load_average());
    fflush(stdout);
    for (int scheme = 0; scheme < 2; scheme++) {
        char text[1024];
        snprintf(text, sizeof text,
                 "simulation: {resolution: 0.1, duration: %g, seed: 3, threads: %d}\n"
                 "populations:\n  P: {model: sde_poly, n: %ld, params: {tau: 10.0, l: 1.0, "
                 "alpha: 1.0, beta: -1.0, D: 0.5, scheme: %d}}\n",
                 0.1 * (double)steps, threads, N, scheme);
        sf_model *m = NULL;
        sf_network *net = NULL;
        sf_recording *rec = NULL;
        if (sf_model_load_string(ctx, text, "bench_sde", NULL, 0, &m) ||
            sf_network_build(ctx, m, threads, &net)) {
            fprintf(stderr, "bench_sde: %s\n", sf_context_errmsg(ctx));
            return 1;
        }
        double load = bench_load_average(), t0 = sf_wall_time(), c0 = sf_cpu_time();
        if (sf_engine_run(ctx, net, NULL, &rec)) {
            fprintf(stderr, "bench_sde: %s\n", sf_context_errmsg(ctx));
            return 1;
        }
        double dt = sf_wall_time() - t0, cpu = sf_cpu_time() - c0;
        /* cpu_s / threads: the wall time the run takes on idle cores */
        printf("{\"name\": \"sde_sim\", \"scheme\": \"%s\", \"trajectories\": %ld, \"steps\": %ld, "
               "\"threads\": %d, \"wall_s\": %.3f, \"cpu_s\": %.3f, \"cpu_ns_per_step\": %.3f, "
               "\"target_s\": 5.0, \"ok\": %s, \"ok_idle\": %s, \"load\": %.2f}\n",
               scheme ? "heun" : "euler_maruyama", N, steps, threads, dt, cpu,
               1e9 * cpu / ((double)N * (double)steps), dt < 5.0 ? "true" : "false",
               cpu / threads < 5.0 ? "true" : "false", load);
        fflush(stdout);
        sf_recording_destroy(rec);
        sf_network_destroy(net);
        sf_model_destroy(m);
    }
    sf_context_destroy(ctx);
    return 0;
}
