/* fixed_outdegree (NEST's name): every source neuron draws `outdegree`
 * targets, uniformly, without repetition unless multapses. Partners are drawn
 * per source (by_source), from the source's stream. */
#include "network/network_impl.h"

static uint64_t max_count(const sf_model *m, const sf_projection *p)
{
    return m->pops[p->target].n - (p->source == p->target && !p->autapses ? 1u : 0u);
}
static double mean_indegree(const sf_model *m, const sf_projection *p)
{
    return (double)p->count * m->pops[p->source].n / m->pops[p->target].n;
}
static double expected_synapses(const sf_model *m, const sf_projection *p)
{
    return (double)p->count * m->pops[p->source].n;
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

const sf_rule_type sf_rule_fixed_outdegree = {
    .name = "fixed_outdegree",
    .doc = "each source neuron makes exactly `outdegree` connections to targets drawn "
           "uniformly (without repetition unless multapses)",
    .count_key = "outdegree",
    .by_source = true,
    .max_count = max_count,
    .mean_indegree = mean_indegree,
    .expected_synapses = expected_synapses,
    .max_partners = max_partners,
    .partners = partners,
};
