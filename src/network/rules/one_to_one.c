/* one_to_one (NEST's name): source i connects to target i; the two
 * populations have the same size. */
#include "network/network_impl.h"

#include <stdio.h>

static bool check(const sf_model *m, const sf_projection *p, char *msg, size_t len)
{
    const sf_population *src = &m->pops[p->source], *tgt = &m->pops[p->target];
    if (src->n == tgt->n)
        return true;
    snprintf(msg, len, "one_to_one needs equal sizes (%s has %u, %s has %u)", src->name, src->n,
             tgt->name, tgt->n);
    return false;
}
static double mean_indegree(const sf_model *m, const sf_projection *p)
{
    return p->source == p->target && !p->autapses ? 0 : 1;
}
static double expected_synapses(const sf_model *m, const sf_projection *p)
{
    return p->source == p->target && !p->autapses ? 0 : m->pops[p->source].n;
}
static double max_partners(const sf_model *m, const sf_projection *p, const void *plan)
{
    return 1;
}
static uint64_t partners(const sf_projection *p, const void *plan, uint32_t j, uint32_t n,
                         uint32_t skip, sf_rng *r, sf_conn_scratch *S)
{
    if (j == skip)
        return 0;
    S->list[0] = j;
    return 1;
}

const sf_rule_type sf_rule_one_to_one = {
    .name = "one_to_one",
    .doc = "source neuron i connects to target neuron i (equal sizes)",
    .check = check,
    .mean_indegree = mean_indegree,
    .expected_synapses = expected_synapses,
    .max_partners = max_partners,
    .partners = partners,
};
