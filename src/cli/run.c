/* spikefield run: load, build, simulate, analyse, write outputs.
 *
 * Outputs (in --out DIR, default out/<model name>): spikes.h5 (SONATA),
 * <voltmeter>.h5 (SONATA reports), summary.json. Every file is written to a
 * temporary name and renamed when complete. A bad model or a network too big
 * for memory fails before anything is created; Ctrl-C (SIGINT) or SIGTERM
 * stops the run at the next slice, writes what was simulated and marks the
 * summary as interrupted (exit status 130).
 *
 * Built against the public headers alone: the model is read through its
 * accessors (model.h).
 */
#include "sim.h"

#include "spikefield/analysis.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile int g_stop = 0;   /* set by the signal handler only */

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static void progress(void *user, double t, double T, double wall)
{
    (void)user;
    double rtf = t > 0 ? wall / (t * 1e-3) : 0;
    double left = t > 0 ? wall * (T - t) / t : 0;
    fprintf(stderr, "\r  t = %9.1f / %.1f ms   wall %7.1f s   real-time factor %6.2f   left %6.1f s ",
            t, T, wall, rtf, left);
    if (t >= T)
        fputc('\n', stderr);
    fflush(stderr);
}

char *cli_out_dir(const cli_opts *o)
{
    if (o->out_dir)
        return strdup(o->out_dir);
    const char *model = o->model;
    const char *base = strrchr(model, '/');
    base = base ? base + 1 : model;
    size_t n = strlen(base);
    const char *dot = strrchr(base, '.');
    if (dot && dot != base)
        n = (size_t)(dot - base);
    char *s = malloc(n + 8);
    if (s)
        snprintf(s, n + 8, "out/%.*s", (int)n, base);
    return s;
}

void sim_free(sim_result *r)
{
    sf_recording_destroy(r->rec);
    sf_network_destroy(r->net);
    sf_model_destroy(r->m);
    free(r->stats);
    free(r->recorded);
    free(r->n_spikes);
    free(r->out_dir);
    sf_context_destroy(r->ctx);
    memset(r, 0, sizeof *r);
}

static void analyse(sim_result *r)
{
    const sf_model *m = r->m;
    double t1 = sf_recording_t_end(r->rec), t0 = sf_model_analysis_start(m);
    for (int p = 0; p < sf_model_population_count(m); p++) {
        sf_pop_stats *st = &r->stats[p];
        const uint32_t *ids;
        const int64_t *steps;
        size_t n;
        r->recorded[p] = sf_recording_spikes(r->rec, p, &ids, &steps, &n);
        st->rate_Hz = st->cv_isi = st->fano = st->corr = NAN;
        st->rate_sem = st->cv_sem = st->fano_sem = st->corr_sem = NAN;
        if (!r->recorded[p] || t1 <= t0)
            continue;
        sf_spikes sp = {ids, steps, n, sf_model_population_size(m, p), (uint32_t)p,
                        sf_model_resolution(m)};
        /* a recorded subset or window: statistics over those neurons (ids
         * renumbered 0 .. n-1) and that window */
        const uint32_t *sub;
        uint32_t n_sub;
        double w0, w1, a0 = t0, a1 = t1;
        uint32_t *local = NULL;
        if (sf_recording_spike_subset(r->rec, p, &sub, &n_sub, &w0, &w1)) {
            a0 = w0 > a0 ? w0 : a0;
            a1 = w1 < a1 ? w1 : a1;
            if (sub && n_sub && (local = malloc(sizeof(uint32_t) * (n + 1)))) {
                for (size_t i = 0; i < n; i++) {
                    uint32_t lo = 0, hi = n_sub - 1;
                    while (lo < hi) {
                        uint32_t mid = (lo + hi) / 2;
                        if (sub[mid] < ids[i])
                            lo = mid + 1;
                        else
                            hi = mid;
                    }
                    local[i] = lo;
                }
                sp.node_ids = local;
                sp.n_neurons = n_sub;
            }
        }
        /* spikes carry their time stamps, which recorders keep for
         * start < t <= stop (NEST); the analysis counts stamps in [a, b), so
         * it gets the window shifted by one step */
        const double h = sf_model_resolution(m);
        if (a1 > a0 && sp.n_neurons > 0 &&
            sf_analysis_population(r->ctx, &sp, a0 + h, a1 + h, sf_model_analysis_bin(m),
                                   sf_model_analysis_pairs(m), sf_model_seed(m), st) != SF_OK)
            fprintf(stderr, "spikefield: analysis of %s: %s\n", sf_model_population_name(m, p),
                    sf_context_errmsg(r->ctx));
        free(local);
        r->n_spikes[p] = n;
    }
}

