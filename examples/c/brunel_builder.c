/* A complete spikefield program: builds a small Brunel (2000) network by
 * calls (no model file), simulates it for one second and prints the firing
 * rate of each population.
 *
 * The parameters of examples/brunel.yaml (Brunel 2000 model A, g = 5,
 * eta = 2) at a tenth of its size: 800 excitatory and 200 inhibitory leaky
 * integrate-and-fire neurons with delta synapses, each receiving K_E = 80
 * excitatory inputs of J = 0.1 mV and K_I = 20 inhibitory ones of -g J, plus
 * Poisson input at eta nu_thr K_E with nu_thr = V_th / (J K_E tau_m) = 125 Hz.
 * With in-degrees this small the recurrent inhibition is weak, so the
 * neurons fire at high rates (about 90 Hz).
 *
 *     cc brunel_builder.c $(pkg-config --cflags --libs spikefield) -o brunel_builder
 *     ./brunel_builder [threads]
 */
#include <spikefield/spikefield.h>

#include <stdio.h>
#include <stdlib.h>

/* Exits with the context's message when a call failed. */
static void check(sf_context *ctx, sf_status st, const char *what)
{
    if (st != SF_OK) {
        fprintf(stderr, "brunel_builder: %s: %s (%s)\n", what, sf_context_errmsg(ctx),
                sf_strerror(st));
        exit(1);
    }
}

static sf_model *build(sf_context *ctx, int threads)
{
    const double J = 0.1, g = 5.0, eta = 2.0, tau_m = 20.0, V_th = 20.0;
    const int K_E = 80, K_I = 20;
    const double nu_ext = eta * V_th / (J * K_E * tau_m) * 1e3 * K_E; /* Hz */
    const char *const EI[] = {"E", "I"};
    sf_model_builder *b = NULL;
    check(ctx, sf_model_builder_create(ctx, "brunel_small", &b), "create");
    check(ctx, sf_model_builder_set_number(ctx, b, "simulation.duration", 1000.0), "duration");
    check(ctx, sf_model_builder_set_number(ctx, b, "simulation.threads", threads), "threads");
    check(ctx, sf_model_builder_set_number(ctx, b, "analysis.start", 100.0), "analysis");
    for (int k = 0; k < 2; k++) {
        const char *pop = EI[k];
        char path[64];
        check(ctx, sf_model_builder_add_population(ctx, b, pop, "iaf_psc_delta", k ? 200 : 800),
              pop);
        check(ctx, sf_model_builder_set_param(ctx, b, pop, "E_L", 0.0), pop);
        check(ctx, sf_model_builder_set_param(ctx, b, pop, "V_th", V_th), pop);
        check(ctx, sf_model_builder_set_param(ctx, b, pop, "V_reset", 10.0), pop);
        check(ctx, sf_model_builder_set_param(ctx, b, pop, "tau_m", tau_m), pop);
        check(ctx, sf_model_builder_set_param(ctx, b, pop, "t_ref", 2.0), pop);
        snprintf(path, sizeof path, "populations.%s.initial.V_m", pop);
        check(ctx, sf_model_builder_set(ctx, b, path, "{distribution: uniform, low: 0, high: 20}"),
              path);
    }
    static const char *const names[2][2] = {{"EE", "EI"}, {"IE", "II"}};
    for (int s = 0; s < 2; s++)
        for (int t = 0; t < 2; t++)
            check(ctx, sf_model_builder_add_projection(ctx, b, names[s][t], EI[s], EI[t],
                                                       "fixed_indegree", s ? K_I : K_E,
                                                       s ? -g * J : J, 1.5),
                  names[s][t]);
    check(ctx, sf_model_builder_add_poisson_input(ctx, b, "background", EI, 2, nu_ext, J),
          "background");
    check(ctx, sf_model_builder_add_spike_recorder(ctx, b, "spikes", EI, 2), "spikes");
    sf_model *m = NULL;
    check(ctx, sf_model_builder_finish(ctx, b, &m), "finish");
    sf_model_builder_destroy(b);
    return m;
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    sf_context *ctx = sf_context_create();
    if (!ctx)
        return 1;
    sf_model *m = build(ctx, threads > 0 ? threads : 1);
    sf_network *net = NULL;
    check(ctx, sf_network_build(ctx, m, sf_model_threads(m), &net), "network");
    sf_recording *rec = NULL;
    sf_run_options opt = {0};
    check(ctx, sf_engine_run(ctx, net, &opt, &rec), "run");
    printf("spikefield %s: %llu neurons, %llu synapses, %.0f ms simulated\n", sf_version(),
           (unsigned long long)sf_model_neurons(m), (unsigned long long)sf_network_synapses(net),
           sf_recording_t_end(rec));
    for (int p = 0; p < sf_model_population_count(m); p++) {
        const uint32_t *ids;
        const int64_t *steps;
        size_t n;
        sf_recording_spikes(rec, p, &ids, &steps, &n);
        sf_spikes sp = {ids, steps, n, sf_model_population_size(m, p), (uint32_t)p,
                        sf_model_resolution(m)};
        double rate, sem;
        check(ctx, sf_analysis_rate(ctx, &sp, sf_model_analysis_start(m), sf_recording_t_end(rec),
                                    &rate, &sem), "rate");
        printf("population %s: %u neurons, rate %.3f Hz (sem %.3f)\n",
               sf_model_population_name(m, p), sf_model_population_size(m, p), rate, sem);
    }
    sf_recording_destroy(rec);
    sf_network_destroy(net);
    sf_model_destroy(m);
    sf_context_destroy(ctx);
    return 0;
}
