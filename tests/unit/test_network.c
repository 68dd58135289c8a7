/* Unit tests of src/network and src/engine: connection rules (exact degrees
 * where the rule fixes them, degree statistics against their distributions
 * where it does not), autapses and multapses, weight and delay
 * distributions, the arrival step of delayed spikes, independence of the
 * network and of the simulation from the number of threads, the statistics
 * of the Poisson drive, the memory estimate and the synapse storage size.
 *
 * Statistical checks use fixed seeds; each states the standard error (SE) or
 * chi-square critical value its tolerance comes from. Networks are small so
 * that the program runs in about a second. */
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
#include "network/network_impl.h"
#include "spikefield/network.h"
#include "test_util.h"

/* ------------------------------------------------------------------------
 * Helpers. */

static void sim_build(sim *s, const char *text, int threads)
{
    sim_load(s, text, "network-test", threads);
    assert_ptr_equal(sf_network_model(s->net), s->m);
    assert_int_equal(sf_network_threads(s->net), threads);
}

static int proj_index(const sim *s, const char *name)
{
    for (int i = 0; i < s->m->n_proj; i++)
        if (!strcmp(s->m->proj[i].name, name))
            return i;
    fail_msg("no projection %s", name);
    return -1;
}

/* Incoming synapses of every target of projection pi. */
typedef struct {
    uint32_t n_tgt, n_src;
    uint64_t total;
    uint64_t *off;  /* n_tgt + 1 */
    uint32_t *src;
    double *w;
    uint32_t *d;
} inputs;

static inputs get_inputs(const sim *s, const char *name)
{
    int pi = proj_index(s, name);
    const sf_projection *p = &s->m->proj[pi];
    inputs in = {0};
    in.n_tgt = s->m->pops[p->target].n;
    in.n_src = s->m->pops[p->source].n;
    in.total = sf_network_projection_synapses(s->net, pi);
    in.off = calloc(in.n_tgt + 1u, sizeof *in.off);
    in.src = malloc((in.total + 1) * sizeof *in.src);
    in.w = malloc((in.total + 1) * sizeof *in.w);
    in.d = malloc((in.total + 1) * sizeof *in.d);
    assert_true(in.off && in.src && in.w && in.d);
    uint64_t at = 0;
    for (uint32_t j = 0; j < in.n_tgt; j++) {
        uint64_t k = sf_network_inputs_of(s->net, pi, j, in.src + at, in.w + at, in.d + at,
                                          in.total - at);
        assert_true(at + k <= in.total);
        at += k;
        in.off[j + 1] = at;
    }
    assert_int_equal(at, in.total); /* every synapse belongs to one target */
    for (uint64_t a = 0; a < at; a++)
        assert_true(in.src[a] < in.n_src);
    return in;
}

static void free_inputs(inputs *in)
{
    free(in->off);
    free(in->src);
    free(in->w);
    free(in->d);
}

static uint64_t indegree(const inputs *in, uint32_t j)
{
    return in->off[j + 1] - in->off[j];
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Number of (source, target) pairs that occur more than once. */
static uint64_t duplicates(const inputs *in)
{
    uint64_t dup = 0;
    uint32_t *tmp = malloc((in->total + 1) * sizeof *tmp);
    assert_non_null(tmp);
    for (uint32_t j = 0; j < in->n_tgt; j++) {
        uint64_t k = indegree(in, j);
        memcpy(tmp, in->src + in->off[j], k * sizeof *tmp);
        qsort(tmp, k, sizeof *tmp, cmp_u32);
        for (uint64_t a = 1; a < k; a++)
            dup += tmp[a] == tmp[a - 1];
    }
    free(tmp);
    return dup;
}

/* Synapses i -> i (source and target in the same population). */
static uint64_t autapses(const inputs *in)
{
    uint64_t n = 0;
    for (uint32_t j = 0; j < in->n_tgt; j++)
        for (uint64_t a = in->off[j]; a < in->off[j + 1]; a++)
            n += in->src[a] == j;
    return n;
}

/* Out-degree of every source (caller frees). */
static uint64_t *outdegrees(const inputs *in)
{
    uint64_t *k = calloc(in->n_src, sizeof *k);
    assert_non_null(k);
    for (uint64_t a = 0; a < in->total; a++)
        k[in->src[a]]++;
    return k;
}

#define HEAD(T)                                                                            \
    "simulation: {resolution: 0.1, duration: " T ", seed: 2385}\n"                          \
    "populations:\n"                                                                       \
    "  A: {model: iaf_psc_delta, n: 53}\n"                                                 \
    "  B: {model: iaf_psc_delta, n: 37}\n"

/* sf_dist_draw_n's redraws against the rule written out here value by
 * value: value i is the distribution's value number i of the stream
 * (normal number i, or the uniform of block i, times the scale plus the
 * location); while out of [min, max] it becomes value r n + i for r = 1,
 * 2, ..., at most 1000 times, and is then clipped. Bounds that reject most
 * values (several rounds, more positions than one chunk of 256), bounds
 * that nothing meets (every value clipped after 1000 rounds), a draw of 3
 * (below one vector), one bound only, and a uniform. */
static double one_value(const sf_dist *d, uint64_t seed, uint64_t ent, uint64_t k)
{
    double x;
    if (d->kind == SF_DIST_UNIFORM) {
        sf_rng r;
        sf_rng_init(&r, seed, SF_RNG_WEIGHT, ent);
        sf_rng_seek(&r, k);
        return d->a + (d->b - d->a) * sf_rng_uniform(&r);
    }
    sf_rng_normals_blocks(seed, SF_RNG_WEIGHT, ent, k, 1, &x);
    return d->a + d->b * x;
}

static void test_draw_n_redraws(void **state)
{
    (void)state;
    const uint64_t seed = 4242, ent = (5ull << 32) | 77u;
    const sf_dist cases[] = {
        {SF_DIST_NORMAL, 1.0, 2.0, 0.5, 1.5, false},      /* 80 % out: many rounds */
        {SF_DIST_NORMAL, 0.0, 1.0, 3.0, 3.0, false},      /* never met: clipped    */
        {SF_DIST_NORMAL, 1.5, 0.75, 0.1, INFINITY, false}, /* one bound (delays)    */
        {SF_DIST_UNIFORM, 0.0, 1.0, 0.25, 0.3, false},
    };
    const uint64_t ns[] = {700, 3, 1, 300};
    static double got[700];
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++)
        for (size_t q = 0; q < sizeof ns / sizeof *ns; q++) {
            const sf_dist *d = &cases[c];
            const uint64_t n = ns[q];
            if (c == 1 && n > 300)
                continue; /* 1000 rounds of 700: slow for nothing more */
            sf_dist_draw_n(d, seed, SF_RNG_WEIGHT, ent, n, got);
            uint64_t redrawn = 0, clipped = 0;
            for (uint64_t i = 0; i < n; i++) {
                double v = one_value(d, seed, ent, i);
                for (uint64_t r = 1; r <= 1000 && (v < d->min || v > d->max); r++, redrawn++)
                    v = one_value(d, seed, ent, r * n + i);
                if (v < d->min || v > d->max)
                    clipped++;
                v = v < d->min ? d->min : v > d->max ? d->max : v;
                if (got[i] != v)
                    fail_msg("case %zu, n %llu, value %llu: %.17g, expected %.17g", c,
                             (unsigned long long)n, (unsigned long long)i, got[i], v);
            }
            /* the cases do what they are meant to */
            if (c == 0 && n == 700)
                assert_true(redrawn > 1000);
            if (c == 1)
                assert_true(clipped == n);
        }
}

