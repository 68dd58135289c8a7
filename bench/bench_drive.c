/* Benchmark of the two per-neuron costs of a time step, measured on the
 * network of a model file (default examples/brunel.yaml) built on one
 * thread: the input drive (every input source of every block, as the
 * engine's update phase applies it: Philox words and Poisson inversion for
 * the background) and the neuron update (the type's update() on the block's
 * state and input). Each block runs `steps` consecutive steps; the time per
 * neuron and step is the best of `reps` passes (wall clock, one thread).
 * No recurrent input is delivered, so neurons fire at the rate their drive
 * alone gives (the update's cost hardly depends on it).
 *
 *   usage: bench_drive [MODEL [STEPS [REPS]]]
 *
 * Prints one JSON line: drive_ns_per_neuron_step, update_ns_per_neuron_step
 * (docs/benchmarks.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "network/network_impl.h"
#include "spikefield/model.h"

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "examples/brunel.yaml";
    const int64_t steps = argc > 2 ? atol(argv[2]) : 2000;
    const int reps = argc > 3 ? atoi(argv[3]) : 3;
    sf_context *ctx = sf_context_create();
    sf_model *m = NULL;
    sf_network *net = NULL;
    if (!ctx || sf_model_load(ctx, path, NULL, 0, &m) != SF_OK ||
        sf_network_build(ctx, m, 1, &net) != SF_OK) {
        fprintf(stderr, "bench_drive: %s\n", ctx ? sf_context_errmsg(ctx) : "no memory");
        return 1;
    }
    double best_drive = 1e300, best_update = 1e300;
    uint64_t neurons = 0;
    for (int bi = 0; bi < net->n_blocks; bi++)
        neurons += net->blocks[bi].n;
    size_t row = 1; /* the input row of a block (as the engine's, run.c) */
    for (int bi = 0; bi < net->n_blocks; bi++)
        if ((size_t)net->blocks[bi].n_ports * net->blocks[bi].n > row)
            row = (size_t)net->blocks[bi].n_ports * net->blocks[bi].n;
    double *x = calloc(row, sizeof(double));
    if (!x) {
        fprintf(stderr, "bench_drive: no memory\n");
        return 1;
    }
    for (int rep = 0; rep < reps; rep++) {
        double drive = 0, update = 0;
        for (int bi = 0; bi < net->n_blocks; bi++) {
            sf_block *b = &net->blocks[bi];
            const sf_population *pop = &m->pops[b->pop];
            double *in[SF_MAX_PORTS];
            for (int c = 0; c < b->n_ports; c++)
                in[c] = x + (size_t)c * b->n;
            for (int64_t k = (int64_t)rep * steps; k < (int64_t)(rep + 1) * steps; k++) {
                double t0 = sf_wall_time(), i_dc = 0;
                if (b->i_ext)
                    memset(b->i_ext, 0, sizeof(double) * b->n);
                for (int q = 0; q < b->n_inputs; q++)
                    b->inputs[q].type->apply(net, b, &b->inputs[q], k, in, &i_dc);
                double t1 = sf_wall_time();
                const sf_step st = {m->sim.seed, b->first_gid, k, net->h, b->u, b->i_ext};
                if (!b->n_runs)
                    pop->type->update(pop->params, net->derived[b->pop], b->state, b->n, in, i_dc,
                                      b->spk, &st);
                double t2 = sf_wall_time();
                for (int c = 0; c < b->n_ports; c++)
                    memset(in[c], 0, sizeof(double) * b->n);
                drive += t1 - t0;
                update += t2 - t1;
            }
        }
        if (drive < best_drive)
            best_drive = drive;
        if (update < best_update)
            best_update = update;
    }
    const double ns = 1e9 / ((double)neurons * (double)steps);
    printf("{\"name\": \"bench_drive\", \"model\": \"%s\", \"neurons\": %llu, \"steps\": %lld, "
           "\"drive_ns_per_neuron_step\": %.3f, \"update_ns_per_neuron_step\": %.3f}\n",
           path, (unsigned long long)neurons, (long long)steps, best_drive * ns,
           best_update * ns);
    free(x);
    sf_network_destroy(net);
    sf_model_destroy(m);
    sf_context_destroy(ctx);
    return 0;
}
