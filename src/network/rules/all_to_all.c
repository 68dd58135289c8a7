/* all_to_all (NEST's name): every source connects to every target (except
 * itself without autapses). */
#include "network/network_impl.h"

static double mean_indegree(const sf_model *m, const sf_projection *p)
{
    bool self = p->source == p->target && !p->autapses;
    return m->pops[p->source].n - (self ? 1 : 0);
}
static double expected_synapses(const sf_model *m, const sf_projection *p)
{
    double ns = m->pops[p->source].n, nt = m->pops[p->target].n;
    bool self = p->source == p->target && !p->autapses;
    return ns * nt - (self ? ns : 0);
}
static double max_partners(const sf_model *m, const sf_projection *p, const void *plan)
{
    return m->pops[p->source].n;
}
static uint64_t partners(const sf_projection *p, const void *plan, uint32_t j, uint32_t n,
                         uint32_t skip, sf_rng *r, sf_conn_scratch *S)
{
    uint64_t K = 0;
    for (uint32_t s = 0; s < n; s++)
        if (s != skip)
            S->list[K++] = s;
    return K;
}

const sf_rule_type sf_rule_all_to_all = {
    .name = "all_to_all",
    .doc = "every source neuron connects to every target neuron",
    .mean_indegree = mean_indegree,
    .expected_synapses = expected_synapses,
    .max_partners = max_partners,
    .partners = partners,
};
