/* fixed_total_number (NEST's name): `number` connections in total. The plan
 * splits the total over the targets (a multinomial, as conditional binomials
 * from one stream per projection); then every target draws its share of
 * sources like fixed_indegree. `number` scales with scale.neurons and
 * scale.indegree, so the mean in-degree scales with scale.indegree. */
#include "network/network_impl.h"

#include <gsl/gsl_randist.h>
#include <stdlib.h>

static uint64_t max_count(const sf_model *m, const sf_projection *p)
{
    uint64_t ns = m->pops[p->source].n, nt = m->pops[p->target].n;
    return ns * nt - (p->source == p->target && !p->autapses ? ns : 0u);
}
static double mean_indegree(const sf_model *m, const sf_projection *p)
{
    return (double)p->count / m->pops[p->target].n;
}
static double expected_synapses(const sf_model *m, const sf_projection *p)
{
    return (double)p->count;
}

static void *plan(const sf_model *m, int pi)
{
    const sf_projection *p = &m->proj[pi];
    uint32_t nt = m->pops[p->target].n;
    uint32_t *k = malloc(sizeof *k * nt);
    void *g = sf_rng_gsl_alloc(m->sim.seed, SF_RNG_CONNECT, ((uint64_t)pi << 32) | UINT32_MAX);
    if (!k || !g) {
        free(k);
        sf_rng_gsl_free(g);
        return NULL;
    }
    uint64_t left = p->count;
    for (uint32_t j = 0; j < nt; j++) {
        unsigned int kj = j + 1 == nt ? (unsigned)left
                                      : gsl_ran_binomial(g, 1.0 / (double)(nt - j), (unsigned)left);
        k[j] = kj;
        left -= kj;
    }
    sf_rng_gsl_free(g);
    return k;
}

static double max_partners(const sf_model *m, const sf_projection *p, const void *pl)
{
    uint32_t nt = m->pops[p->target].n;
    if (!pl) { /* mean plus ten standard deviations, plus ten */
        double mean = (double)p->count / nt;
        return mean + 10.0 * sqrt(mean) + 10.0;
    }
    const uint32_t *k = pl;
    uint64_t mx = 0;
    for (uint32_t j = 0; j < nt; j++)
        mx = k[j] > mx ? k[j] : mx;
    return (double)mx;
}

static uint64_t partners(const sf_projection *p, const void *pl, uint32_t j, uint32_t n,
                         uint32_t skip, sf_rng *r, sf_conn_scratch *S)
{
    uint64_t K = ((const uint32_t *)pl)[j];
    sf_conn_draw_fixed(r, K, n, skip, p->multapses, S);
    return K;
}

const sf_rule_type sf_rule_fixed_total_number = {
    .name = "fixed_total_number",
    .doc = "exactly `number` connections in total, split over the targets at random "
           "(multinomial), sources drawn uniformly",
    .count_key = "number",
    .count_scales_with_neurons = true,
    .max_count = max_count,
    .mean_indegree = mean_indegree,
    .expected_synapses = expected_synapses,
    .plan = plan,
    .max_partners = max_partners,
    .partners = partners,
};
