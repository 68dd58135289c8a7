/* Benchmark of the Wilson-Cowan field (issue 16: a 256^2 lattice for 10^4
 * steps in under 30 s): the Euler-Maruyama steps of a field (two FFTs and
 * the Philox noise per step, src/lattice/wilson_cowan.c), timed on the wall
 * clock and in CPU seconds, with the 1-minute load average of the machine
 * at the start (the load it was measured under).
 *
 *   usage: bench_field [SIZE [DIM [STEPS [THREADS]]]]   (default 256 2 10000 1)
 *
 * Prints one JSON line: sites, steps, threads, wall_s, cpu_s,
 * ms_per_step, load1, target_s (30, for 256^2 x 10^4), ok. */
#include <stdio.h>
#include <stdlib.h>

#include "lattice/field.h"
#include "bench_util.h"

int main(int argc, char **argv)
{
    int size = argc > 1 ? atoi(argv[1]) : 256, dim = argc > 2 ? atoi(argv[2]) : 2;
    long steps = argc > 3 ? atol(argv[3]) : 10000;
    int threads = argc > 4 ? atoi(argv[4]) : 1;
    double load1 = bench_load_average();
    sf_context *ctx = sf_context_create();
    sf_field_spec s = {.dim = dim, .size = size, .kernel = SF_FIELD_NEAREST, .sigma = 1,
                       .kappa = 1, .c2 = 0.05, .c3 = 0.1, .D = 1};
    sf_field_sim *sim = NULL;
    if (!ctx || sf_field_sim_create(ctx, &s, 0.05, 1, threads, &sim) != SF_OK) {
        fprintf(stderr, "bench_field: %s\n", ctx ? sf_context_errmsg(ctx) : "no memory");
        return 1;
    }
    double w0 = sf_wall_time(), c0 = sf_cpu_time();
    for (long k = 0; k < steps; k++)
        sf_field_sim_step(sim);
    double wall = sf_wall_time() - w0, cpu = sf_cpu_time() - c0;
    bool target = size == 256 && dim == 2 && steps == 10000;
    printf("{\"bench\": \"field\", \"sites\": %zu, \"dim\": %d, \"steps\": %ld, \"threads\": %d, "
           "\"wall_s\": %.3f, \"cpu_s\": %.3f, \"ms_per_step\": %.4f, \"load1\": %.2f, "
           "\"target_s\": %s, \"ok\": %s}\n",
           sf_field_sites(&s), dim, steps, threads, wall, cpu, 1e3 * wall / (double)steps, load1,
           target ? "30" : "null", target ? (wall < 30 ? "true" : "false") : "null");
    sf_field_sim_destroy(sim);
    sf_context_destroy(ctx);
    return 0;
}