int sim_execute(cli_opts *o, sim_result *r)
{
    memset(r, 0, sizeof *r);
    r->ctx = sf_context_create();
    if (!r->ctx)
        return 1;
    if (sf_model_load(r->ctx, o->model, o->sets, o->n_sets, &r->m) != SF_OK) {
        fprintf(stderr, "spikefield: %s\n", sf_context_errmsg(r->ctx));
        return 1;
    }
    const sf_model *m = r->m;
    int threads = sf_model_threads(m), n_pops = sf_model_population_count(m);
    r->out_dir = cli_out_dir(o);
    int created = 0;
    if (!o->quiet)
        fprintf(stderr, "spikefield: building %s (%llu neurons, %d thread%s)\n", sf_model_file(m),
                (unsigned long long)sf_model_neurons(m), threads, threads > 1 ? "s" : "");
    if (sf_network_build(r->ctx, m, threads, &r->net) != SF_OK) {
        fprintf(stderr, "spikefield: %s\n", sf_context_errmsg(r->ctx));
        return 1;
    }
    if (cli_mkdirs(r->out_dir, &created) != 0) {
        fprintf(stderr, "spikefield: cannot create output directory %s\n", r->out_dir);
        return 1;
    }
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    g_stop = 0;
    sf_run_options ro = {.stop = &g_stop};
    if (!o->quiet && isatty(STDERR_FILENO))
        ro.progress = progress;
    sf_status st = sf_engine_run(r->ctx, r->net, &ro, &r->rec);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (st != SF_OK) {
        fprintf(stderr, "spikefield: %s\n", sf_context_errmsg(r->ctx));
        if (created)
            rmdir(r->out_dir);
        return 1;
    }
    if (ro.progress && sf_recording_interrupted(r->rec))
        fputc('\n', stderr);
    r->stats = calloc((size_t)n_pops, sizeof *r->stats);
    r->recorded = calloc((size_t)n_pops, sizeof(bool));
    r->n_spikes = calloc((size_t)n_pops, sizeof(size_t));
    if (!r->stats || !r->recorded || !r->n_spikes)
        return 1;
    analyse(r);
    if (sf_recording_write(r->ctx, r->rec, m, r->out_dir) != SF_OK) {
        fprintf(stderr, "spikefield: %s\n", sf_context_errmsg(r->ctx));
        return 1;
    }
    return 0;
}

/* Recorders that write a report file <name>.h5 of their own. */
static bool is_voltmeter(const sf_model *m, int r)
{
    const char *k = sf_model_recorder_kind(m, r);
    return !strcmp(k, "voltmeter") || !strcmp(k, "multimeter");
}

static void write_summary(FILE *f, void *user)
{
    const sim_result *r = user;
    const sf_model *m = r->m;
    double T = sf_recording_t_end(r->rec), sim_s = sf_recording_seconds(r->rec);
    json_w j;
    json_begin(&j, f);
    json_obj(&j, NULL);
    json_str(&j, "model", sf_model_file(m));
    json_int(&j, "seed", (long long)sf_model_seed(m));
    json_int(&j, "threads", sf_model_threads(m));
    json_bool(&j, "interrupted", sf_recording_interrupted(r->rec));
    json_num(&j, "t_end_ms", T);
    json_num(&j, "duration_ms", sf_model_duration(m));
    json_obj(&j, "analysis");
    json_num(&j, "start_ms", sf_model_analysis_start(m));
    json_num(&j, "stop_ms", T);
    json_num(&j, "bin_ms", sf_model_analysis_bin(m));
    json_int(&j, "pairs", sf_model_analysis_pairs(m));
    json_end_obj(&j);
    json_obj(&j, "populations");
    for (int p = 0; p < sf_model_population_count(m); p++) {
        const sf_pop_stats *s = &r->stats[p];
        json_obj(&j, sf_model_population_name(m, p));
        json_str(&j, "model", sf_model_population_model(m, p));
        json_int(&j, "n", sf_model_population_size(m, p));
        json_bool(&j, "recorded", r->recorded[p]);
        json_int(&j, "spikes", (long long)r->n_spikes[p]);
        json_num(&j, "rate_Hz", s->rate_Hz);
        json_num(&j, "rate_sem_Hz", s->rate_sem);
        json_num(&j, "cv_isi", s->cv_isi);
        json_num(&j, "cv_isi_sem", s->cv_sem);
        json_int(&j, "cv_isi_neurons", (long long)s->n_cv);
        json_num(&j, "fano", s->fano);
        json_num(&j, "fano_sem", s->fano_sem);
        json_num(&j, "corr", s->corr);
        json_num(&j, "corr_sem", s->corr_sem);
        json_int(&j, "corr_pairs", (long long)s->n_pairs_used);
        json_end_obj(&j);
    }
    json_end_obj(&j);
    json_obj(&j, "network");
    json_int(&j, "neurons", (long long)sf_model_neurons(m));
    json_int(&j, "synapses", (long long)sf_network_synapses(r->net));
    json_num(&j, "bytes_per_synapse", sf_network_bytes_per_synapse(r->net));
    json_obj(&j, "projections");
    for (int i = 0; i < sf_model_projection_count(m); i++) {
        json_obj(&j, sf_model_projection_name(m, i));
        json_str(&j, "source", sf_model_population_name(m, sf_model_projection_source(m, i)));
        json_str(&j, "target", sf_model_population_name(m, sf_model_projection_target(m, i)));
        json_int(&j, "synapses", (long long)sf_network_projection_synapses(r->net, i));
        json_end_obj(&j);
    }
    json_end_obj(&j);
    json_end_obj(&j);
    json_obj(&j, "timing");
    json_num(&j, "build_s", sf_network_build_seconds(r->net));
    json_num(&j, "simulate_s", sim_s);
    json_num(&j, "real_time_factor", T > 0 ? sim_s / (T * 1e-3) : NAN);
    json_num(&j, "cpu_s", sf_recording_cpu_seconds(r->rec));
    json_int(&j, "peak_rss_bytes", (long long)sf_mem_peak_rss());
    json_end_obj(&j);
    json_obj(&j, "outputs");
    json_str(&j, "spikes", "spikes.h5");
    for (int i = 0; i < sf_model_recorder_count(m); i++)
        if (is_voltmeter(m, i)) {
            char name[512];
            snprintf(name, sizeof name, "%s.h5", sf_model_recorder_name(m, i));
            json_str(&j, sf_model_recorder_name(m, i), name);
        }
    json_end_obj(&j);
    json_end_obj(&j);
}

