/* Unit tests of spatial networks (issue 14, src/network/space.c, spatial.c,
 * rules/spatial_*.c): positions (grid exact, random uniform), the
 * distribution of drawn partners against the profile (chi-square and
 * Kolmogorov-Smirnov against the exact discrete distribution, which the
 * test computes with its own periodic summation), periodic wrap, pairwise
 * Bernoulli counts, distance delays on the step grid, independence of the
 * number of threads, and the parser's refusals.
 *
 * Statistical checks use fixed seeds; each states its critical value. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/model_impl.h"
#include "spikefield/network.h"
#include "test_util.h"

/* The test's own profile: f(r) and its periodic summation over images
 * (independent of src/network/space.c). kind: 'b', 'e', 'g'. */
static double f_ref(char kind, double R, double r)
{
    return kind == 'b' ? (r <= R ? 1.0 : 0.0) : kind == 'e' ? exp(-r / R) : exp(-r * r / (2 * R * R));
}
static double wrap1(double d, double L) /* to [-L/2, L/2) */
{
    d = fmod(d, L);
    if (d < -L / 2)
        d += L;
    if (d >= L / 2)
        d -= L;
    return d;
}
static double F_ref(char kind, double R, int dim, const double *d, double L)
{
    double F = 0;
    /* images out to where f is below 1e-17 (40 R, 10 R), and one more */
    int m = (int)ceil((kind == 'b' ? R : kind == 'e' ? 40 * R : 10 * R) / L) + 1;
    for (int i = -m; i <= m; i++)
        for (int j = dim == 2 ? -m : 0; j <= (dim == 2 ? m : 0); j++) {
            double x = d[0] + i * L, y = dim == 2 ? d[1] + j * L : 0;
            F += f_ref(kind, R, sqrt(x * x + y * y));
        }
    return F;
}

typedef struct {
    uint32_t n_tgt;
    uint64_t total;
    uint64_t *off;
    uint32_t *src, *d;
} inputs;

static int proj_index(const sim *s, const char *name)
{
    for (int i = 0; i < s->m->n_proj; i++)
        if (!strcmp(s->m->proj[i].name, name))
            return i;
    fail_msg("no projection %s", name);
    return -1;
}

static inputs get_inputs(const sim *s, const char *name)
{
    int pi = proj_index(s, name);
    const sf_projection *p = &s->m->proj[pi];
    inputs in = {0};
    in.n_tgt = s->m->pops[p->target].n;
    in.total = sf_network_projection_synapses(s->net, pi);
    in.off = calloc(in.n_tgt + 1u, sizeof *in.off);
    in.src = malloc((in.total + 1) * sizeof *in.src);
    in.d = malloc((in.total + 1) * sizeof *in.d);
    assert_true(in.off && in.src && in.d);
    uint64_t at = 0;
    for (uint32_t j = 0; j < in.n_tgt; j++) {
        at += sf_network_inputs_of(s->net, pi, j, in.src + at, NULL, in.d + at, in.total - at);
        in.off[j + 1] = at;
    }
    assert_int_equal(at, in.total);
    return in;
}
static void free_inputs(inputs *in)
{
    free(in->off);
    free(in->src);
    free(in->d);
}

static char text[4096];

/* ------------------------------------------------------------------------ */

