/* Spatial connectivity (issue 14, docs/spatial.md): distances in the
 * population's space, the distance profiles, and the index that draws
 * partners from a profile without an N^2 loop. Private to src/network (the
 * spatial rules, the builder) and the spatial theory (profile shapes).
 *
 * Definitions (the invariant every drawing routine keeps):
 *  - f(r) is the profile's shape, f(0) = 1, cut to 0 beyond
 *    sf_profile_cutoff (where exp or Gaussian fall below 1e-16);
 *  - on periodic spaces the profile is the periodic summation
 *    F(d) = sum over images n of f(|d + n L|), the density "normalised over
 *    the periodic space" whose Fourier coefficients at k = 2 pi m / L are the
 *    transform of f (the spatial theory uses exactly that); on a sheet F = f;
 *  - fixed in-degree draws each of its K sources s with probability
 *    F(x_s - x_t) / sum_s' F(x_s' - x_t) (out-degree: targets, likewise);
 *    pairwise Bernoulli connects each pair with probability min(1, p F).
 */
#ifndef SF_NETWORK_SPATIAL_H
#define SF_NETWORK_SPATIAL_H

#include "network/network_impl.h"

/* f(r) of the profile (0 beyond the cutoff). */
double sf_profile_shape(const sf_profile *pr, double r);
/* Radius beyond which f is 0 (mm). */
double sf_profile_cutoff(const sf_profile *pr);
/* Integral of f over R^dim (mm^dim), dim 1 or 2, without the cutoff. */
double sf_profile_integral(const sf_profile *pr, int dim);

/* Minimum-image displacement d = b - a (periodic dimensions wrap to
 * [-L/2, L/2)); the Euclidean distance of it. */
void sf_space_displacement(const sf_space *s, const double *a, const double *b, double *d);
double sf_space_distance(const sf_space *s, const double *a, const double *b);
/* F(d) for a minimum-image displacement d. */
double sf_space_profile(const sf_space *s, const sf_profile *pr, const double *d);
/* Largest distance between two points of the space (mm). */
double sf_space_max_distance(const sf_space *s);

/* The rules' plan: positions of both populations, the population partners
 * are drawn from sorted into cells, and bounds of F over cell
 * displacements per sub-position. One malloc'd block (freed with free());
 * NULL when out of memory. */
void *sf_spatial_plan_create(const sf_model *m, int proj);
/* The entities (targets, or sources of a by-source rule) sorted by cell
 * and sub-position: the order the builder draws targets in
 * (sf_rule_type.entity_order), so that an entity's cell table is mostly
 * the previous one's and neighbours share their partners in the cache. */
const uint32_t *sf_spatial_entity_order(const void *plan);
/* Bytes of per-thread workspace sf_spatial_draw_fixed needs (S->ws). */
size_t sf_spatial_scratch_bytes(const void *plan);
/* K partners of entity j (target, or source when the rule draws by source),
 * each with probability proportional to F, distinct unless multapses, never
 * skip; into S->list (and their delays into S->dv with a distance delay).
 * Returns the count (below K only if 10^6 + 1000 K proposals did not find K
 * distinct partners; sf_spatial_check makes that practically impossible). */
uint64_t sf_spatial_draw_fixed(const sf_projection *p, const void *plan, uint32_t j, uint64_t K,
                               uint32_t skip, sf_rng *r, sf_conn_scratch *S);
/* One proposal's decision as sf_spatial_draw_fixed takes it (the same
 * code): the entity at xe, a partner at xs (mm, in the space), the coin lhs
 * against F s32 (s32 the table's scale S 2^32). From the fixed-point
 * positions unless the coin lies within their error band, then (*exact set)
 * from the double positions. For the unit test of the band. */
bool sf_spatial_decide(const void *plan, const double *xe, const double *xs, double lhs,
                       double s32, bool *exact);
/* The plan's error band: f~ / f within 1 -+ band_rel, |r~^2 - r^2| <=
 * band_r2, and the bound of F - f(nearest image) (0 when F is f). */
void sf_spatial_band(const void *plan, double *band_rel, double *band_r2, double *tail);
/* Partners of j each with probability min(1, p F), independently. */
uint64_t sf_spatial_draw_bernoulli(const sf_projection *p, const void *plan, uint32_t j,
                                   uint32_t skip, sf_rng *r, sf_conn_scratch *S);
/* The spatial rules' check: both populations have the same space, a profile
 * is given, and a fixed count without multapses is at most half the number
 * of partners within the profile's reach. */
bool sf_spatial_check(const sf_model *m, const sf_projection *p, char *msg, size_t len);
/* Mean number of partners within reach (n times the profile's mass over the
 * space's volume), for the checks and max_partners estimates. */
double sf_spatial_reach(const sf_model *m, const sf_projection *p, int other_pop);

#endif