int sim_write_summary(sim_result *r)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/summary.json", r->out_dir);
    if (cli_write_atomic(path, write_summary, r) != 0) {
        fprintf(stderr, "spikefield: cannot write %s\n", path);
        return 1;
    }
    return 0;
}

void sim_print_table(const sim_result *r, FILE *f)
{
    const sf_model *m = r->m;
    fprintf(f, "\n%-12s %9s %13s %10s %8s %8s %9s\n", "population", "neurons", "synapses in",
            "rate (Hz)", "CV ISI", "Fano", "corr");
    for (int p = 0; p < sf_model_population_count(m); p++) {
        uint64_t syn = 0;
        for (int i = 0; i < sf_model_projection_count(m); i++)
            if (sf_model_projection_target(m, i) == p)
                syn += sf_network_projection_synapses(r->net, i);
        const sf_pop_stats *s = &r->stats[p];
        const char *name = sf_model_population_name(m, p);
        uint32_t n = sf_model_population_size(m, p);
        if (!r->recorded[p]) {
            fprintf(f, "%-12s %9u %13llu %10s\n", name, n, (unsigned long long)syn,
                    "(not recorded)");
            continue;
        }
        fprintf(f, "%-12s %9u %13llu %10.3f %8.3f %8.3f %9.5f\n", name, n,
                (unsigned long long)syn, s->rate_Hz, s->cv_isi, s->fano, s->corr);
    }
    double T = sf_recording_t_end(r->rec), sim_s = sf_recording_seconds(r->rec);
    int threads = sf_model_threads(m);
    fprintf(f, "\n%llu neurons, %llu synapses (%.2f bytes each); build %.2f s, simulate %.2f s "
            "(real-time factor %.2f, %d thread%s)\n",
            (unsigned long long)sf_model_neurons(m), (unsigned long long)sf_network_synapses(r->net),
            sf_network_bytes_per_synapse(r->net), sf_network_build_seconds(r->net), sim_s,
            T > 0 ? sim_s / (T * 1e-3) : 0.0, threads, threads > 1 ? "s" : "");
    if (sf_recording_interrupted(r->rec))
        fprintf(f, "interrupted at t = %.1f ms of %.1f ms; outputs hold what was simulated\n", T,
                sf_model_duration(m));
}

int cmd_run(cli_opts *o)
{
    sim_result r;
    int rc = sim_execute(o, &r);
    if (rc == 0)
        rc = sim_write_summary(&r);
    if (rc == 0) {
        if (!o->quiet)
            sim_print_table(&r, stdout);
        printf("outputs: %s/spikes.h5, %s/summary.json", r.out_dir, r.out_dir);
        for (int i = 0; i < sf_model_recorder_count(r.m); i++)
            if (is_voltmeter(r.m, i))
                printf(", %s/%s.h5", r.out_dir, sf_model_recorder_name(r.m, i));
        printf("\n");
        if (sf_recording_interrupted(r.rec))
            rc = 130;
    }
    sim_free(&r);
    return rc;
}