/* sf_conn_draw_fixed with multapses: the draws of sf_rng_below(n) in
 * order, a draw of `skip` drawn again, and the stream left where those
 * sf_rng_below calls leave it; n = 2^31 + 1 rejects about half of the
 * words (Lemire's threshold 2^32 mod n), n = 3 with a skip repeats a third
 * of the draws, n = 1000 rejects none; K up to past two refills (512). */
static void test_conn_draw_fixed_stream(void **state)
{
    (void)state;
    const uint32_t nn[] = {2147483649u, 3, 1000, 1000};
    const uint32_t sk[] = {UINT32_MAX, 1, UINT32_MAX, 999};
    const uint64_t Ks[] = {1, 5, 511, 512, 513, 1300};
    sf_conn_scratch S = {0};
    S.list = malloc(sizeof(uint32_t) * 1300);
    assert_non_null(S.list);
    for (size_t c = 0; c < 4; c++)
        for (size_t q = 0; q < 6; q++) {
            sf_rng r1, r2;
            sf_rng_init(&r1, 99, SF_RNG_CONNECT, 1000 + c);
            r2 = r1;
            sf_conn_draw_fixed(&r1, Ks[q], nn[c], sk[c], true, &S);
            for (uint64_t k = 0; k < Ks[q]; k++) {
                uint32_t v;
                do
                    v = (uint32_t)sf_rng_below(&r2, nn[c]);
                while (v == sk[c]);
                if (S.list[k] != v)
                    fail_msg("n %u, K %llu, draw %llu: %u, expected %u", nn[c],
                             (unsigned long long)Ks[q], (unsigned long long)k, S.list[k], v);
            }
            for (int k = 0; k < 9; k++)
                assert_true(sf_rng_u32(&r1) == sf_rng_u32(&r2));
        }
    free(S.list);
}

/* ------------------------------------------------------------------------
 * Rules with fixed degrees. */

static void test_fixed_indegree(void **state)
{
    (void)state;
    const char *text = HEAD("1.0")
        "projections:\n"
        "  AB: {source: A, target: B, rule: fixed_indegree, indegree: 13, weight: 0.5}\n"
        /* without multapses: K < n/2 (rejection) and K > n/2 (selection) */
        "  AB_r: {source: A, target: B, rule: fixed_indegree, indegree: 11, multapses: false,"
        " weight: 0.5}\n"
        "  AB_s: {source: A, target: B, rule: fixed_indegree, indegree: 41, multapses: false,"
        " weight: 0.5}\n"
        /* same population without autapses, both branches, and with multapses */
        "  AA_r: {source: A, target: A, rule: fixed_indegree, indegree: 9, autapses: false,"
        " multapses: false, weight: 0.5}\n"
        "  AA_s: {source: A, target: A, rule: fixed_indegree, indegree: 52, autapses: false,"
        " multapses: false, weight: 0.5}\n"
        "  AA_m: {source: A, target: A, rule: fixed_indegree, indegree: 60, autapses: false,"
        " weight: 0.5}\n";
    sim s;
    sim_build(&s, text, 1);
    static const struct {
        const char *name;
        uint64_t K;
        bool multapses, autapses;
    } c[] = {{"AB", 13, true, true},    {"AB_r", 11, false, true}, {"AB_s", 41, false, true},
             {"AA_r", 9, false, false}, {"AA_s", 52, false, false}, {"AA_m", 60, true, false}};
    uint64_t sum = 0;
    for (size_t q = 0; q < sizeof c / sizeof c[0]; q++) {
        inputs in = get_inputs(&s, c[q].name);
        assert_int_equal(in.total, c[q].K * in.n_tgt);
        for (uint32_t j = 0; j < in.n_tgt; j++)
            if (indegree(&in, j) != c[q].K)
                fail_msg("%s: target %u has %llu inputs, expected %llu", c[q].name, j,
                         (unsigned long long)indegree(&in, j), (unsigned long long)c[q].K);
        if (!c[q].multapses)
            assert_int_equal(duplicates(&in), 0);
        if (!c[q].autapses)
            assert_int_equal(autapses(&in), 0);
        sum += in.total;
        free_inputs(&in);
    }
    /* AA_s draws all 52 other neurons: each target gets exactly the set
     * {0..52} \ {j}; AA_m has 60 > 52 partners, so it must repeat some */
    inputs in = get_inputs(&s, "AA_m");
    assert_true(duplicates(&in) > 0);
    free_inputs(&in);
    assert_int_equal(sf_network_synapses(s.net), sum);
    sim_free(&s);
}

/* Sources of a fixed in-degree are uniform: 400 targets x 25 draws from 50
 * sources, chi-square of the source counts with 49 degrees of freedom; the
 * 0.999 quantile of chi2(49) is 85.35. Checked for the plain draw and the
 * rejection sampler without multapses. */
static void test_fixed_indegree_uniform_sources(void **state)
{
    (void)state;
    const char *text =
        "simulation: {resolution: 0.1, duration: 1.0, seed: 77}\n"
        "populations:\n"
        "  S: {model: iaf_psc_delta, n: 50}\n"
        "  T: {model: iaf_psc_delta, n: 400}\n"
        "projections:\n"
        "  m: {source: S, target: T, rule: fixed_indegree, indegree: 25, weight: 1.0}\n"
        "  r: {source: S, target: T, rule: fixed_indegree, indegree: 12, multapses: false,"
        " weight: 1.0}\n";
    sim s;
    sim_build(&s, text, 1);
    const char *names[] = {"m", "r"};
    for (int q = 0; q < 2; q++) {
        inputs in = get_inputs(&s, names[q]);
        uint64_t *k = outdegrees(&in);
        double e = (double)in.total / in.n_src, chi2 = 0;
        for (uint32_t i = 0; i < in.n_src; i++)
            chi2 += ((double)k[i] - e) * ((double)k[i] - e) / e;
        if (!(chi2 < 85.35))
            fail_msg("%s: chi2 of the source counts %.2f >= 85.35", names[q], chi2);
        free(k);
        free_inputs(&in);
    }
    sim_free(&s);
}

static void test_fixed_outdegree(void **state)
{
    (void)state;
    const char *text = HEAD("1.0")
        "projections:\n"
        "  AB: {source: A, target: B, rule: fixed_outdegree, outdegree: 11, weight: 0.5}\n"
        "  AB_s: {source: A, target: B, rule: fixed_outdegree, outdegree: 30, multapses: false,"
        " weight: 0.5}\n"
        "  AA: {source: A, target: A, rule: fixed_outdegree, outdegree: 12, autapses: false,"
        " multapses: false, weight: 0.5}\n"
        "  BA: {source: B, target: A, rule: fixed_outdegree, outdegree: 70, weight: 0.5}\n";
    /* for 1 and 3 threads: a source's targets then lie in several blocks */
    for (int threads = 1; threads <= 3; threads += 2) {
        sim s;
        sim_build(&s, text, threads);
        static const struct {
            const char *name;
            uint64_t K;
            bool multapses, autapses;
        } c[] = {{"AB", 11, true, true}, {"AB_s", 30, false, true}, {"AA", 12, false, false},
                 {"BA", 70, true, true}};
        for (size_t q = 0; q < sizeof c / sizeof c[0]; q++) {
            inputs in = get_inputs(&s, c[q].name);
            assert_int_equal(in.total, c[q].K * in.n_src);
            uint64_t *k = outdegrees(&in);
            for (uint32_t i = 0; i < in.n_src; i++)
                if (k[i] != c[q].K)
                    fail_msg("%s (%d threads): source %u has %llu targets, expected %llu",
                             c[q].name, threads, i, (unsigned long long)k[i],
                             (unsigned long long)c[q].K);
            free(k);
            if (!c[q].multapses)
                assert_int_equal(duplicates(&in), 0);
            if (!c[q].autapses)
                assert_int_equal(autapses(&in), 0);
            free_inputs(&in);
        }
        sim_free(&s);
    }
}

