/* fixed_indegree (NEST's name): every target neuron draws `indegree`
 * sources, uniformly, without repetition unless multapses. The count is the
 * in-degree, so the mean in-degree is exact. */
#include "network/network_impl.h"

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
static double max_partners(const sf_model *m, const sf_projection *p, const void *plan)
{
    return (double)p->count;
}
static uint64_t partners(const sf_projection *p, const void *plan, uint32_t j, uint32_t n,
                         uint32_t skip, sf_rng *r, sf_conn_scratch *S)
{
    sf_conn_draw_fixed(r, p->count, n, skip, p->multapses, S);
    return p->count;
}

const sf_rule_type sf_rule_fixed_indegree = {
    .name = "fixed_indegree",
    .doc = "each target neuron receives exactly `indegree` connections from sources drawn "
           "uniformly (without repetition unless multapses)",
    .count_key = "indegree",
    .max_count = max_count,
    .mean_indegree = mean_indegree,
    .expected_synapses = expected_synapses,
    .max_partners = max_partners,
    .partners = partners,
};