static void test_positions(void **state)
{
    snprintf(text, sizeof text,
             "simulation: {resolution: 0.1, duration: 1.0, seed: 5}\n"
             "populations:\n"
             "  A: {model: iaf_psc_exp, n: 400, space: {geometry: ring, extent: 2.0}}\n"
             "  B: {model: iaf_psc_exp, n: 12, space: {geometry: torus, extent: [3.0, 2.0], "
             "shape: [4, 3]}}\n"
             "  C: {model: iaf_psc_exp, n: 4000, space: {geometry: sheet, extent: [1.5, 0.5], "
             "layout: random}}\n");
    sim s;
    sim_load(&s, text, "positions", 1);
    double x[2];
    for (uint32_t i = 0; i < 400; i++) {
        sf_space_position(s.m, 0, i, x);
        assert_true(fabs(x[0] - (i + 0.5) * 2.0 / 400) < 1e-15);
    }
    sf_space_position(s.m, 1, 7, x); /* ix = 3, iy = 1 */
    assert_true(fabs(x[0] - 3.5 * 0.75) < 1e-15 && fabs(x[1] - 1.5 * 2.0 / 3) < 1e-15);
    /* random: KS of x / 1.5 and y / 0.5 against the uniform distribution;
     * critical D at 1 %: 1.628 / sqrt(n) */
    int n = 4000;
    double *u = malloc(sizeof(double) * n), *v = malloc(sizeof(double) * n);
    for (int i = 0; i < n; i++) {
        sf_space_position(s.m, 2, (uint32_t)i, x);
        assert_true(x[0] >= 0 && x[0] < 1.5 && x[1] >= 0 && x[1] < 0.5);
        u[i] = x[0] / 1.5;
        v[i] = x[1] / 0.5;
    }
    for (int c = 0; c < 2; c++) {
        double *w = c ? v : u, D = 0;
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
                if (w[j] < w[i]) {
                    double t = w[i];
                    w[i] = w[j];
                    w[j] = t;
                }
        for (int i = 0; i < n; i++)
            D = fmax(D, fmax(fabs((i + 1.0) / n - w[i]), fabs(w[i] - (double)i / n)));
        assert_true(D < 1.628 / sqrt(n));
    }
    free(u);
    free(v);
    sim_free(&s);
}

/* Fixed in-degree with multapses on a ring: the signed displacements of
 * all drawn sources against the exact discrete distribution
 * P(s) = F(x_s - x_t) / sum F, per target, summed into 24 bins.
 * Chi-square with 23 degrees of freedom, critical value at 0.1 %: 49.7. */
static void check_ring_distribution(char kind, const char *kname, double R, const char *layout)
{
    const double L = 1.0;
    const int NS = 1500, NT = 200, K = 60;
    snprintf(text, sizeof text,
             "simulation: {resolution: 0.1, duration: 1.0, seed: 11}\n"
             "populations:\n"
             "  S: {model: iaf_psc_exp, n: %d, space: {geometry: ring, extent: %g, layout: %s}}\n"
             "  T: {model: iaf_psc_exp, n: %d, space: {geometry: ring, extent: %g, layout: random}}\n"
             "projections:\n"
             "  ST: {source: S, target: T, rule: spatial_fixed_indegree, indegree: %d, "
             "profile: {kind: %s, width: %g}, weight: 1.0}\n",
             NS, L, layout, NT, L, K, kname, R);
    sim s;
    sim_load(&s, text, "ring-distribution", 2);
    inputs in = get_inputs(&s, "ST");
    assert_int_equal(in.total, (uint64_t)NT * K);
    enum { NB = 24 };
    double lo = -fmin(L / 2, (kind == 'b' ? R : 4 * R)), hi = -lo;
    double obs[NB] = {0}, expd[NB] = {0}, *xs = malloc(sizeof(double) * NS);
    for (int i = 0; i < NS; i++) {
        double x[2];
        sf_space_position(s.m, 0, (uint32_t)i, x);
        xs[i] = x[0];
    }
    double outside_exp = 0, outside_obs = 0;
    for (int t = 0; t < NT; t++) {
        double xt[2];
        sf_space_position(s.m, 1, (uint32_t)t, xt);
        double Z = 0;
        for (int i = 0; i < NS; i++) {
            double d = wrap1(xs[i] - xt[0], L);
            Z += F_ref(kind, R, 1, &d, L);
        }
        for (int i = 0; i < NS; i++) {
            double d = wrap1(xs[i] - xt[0], L), pr = F_ref(kind, R, 1, &d, L) / Z * K;
            int b = (int)floor((d - lo) / (hi - lo) * NB);
            if (b < 0 || b >= NB)
                outside_exp += pr;
            else
                expd[b] += pr;
        }
        for (uint64_t a = in.off[t]; a < in.off[t + 1]; a++) {
            double d = wrap1(xs[in.src[a]] - xt[0], L);
            int b = (int)floor((d - lo) / (hi - lo) * NB);
            if (b < 0 || b >= NB)
                outside_obs++;
            else
                obs[b]++;
        }
    }
    double chi2 = 0;
    int df = -1;
    for (int b = 0; b < NB; b++)
        if (expd[b] > 0) {
            chi2 += (obs[b] - expd[b]) * (obs[b] - expd[b]) / expd[b];
            df++;
        } else {
            assert_true(obs[b] == 0);
        }
    if (outside_exp > 5) {
        chi2 += (outside_obs - outside_exp) * (outside_obs - outside_exp) / outside_exp;
        df++;
    }
    if (kind == 'b')
        assert_true(outside_obs == 0);
    print_message("ring %s (%s): chi2 = %.1f, %d dof\n", kname, layout, chi2, df);
    assert_true(df >= 20 && chi2 < 49.7 + 2.0 * (df - 23));
    free(xs);
    free_inputs(&in);
    sim_free(&s);
}