/* fixed_total_number: the total is exact; the in-degrees are a multinomial
 * split of N_syn over N_t targets, each Binomial(N_syn, 1/N_t). Their mean is
 * N_syn/N_t = lambda exactly; their sample variance (divisor N_t - 1) has
 * expectation N_syn (1/N_t)(1 - 1/N_t) N_t/(N_t - 1) = lambda, and SE about
 * sqrt((2 lambda^2 + lambda)/N_t) (Poisson limit). Tolerance 4 SE. */
static void test_fixed_total_number(void **state)
{
    (void)state;
    const char *text =
        "simulation: {resolution: 0.1, duration: 1.0, seed: 4711}\n"
        "populations:\n"
        "  C: {model: iaf_psc_delta, n: 50}\n"
        "  D: {model: iaf_psc_delta, n: 2000}\n"
        "projections:\n"
        "  CD: {source: C, target: D, rule: fixed_total_number, number: 20000, weight: 0.5}\n"
        "  CC: {source: C, target: C, rule: fixed_total_number, number: 1500, autapses: false,"
        " multapses: false, weight: 0.5}\n";
    sim s;
    sim_build(&s, text, 2);
    inputs in = get_inputs(&s, "CD");
    assert_int_equal(in.total, 20000);
    const double lambda = 20000.0 / 2000.0;
    double mean = 0, var = 0;
    for (uint32_t j = 0; j < in.n_tgt; j++)
        mean += (double)indegree(&in, j);
    mean /= in.n_tgt;
    for (uint32_t j = 0; j < in.n_tgt; j++)
        var += ((double)indegree(&in, j) - mean) * ((double)indegree(&in, j) - mean);
    var /= in.n_tgt - 1;
    fail_unless_close(mean, lambda, 1e-12, "mean in-degree");
    fail_unless_close(var, lambda, 4 * sqrt((2 * lambda * lambda + lambda) / in.n_tgt),
                      "in-degree variance");
    free_inputs(&in);

    /* without autapses and multapses: 1500 of the 50 * 49 = 2450 pairs */
    in = get_inputs(&s, "CC");
    assert_int_equal(in.total, 1500);
    assert_int_equal(duplicates(&in), 0);
    assert_int_equal(autapses(&in), 0);
    free_inputs(&in);
    sim_free(&s);
}

/* ------------------------------------------------------------------------
 * pairwise_bernoulli: the total is Binomial(pairs, p); SE = sqrt(pairs p
 * (1 - p)); tolerance 4 SE. Sources are uniform: counts per tenth of the
 * sources are independent binomials, sum over bins of (O - E)^2 / (E (1 - p))
 * ~ chi2(10), 0.999 quantile 29.59. */
static void test_pairwise_bernoulli(void **state)
{
    (void)state;
    const char *text =
        "simulation: {resolution: 0.1, duration: 1.0, seed: 99}\n"
        "populations:\n"
        "  S: {model: iaf_psc_delta, n: 120}\n"
        "  T: {model: iaf_psc_delta, n: 150}\n"
        "projections:\n"
        "  ST: {source: S, target: T, rule: pairwise_bernoulli, p: 0.1385, weight: 0.5}\n"
        "  SS: {source: S, target: S, rule: pairwise_bernoulli, p: 0.2385, autapses: false,"
        " weight: 0.5}\n"
        "  all: {source: S, target: T, rule: pairwise_bernoulli, p: 1.0, weight: 0.5}\n"
        "  none: {source: S, target: T, rule: pairwise_bernoulli, p: 0.0, weight: 0.5}\n";
    sim s;
    sim_build(&s, text, 2);
    const double p = 0.1385, pairs = 120.0 * 150.0;
    inputs in = get_inputs(&s, "ST");
    fail_unless_close((double)in.total, p * pairs, 4 * sqrt(pairs * p * (1 - p)), "ST total");
    assert_int_equal(duplicates(&in), 0); /* at most one synapse per pair */
    uint64_t *k = outdegrees(&in);
    double chi2 = 0, e = p * 150.0 * 12.0;
    for (int b = 0; b < 10; b++) {
        double o = 0;
        for (int i = 12 * b; i < 12 * (b + 1); i++)
            o += (double)k[i];
        chi2 += (o - e) * (o - e) / (e * (1 - p));
    }
    if (!(chi2 < 29.59))
        fail_msg("source counts per tenth: chi2 %.2f >= 29.59", chi2);
    /* the first and last sources are reachable (P(never) = (1-p)^150 ~ 2e-10) */
    assert_true(k[0] > 0 && k[119] > 0);
    free(k);
    free_inputs(&in);

    const double p2 = 0.2385, pairs2 = 120.0 * 119.0;
    in = get_inputs(&s, "SS");
    fail_unless_close((double)in.total, p2 * pairs2, 4 * sqrt(pairs2 * p2 * (1 - p2)), "SS total");
    assert_int_equal(autapses(&in), 0);
    assert_int_equal(duplicates(&in), 0);
    free_inputs(&in);

    in = get_inputs(&s, "all");
    assert_int_equal(in.total, 120 * 150);
    for (uint32_t j = 0; j < in.n_tgt; j++)
        assert_int_equal(indegree(&in, j), 120);
    assert_int_equal(duplicates(&in), 0);
    free_inputs(&in);
    assert_int_equal(sf_network_projection_synapses(s.net, proj_index(&s, "none")), 0);
    sim_free(&s);
}

static void test_one_to_one_all_to_all(void **state)
{
    (void)state;
    const char *text = HEAD("1.0")
        "  A2: {model: iaf_psc_exp, n: 53}\n"
        "projections:\n"
        "  o: {source: A, target: A2, rule: one_to_one, weight: 12.5}\n"
        "  o_self: {source: A, target: A, rule: one_to_one, autapses: false, weight: 0.5}\n"
        "  a: {source: A, target: B, rule: all_to_all, weight: 0.5}\n"
        "  a_self: {source: B, target: B, rule: all_to_all, autapses: false, weight: 0.5}\n";
    sim s;
    sim_build(&s, text, 3);
    inputs in = get_inputs(&s, "o");
    assert_int_equal(in.total, 53);
    for (uint32_t j = 0; j < in.n_tgt; j++) {
        assert_int_equal(indegree(&in, j), 1);
        assert_int_equal(in.src[in.off[j]], j);
    }
    free_inputs(&in);
    assert_int_equal(sf_network_projection_synapses(s.net, proj_index(&s, "o_self")), 0);

    in = get_inputs(&s, "a");
    assert_int_equal(in.total, 53 * 37);
    for (uint32_t j = 0; j < in.n_tgt; j++) {
        assert_int_equal(indegree(&in, j), 53);
        for (uint32_t i = 0; i < 53; i++) /* storage order: by source */
            assert_int_equal(in.src[in.off[j] + i], i);
    }
    free_inputs(&in);
    in = get_inputs(&s, "a_self");
    assert_int_equal(in.total, 37 * 36);
    for (uint32_t j = 0; j < in.n_tgt; j++)
        assert_int_equal(indegree(&in, j), 36);
    assert_int_equal(autapses(&in), 0);
    assert_int_equal(duplicates(&in), 0);
    free_inputs(&in);
    sim_free(&s);
}

/* ------------------------------------------------------------------------
 * Weights and delays. */

