/* spatial_fixed_indegree (NEST: fixed_indegree with a spatial `p`): every
 * target draws `indegree` sources, each with probability proportional to
 * the profile F(x_s - x_t) around the target (src/network/spatial.h), by
 * exact rejection over cells; no N^2 loop. */
#include "network/spatial.h"

static uint64_t max_count(const sf_model *m, const sf_projection *p)
{
    return m->pops[p->source].n - (p->source == p->target && !p->autapses ? 1u : 0u);
}
static double mean_indegree(const sf_model *m, const sf_projection *p)
{
    return (double)p->count;
}
static double expected_synapses(const sf_model *m, const sf_projection *p)
{
    return (double)p->count * m->pops[p->target].n;
}
static void *plan(const sf_model *m, int pi)
{
    return sf_spatial_plan_create(m, pi);
}
static double max_partners(const sf_model *m, const sf_projection *p, const void *pl)
{
    return (double)p->count;
}
static uint64_t partners(const sf_projection *p, const void *pl, uint32_t j, uint32_t n,
                         uint32_t skip, sf_rng *r, sf_conn_scratch *S)
{
    return sf_spatial_draw_fixed(p, pl, j, p->count, skip, r, S);
}

const sf_rule_type sf_rule_spatial_fixed_indegree = {
    .name = "spatial_fixed_indegree",
    .doc = "each target neuron receives exactly `indegree` connections from sources drawn with "
           "probability proportional to the distance `profile` around it (docs/spatial.md)",
    .count_key = "indegree",
    .spatial = true,
    .max_count = max_count,
    .check = sf_spatial_check,
    .mean_indegree = mean_indegree,
    .expected_synapses = expected_synapses,
    .plan = plan,
    .max_partners = max_partners,
    .partners = partners,
    .scratch_bytes = sf_spatial_scratch_bytes,
    .entity_order = sf_spatial_entity_order,
};
