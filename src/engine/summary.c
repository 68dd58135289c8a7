/* The summary of a run: per-population statistics of a recording and the
 * JSON text of summary.json (what `spikefield run` writes and the Python
 * package's Recording.write writes), one implementation for both.
 *
 * Invariant: read-only over the recording, network and model, through their
 * public accessors; the file is written to a temporary name and renamed when
 * complete, so a reader never sees a partial summary.
 */
#include "spikefield/analysis.h"
#include "core/json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void stats_nan(sf_pop_stats *st)
{
    memset(st, 0, sizeof *st);
    st->rate_Hz = st->cv_isi = st->fano = st->corr = NAN;
    st->rate_sem = st->cv_sem = st->fano_sem = st->corr_sem = NAN;
}

sf_status sf_recording_analyse(sf_context *ctx, const sf_recording *rec, const sf_model *m,
                               sf_pop_stats *stats)
{
    if (!rec || !m || !stats)
        return sf_fail(ctx, SF_ERR_ARG, "sf_recording_analyse: rec, m and stats must not be NULL");
    sf_status first = SF_OK;
    double t1 = sf_recording_t_end(rec), t0 = sf_model_analysis_start(m);
    for (int p = 0; p < sf_model_population_count(m); p++) {
        sf_pop_stats *st = &stats[p];
        stats_nan(st);
        const uint32_t *ids;
        const int64_t *steps;
        size_t n;
        if (!sf_recording_spikes(rec, p, &ids, &steps, &n) || t1 <= t0)
            continue;
        sf_spikes sp = {ids, steps, n, sf_model_population_size(m, p), (uint32_t)p,
                        sf_model_resolution(m)};
        /* a recorded subset or window: statistics over those neurons (ids
         * renumbered 0 .. n-1) and that window */
        const uint32_t *sub;
        uint32_t n_sub;
        double w0, w1, a0 = t0, a1 = t1;
        uint32_t *local = NULL;
        double shift = 0; /* the analysis counts time stamps in [a0, a1) */
        if (sf_recording_spike_subset(rec, p, &sub, &n_sub, &w0, &w1)) {
            a0 = w0 > a0 ? w0 : a0;
            a1 = w1 < a1 ? w1 : a1;
            /* a recorder with a subset or window keeps the stamps start <
             * t <= stop (NEST): the statistics then cover exactly what it
             * recorded, (a0, a1]; otherwise [analysis.start, t_end) */
            if (sub || w0 > 0 || isfinite(w1))
                shift = sf_model_resolution(m);
            if (sub && n_sub) {
                if (!(local = malloc(sizeof(uint32_t) * (n + 1))))
                    return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
                for (size_t i = 0; i < n; i++) { /* the position of ids[i] in sub */
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
        sf_status s = SF_OK;
        if (a1 > a0 && sp.n_neurons > 0)
            s = sf_analysis_population(ctx, &sp, a0 + shift, a1 + shift, sf_model_analysis_bin(m),
                                       sf_model_analysis_pairs(m), sf_model_seed(m), st);
        free(local);
        if (s != SF_OK) {
            if (first == SF_OK) {
                char msg[512];
                snprintf(msg, sizeof msg, "%s", sf_context_errmsg(ctx));
                first = sf_fail(ctx, s, "analysis of %s: %s", sf_model_population_name(m, p), msg);
            }
            stats_nan(st);
        }
    }
    return first;
}

static bool is_voltmeter(const sf_model *m, int r)
{
    const char *k = sf_model_recorder_kind(m, r);
    return !strcmp(k, "voltmeter") || !strcmp(k, "multimeter");
}

static void iso_time(double epoch, char *buf, size_t len)
{
    time_t t = (time_t)epoch;
    struct tm tm;
    if (epoch > 0 && gmtime_r(&t, &tm))
        strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
    else
        snprintf(buf, len, "%s", "");
}

void sf_recording_provenance(const sf_recording *rec, char *host, size_t host_len,
                             char *started, char *finished, size_t time_len)
{
    if (host_len) {
        if (gethostname(host, host_len) != 0)
            host[0] = '\0';
        host[host_len - 1] = '\0';
    }
    if (time_len) {
        iso_time(sf_recording_started(rec), started, time_len);
        iso_time(sf_recording_finished(rec), finished, time_len);
    }
}

/* How the run was made: version, commit, host, times, overrides and the
 * resolved model (docs/cli.md, "Provenance"). */
static void write_provenance(sf_json *j, const sf_recording *rec, const sf_model *m)
{
    char host[256], t0[40], t1[40];
    sf_recording_provenance(rec, host, sizeof host, t0, t1, sizeof t0);
    sf_json_obj(j, "provenance");
    sf_json_str(j, "spikefield", sf_version());
    sf_json_str(j, "git_commit", sf_version_commit());
    sf_json_str(j, "host", host);
    sf_json_str(j, "started", t0);
    sf_json_str(j, "finished", t1);
    sf_json_arr(j, "overrides");
    for (int i = 0; i < sf_model_override_count(m); i++)
        sf_json_str(j, NULL, sf_model_override(m, i));
    sf_json_end_arr(j);
    sf_json_raw(j, "model_resolved", sf_model_resolved_json(m));
    sf_json_end_obj(j);
}

static void write_summary(FILE *f, const sf_recording *rec, const sf_network *net,
                          const sf_pop_stats *stats)
{
    const sf_model *m = sf_network_model(net);
    double T = sf_recording_t_end(rec), sim_s = sf_recording_seconds(rec);
    sf_json j;
    sf_json_begin(&j, f);
    sf_json_obj(&j, NULL);
    sf_json_str(&j, "model", sf_model_file(m));
    sf_json_int(&j, "seed", (long long)sf_model_seed(m));
    sf_json_int(&j, "threads", sf_model_threads(m));
    sf_json_bool(&j, "interrupted", sf_recording_interrupted(rec));
    sf_json_num(&j, "t_end_ms", T);
    sf_json_num(&j, "duration_ms", sf_model_duration(m));
    sf_json_num(&j, "resolution_ms", sf_model_resolution(m));
    write_provenance(&j, rec, m);
    sf_json_obj(&j, "analysis");
    sf_json_num(&j, "start_ms", sf_model_analysis_start(m));
    sf_json_num(&j, "stop_ms", T);
    sf_json_num(&j, "bin_ms", sf_model_analysis_bin(m));
    sf_json_int(&j, "pairs", sf_model_analysis_pairs(m));
    sf_json_end_obj(&j);
    sf_json_obj(&j, "populations");
    for (int p = 0; p < sf_model_population_count(m); p++) {
        const sf_pop_stats *s = &stats[p];
        const uint32_t *ids;
        const int64_t *steps;
        size_t n = 0;
        bool recorded = sf_recording_spikes(rec, p, &ids, &steps, &n);
        bool analysed = recorded && T > sf_model_analysis_start(m);
        sf_json_obj(&j, sf_model_population_name(m, p));
        sf_json_str(&j, "model", sf_model_population_model(m, p));
        sf_json_int(&j, "n", sf_model_population_size(m, p));
        sf_json_bool(&j, "recorded", recorded);
        sf_json_int(&j, "spikes", analysed ? (long long)n : 0);
        sf_json_num(&j, "rate_Hz", s->rate_Hz);
        sf_json_num(&j, "rate_sem_Hz", s->rate_sem);
        sf_json_num(&j, "cv_isi", s->cv_isi);
        sf_json_num(&j, "cv_isi_sem", s->cv_sem);
        sf_json_int(&j, "cv_isi_neurons", (long long)s->n_cv);
        sf_json_num(&j, "fano", s->fano);
        sf_json_num(&j, "fano_sem", s->fano_sem);
        sf_json_num(&j, "corr", s->corr);
        sf_json_num(&j, "corr_sem", s->corr_sem);
        sf_json_int(&j, "corr_pairs", (long long)s->n_pairs_used);
        sf_json_end_obj(&j);
    }
    sf_json_end_obj(&j);
    sf_json_obj(&j, "network");
    sf_json_int(&j, "neurons", (long long)sf_model_neurons(m));
    sf_json_int(&j, "synapses", (long long)sf_network_synapses(net));
    sf_json_num(&j, "bytes_per_synapse", sf_network_bytes_per_synapse(net));
    sf_json_obj(&j, "projections");
    for (int i = 0; i < sf_model_projection_count(m); i++) {
        sf_json_obj(&j, sf_model_projection_name(m, i));
        sf_json_str(&j, "source", sf_model_population_name(m, sf_model_projection_source(m, i)));
        sf_json_str(&j, "target", sf_model_population_name(m, sf_model_projection_target(m, i)));
        sf_json_int(&j, "synapses", (long long)sf_network_projection_synapses(net, i));
        sf_json_end_obj(&j);
    }
    sf_json_end_obj(&j);
    sf_json_end_obj(&j);
    sf_json_obj(&j, "timing");
    sf_json_num(&j, "build_s", sf_network_build_seconds(net));
    sf_json_num(&j, "simulate_s", sim_s);
    sf_json_num(&j, "real_time_factor", T > 0 ? sim_s / (T * 1e-3) : NAN);
    sf_json_num(&j, "cpu_s", sf_recording_cpu_seconds(rec));
    sf_json_int(&j, "peak_rss_bytes", (long long)sf_mem_peak_rss());
    sf_json_end_obj(&j);
    sf_json_obj(&j, "outputs");
    sf_json_str(&j, "spikes", "spikes.h5");
    for (int i = 0; i < sf_model_recorder_count(m); i++)
        if (is_voltmeter(m, i)) {
            char name[512];
            snprintf(name, sizeof name, "%s.h5", sf_model_recorder_name(m, i));
            sf_json_str(&j, sf_model_recorder_name(m, i), name);
        }
    sf_json_end_obj(&j);
    sf_json_end_obj(&j);
}

/* The statistics to write: stats, or computed into *own (freed by caller). */
static sf_status get_stats(sf_context *ctx, const sf_recording *rec, const sf_network *net,
                           const sf_pop_stats *stats, const sf_pop_stats **use, sf_pop_stats **own)
{
    *own = NULL;
    *use = stats;
    if (stats)
        return SF_OK;
    const sf_model *m = sf_network_model(net);
    int np = sf_model_population_count(m);
    *own = calloc((size_t)(np > 0 ? np : 1), sizeof **own);
    if (!*own)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory for the summary");
    sf_status s = sf_recording_analyse(ctx, rec, m, *own);
    if (s == SF_ERR_NOMEM) {
        free(*own);
        *own = NULL;
        return s;
    }
    *use = *own;   /* a population whose analysis failed is reported as NaN */
    return SF_OK;
}

sf_status sf_recording_summary_json(sf_context *ctx, const sf_recording *rec,
                                    const sf_network *net, const sf_pop_stats *stats, char **text)
{
    if (!text)
        return sf_fail(ctx, SF_ERR_ARG, "sf_recording_summary_json: text must not be NULL");
    *text = NULL;
    if (!rec || !net)
        return sf_fail(ctx, SF_ERR_ARG, "sf_recording_summary_json: rec and net must not be NULL");
    const sf_pop_stats *use;
    sf_pop_stats *own;
    sf_status s = get_stats(ctx, rec, net, stats, &use, &own);
    if (s != SF_OK)
        return s;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        free(own);
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory for the summary");
    }
    write_summary(f, rec, net, use);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        free(buf);
        free(own);
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory for the summary");
    }
    free(own);
    *text = buf;
    return SF_OK;
}

sf_status sf_recording_write_summary(sf_context *ctx, const sf_recording *rec,
                                     const sf_network *net, const sf_pop_stats *stats,
                                     const char *path)
{
    if (!rec || !net || !path)
        return sf_fail(ctx, SF_ERR_ARG, "sf_recording_write_summary: rec, net and path must not be NULL");
    char *text = NULL;
    sf_status s = sf_recording_summary_json(ctx, rec, net, stats, &text);
    if (s == SF_OK)
        s = sf_text_write_file(ctx, path, text);
    free(text);
    return s;
}