/* Weights: normal (mean 0.385, sd 0.12) redrawn into [0.2, 0.6]: all within
 * the bounds, mean within 5 SE of the truncated-normal mean computed here
 * (SE <= sd / sqrt(n)). Delays: uniform on [0.5, 3.0) ms rounded to the
 * 0.1 ms grid: steps 5..30, interior steps with probability 1/25 and the two
 * end steps 1/50 each (half an interval rounds to them); chi-square over the
 * 26 values with 25 degrees of freedom, 0.999 quantile 52.62. */
static void test_weight_delay_distributions(void **state)
{
    (void)state;
    const char *text =
        "simulation: {resolution: 0.1, duration: 1.0, seed: 31}\n"
        "populations:\n"
        "  S: {model: iaf_psc_delta, n: 100}\n"
        "  T: {model: iaf_psc_delta, n: 300}\n"
        "projections:\n"
        "  ST: {source: S, target: T, rule: fixed_indegree, indegree: 30,\n"
        "       weight: {distribution: normal, mean: 0.385, std: 0.12, min: 0.2, max: 0.6},\n"
        "       delay: {distribution: uniform, low: 0.5, high: 3.0, min: 0.5}}\n"
        "  hom: {source: S, target: T, rule: fixed_indegree, indegree: 3, weight: -2.385,"
        " delay: 1.7}\n";
    sim s;
    sim_build(&s, text, 2);
    inputs in = get_inputs(&s, "ST");
    const double mu = 0.385, sd = 0.12, lo = 0.2, hi = 0.6;
    double a = (lo - mu) / sd, b = (hi - mu) / sd;
    double Z = 0.5 * (erf(b / sqrt(2.0)) - erf(a / sqrt(2.0)));
    double tmean = mu + sd * (exp(-a * a / 2) - exp(-b * b / 2)) / (sqrt(2 * M_PI) * Z);
    double sw = 0;
    uint64_t dcount[64] = {0};
    double sd_steps = 0;
    for (uint64_t q = 0; q < in.total; q++) {
        /* stored as float: allow float rounding at the bounds */
        if (!(in.w[q] >= lo - 1e-7 && in.w[q] <= hi + 1e-7))
            fail_msg("weight %.9g outside [%g, %g]", in.w[q], lo, hi);
        sw += in.w[q];
        if (!(in.d[q] >= 5 && in.d[q] <= 30))
            fail_msg("delay %u steps outside [5, 30]", in.d[q]);
        dcount[in.d[q]]++;
        sd_steps += in.d[q];
    }
    double n = (double)in.total;
    fail_unless_close(sw / n, tmean, 5 * sd / sqrt(n), "mean weight");
    /* the mean of the rounded uniform is still (5 + 30)/2 steps; sd 25/sqrt(12) */
    fail_unless_close(sd_steps / n, 17.5, 5 * 25 / sqrt(12.0) / sqrt(n), "mean delay (steps)");
    double chi2 = 0;
    for (int k = 5; k <= 30; k++) {
        double e = n * (k == 5 || k == 30 ? 0.5 : 1.0) / 25.0;
        chi2 += ((double)dcount[k] - e) * ((double)dcount[k] - e) / e;
    }
    if (!(chi2 < 52.62))
        fail_msg("delay steps: chi2 %.2f >= 52.62", chi2);
    free_inputs(&in);

    /* homogeneous values are reported as given */
    in = get_inputs(&s, "hom");
    for (uint64_t q = 0; q < in.total; q++) {
        assert_true(in.w[q] == (double)(float)-2.385);
        assert_int_equal(in.d[q], 17);
    }
    /* cap: the count is returned in full, at most cap entries are written */
    uint32_t few[2] = {7777, 7777};
    assert_int_equal(sf_network_inputs_of(s.net, proj_index(&s, "hom"), 5, few, NULL, NULL, 1), 3);
    assert_int_equal(few[0], in.src[in.off[5]]);
    assert_int_equal(few[1], 7777);
    /* a target outside the population has no inputs */
    assert_int_equal(sf_network_inputs_of(s.net, proj_index(&s, "hom"), 300, NULL, NULL, NULL, 0),
                     0);
    free_inputs(&in);
    sim_free(&s);
}

/* A spike generator makes the neurons of S fire at known times (a jump of
 * 100 mV over threshold, arriving after the generator's delay); S projects
 * one-to-one onto T with per-synapse delays (uniform) and onto U with a
 * fixed delay. A spike of S at t arrives in T at t + d, so V_T jumps by w at
 * exactly that time and then decays with tau_m:
 *     V_T(t) = sum over S-spikes t_k with t_k + d <= t of w e^{-(t - t_k - d)/tau_m}.
 * The run crosses many communication intervals (min delay 0.5 ms) and wraps
 * the input ring buffer several times. */
static void test_delay_arrival(void **state)
{
    (void)state;
    const char *text =
        "simulation: {resolution: 0.1, duration: 60.0, seed: 5}\n"
        "populations:\n"
        "  S: {model: iaf_psc_delta, n: 6, params: {E_L: 0.0, V_th: 20.0, V_reset: 10.0}}\n"
        "  T: {model: iaf_psc_delta, n: 6,\n"
        "      params: {E_L: 0.0, V_th: 1000.0, V_reset: 0.0, tau_m: 13.7}}\n"
        "  U: {model: iaf_psc_delta, n: 6,\n"
        "      params: {E_L: 0.0, V_th: 1000.0, V_reset: 0.0, tau_m: 13.7}}\n"
        "projections:\n"
        "  ST: {source: S, target: T, rule: one_to_one, weight: 2.385,\n"
        "       delay: {distribution: uniform, low: 0.5, high: 6.0, min: 0.5}}\n"
        "  SU: {source: S, target: U, rule: one_to_one, weight: 2.385, delay: 3.7}\n"
        "inputs:\n"
        "  g: {kind: spike_generator, targets: S, times: [1.0, 7.3, 15.0, 23.4, 40.0],\n"
        "      weight: 100.0, delay: 0.5}\n"
        "recorders:\n"
        "  sp: {kind: spikes, populations: S}\n"
        "  vt: {kind: voltmeter, populations: [T, U], n: 6}\n";
    sim s;
    sim_build(&s, text, 2);
    sim_engine(&s);
    const double h = 0.1, w = 2.385, tau = 13.7;
    /* S fires at generator time + 0.5 ms, every neuron, recorded as step t/h */
    static const double t_s[5] = {1.5, 7.8, 15.5, 23.9, 40.5};
    const uint32_t *ids;
    const int64_t *steps;
    size_t n;
    assert_true(sf_recording_spikes(s.rec, 0, &ids, &steps, &n));
    assert_int_equal(n, 5 * 6);
    for (size_t a = 0; a < n; a++) {
        assert_int_equal(ids[a], a % 6);
        assert_int_equal(steps[a], (int64_t)nearbyint(t_s[a / 6] / h));
    }
    inputs in = get_inputs(&s, "ST");
    uint32_t dist_delays = 0;
    for (uint32_t j = 0; j < 6; j++)
        dist_delays |= 1u << (in.d[j] % 32);
    assert_true(__builtin_popcount(dist_delays) >= 3); /* the delays do differ */
    for (int k = 0; k < 2; k++) {
        const float *v;
        size_t nt;
        uint32_t nn;
        double t0, dt;
        assert_true(sf_recording_trace(s.rec, 1, k, &v, &nt, &nn, &t0, &dt)); /* recorder 1: vt */
        assert_int_equal(nn, 6);
        assert_int_equal(nt, 600);
        for (uint32_t j = 0; j < 6; j++) {
            int64_t dsteps = k == 0 ? in.d[in.off[j]] : 37;
            for (size_t q = 0; q < nt; q++) {
                int64_t step = (int64_t)q + 1; /* sample q is V at (q+1) h */
                double ref = 0;
                for (int e = 0; e < 5; e++) {
                    int64_t arr = (int64_t)nearbyint(t_s[e] / h) + dsteps;
                    if (step >= arr)
                        ref += w * exp(-(double)(step - arr) * h / tau);
                }
                if (!(fabs(v[q * nn + j] - ref) <= 1e-5 * w))
                    fail_msg("%s neuron %u (delay %lld steps), t = %.1f ms: V = %.6g, expected %.6g",
                             k ? "U" : "T", j, (long long)dsteps, (double)step * h, v[q * nn + j],
                             ref);
            }
        }
    }
    free_inputs(&in);
    sim_free(&s);
}

