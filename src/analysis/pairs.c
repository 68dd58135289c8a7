/* Covariance functions and cross-spectra of sampled neuron pairs.
 *
 * For n_pairs pairs (i in a, j in b, i != j when a and b are the same
 * population) drawn from the stream (seed, SF_RNG_ANALYSIS, pair entity), the
 * cross-spectrum and covariance function of the two single-neuron spike
 * trains are estimated exactly as sf_analysis_xspectrum does for population
 * averages (each neuron a "population" of one), and averaged over the pairs;
 * the standard errors are those of the mean over pairs (pairs treated as
 * independent). Memory: 8 bytes per spike of a and b (the spikes sorted by
 * neuron, built once) plus the plan. */
#include "spikefield/analysis.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t *off;      /* [n + 1] start of each neuron's spikes             */
    int64_t *steps;   /* spikes sorted by neuron, in time order within      */
} by_neuron;

static int index_spikes(const sf_spikes *sp, by_neuron *bn)
{
    bn->off = calloc((size_t)sp->n_neurons + 1, sizeof(size_t));
    bn->steps = malloc(sizeof(int64_t) * (sp->n_spikes + 1));
    if (!bn->off || !bn->steps)
        return -1;
    for (size_t s = 0; s < sp->n_spikes; s++)
        bn->off[sp->node_ids[s] + 1]++;
    for (uint32_t i = 0; i < sp->n_neurons; i++)
        bn->off[i + 1] += bn->off[i];
    size_t *pos = malloc(sizeof(size_t) * ((size_t)sp->n_neurons + 1));
    if (!pos)
        return -1;
    memcpy(pos, bn->off, sizeof(size_t) * ((size_t)sp->n_neurons + 1));
    for (size_t s = 0; s < sp->n_spikes; s++)
        bn->steps[pos[sp->node_ids[s]]++] = sp->steps[s];
    free(pos);
    return 0;
}

sf_status sf_analysis_pair_xspectrum(sf_context *ctx, const sf_spikes *a, const sf_spikes *b,
                                     size_t n_pairs, uint64_t seed, size_t seg_bins,
                                     double t_start_ms, double t_stop_ms, double bin_ms,
                                     double *out, size_t *n_used)
{
    bool same = b == NULL || b == a;
    if (same)
        b = a;
    if (!a || !out || n_pairs == 0)
        return sf_fail(ctx, SF_ERR_ARG, "pair spectra: need spikes, an output array and n_pairs >= 1");
    if (same && a->n_neurons < 2)
        return sf_fail(ctx, SF_ERR_ARG, "pair spectra: a population needs 2 neurons for a pair");
    if (a->h_ms != b->h_ms)
        return sf_fail(ctx, SF_ERR_ARG, "pair spectra: both populations must share the time grid");
    size_t W = seg_bins + 1, R = SF_XSPEC_ROWS;
    by_neuron A = {0}, B = {0};
    sf_xspectrum_plan *plan = NULL;
    double *one = malloc(sizeof(double) * R * W), *sum = calloc(R * W, sizeof(double)),
           *sq = calloc(R * W, sizeof(double));
    uint32_t *zeros = NULL;
    sf_status st = SF_OK;
    size_t used = 0, max_cnt = 1;
    if (!one || !sum || !sq || index_spikes(a, &A) || (!same && index_spikes(b, &B))) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "pair spectra: out of memory");
        goto out;
    }
    const by_neuron *Bn = same ? &A : &B;
    for (uint32_t i = 0; i < a->n_neurons; i++)
        max_cnt = A.off[i + 1] - A.off[i] > max_cnt ? A.off[i + 1] - A.off[i] : max_cnt;
    for (uint32_t i = 0; i < b->n_neurons; i++)
        max_cnt = Bn->off[i + 1] - Bn->off[i] > max_cnt ? Bn->off[i + 1] - Bn->off[i] : max_cnt;
    zeros = calloc(max_cnt, sizeof(uint32_t));
    if (!zeros) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "pair spectra: out of memory");
        goto out;
    }
    if ((st = sf_analysis_xspectrum_plan_create(ctx, seg_bins, 0, &plan)))
        goto out;
    sf_rng r;
    sf_rng_init(&r, seed, SF_RNG_ANALYSIS,
                (1ull << 48) | ((uint64_t)a->population << 24) | (uint64_t)b->population);
    for (size_t q = 0; q < n_pairs; q++) {
        uint32_t i = (uint32_t)sf_rng_below(&r, a->n_neurons), j;
        do
            j = (uint32_t)sf_rng_below(&r, b->n_neurons);
        while (same && j == i);
        sf_spikes si = {zeros, A.steps + A.off[i], A.off[i + 1] - A.off[i], 1, a->population, a->h_ms};
        sf_spikes sj = {zeros, Bn->steps + Bn->off[j], Bn->off[j + 1] - Bn->off[j], 1,
                        b->population, b->h_ms};
        if ((st = sf_analysis_xspectrum(ctx, plan, &si, &sj, t_start_ms, t_stop_ms, bin_ms, one,
                                        NULL)))
            goto out;
        for (size_t k = 0; k < R * W; k++) {
            sum[k] += one[k];
            sq[k] += one[k] * one[k];
        }
        used++;
    }
    static const int value_rows[] = {SF_XSPEC_RE, SF_XSPEC_IM, SF_XCOV};
    for (size_t k = 0; k < R * W; k++)
        out[k] = NAN;
    for (size_t w = 0; w < W; w++) {
        out[SF_XSPEC_FREQ_HZ * W + w] = one[SF_XSPEC_FREQ_HZ * W + w];
        out[SF_XCOV_LAG_MS * W + w] = one[SF_XCOV_LAG_MS * W + w];
    }
    for (int v = 0; v < 3; v++)
        for (size_t w = 0; w < W; w++) {
            size_t k = (size_t)value_rows[v] * W + w;
            double m = sum[k] / (double)used;
            out[k] = m;
            out[k + W] = used > 1 ? sqrt(fmax(sq[k] / (double)used - m * m, 0) *
                                         (double)used / (double)(used - 1) / (double)used)
                                  : NAN;
        }
out:
    if (n_used)
        *n_used = used;
    sf_analysis_xspectrum_plan_destroy(plan);
    free(one);
    free(sum);
    free(sq);
    free(zeros);
    free(A.off);
    free(A.steps);
    free(B.off);
    free(B.steps);
    return st;
}
