/* The scaling benchmark of Stapmanns et al. 2021 (Front. Neuroinform.
 * 15:609147) through the engine: N postsynaptic neurons of the rule's type
 * (aeif_psc_delta_clopath for clopath_synapse, pp_cond_exp_mc_urbanczik for
 * urbanczik_synapse), each with K plastic inputs from a pool of K parrot
 * neurons firing Poisson at 5 Hz (all to all), h = 0.1 ms, the targets
 * driven to fire a few Hz; for each archiving scheme (0 full history, 1
 * compressed, 2 time-driven) and the static twin (static_synapse: what the
 * plasticity adds is the difference) the CPU time of the run (best of
 * `reps`), the synapse storage and the archives' entries (full) or cells
 * (compressed) at the end.
 *
 *   usage: bench_varch_net [T_MS [N [REPS [K ...]]]]   (defaults 100 ms, 1000, 1; K 100 1000)
 *
 * (make bench runs the defaults, about a minute; docs/plasticity.md adds
 * K = 10000 with N = 100: `bench_varch_net 100 100 1 10000`.)
 * One JSON line per (rule, K, scheme) with seconds per second of model
 * time, bytes per synapse and the 1-minute load average
 * (docs/plasticity.md, "Which scheme when"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "network/network_impl.h"
#include "plasticity/varch_archive.h"
#include "spikefield/model.h"
#include "bench_util.h"

extern const sf_archive_type sf_archive_clopath, sf_archive_urbanczik;

static const char *fmt_clopath =
    "simulation: {resolution: 0.1, duration: %g, seed: 1, threads: 1}\n"
    "populations:\n"
    "  X: {model: parrot_neuron, n: %d}\n"
    "  N: {model: aeif_psc_delta_clopath, n: %d, params: {I_e: 600.0}}\n"
    "inputs:\n"
    "  px: {kind: poisson, targets: [X], rate: 5.0, weight: 1.0}\n"
    "projections:\n"
    "  XN: {source: X, target: N, rule: all_to_all, weight: %g, delay: 1.0,\n"
    "       synapse: %s}\n";

static const char *fmt_urbanczik =
    "simulation: {resolution: 0.1, duration: %g, seed: 1, threads: 1}\n"
    "populations:\n"
    "  X: {model: parrot_neuron, n: %d}\n"
    "  N: {model: pp_cond_exp_mc_urbanczik, n: %d, params: {soma_I_e: 300.0}}\n"
    "inputs:\n"
    "  px: {kind: poisson, targets: [X], rate: 5.0, weight: 1.0}\n"
    "projections:\n"
    "  XN: {source: X, target: N, rule: all_to_all, weight: %g, delay: 1.0,\n"
    "       receptor: dendritic_exc, synapse: %s}\n";

int main(int argc, char **argv)
{
    const double T = argc > 1 ? atof(argv[1]) : 100.0;
    const int N = argc > 2 ? atoi(argv[2]) : 1000;
    const int reps = argc > 3 ? atoi(argv[3]) : 1;
    int Ks[16] = {100, 1000}, nK = 2;
    if (argc > 4)
        for (nK = 0; nK < 16 && 4 + nK < argc; nK++)
            Ks[nK] = atoi(argv[4 + nK]);
    sf_context *ctx = sf_context_create();
    for (int rule = 0; rule < 2; rule++)
        for (int ik = 0; ik < nK; ik++) {
            const int K = Ks[ik];
            /* the same mean input for every K: K w 5 Hz fixed */
            const double w = (rule ? 50.0 : 0.5) * 100.0 / K;
            for (int a = -1; a < 3; a++) {
                char syn[160], text[2048];
                if (a < 0)
                    snprintf(syn, sizeof syn, "static_synapse");
                else if (rule == 0)
                    snprintf(syn, sizeof syn, "{model: clopath_synapse, Wmax: %g, archiving: %d}",
                             100 * w, a);
                else
                    snprintf(syn, sizeof syn,
                             "{model: urbanczik_synapse, Wmax: %g, eta: 0.01, archiving: %d}",
                             100 * w, a);
                snprintf(text, sizeof text, rule ? fmt_urbanczik : fmt_clopath, T, K, N, w, syn);
                double best = 1e300, bps = 0;
                size_t full = 0, cells = 0;
                for (int r = 0; r < reps; r++) {
                    sf_model *m = NULL;
                    sf_network *net = NULL;
                    sf_recording *rec = NULL;
                    if (sf_model_load_string(ctx, text, "bench_varch_net", NULL, 0, &m) != SF_OK ||
                        sf_network_build(ctx, m, 1, &net) != SF_OK ||
                        sf_engine_run(ctx, net, NULL, &rec) != SF_OK) {
                        fprintf(stderr, "bench_varch_net: %s\n", sf_context_errmsg(ctx));
                        return 1;
                    }
                    const double s = sf_recording_cpu_seconds(rec);
                    best = s < best ? s : best;
                    bps = sf_network_bytes_per_synapse(net);
                    full = cells = 0;
                    for (int b = 0; b < net->n_blocks; b++)
                        for (int q = 0; q < net->blocks[b].n_archives; q++)
                            if (net->blocks[b].arch_type[q] == &sf_archive_clopath ||
                                net->blocks[b].arch_type[q] == &sf_archive_urbanczik) {
                                size_t f, c;
                                sf_varch_block_sizes(net->blocks[b].arch[q], &f, &c);
                                full += f;
                                cells += c;
                            }
                    sf_recording_destroy(rec);
                    sf_network_destroy(net);
                    sf_model_destroy(m);
                }
                printf("{\"bench\": \"varch_net\", \"rule\": \"%s\", \"N\": %d, \"K\": %d, "
                       "\"T_ms\": %g, \"scheme\": \"%s\", \"cpu_s\": %.3f, "
                       "\"s_per_model_s\": %.3f, \"bytes_per_synapse\": %.1f, "
                       "\"full_entries_end\": %zu, \"compressed_cells_end\": %zu, "
                       "\"loadavg_1min\": %.2f}\n",
                       rule ? "urbanczik" : "clopath", N, K, T,
                       a < 0 ? "static" : a == 0 ? "full" : a == 1 ? "compressed" : "time-driven",
                       best, best / (T * 1e-3), bps, full, cells, bench_load_average());
                fflush(stdout);
            }
        }
    sf_context_destroy(ctx);
    return 0;
}