static void test_indegree_ring_distribution(void **state)
{
    check_ring_distribution('b', "boxcar", 0.2, "grid");
    check_ring_distribution('g', "gaussian", 0.05, "random");
    check_ring_distribution('e', "exponential", 0.08, "grid");
    check_ring_distribution('g', "gaussian", 0.3, "grid"); /* wide: the images matter */
}

static const double *sort_key;
static int by_key(const void *a, const void *b)
{
    double x = sort_key[*(const size_t *)a], y = sort_key[*(const size_t *)b];
    return (x > y) - (x < y);
}
static int by_val(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* 2-D torus, random positions, exponential profile with multapses: KS of
 * the pooled partner distances against the exact mixture CDF
 * (1/NT) sum_t sum_{s: r_ts <= rho} F_ts / Z_t. Critical D at 0.1 %:
 * 1.949 / sqrt(n). */
static void test_indegree_torus_ks(void **state)
{
    const double L = 1.0, R = 0.08;
    const int NS = 2000, NT = 100, K = 50;
    snprintf(text, sizeof text,
             "simulation: {resolution: 0.1, duration: 1.0, seed: 7}\n"
             "populations:\n"
             "  S: {model: iaf_psc_exp, n: %d, space: {geometry: torus, extent: %g, layout: random}}\n"
             "  T: {model: iaf_psc_exp, n: %d, space: {geometry: torus, extent: %g, layout: random}}\n"
             "projections:\n"
             "  ST: {source: S, target: T, rule: spatial_fixed_indegree, indegree: %d, "
             "profile: {kind: exponential, width: %g}, weight: 1.0}\n",
             NS, L, NT, L, K, R);
    sim s;
    sim_load(&s, text, "torus", 2);
    inputs in = get_inputs(&s, "ST");
    assert_int_equal(in.total, (uint64_t)NT * K);
    /* every (t, s) pair: its distance and probability; sorted by distance */
    size_t np = (size_t)NT * NS;
    double *r = malloc(sizeof(double) * np), *w = malloc(sizeof(double) * np);
    double (*xs)[2] = malloc(sizeof(double[2]) * NS);
    for (int i = 0; i < NS; i++)
        sf_space_position(s.m, 0, (uint32_t)i, xs[i]);
    double *obs = malloc(sizeof(double) * in.total);
    size_t no = 0;
    for (int t = 0; t < NT; t++) {
        double xt[2], Z = 0;
        sf_space_position(s.m, 1, (uint32_t)t, xt);
        for (int i = 0; i < NS; i++) {
            double d[2] = {wrap1(xs[i][0] - xt[0], L), wrap1(xs[i][1] - xt[1], L)};
            r[(size_t)t * NS + i] = hypot(d[0], d[1]);
            Z += (w[(size_t)t * NS + i] = F_ref('e', R, 2, d, L));
        }
        for (int i = 0; i < NS; i++)
            w[(size_t)t * NS + i] /= Z * NT;
        for (uint64_t a = in.off[t]; a < in.off[t + 1]; a++)
            obs[no++] = r[(size_t)t * NS + in.src[a]];
    }
    /* sort pairs by distance (indices) and observations */
    size_t *ix = malloc(sizeof(size_t) * np);
    for (size_t i = 0; i < np; i++)
        ix[i] = i;
    sort_key = r;
    qsort(ix, np, sizeof *ix, by_key);
    qsort(obs, no, sizeof *obs, by_val);
    double D = 0, cdf = 0;
    size_t k = 0;
    for (size_t o = 0; o < no; o++) {
        while (k < np && r[ix[k]] <= obs[o])
            cdf += w[ix[k++]];
        D = fmax(D, fmax(fabs(cdf - (o + 1.0) / no), fabs(cdf - w[ix[k - 1]] - (double)o / no)));
    }
    print_message("torus exponential: KS D = %.4f (critical %.4f)\n", D, 1.949 / sqrt(no));
    assert_true(D < 1.949 / sqrt((double)no));
    free(ix);
    free(obs);
    free(xs);
    free(r);
    free(w);
    free_inputs(&in);
    sim_free(&s);
}

/* Without multapses: exactly K distinct sources, never the target itself
 * (autapses off), all within the boxcar; the target at the ring's edge
 * draws from both sides of 0 (periodic wrap), half on each side within
 * 4 SE (SE = sqrt(K/4) per target, summed over the edge targets). */
static void test_indegree_distinct_and_wrap(void **state)
{
    const int N = 2000, K = 100;
    const double R = 0.1;
    snprintf(text, sizeof text,
             "simulation: {resolution: 0.1, duration: 1.0, seed: 3}\n"
             "populations:\n"
             "  E: {model: iaf_psc_exp, n: %d, space: {geometry: ring, extent: 1.0}}\n"
             "projections:\n"
             "  EE: {source: E, target: E, rule: spatial_fixed_indegree, indegree: %d, "
             "autapses: false, multapses: false, profile: {kind: boxcar, width: %g}, weight: 1.0}\n",
             N, K, R);
    sim s;
    sim_load(&s, text, "distinct", 2);
    inputs in = get_inputs(&s, "EE");
    double left = 0, n_edge = 0;
    for (int t = 0; t < N; t++) {
        assert_int_equal(in.off[t + 1] - in.off[t], K);
        double xt = (t + 0.5) / N;
        uint32_t *v = in.src + in.off[t];
        for (int a = 0; a < K; a++) {
            assert_true(v[a] != (uint32_t)t);
            for (int b = a + 1; b < K; b++)
                assert_true(v[a] != v[b]);
            double d = wrap1((v[a] + 0.5) / N - xt, 1.0);
            assert_true(fabs(d) <= R + 1e-12);
            if (t < 10) {
                n_edge++;
                left += (v[a] + 0.5) / N > 0.5; /* across the boundary */
            }
        }
    }
    assert_true(fabs(left - n_edge / 2) < 4 * sqrt(n_edge / 4));
    free_inputs(&in);
    sim_free(&s);
}

/* Fixed out-degree: every source makes exactly K connections; the
 * displacements target - source against the exact distribution, as above
 * (chi-square, 19 dof, critical value at 0.1 %: 43.8). */
static void test_outdegree(void **state)
{
    const int NS = 300, NT = 1200, K = 40;
    const double R = 0.06;
    snprintf(text, sizeof text,
             "simulation: {resolution: 0.1, duration: 1.0, seed: 9}\n"
             "populations:\n"
             "  S: {model: iaf_psc_exp, n: %d, space: {geometry: ring, extent: 1.0, layout: random}}\n"
             "  T: {model: iaf_psc_exp, n: %d, space: {geometry: ring, extent: 1.0, layout: random}}\n"
             "projections:\n"
             "  ST: {source: S, target: T, rule: spatial_fixed_outdegree, outdegree: %d, "
             "profile: {kind: gaussian, width: %g}, weight: 1.0}\n",
             NS, NT, K, R);
    sim s;
    sim_load(&s, text, "outdegree", 2);
    inputs in = get_inputs(&s, "ST");
    assert_int_equal(in.total, (uint64_t)NS * K);
    double *xs = malloc(sizeof(double) * NS), *xt = malloc(sizeof(double) * NT), x[2];
    for (int i = 0; i < NS; i++)
        sf_space_position(s.m, 0, (uint32_t)i, x), xs[i] = x[0];
    for (int i = 0; i < NT; i++)
        sf_space_position(s.m, 1, (uint32_t)i, x), xt[i] = x[0];
    enum { NB = 20 };
    double lo = -4 * R, hi = 4 * R, obs[NB] = {0}, ex[NB] = {0};
    uint32_t *cnt = calloc(NS, sizeof *cnt);
    for (int t = 0; t < NT; t++)
        for (uint64_t a = in.off[t]; a < in.off[t + 1]; a++) {
            cnt[in.src[a]]++;
            double d = wrap1(xt[t] - xs[in.src[a]], 1.0);
            int b = (int)floor((d - lo) / (hi - lo) * NB);
            if (b >= 0 && b < NB)
                obs[b]++;
        }
    for (int i = 0; i < NS; i++) {
        assert_int_equal(cnt[i], K);
        double Z = 0;
        for (int t = 0; t < NT; t++) {
            double d = wrap1(xt[t] - xs[i], 1.0);
            Z += F_ref('g', R, 1, &d, 1.0);
        }
        for (int t = 0; t < NT; t++) {
            double d = wrap1(xt[t] - xs[i], 1.0);
            int b = (int)floor((d - lo) / (hi - lo) * NB);
            if (b >= 0 && b < NB)
                ex[b] += K * F_ref('g', R, 1, &d, 1.0) / Z;
        }
    }
    double chi2 = 0;
    for (int b = 0; b < NB; b++)
        chi2 += (obs[b] - ex[b]) * (obs[b] - ex[b]) / ex[b];
    print_message("outdegree gaussian: chi2 = %.1f, 19 dof\n", chi2);
    assert_true(chi2 < 43.8);
    free(cnt);
    free(xs);
    free(xt);
    free_inputs(&in);
    sim_free(&s);
}

/* Pairwise Bernoulli with p F: the total count against sum min(1, p F)
 * within 4 SE (SE^2 = sum q (1 - q)), on a 2-D torus grid with a Gaussian
 * and on a ring with a boxcar (no partner outside it). */
static void test_bernoulli(void **state)
{
    struct {
        const char *geo, *kind;
        char k;
        int dim, n;
        double R, p;
    } cases[] = {{"torus", "gaussian", 'g', 2, 900, 0.07, 0.6}, {"ring", "boxcar", 'b', 1, 1000, 0.12, 0.3}};
    for (int c = 0; c < 2; c++) {
        snprintf(text, sizeof text,
                 "simulation: {resolution: 0.1, duration: 1.0, seed: 21}\n"
                 "populations:\n"
                 "  E: {model: iaf_psc_exp, n: %d, space: {geometry: %s, extent: 1.0}}\n"
                 "projections:\n"
                 "  EE: {source: E, target: E, rule: spatial_pairwise_bernoulli, p: %g, "
                 "autapses: false, profile: {kind: %s, width: %g}, weight: 1.0}\n",
                 cases[c].n, cases[c].geo, cases[c].p, cases[c].kind, cases[c].R);
        sim s;
        sim_load(&s, text, "bernoulli", 2);
        inputs in = get_inputs(&s, "EE");
        int n = cases[c].n;
        double (*x)[2] = malloc(sizeof(double[2]) * n), mean = 0, var = 0;
        for (int i = 0; i < n; i++)
            sf_space_position(s.m, 0, (uint32_t)i, x[i]);
        for (int t = 0; t < n; t++)
            for (int i = 0; i < n; i++) {
                if (i == t)
                    continue;
                double d[2] = {wrap1(x[i][0] - x[t][0], 1.0), wrap1(x[i][1] - x[t][1], 1.0)};
                double q = fmin(1.0, cases[c].p * F_ref(cases[c].k, cases[c].R, cases[c].dim, d, 1.0));
                mean += q;
                var += q * (1 - q);
            }
        for (int t = 0; t < n; t++)
            for (uint64_t a = in.off[t]; a < in.off[t + 1]; a++) {
                uint32_t i = in.src[a];
                assert_true(i != (uint32_t)t);
                if (cases[c].k == 'b')
                    assert_true(fabs(wrap1(x[i][0] - x[t][0], 1.0)) <= cases[c].R + 1e-12);
            }
        print_message("bernoulli %s: %llu synapses, expected %.1f +- %.1f\n", cases[c].kind,
                      (unsigned long long)in.total, mean, sqrt(var));
        assert_true(fabs((double)in.total - mean) < 4 * sqrt(var));
        free(x);
        free_inputs(&in);
        sim_free(&s);
    }
}

/* Distance delays: every synapse's delay is round((d0 + r / v) / h) steps,
 * r the (test's own) minimum-image distance. */
static void test_distance_delays(void **state)
{
    snprintf(text, sizeof text,
             "simulation: {resolution: 0.1, duration: 1.0, seed: 4}\n"
             "populations:\n"
             "  E: {model: iaf_psc_exp, n: 500, space: {geometry: torus, extent: [1.0, 2.0], "
             "layout: random}}\n"
             "projections:\n"
             "  EE: {source: E, target: E, rule: spatial_fixed_indegree, indegree: 30, "
             "profile: {kind: gaussian, width: 0.3}, weight: 1.0, delay: 0.5, speed: 0.25}\n");
    sim s;
    sim_load(&s, text, "delays", 2);
    inputs in = get_inputs(&s, "EE");
    double (*x)[2] = malloc(sizeof(double[2]) * 500);
    for (int i = 0; i < 500; i++)
        sf_space_position(s.m, 0, (uint32_t)i, x[i]);
    uint32_t dmin = UINT32_MAX, dmax = 0;
    for (int t = 0; t < 500; t++)
        for (uint64_t a = in.off[t]; a < in.off[t + 1]; a++) {
            uint32_t i = in.src[a];
            double r = hypot(wrap1(x[i][0] - x[t][0], 1.0), wrap1(x[i][1] - x[t][1], 2.0));
            uint32_t want = (uint32_t)nearbyint((0.5 + r / 0.25) / 0.1);
            assert_int_equal(in.d[a], want);
            dmin = in.d[a] < dmin ? in.d[a] : dmin;
            dmax = in.d[a] > dmax ? in.d[a] : dmax;
        }
    assert_true(dmin < dmax); /* the delays do vary */
    free(x);
    free_inputs(&in);
    sim_free(&s);
}

/* The same network (sources and delays of every target) for 1 and 3
 * threads, for the three rules. */
static void test_threads(void **state)
{
    const char *rules[] = {"spatial_fixed_indegree, indegree: 20", "spatial_fixed_outdegree, outdegree: 20",
                           "spatial_pairwise_bernoulli, p: 0.4"};
    for (int r = 0; r < 3; r++) {
        snprintf(text, sizeof text,
                 "simulation: {resolution: 0.1, duration: 1.0, seed: 8}\n"
                 "populations:\n"
                 "  E: {model: iaf_psc_exp, n: 700, space: {geometry: torus, extent: 1.0, "
                 "layout: random}}\n"
                 "  I: {model: iaf_psc_exp, n: 300, space: {geometry: torus, extent: 1.0, "
                 "layout: random}}\n"
                 "projections:\n"
                 "  EI: {source: E, target: I, rule: %s, profile: {kind: exponential, width: 0.1}, "
                 "weight: 1.0, delay: 0.2, speed: 0.5}\n",
                 rules[r]);
        sim a, b;
        sim_load(&a, text, "threads", 1);
        sim_load(&b, text, "threads", 3);
        inputs ia = get_inputs(&a, "EI"), ib = get_inputs(&b, "EI");
        assert_int_equal(ia.total, ib.total);
        assert_true(ia.total > 0);
        for (uint32_t t = 0; t <= ia.n_tgt; t++)
            assert_int_equal(ia.off[t], ib.off[t]);
        for (uint64_t k = 0; k < ia.total; k++)
            assert_true(ia.src[k] == ib.src[k] && ia.d[k] == ib.d[k]);
        free_inputs(&ia);
        free_inputs(&ib);
        sim_free(&a);
        sim_free(&b);
    }
}

/* Bad input: clear messages, no crash. */
static void test_refusals(void **state)
{
    struct {
        const char *pops, *proj, *msg;
    } cases[] = {
        {"space: {geometry: cube}", "", "unknown geometry"},
        {"space: {geometry: torus}", "", "needs shape"},
        {"space: {geometry: ring, layout: hex}", "", "unknown layout"},
        {"space: {geometry: ring, extent: -1}", "", "extent"},
        {"", "rule: spatial_fixed_indegree, indegree: 5, profile: {kind: boxcar, width: 0.1}",
         "needs positions"},
        {"space: {geometry: ring}", "rule: spatial_fixed_indegree, indegree: 5", "profile"},
        {"space: {geometry: ring}",
         "rule: spatial_fixed_indegree, indegree: 5, profile: {kind: cone, width: 0.1}",
         "unknown profile"},
        {"space: {geometry: ring}",
         "rule: spatial_fixed_indegree, indegree: 5, profile: {kind: boxcar, width: 0.6}",
         "half the extent"},
        {"space: {geometry: ring}",
         "rule: spatial_fixed_indegree, indegree: 50, multapses: false, profile: {kind: boxcar, "
         "width: 0.1}", "within the profile's reach"},
        {"space: {geometry: ring}", "rule: fixed_indegree, indegree: 5, profile: {kind: boxcar, "
         "width: 0.1}", "spatial rules only"},
        {"space: {geometry: ring}",
         "rule: spatial_fixed_indegree, indegree: 5, profile: {kind: boxcar, width: 0.1}, "
         "delay: {distribution: uniform, low: 0.1, high: 0.5}, speed: 1.0", "d0 must be"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        snprintf(text, sizeof text,
                 "simulation: {resolution: 0.1, duration: 1.0}\n"
                 "populations:\n"
                 "  E: {model: iaf_psc_exp, n: 200%s%s}\n"
                 "%s%s%s",
                 cases[c].pops[0] ? ", " : "", cases[c].pops,
                 cases[c].proj[0] ? "projections:\n  EE: {source: E, target: E, " : "",
                 cases[c].proj, cases[c].proj[0] ? ", weight: 1.0}\n" : "");
        sf_context *ctx = sf_context_create();
        sf_model *m = NULL;
        sf_status st = sf_model_load_string(ctx, text, "bad", NULL, 0, &m);
        if (st == SF_OK || !strstr(sf_context_errmsg(ctx), cases[c].msg))
            fail_msg("case %zu: status %d, message '%s', wanted '%s'", c, st, sf_context_errmsg(ctx),
                     cases[c].msg);
        sf_model_destroy(m);
        sf_context_destroy(ctx);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_positions),
        cmocka_unit_test(test_indegree_ring_distribution),
        cmocka_unit_test(test_indegree_torus_ks),
        cmocka_unit_test(test_indegree_distinct_and_wrap),
        cmocka_unit_test(test_outdegree),
        cmocka_unit_test(test_bernoulli),
        cmocka_unit_test(test_distance_delays),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