/* ------------------------------------------------------------------------
 * Thread independence. */

static const char NET_TEXT[] =
    "simulation: {resolution: 0.1, duration: 200.0, seed: 8128}\n"
    "populations:\n"
    "  E: {model: iaf_psc_delta, n: 400,\n"
    "      params: {E_L: 0.0, V_th: 20.0, V_reset: 10.0, tau_m: 20.0, t_ref: 2.0},\n"
    "      initial: {V_m: {distribution: uniform, low: 0.0, high: 20.0}}}\n"
    "  I: {model: iaf_psc_delta, n: 100,\n"
    "      params: {E_L: 0.0, V_th: 20.0, V_reset: 10.0, tau_m: 20.0, t_ref: 2.0},\n"
    "      initial: {V_m: {distribution: uniform, low: 0.0, high: 20.0}}}\n"
    "  X: {model: iaf_psc_exp, n: 60, params: {E_L: 0.0, V_th: 15.0, V_reset: 0.0}}\n"
    "projections:\n"
    "  EE: {source: E, target: E, rule: fixed_indegree, indegree: 40, autapses: false,\n"
    "       weight: {distribution: normal, mean: 0.5, std: 0.1, min: 0.0},\n"
    "       delay: {distribution: uniform, low: 1.0, high: 2.5, min: 1.0, max: 2.5}}\n"
    "  EI: {source: E, target: I, rule: pairwise_bernoulli, p: 0.1, weight: 0.5, delay: 1.5}\n"
    "  IE: {source: I, target: E, rule: fixed_indegree, indegree: 10, weight: -2.5, delay: 1.5}\n"
    "  II: {source: I, target: I, rule: fixed_total_number, number: 1000, weight: -2.5,\n"
    "       delay: {distribution: normal, mean: 1.5, std: 0.3, min: 1.0, max: 3.0}}\n"
    "  EX: {source: E, target: X, rule: fixed_outdegree, outdegree: 3, multapses: false,\n"
    "       weight: {distribution: uniform, low: 50.0, high: 150.0}}\n"
    "  IX: {source: I, target: X, rule: all_to_all, weight: -30.0, delay: 1.1}\n"
    "inputs:\n"
    "  bg: {kind: poisson, targets: [E, I], rate: 4000.0, weight: 0.5}\n"
    "  bgx: {kind: poisson, targets: X, rate: 3000.0, weight: 100.0}\n"
    "recorders:\n"
    "  sp: {kind: spikes, populations: [E, I, X]}\n";

static void test_network_same_for_any_threads(void **state)
{
    (void)state;
    sim s[3];
    for (int t = 0; t < 3; t++)
        sim_build(&s[t], NET_TEXT, t + 1);
    for (int pi = 0; pi < s[0].m->n_proj; pi++) {
        const char *name = s[0].m->proj[pi].name;
        inputs ref = get_inputs(&s[0], name);
        assert_true(ref.total > 0);
        for (int t = 1; t < 3; t++) {
            inputs in = get_inputs(&s[t], name);
            assert_int_equal(in.total, ref.total);
            assert_memory_equal(in.off, ref.off, (ref.n_tgt + 1u) * sizeof *ref.off);
            assert_memory_equal(in.src, ref.src, ref.total * sizeof *ref.src);
            assert_memory_equal(in.w, ref.w, ref.total * sizeof *ref.w);
            assert_memory_equal(in.d, ref.d, ref.total * sizeof *ref.d);
            free_inputs(&in);
        }
        free_inputs(&ref);
    }
    for (int t = 1; t < 3; t++)
        assert_int_equal(sf_network_synapses(s[t].net), sf_network_synapses(s[0].net));
    for (int t = 0; t < 3; t++)
        sim_free(&s[t]);
}

static void test_simulation_same_for_any_threads(void **state)
{
    (void)state;
    sim s[3];
    for (int t = 0; t < 3; t++) {
        sim_build(&s[t], NET_TEXT, t + 1);
        sim_engine(&s[t]);
        assert_false(sf_recording_interrupted(s[t].rec));
        fail_unless_close(sf_recording_t_end(s[t].rec), 200.0, 1e-9, "t_end");
    }
    for (int p = 0; p < 3; p++) {
        const uint32_t *id0, *id;
        const int64_t *st0, *st;
        size_t n0, n;
        assert_true(sf_recording_spikes(s[0].rec, p, &id0, &st0, &n0));
        if (p == 0 && n0 < 400) /* the test needs activity to mean something */
            fail_msg("only %zu spikes of E", n0);
        for (size_t a = 1; a < n0; a++) /* sorted by step, then id */
            assert_true(st0[a] > st0[a - 1] || (st0[a] == st0[a - 1] && id0[a] > id0[a - 1]));
        for (int t = 1; t < 3; t++) {
            assert_true(sf_recording_spikes(s[t].rec, p, &id, &st, &n));
            if (n != n0)
                fail_msg("population %d: %zu spikes with %d threads, %zu with 1", p, n, t + 1, n0);
            assert_memory_equal(id, id0, n0 * sizeof *id0);
            assert_memory_equal(st, st0, n0 * sizeof *st0);
        }
    }
    for (int t = 0; t < 3; t++)
        sim_free(&s[t]);
}

/* Event queues (src/network/evq.h): delivery through them (SF_EVQ=1) adds
 * the same values into each accumulator in the same order as direct
 * delivery (SF_EVQ=0), so the spikes are identical, for any thread count.
 * The network exercises every path: drawn delays (bucketed rows) and a
 * fixed one, two receptor ports, a pool that runs out (an initial burst
 * and ~290 Hz: ~4000 events per step, ~20 steps in flight, against a pool
 * of ~23,000 entries) and amplitudes other than +-1 (lin_rate sources),
 * which bypass the queue. The synaptic currents and membrane potentials
 * (float64 samples every ms) are compared bit for bit too: any change in
 * the order of the adds would show there first. */
static const char EVQ_TEXT[] =
    "simulation: {resolution: 0.1, duration: 100.0, seed: 77}\n"
    "populations:\n"
    "  E: {model: iaf_psc_exp, n: 600, params: {E_L: -65.0, V_th: -50.0, V_reset: -65.0},\n"
    "      initial: {V_m: {distribution: uniform, low: -70.0, high: -40.0}}}\n"
    "  R: {model: lin_rate, n: 40}\n"
    "projections:\n"
    "  EE: {source: E, target: E, rule: fixed_indegree, indegree: 200,\n"
    "       weight: {distribution: normal, mean: 20.0, std: 4.0, min: 0.0},\n"
    "       delay: {distribution: uniform, low: 1.0, high: 3.0}}\n"
    "  EEh: {source: E, target: E, rule: fixed_indegree, indegree: 20, weight: -60.0, delay: 0.5}\n"
    "  RE: {source: R, target: E, rule: fixed_indegree, indegree: 10, weight: 5.0, delay: 0.7}\n"
    "inputs:\n"
    "  bg: {kind: poisson, targets: [E], rate: 8000.0, weight: 30.0}\n"
    "  rd: {kind: dc, targets: [R], amplitude: 1.0}\n"
    "recorders:\n"
    "  sp: {kind: spikes, populations: [E]}\n"
    "  mm: {kind: multimeter, populations: E, record_from: [V_m, I_syn_ex, I_syn_in],\n"
    "       interval: 1.0, precision: float64}\n";

