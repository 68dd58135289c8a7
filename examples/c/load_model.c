/* Loads a model file (with optional --set style overrides), simulates it and
 * prints each population's rate: `spikefield run` in a few lines of C.
 *
 *     cc load_model.c $(pkg-config --cflags --libs spikefield) -o load_model
 *     ./load_model examples/brunel.yaml scale.neurons=0.1 simulation.duration=500
 */
#include <spikefield/spikefield.h>

#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: load_model MODEL.yaml [path=value ...]\n");
        return 2;
    }
    sf_context *ctx = sf_context_create();
    sf_model *m = NULL;
    sf_network *net = NULL;
    sf_recording *rec = NULL;
    sf_run_options opt = {0};
    int rc = 1;
    if (sf_model_load(ctx, argv[1], (const char *const *)argv + 2, argc - 2, &m) != SF_OK ||
        sf_network_build(ctx, m, sf_model_threads(m), &net) != SF_OK ||
        sf_engine_run(ctx, net, &opt, &rec) != SF_OK) {
        fprintf(stderr, "load_model: %s\n", sf_context_errmsg(ctx));
        goto done;
    }
    for (int p = 0; p < sf_model_population_count(m); p++) {
        const uint32_t *ids;
        const int64_t *steps;
        size_t n;
        if (!sf_recording_spikes(rec, p, &ids, &steps, &n))
            continue; /* not recorded */
        sf_spikes sp = {ids, steps, n, sf_model_population_size(m, p), (uint32_t)p,
                        sf_model_resolution(m)};
        double rate;
        if (sf_analysis_rate(ctx, &sp, sf_model_analysis_start(m), sf_recording_t_end(rec), &rate,
                             NULL) != SF_OK) {
            fprintf(stderr, "load_model: %s\n", sf_context_errmsg(ctx));
            goto done;
        }
        printf("population %s (%s): %u neurons, rate %.3f Hz\n", sf_model_population_name(m, p),
               sf_model_population_model(m, p), sf_model_population_size(m, p), rate);
    }
    rc = 0;
done:
    sf_recording_destroy(rec);
    sf_network_destroy(net);
    sf_model_destroy(m);
    sf_context_destroy(ctx);
    return rc;
}
