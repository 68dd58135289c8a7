/* spikefield run: load, build, simulate, analyse, write outputs.
 *
 * Outputs (in --out DIR, default out/<model name>): spikes.h5 (SONATA),
 * <voltmeter>.h5 (SONATA reports), <weight_recorder>.h5 and weights.h5
 * (plasticity: logged and final weights), summary.json (the library's
 * sf_recording_write_summary, also used by the Python package), written as
 * one output set (outset.c: a temporary folder renamed into place; an
 * earlier run's outputs are replaced only with --replace). A bad model or a
 * network too big for memory fails before anything is created.
 *
 * Signals: SIGINT, SIGTERM and SIGHUP set a flag from the start of the
 * command to its end. During the build nothing has been simulated: the
 * command stops after it, writes nothing, exits 130. During the simulation
 * the run stops at the next slice and what was simulated is written and
 * marked interrupted (exit 130); with --checkpoint-dir it first completes
 * the next slice and writes a checkpoint there (resume.c). During analysis and writing (and a second
 * signal at any time) the flag is only noted: the set is completed, then
 * the command exits 130.
 *
 * Built against the public headers alone: the model is read through its
 * accessors (model.h).
 */
#include "sim.h"

#include "spikefield/analysis.h"
#include "spikefield/field.h"
#include "spikefield/checkpoint.h"
#include "spikefield/mpi.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


/* plasticity: the model has a projection whose weights change (the run
 * then writes weights.h5). */
static bool sim_has_plastic(const sf_model *m)
{
    for (int i = 0; i < sf_model_projection_count(m); i++)
        if (sf_model_projection_plastic(m, i))
            return true;
    return false;
}

static volatile int g_stop = 0;    /* set by the signal handler only; the engine
                                      polls it once per slice */
static volatile int g_signals = 0;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
    if (++g_signals == 2) { /* once: the write is being finished */
        static const char msg[] = "\nspikefield: finishing the outputs; they will be complete\n";
        ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
        (void)w;
    }
}

static struct sigaction g_old[3];
static const int g_sigs[3] = {SIGINT, SIGTERM, SIGHUP};

static void signals_catch(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    g_stop = g_signals = 0;
    for (int i = 0; i < 3; i++)
        sigaction(g_sigs[i], &sa, &g_old[i]);
}

static void signals_restore(void)
{
    for (int i = 0; i < 3; i++)
        sigaction(g_sigs[i], &g_old[i], NULL);
}

