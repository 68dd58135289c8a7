/* spatial_pairwise_bernoulli (NEST: pairwise_bernoulli with a spatial `p`):
 * each (source, target) pair is connected independently with probability
 * min(1, p F(x_s - x_t)), F the profile (src/network/spatial.h, f(0) = 1),
 * by thinning a geometric skip over the cells within reach. */
#include "network/spatial.h"

#include <math.h>

static double mean_indegree(const sf_model *m, const sf_projection *p)
{
    return fmin(p->p * sf_spatial_reach(m, p, p->source), (double)m->pops[p->source].n);
}
static double expected_synapses(const sf_model *m, const sf_projection *p)
{
    return mean_indegree(m, p) * m->pops[p->target].n;
}
static void *plan(const sf_model *m, int pi)
{
    return sf_spatial_plan_create(m, pi);
}
static double max_partners(const sf_model *m, const sf_projection *p, const void *pl)
{
    return m->pops[p->source].n;
}
static uint64_t partners(const sf_projection *p, const void *pl, uint32_t j, uint32_t n,
                         uint32_t skip, sf_rng *r, sf_conn_scratch *S)
{
    return sf_spatial_draw_bernoulli(p, pl, j, skip, r, S);
}

const sf_rule_type sf_rule_spatial_pairwise_bernoulli = {
    .name = "spatial_pairwise_bernoulli",
    .doc = "each (source, target) pair is connected independently with probability "
           "min(1, p F(r)), F the distance `profile` with F(0) = 1 (docs/spatial.md)",
    .count_key = "p",
    .count_is_probability = true,
    .spatial = true,
    .check = sf_spatial_check,
    .mean_indegree = mean_indegree,
    .expected_synapses = expected_synapses,
    .plan = plan,
    .max_partners = max_partners,
    .partners = partners,
    .entity_order = sf_spatial_entity_order,
};