static void test_event_queues_same_spikes(void **state)
{
    (void)state;
    const char *old = getenv("SF_EVQ");
    char *saved = old ? strdup(old) : NULL;
    sim s[4]; /* direct 1 thread, queues 1, 2, 3 threads */
    for (int v = 0; v < 4; v++) {
        setenv("SF_EVQ", v == 0 ? "0" : "1", 1);
        sim_build(&s[v], EVQ_TEXT, v == 0 ? 1 : v);
        sim_engine(&s[v]);
    }
    if (saved)
        setenv("SF_EVQ", saved, 1);
    else
        unsetenv("SF_EVQ");
    free(saved);
    const uint32_t *id0, *id;
    const int64_t *st0, *st;
    size_t n0, n;
    assert_true(sf_recording_spikes(s[0].rec, 0, &id0, &st0, &n0));
    if (n0 < 10000) /* the pool must run out for the test to mean something */
        fail_msg("only %zu spikes", n0);
    for (int v = 1; v < 4; v++) {
        assert_true(sf_recording_spikes(s[v].rec, 0, &id, &st, &n));
        if (n != n0)
            fail_msg("queues, %d threads: %zu spikes, direct: %zu", v, n, n0);
        assert_memory_equal(id, id0, n0 * sizeof *id0);
        assert_memory_equal(st, st0, n0 * sizeof *st0);
        for (int var = 0; var < 3; var++) {
            const void *d0, *d;
            bool f64;
            size_t nt0, nt;
            uint32_t nn0, nn;
            double t0, dt;
            assert_true(sf_recording_trace_var(s[0].rec, 1, 0, var, &d0, &f64, &nt0, &nn0, NULL,
                                               &t0, &dt));
            assert_true(f64 && nt0 >= 100 && nn0 == 600);
            assert_true(sf_recording_trace_var(s[v].rec, 1, 0, var, &d, &f64, &nt, &nn, NULL,
                                               &t0, &dt));
            assert_true(nt == nt0 && nn == nn0);
            assert_memory_equal(d, d0, nt0 * nn0 * sizeof(double));
        }
    }
    for (int v = 0; v < 4; v++)
        sim_free(&s[v]);
}

/* ------------------------------------------------------------------------
 * Poisson drive. A pif_psc_delta neuron that never reaches threshold
 * integrates its input exactly: with weight w = 1 mV, V(T) - V(0) is the
 * number of input events, Poisson with lambda = nu (stop - start). Over N
 * independent neurons: SE of the mean = sqrt(lambda / N); SE of the sample
 * variance = sqrt(2 lambda^2 / (N - 1) + lambda / N) (from Var s^2 = mu4/N -
 * sigma^4 (N-3)/(N(N-1)) with mu4 = lambda + 3 lambda^2). Tolerance 4 SE.
 * Counts are float in the trace but exact below 2^24. */
static void test_poisson_drive(void **state)
{
    (void)state;
    const char *text =
        "simulation: {resolution: 0.1, duration: 200.0, seed: 1234}\n"
        "populations:\n"
        "  P: {model: pif_psc_delta, n: 4000, params: {V_th: 1.0e5, V_reset: 0.0}}\n"
        "  Q: {model: pif_psc_delta, n: 500, params: {V_th: 1.0e6, V_reset: 0.0}}\n"
        "inputs:\n"
        "  bg: {kind: poisson, targets: P, rate: 2385.0, weight: 1.0, start: 50.0, stop: 150.0}\n"
        /* 150 events per step: the table starts at k0 > 0 and is searched by bisection */
        "  hi: {kind: poisson, targets: Q, rate: 1.5e6, weight: 1.0}\n"
        "recorders:\n"
        "  end: {kind: voltmeter, populations: P, n: 4000, interval: 200.0}\n"
        "  fine: {kind: voltmeter, populations: P, n: 200, interval: 0.1}\n"
        "  endq: {kind: voltmeter, populations: Q, n: 500, interval: 200.0}\n";
    sim s;
    sim_build(&s, text, 2);
    sim_engine(&s);
    const float *v;
    size_t nt;
    uint32_t nn;
    double t0, dt;

    /* counts over the window */
    assert_true(sf_recording_trace(s.rec, 0, 0, &v, &nt, &nn, &t0, &dt));
    assert_int_equal(nt, 1);
    assert_int_equal(nn, 4000);
    const double lambda = 2385.0 * 0.1; /* Hz x 100 ms */
    double m1 = 0, m2 = 0;
    for (uint32_t i = 0; i < nn; i++) {
        assert_true(v[i] == floor(v[i]) && v[i] >= 0);
        m1 += v[i];
    }
    m1 /= nn;
    for (uint32_t i = 0; i < nn; i++)
        m2 += (v[i] - m1) * (v[i] - m1);
    m2 /= nn - 1;
    fail_unless_close(m1, lambda, 4 * sqrt(lambda / nn), "mean count");
    fail_unless_close(m2, lambda, 4 * sqrt(2 * lambda * lambda / (nn - 1) + lambda / nn),
                      "count variance");
    /* neighbours are independent: correlation of disjoint pairs (2i, 2i+1),
     * SE 1/sqrt(pairs), tolerance 4 SE */
    double c = 0;
    for (uint32_t i = 0; i + 1 < nn; i += 2)
        c += (v[i] - m1) * (v[i + 1] - m1);
    c /= (nn / 2) * m2;
    fail_unless_close(c, 0.0, 4 / sqrt(nn / 2.0), "neighbour correlation");

    /* per-step counts, from the fine trace: Poisson(0.2385). Chi-square over
     * the classes 0, 1, 2, >= 3 (3 degrees of freedom, 0.999 quantile 16.27).
     * No input before start (V = 0 at t = 50 ms), none after stop. */
    assert_true(sf_recording_trace(s.rec, 1, 0, &v, &nt, &nn, &t0, &dt));
    assert_int_equal(nt, 2000);
    assert_int_equal(nn, 200);
    const double ls = 2385.0 * 1e-4;
    uint64_t cls[4] = {0}, first_step = 0, last_step = 0;
    for (uint32_t i = 0; i < nn; i++) {
        for (size_t q = 0; q < nt; q++) {
            double t = t0 + (double)q * dt, prev = q ? v[(q - 1) * nn + i] : 0.0;
            double inc = v[q * nn + i] - prev;
            if (t <= 50.0 + 1e-9 || t > 150.0 + 1e-9) {
                if (inc != 0)
                    fail_msg("neuron %u: input %.0f in the step ending at %.1f ms, outside "
                             "[50, 150) ms", i, inc, t);
                continue;
            }
            first_step += fabs(t - 50.1) < 1e-9 && inc > 0;
            last_step += fabs(t - 150.0) < 1e-9 && inc > 0;
            cls[inc >= 3 ? 3 : (int)inc]++;
        }
    }
    /* the window's first and last steps do get input (each: 200 neurons,
     * P(input) = 0.21, P(none at all) ~ 1e-20) */
    assert_true(first_step > 0 && last_step > 0);
    double tot = (double)(cls[0] + cls[1] + cls[2] + cls[3]);
    assert_true(tot == 200.0 * 1000.0);
    double pr[4] = {exp(-ls), ls * exp(-ls), ls * ls / 2 * exp(-ls), 0};
    pr[3] = 1 - pr[0] - pr[1] - pr[2];
    double chi2 = 0;
    for (int k = 0; k < 4; k++)
        chi2 += ((double)cls[k] - tot * pr[k]) * ((double)cls[k] - tot * pr[k]) / (tot * pr[k]);
    if (!(chi2 < 16.27))
        fail_msg("per-step counts: chi2 %.2f >= 16.27 (%llu %llu %llu %llu)", chi2,
                 (unsigned long long)cls[0], (unsigned long long)cls[1],
                 (unsigned long long)cls[2], (unsigned long long)cls[3]);

    /* high rate: lambda = 1.5e6 Hz x 200 ms = 3e5 per neuron */
    assert_true(sf_recording_trace(s.rec, 2, 0, &v, &nt, &nn, &t0, &dt));
    assert_int_equal(nn, 500);
    const double lq = 1.5e6 * 0.2;
    m1 = 0;
    m2 = 0;
    for (uint32_t i = 0; i < nn; i++)
        m1 += v[i];
    m1 /= nn;
    for (uint32_t i = 0; i < nn; i++)
        m2 += (v[i] - m1) * (v[i] - m1);
    m2 /= nn - 1;
    fail_unless_close(m1, lq, 4 * sqrt(lq / nn), "mean count (high rate)");
    fail_unless_close(m2, lq, 4 * sqrt(2 * lq * lq / (nn - 1) + lq / nn),
                      "count variance (high rate)");
    sim_free(&s);
}

