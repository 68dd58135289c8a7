/* The transfer-function measurement (see transfer.h): points, estimates and
 * the expectation of each estimate from a family's H. One simulation
 * measures every listed frequency: with analysis.transfer frequencies, the
 * target neurons of a sinusoidal_poisson_generator are split into as many
 * contiguous groups (sf_input_frequency_group), each modulated at its own
 * frequency; since the neurons are independent, each group is an
 * independent measurement at its frequency (families check that the
 * measured populations have no recurrent input). */
#include "theory/transfer.h"

#include "spikefield/analysis.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t sf_transfer_points(const sf_model *m, int pop, sf_transfer_point *pts, size_t cap)
{
    size_t n = 0;
    for (int i = 0; i < m->n_inputs; i++) {
        const sf_input *in = &m->inputs[i];
        if (!in->transfer)
            continue;
        for (int t = 0; t < in->n_targets; t++) {
            int a = in->targets[t];
            if (pop >= 0 && a != pop)
                continue;
            const uint32_t N = m->pops[a].n;
            size_t ng = in->n_freq ? in->n_freq : 1;
            for (size_t g = 0; g < ng; g++) {
                uint32_t j0 = N, j1 = 0; /* the contiguous group g */
                for (uint32_t j = 0; j < N; j++)
                    if (!in->n_freq || sf_input_frequency_group(in, j, N) == g) {
                        j0 = j < j0 ? j : j0;
                        j1 = j + 1;
                    }
                if (j1 <= j0)
                    continue; /* more groups than neurons */
                if (pts && n < cap)
                    pts[n] = (sf_transfer_point){i, a, in->n_freq ? in->freq[g] : in->frequency,
                                                 j0, j1 - j0};
                n++;
            }
        }
    }
    return n;
}

const char *sf_transfer_unit(const sf_model *m, int input)
{
    return m->inputs[input].type == &sf_input_ac_generator ? "Hz/pA" : "Hz/Hz";
}

bool sf_transfer_is_quantity(const sf_quantity *e)
{
    return !strncmp(e->name, "transfer_amplitude", 18) || !strncmp(e->name, "transfer_phase", 14);
}

sf_status sf_transfer_estimate(sf_context *ctx, const sf_model *m, const sf_recording *rec,
                               const char *suffix, sf_quantities *out)
{
    const size_t np = sf_transfer_points(m, -1, NULL, 0);
    if (!np)
        return SF_OK;
    sf_transfer_point *pts = malloc(np * sizeof *pts);
    if (!pts)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    sf_status st = SF_OK;
    const double t0 = m->sim.t_analysis, t1 = sf_recording_t_end(rec);
    for (int a = 0; a < m->n_pops && st == SF_OK; a++) {
        size_t n = sf_transfer_points(m, a, pts, np);
        const uint32_t *ids;
        const int64_t *steps;
        size_t ns;
        if (!n || !sf_recording_spikes(rec, a, &ids, &steps, &ns))
            continue;
        sf_spikes sp = {ids, steps, ns, m->pops[a].n, (uint32_t)a, m->sim.resolution};
        char name[2][64];
        snprintf(name[0], sizeof name[0], "transfer_amplitude%s", suffix);
        snprintf(name[1], sizeof name[1], "transfer_phase%s", suffix);
        sf_quantity *x[2];
        for (int w = 0; w < 2; w++) {
            /* re-fetched after each add: the list may move */
            if (!(x[w] = sf_quantities_add(ctx, out, name[w], w ? "deg" : sf_transfer_unit(m, pts[0].input),
                                           a, -1, SF_AXIS_FREQUENCY, n, 1, false))) {
                st = SF_ERR_NOMEM;
                break;
            }
        }
        if (st != SF_OK)
            break;
        x[0] = &out->q[out->n - 2];
        x[1] = &out->q[out->n - 1];
        double Tmin = INFINITY;
        for (size_t k = 0; k < n; k++) {
            const sf_input *in = &m->inputs[pts[k].input];
            x[0]->axis_values[k] = x[1]->axis_values[k] = pts[k].f;
            sf_response r;
            st = sf_analysis_response(ctx, &sp, pts[k].first, pts[k].count, t0, t1, pts[k].f, &r);
            if (st == SF_ERR_RANGE) { /* no whole period: no estimate, say why */
                st = sf_quantity_note(x[0], "%s", sf_context_errmsg(ctx));
                sf_context_clear(ctx);
                x[0]->value[k] = x[0]->se[k] = x[1]->value[k] = x[1]->se[k] = NAN;
                if (st != SF_OK)
                    break;
                continue;
            }
            if (st != SF_OK)
                break;
            /* H = X / (amplitude e^{i phase}) */
            const double amp = fabs(in->amplitude);
            double ph = r.phase - in->phase * M_PI / 180 - (in->amplitude < 0 ? M_PI : 0);
            ph = remainder(ph, 2 * M_PI);
            x[0]->value[k] = r.amplitude / amp;
            x[0]->se[k] = r.amplitude_se / amp;
            x[1]->value[k] = ph * 180 / M_PI;
            x[1]->se[k] = r.phase_se * 180 / M_PI;
            Tmin = fmin(Tmin, r.t_used_ms);
        }
        if (st == SF_OK && isfinite(Tmin))
            st = sf_quantity_note(x[0], "rate response of %u neurons per frequency over %.4g s "
                                        "of whole periods; SE over neurons",
                                  pts[0].count, Tmin * 1e-3);
    }
    free(pts);
    if (st == SF_ERR_NOMEM && sf_context_status(ctx) != SF_ERR_NOMEM)
        sf_fail(ctx, st, "out of memory for the transfer estimates");
    return st;
}

sf_status sf_transfer_expect(sf_context *ctx, const sf_quantity *e, const double complex *H,
                             const char *assume, sf_quantities *out)
{
    sf_quantity *x = sf_quantities_add(ctx, out, e->name, e->unit, e->pop[0], e->pop[1], e->axis,
                                       e->rows, e->cols, e->is_complex);
    if (!x)
        return SF_ERR_NOMEM;
    memcpy(x->axis_values, e->axis_values, e->rows * sizeof *x->axis_values);
    const bool phase = !strncmp(e->name, "transfer_phase", 14);
    for (size_t k = 0; k < e->rows; k++) {
        double complex h = H[k];
        if (!phase) {
            x->value[k] = cabs(h);
            continue;
        }
        double p = carg(h) * 180 / M_PI, s = e->value[k];
        x->value[k] = isfinite(s) ? s - remainder(s - p, 360.0) : p;
    }
    return assume ? sf_quantity_assume(x, "%s", assume) : SF_OK;
}
