/* sf_field_run: a field model (sf_model.field) simulated into a recording
 * whose only content is the field statistics (field_stats.c), so that the
 * command's run and compare, sf_recording_write and the `rg` theory family
 * treat a field like any other model.
 * Invariant: a field recording has no spikes, no recorder data and
 * rec->field != NULL; a network recording has rec->field == NULL.
 */
#include "engine/engine_impl.h"
#include "lattice/field.h"
#include "spikefield/field.h"

#include <stdlib.h>

bool sf_model_has_field(const sf_model *m)
{
    return m && m->field;
}

uint64_t sf_model_field_sites(const sf_model *m)
{
    return m && m->field ? (uint64_t)sf_field_sites(m->field) : 0;
}

const sf_field_stats *sf_recording_field(const sf_recording *rec)
{
    return rec ? rec->field : NULL;
}

sf_status sf_field_run(sf_context *ctx, const sf_model *m, const volatile int *stop,
                       sf_recording **out)
{
    if (!m || !out)
        return sf_fail(ctx, SF_ERR_ARG, "sf_field_run: no model or output");
    *out = NULL;
    if (!m->field)
        return sf_fail(ctx, SF_ERR_ARG, "%s: sf_field_run: the model has no field section", m->file);
    sf_recording *rec = calloc(1, sizeof *rec);
    if (!rec)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    rec->m = m;
    rec->started = sf_epoch_time();
    double c0 = sf_cpu_time();
    sf_status st = sf_field_simulate(ctx, m->field, m->sim.resolution, m->sim.duration,
                                     m->sim.seed, m->sim.threads, stop, &rec->field);
    if (st) {
        free(rec);
        return st;
    }
    rec->finished = sf_epoch_time();
    rec->cpu_s = sf_cpu_time() - c0;
    rec->t_end = rec->field->t_end;
    rec->wall_s = rec->field->wall_s;
    rec->interrupted = rec->t_end < m->sim.duration * (1 - 1e-12);
    *out = rec;
    return SF_OK;
}