/* ------------------------------------------------------------------------
 * Memory. */

static void test_memory_refusal(void **state)
{
    (void)state;
    /* 2e6 neurons x 1e5 inputs = 2e11 synapses: at least 400 GB */
    const char *text =
        "simulation: {resolution: 0.1, duration: 10.0}\n"
        "populations:\n"
        "  E: {model: iaf_psc_delta, n: 2000000}\n"
        "projections:\n"
        "  EE: {source: E, target: E, rule: fixed_indegree, indegree: 100000, weight: 0.1}\n";
    sf_context *ctx = sf_context_create();
    sf_model *m = NULL;
    assert_int_equal(sf_model_load_string(ctx, text, "huge.yaml", NULL, 0, &m), SF_OK);
    uint64_t bytes = 0;
    assert_int_equal(sf_network_estimate(ctx, m, 2, &bytes), SF_OK);
    assert_true((double)bytes >= 2e11 * 2.0);
    assert_int_equal(sf_network_estimate(ctx, m, 0, &bytes), SF_ERR_ARG);
    uint64_t avail = sf_mem_available();
    if (avail == 0 || avail >= bytes) {
        sf_model_destroy(m);
        sf_context_destroy(ctx);
        skip(); /* cannot provoke the refusal on this machine */
    }
    sf_network *net = (sf_network *)(uintptr_t)0x5f;
    assert_int_equal(sf_network_build(ctx, m, 2, &net), SF_ERR_TOO_BIG);
    assert_null(net);
    const char *msg = sf_context_errmsg(ctx);
    if (!strstr(msg, "GiB") || !strstr(msg, "huge.yaml"))
        fail_msg("message [%s] should name the file and the size in GiB", msg);
    sf_model_destroy(m);
    sf_context_destroy(ctx);
}

/* Synapse storage (static_synapse, the file's header): per table (one per
 * projection and target block) the row offsets (n_src + 1 words of 4
 * bytes), a 32-bit weight per synapse when weights differ, and the targets
 * either as 16 bits each or delta-coded in bytes (each run of a row starts
 * at target 0; a gap G takes G / 255 + 1 bytes), whichever is smaller (and
 * only when at most 1 synapse in 64 needs an escape),
 * the bytes with their own row offsets. Drawn delays: runs of one delay per
 * row, as one byte per delay step from the table's smallest delay (counts
 * below 255 here) or two bytes per bucket (one per distinct delay of a row
 * here: delays below 32 steps), whichever is smaller, with row offsets.
 * Counted here from the connections (sf_network_weights), with the target
 * blocks of the thread slices. */
static double want_table_bytes(const sim *s, int threads, bool hw, bool hd)
{
    const uint64_t n = sf_network_projection_synapses(s->net, 0);
    uint32_t *src = malloc(n * sizeof *src), *tgt = malloc(n * sizeof *tgt),
             *d = malloc(n * sizeof *d);
    assert_true(src && tgt && d);
    assert_int_equal(sf_network_weights(s->net, 0, src, tgt, NULL, d, n), n);
    /* per block, source and delay (0 for constant delays): the targets,
     * ascending (a count per target: multapses allowed) */
    static unsigned short cnt[2][200][32][300];
    memset(cnt, 0, sizeof cnt);
    const uint32_t half = 300 / 2;
    for (uint64_t a = 0; a < n; a++) {
        int blk = threads == 1 ? 0 : tgt[a] >= half;
        assert_true(d[a] < 32 && src[a] < 200 && tgt[a] < 300);
        cnt[blk][src[a]][hd ? d[a] : 0][tgt[a] - (blk ? half : 0)]++;
    }
    double total = 0;
    for (int blk = 0; blk < threads; blk++) {
        const double offs = 4.0 * (200 + 1);
        uint64_t nsyn = 0, t8 = 0, steps = 0, buckets = 0;
        int dbase = 32;
        for (int r = 0; r < 200; r++)
            for (int q = 0; q < 32; q++)
                for (int t = 0; t < 300; t++)
                    if (cnt[blk][r][q][t] && q < dbase)
                        dbase = q;
        for (int r = 0; r < 200; r++) {
            int dmax = -1;
            for (int q = 0; q < 32; q++) {
                uint32_t prev = 0, c = 0;
                for (int t = 0; t < 300; t++)
                    for (int m = 0; m < cnt[blk][r][q][t]; m++, c++) {
                        t8 += ((uint32_t)t - prev) / 255 + 1;
                        prev = (uint32_t)t;
                    }
                assert_true(c < 255);
                if (c) {
                    nsyn += c;
                    buckets++;
                    dmax = q;
                }
            }
            if (dmax >= 0)
                steps += (uint64_t)(dmax - dbase + 1);
        }
        double b = offs + (hw ? 4.0 * nsyn : 0.0);
        if (hd)
            b += offs + (steps <= 2 * buckets ? (double)steps : 2.0 * buckets);
        bool one = (double)t8 + offs < 2.0 * nsyn && (t8 - nsyn) * 64 <= nsyn;
        total += b + (one ? (double)t8 + offs : 2.0 * nsyn);
    }
    free(src);
    free(tgt);
    free(d);
    return total;
}

