/* pairwise_bernoulli (NEST's name): every (source, target) pair is connected
 * with probability p, independently; drawn per target by geometric skipping
 * over the sources (gaps between successes are Geometric(p)). */
#include "network/network_impl.h"

static double mean_indegree(const sf_model *m, const sf_projection *p)
{
    bool self = p->source == p->target && !p->autapses;
    return p->p * (m->pops[p->source].n - (self ? 1 : 0));
}
static double expected_synapses(const sf_model *m, const sf_projection *p)
{
    double ns = m->pops[p->source].n, nt = m->pops[p->target].n;
    bool self = p->source == p->target && !p->autapses;
    return p->p * (ns * nt - (self ? ns : 0));
}
static double max_partners(const sf_model *m, const sf_projection *p, const void *plan)
{
    return m->pops[p->source].n;
}
static uint64_t partners(const sf_projection *p, const void *plan, uint32_t j, uint32_t n,
                         uint32_t skip, sf_rng *r, sf_conn_scratch *S)
{
    if (p->p <= 0)
        return 0;
    double lq = p->p < 1 ? log1p(-p->p) : -INFINITY;
    int64_t s = -1;
    uint64_t K = 0;
    for (;;) {
        double gap = p->p < 1 ? floor(log(sf_rng_uniform_pos(r)) / lq) : 0;
        if (gap >= (double)n)
            break;
        s += 1 + (int64_t)gap;
        if (s >= n)
            break;
        if ((uint32_t)s != skip)
            S->list[K++] = (uint32_t)s;
    }
    return K;
}

const sf_rule_type sf_rule_pairwise_bernoulli = {
    .name = "pairwise_bernoulli",
    .doc = "each (source, target) pair is connected independently with probability `p` "
           "(at most one connection per pair)",
    .count_key = "p",
    .count_is_probability = true,
    .mean_indegree = mean_indegree,
    .expected_synapses = expected_synapses,
    .max_partners = max_partners,
    .partners = partners,
};