int sim_signalled(void)
{
    return g_stop != 0;
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

/* A field model (docs/rg.md): no network; the recording holds the field
 * statistics and sf_recording_write writes field.h5. */
static int field_execute(cli_opts *o, sim_result *r)
{
    const sf_model *m = r->m;
    int threads = sf_model_threads(m);
    if (!o->quiet)
        fprintf(stderr, "spikefield: simulating the field of %s (%llu sites, %d thread%s)\n",
                sf_model_file(m), (unsigned long long)sf_model_field_sites(m), threads,
                threads > 1 ? "s" : "");
    if (cli_outset_begin(&r->set, r->out_dir, o->replace) != 0)
        return 1;
    r->write_dir = r->set.tmp;
    if (sf_field_run(r->ctx, m, &g_stop, &r->rec) != SF_OK ||
        sf_recording_write(r->ctx, r->rec, m, r->write_dir) != SF_OK) {
        fprintf(stderr, "spikefield: %s\n", sf_context_errmsg(r->ctx));
        return 1;
    }
    return 0;
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
    cli_outset_abort(&r->set); /* not committed: nothing half-written stays */
    if (r->catching)
        signals_restore();
    sf_recording_destroy(r->rec);
    sf_network_destroy(r->net);
    sf_model_destroy(r->m);
    free(r->stats);
    free(r->recorded);
    free(r->out_dir);
    sf_context_destroy(r->ctx);
    memset(r, 0, sizeof *r);
}

int sim_execute(cli_opts *o, sim_result *r)
{
    memset(r, 0, sizeof *r);
    signals_catch();
    r->catching = 1;
    r->ctx = sf_context_create();
    if (!r->ctx)
        return 1;
    if (sf_model_load(r->ctx, o->model, o->sets, o->n_sets, &r->m) != SF_OK) {
        fprintf(stderr, "spikefield: %s\n", sf_context_errmsg(r->ctx));
        return 1;
    }
    const sf_model *m = r->m;
    int threads = o->threads > 0 ? o->threads : sf_model_threads(m), n_pops = sf_model_population_count(m);
    r->out_dir = cli_out_dir(o);
    if (!r->out_dir)
        return 1;
    if (sf_model_has_field(m))
        return field_execute(o, r);
    /* several processes (MPI, docs/scaling.md): rank 0 alone writes and prints */
    const int rank = sf_mpi_rank(), ranks = sf_mpi_size();
    if (rank != 0)
        o->quiet = 1;
    if (!o->quiet)
        fprintf(stderr, "spikefield: building %s (%llu neurons, %d thread%s%s)\n",
                sf_model_file(m), (unsigned long long)sf_model_neurons(m), threads,
                threads > 1 ? "s" : "", ranks > 1 ? " per process" : "");
    if (sf_network_build_part(r->ctx, m, threads, rank, ranks, &r->net) != SF_OK) {
        fprintf(stderr, "spikefield: %s\n", sf_context_errmsg(r->ctx));
        return 1;
    }
    if (g_stop) { /* interrupted while building: nothing simulated, nothing written */
        fprintf(stderr, "spikefield: interrupted while building the network; nothing written\n");
        return 130;
    }
    if (o->resume && sf_network_restore(r->ctx, r->net, o->resume) != SF_OK) {
        fprintf(stderr, "spikefield: %s\n", sf_context_errmsg(r->ctx));
        return 1;
    }
    if (cli_checkpoints_begin(o, r->ctx, r->net))
        return 1;
    if (rank == 0 && cli_outset_begin(&r->set, r->out_dir, o->replace) != 0)
        return 1; /* (the other processes stop at the first exchange) */
    r->write_dir = r->set.tmp;
    /* spikes and traces are spooled into the output set's folder */
    sf_run_options ro = {.stop = &g_stop, .spool_dir = r->write_dir};
    if (!o->quiet && isatty(STDERR_FILENO))
        ro.progress = progress;
    sf_status st = sf_engine_run(r->ctx, r->net, &ro, &r->rec);
    if (st != SF_OK) {
        fprintf(stderr, "spikefield: %s\n", sf_context_errmsg(r->ctx));
        return 1;
    }
    if (ro.progress && sf_recording_interrupted(r->rec))
        fputc('\n', stderr);
    cli_checkpoint_note(o, r->rec);
    if (rank != 0)
        return 0;
    r->stats = calloc((size_t)n_pops, sizeof *r->stats);
    r->recorded = calloc((size_t)n_pops, sizeof(bool));
    if (!r->stats || !r->recorded)
        return 1;
    for (int p = 0; p < n_pops; p++) {
        const uint32_t *ids;
        const int64_t *steps;
        size_t n;
        r->recorded[p] = sf_recording_spikes(r->rec, p, &ids, &steps, &n);
    }
    if (sf_recording_analyse(r->ctx, r->rec, m, r->stats) != SF_OK)
        fprintf(stderr, "spikefield: %s\n", sf_context_errmsg(r->ctx));
    if (sf_recording_write(r->ctx, r->rec, m, r->write_dir) != SF_OK) {
        cli_outset_error(&r->set, sf_context_errmsg(r->ctx));
        return 1;
    }
    if (sim_has_plastic(m)) { /* plasticity: the learned weights */
        char path[4200];
        snprintf(path, sizeof path, "%s/weights.h5", r->write_dir);
        if (sf_network_write_weights(r->ctx, r->net, path, false) != SF_OK) {
            fprintf(stderr, "spikefield: %s\n", sf_context_errmsg(r->ctx));
            return 1;
        }
    }
    return 0;
}

/* Recorders that write a report file <name>.h5 of their own. */
static bool is_voltmeter(const sf_model *m, int r)
{
    const char *k = sf_model_recorder_kind(m, r);
    return !strcmp(k, "voltmeter") || !strcmp(k, "multimeter") || !strcmp(k, "weight_recorder");
}

int sim_write_summary(sim_result *r)
{
    if (!r->net) /* a field model: field.h5 holds everything */
        return 0;
    char path[4200];
    snprintf(path, sizeof path, "%s/summary.json", r->write_dir);
    if (sf_recording_write_summary(r->ctx, r->rec, r->net, r->stats, path) != SF_OK) {
        cli_outset_error(&r->set, sf_context_errmsg(r->ctx));
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
    int threads = sf_network_threads(r->net);
    fprintf(f, "\n%llu neurons, %llu synapses (%.2f bytes each); build %.2f s, simulate %.2f s "
            "(real-time factor %.2f, %d thread%s)\n",
            (unsigned long long)sf_model_neurons(m), (unsigned long long)sf_network_synapses(r->net),
            sf_network_bytes_per_synapse(r->net), sf_network_build_seconds(r->net), sim_s,
            T > 0 ? sim_s / (T * 1e-3) : 0.0, threads, threads > 1 ? "s" : "");
    if (sf_recording_interrupted(r->rec))
        fprintf(f, "interrupted at t = %.1f ms of %.1f ms; outputs hold what was simulated\n", T,
                sf_model_duration(m));
}

int sim_exit_status(const sim_result *r)
{
    const char *why = sf_recording_stop_reason(r->rec);
    if (*why && strcmp(why, "stopped") != 0) {
        fprintf(stderr, "spikefield: the run stopped at t = %.1f ms of %.1f ms: %s; the outputs "
                        "hold what was simulated\n",
                sf_recording_t_end(r->rec), sf_model_duration(r->m), why);
        return 1;
    }
    return sf_recording_interrupted(r->rec) || sim_signalled() ? 130 : 0;
}

int sim_commit(sim_result *r)
{
    return cli_outset_commit(&r->set) ? 1 : 0;
}

int cmd_run(cli_opts *o)
{
    sim_result r;
    int rc = sim_execute(o, &r);
    if (sf_mpi_rank() != 0) { /* rank 0 writes and prints */
        sim_free(&r);
        return rc;
    }
    if (rc == 0)
        rc = sim_write_summary(&r);
    if (rc == 0)
        rc = sim_commit(&r);
    if (rc == 0 && !r.net) {
        double T = sf_recording_t_end(r.rec), s = sf_recording_seconds(r.rec);
        if (!o->quiet)
            printf("\n%llu sites, %.1f ms simulated in %.2f s\n",
                   (unsigned long long)sf_model_field_sites(r.m), T, s);
        printf("outputs: %s/field.h5\n", r.out_dir);
        if (sf_recording_interrupted(r.rec) || sim_signalled())
            rc = 130;
    } else if (rc == 0) {
        if (!o->quiet)
            sim_print_table(&r, stdout);
        printf("outputs: %s/spikes.h5, %s/summary.json", r.out_dir, r.out_dir);
        if (sim_has_plastic(r.m))
            printf(", %s/weights.h5", r.out_dir);
        for (int i = 0; i < sf_model_recorder_count(r.m); i++)
            if (is_voltmeter(r.m, i))
                printf(", %s/%s.h5", r.out_dir, sf_model_recorder_name(r.m, i));
        printf("\n");
        rc = sim_exit_status(&r);
    }
    sim_free(&r);
    return rc;
}

/* The signal handling of run, for the learning verbs (learning.c). */
void cli_signals_catch(void)
{
    signals_catch();
}

void cli_signals_restore(void)
{
    signals_restore();
}

const volatile int *cli_stop_flag(void)
{
    return &g_stop;
}