static void test_bytes_per_synapse(void **state)
{
    (void)state;
    static const struct {
        const char *w, *d;
        bool hw, hd;
    } c[] = {
        {"0.5", "1.5", false, false},
        {"{distribution: normal, mean: 0.5, std: 0.1}", "1.5", true, false},
        {"0.5", "{distribution: uniform, low: 0.5, high: 3.0, min: 0.5}", false, true},
        {"{distribution: normal, mean: 0.5, std: 0.1}",
         "{distribution: uniform, low: 0.5, high: 3.0, min: 0.5}", true, true},
    };
    for (size_t q = 0; q < sizeof c / sizeof c[0]; q++)
        for (int threads = 1; threads <= 2; threads++) {
            char text[1024];
            snprintf(text, sizeof text,
                     "simulation: {resolution: 0.1, duration: 1.0}\n"
                     "populations:\n"
                     "  S: {model: iaf_psc_delta, n: 200}\n"
                     "  T: {model: iaf_psc_delta, n: 300}\n"
                     "projections:\n"
                     "  ST: {source: S, target: T, rule: fixed_indegree, indegree: 100,\n"
                     "       weight: %s, delay: %s}\n",
                     c[q].w, c[q].d);
            sim s;
            sim_build(&s, text, threads);
            const double nsyn = 100.0 * 300.0;
            assert_true(sf_network_synapses(s.net) == nsyn);
            double want = want_table_bytes(&s, threads, c[q].hw, c[q].hd) / nsyn;
            double got = sf_network_bytes_per_synapse(s.net);
            fail_unless_close(got, want, 1e-12, "bytes per synapse");
            assert_true(got <= 10.0);
            if (!c[q].hw && !c[q].hd && threads == 1)
                assert_true(got < 1.1); /* homogeneous, dense rows: a byte and the offsets */
            assert_true(sf_network_build_seconds(s.net) >= 0.0);
            sim_free(&s);
        }
}

/* ------------------------------------------------------------------------
 * Engine: one run per network, stop flag, progress. */

typedef struct {
    int calls;
    double last_t, t_end;
} progress_log;

static void on_progress(void *user, double t_ms, double t_end_ms, double wall_s)
{
    progress_log *p = user;
    p->calls++;
    p->last_t = t_ms;
    p->t_end = t_end_ms;
    assert_true(wall_s >= 0);
}

static void test_engine_run_options(void **state)
{
    (void)state;
    sim s;
    sim_build(&s, NET_TEXT, 2);
    progress_log pl = {0};
    sf_run_options o = {.progress = on_progress, .progress_user = &pl};
    assert_int_equal(sf_engine_run(s.ctx, s.net, &o, &s.rec), SF_OK);
    assert_true(pl.calls >= 1);
    fail_unless_close(pl.last_t, 200.0, 1e-9, "last progress time");
    fail_unless_close(pl.t_end, 200.0, 1e-9, "progress end time");
    assert_true(sf_recording_seconds(s.rec) >= 0 && sf_recording_cpu_seconds(s.rec) >= 0);
    /* a network runs once */
    sf_recording *again = (sf_recording *)(uintptr_t)0x5f;
    assert_int_equal(sf_engine_run(s.ctx, s.net, NULL, &again), SF_ERR_ARG);
    assert_null(again);
    sim_free(&s);

    /* a stop request ends the run early, consistently */
    sim_build(&s, NET_TEXT, 2);
    volatile int stop = 1;
    sf_run_options o2 = {.stop = &stop};
    assert_int_equal(sf_engine_run(s.ctx, s.net, &o2, &s.rec), SF_OK);
    assert_true(sf_recording_interrupted(s.rec));
    double t_end = sf_recording_t_end(s.rec);
    assert_true(t_end > 0 && t_end < 200.0);
    const uint32_t *ids;
    const int64_t *steps;
    size_t n;
    assert_true(sf_recording_spikes(s.rec, 0, &ids, &steps, &n));
    for (size_t a = 0; a < n; a++)
        assert_true((double)steps[a] * 0.1 <= t_end + 1e-9);
    /* a population that is not recorded */
    assert_false(sf_recording_spikes(s.rec, 7, &ids, &steps, &n));
    assert_int_equal(n, 0);
    sim_free(&s);
}

/* Receptor ports in the engine: events reach the port the parser chose
 * (by the weight's sign or by `receptor:`), and only that port. P is an
 * iaf_psc_exp pair; a synaptic current right after its arrival step equals
 * the weight exactly (I <- P11 I + w from I = 0), and the other current stays
 * exactly 0. Voltmeter 0 records I_syn_ex, voltmeter 1 I_syn_in. */
static void current_extremes(const sim *s, int r, double *lo, double *hi)
{
    const float *data;
    size_t nt;
    uint32_t nn;
    double t0, dt;
    assert_true(sf_recording_trace(s->rec, r, 0, &data, &nt, &nn, &t0, &dt));
    assert_int_equal(nn, 2);
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t i = 0; i < nt * nn; i++) {
        *lo = fmin(*lo, data[i]);
        *hi = fmax(*hi, data[i]);
    }
}

static void test_receptor_ports(void **state)
{
    (void)state;
    static const char fmt[] =
        "simulation: {resolution: 0.1, duration: 10.0, seed: 3}\n"
        "populations:\n"
        "  D: {model: iaf_psc_delta, n: 2}\n"
        "  P: {model: iaf_psc_exp, n: 2, params: {tau_syn_ex: 2.0, tau_syn_in: 8.0}}\n"
        "projections:\n"
        "  DP: {source: D, target: P, rule: one_to_one, weight: %s, delay: 1.0%s}\n"
        "inputs:\n"
        "  fire: {kind: spike_generator, targets: D, times: [1.0], weight: 100.0}\n"
        "  kick: {kind: spike_generator, targets: P, times: [5.0], weight: %s%s}\n"
        "recorders:\n"
        "  ex: {kind: voltmeter, populations: P, n: 2, variable: I_syn_ex}\n"
        "  in: {kind: voltmeter, populations: P, n: 2, variable: I_syn_in}\n";
    struct {
        const char *w_proj, *r_proj, *w_in, *r_in;
        double ex_lo, ex_hi, in_lo, in_hi;
    } cases[] = {
        /* by sign: the projection's -50 into in, the input's 30 into ex */
        {"-50.0", "", "30.0", "", 0.0, 30.0, -50.0, 0.0},
        /* explicit ports, the same result */
        {"-50.0", ", receptor: in", "30.0", ", receptor: ex", 0.0, 30.0, -50.0, 0.0},
        /* the other way round */
        {"50.0", ", receptor: ex", "-30.0", ", receptor: in", 0.0, 50.0, -30.0, 0.0},
    };
    for (int c = 0; c < 3; c++) {
        char text[2048];
        snprintf(text, sizeof text, fmt, cases[c].w_proj, cases[c].r_proj, cases[c].w_in,
                 cases[c].r_in);
        sim s;
        sim_build(&s, text, 1);
        sim_engine(&s);
        double lo, hi;
        current_extremes(&s, 0, &lo, &hi);
        assert_true(lo == cases[c].ex_lo && hi == cases[c].ex_hi);
        current_extremes(&s, 1, &lo, &hi);
        assert_true(lo == cases[c].in_lo && hi == cases[c].in_hi);
        sim_free(&s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_draw_n_redraws),
        cmocka_unit_test(test_conn_draw_fixed_stream),
        cmocka_unit_test(test_fixed_indegree),
        cmocka_unit_test(test_fixed_indegree_uniform_sources),
        cmocka_unit_test(test_fixed_outdegree),
        cmocka_unit_test(test_fixed_total_number),
        cmocka_unit_test(test_pairwise_bernoulli),
        cmocka_unit_test(test_one_to_one_all_to_all),
        cmocka_unit_test(test_weight_delay_distributions),
        cmocka_unit_test(test_delay_arrival),
        cmocka_unit_test(test_network_same_for_any_threads),
        cmocka_unit_test(test_simulation_same_for_any_threads),
        cmocka_unit_test(test_poisson_drive),
        cmocka_unit_test(test_memory_refusal),
        cmocka_unit_test(test_bytes_per_synapse),
        cmocka_unit_test(test_event_queues_same_spikes),
        cmocka_unit_test(test_engine_run_options),
        cmocka_unit_test(test_receptor_ports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
