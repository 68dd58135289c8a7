/* Unit tests of the public model API (include/spikefield/model.h), written as
 * a client of the library: this file includes the public headers only.
 *
 * - every accessor on a model loaded from YAML text (MODEL below), against
 *   the values written in that text (and, for derived numbers such as the
 *   mean in-degree of pairwise_bernoulli, worked out by hand in comments);
 * - the neuron model registry against the documented tables (docs/models.md);
 * - the builder: a model built by calls (build_model) equals MODEL in every
 *   accessor and every parameter, and simulating both gives the same spikes;
 * - every error path: unknown parameter, unknown population, bad rule name,
 *   values out of range, NaN, duplicates, finish twice, calls after finish,
 *   NULL handles and arguments, indices out of range; each returns its code,
 *   leaves outputs NULL and names the call or key path in its message;
 * - the run summary (sf_recording_analyse, sf_recording_summary_json,
 *   sf_recording_write_summary): rates against spikes counted here, the
 *   spike counts, the file equal to the text, and the error paths.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "spikefield/analysis.h"
#include "spikefield/model.h"
#include "spikefield/network.h"

#include <unistd.h>

#define NAME "api.yaml"

/* Numbers with several significant digits, so that a value taken from the
 * wrong key cannot agree by accident. */
static const char MODEL[] =
    "simulation: {resolution: 0.1, duration: 120.0, seed: 2385, threads: 2}\n"
    "analysis: {start: 50.0, bin: 5.0, pairs: 40}\n"
    "populations:\n"
    "  E:\n"
    "    model: iaf_psc_delta\n"
    "    n: 80\n"
    "    params: {V_th: 20.0, V_reset: 10.0, E_L: 0.0, tau_m: 20.0, t_ref: 2.0}\n"
    "    initial: {V_m: {distribution: uniform, low: 0.0, high: 20.0}}\n"
    "  I:\n"
    "    model: iaf_psc_exp\n"
    "    n: 20\n"
    "    params: {tau_syn_ex: 0.55}\n"
    "projections:\n"
    "  EE: {source: E, target: E, rule: fixed_indegree, indegree: 8, weight: 0.2, delay: 1.5}\n"
    "  EI: {source: E, target: I, rule: pairwise_bernoulli, p: 0.1, weight: 30.0, delay: 0.8}\n"
    "  IE: {source: I, target: E, rule: fixed_total_number, number: 300, weight: -1.25}\n"
    "  II: {source: I, target: I, rule: all_to_all, weight: -20.0, delay: 2.0, autapses: false}\n"
    "inputs:\n"
    "  ext: {kind: poisson, targets: [E, I], rate: 12000.0, weight: 0.15}\n"
    "  bias: {kind: dc, targets: [I], amplitude: 238.5}\n"
    "recorders:\n"
    "  spikes: {kind: spikes, populations: [E, I]}\n"
    "  vm: {kind: voltmeter, populations: [E], n: 3, interval: 0.5}\n";

typedef struct {
    sf_context *ctx;
    sf_model *m;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->ctx = sf_context_create();
    if (sf_model_load_string(f->ctx, MODEL, NAME, NULL, 0, &f->m) != SF_OK) {
        fprintf(stderr, "MODEL: %s\n", sf_context_errmsg(f->ctx));
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    sf_model_destroy(f->m);
    sf_context_destroy(f->ctx);
    free(f);
    return 0;
}

static void assert_msg(sf_context *ctx, const char *what)
{
    if (!strstr(sf_context_errmsg(ctx), what))
        fail_msg("message '%s' does not contain '%s'", sf_context_errmsg(ctx), what);
}

#define assert_near(a, b) assert_true(fabs((a) - (b)) <= 1e-12 * fmax(1.0, fabs(b)))

/* ------------------------------------------------------------------------
 * Accessors on a loaded model. */

static void test_populations(void **state)
{
    fixture *f = *state;
    const sf_model *m = f->m;
    assert_string_equal(sf_model_file(m), NAME);
    assert_int_equal(sf_model_neurons(m), 100);
    assert_int_equal(sf_model_population_count(m), 2);
    assert_int_equal(sf_model_find_pop(m, "E"), 0);
    assert_int_equal(sf_model_find_pop(m, "I"), 1);
    assert_int_equal(sf_model_find_pop(m, "X"), -1);
    assert_int_equal(sf_model_find_pop(m, NULL), -1);
    assert_string_equal(sf_model_population_name(m, 0), "E");
    assert_string_equal(sf_model_population_name(m, 1), "I");
    assert_int_equal(sf_model_population_size(m, 0), 80);
    assert_int_equal(sf_model_population_size(m, 1), 20);
    assert_string_equal(sf_model_population_model(m, 0), "iaf_psc_delta");
    assert_string_equal(sf_model_population_model(m, 1), "iaf_psc_exp");
    /* out of range */
    assert_null(sf_model_population_name(m, 2));
    assert_null(sf_model_population_name(m, -1));
    assert_int_equal(sf_model_population_size(m, 2), 0);
    assert_null(sf_model_population_model(m, -1));
}

static void test_params(void **state)
{
    fixture *f = *state;
    double v = 0;
    assert_int_equal(sf_model_get_param(f->ctx, f->m, 0, "V_th", &v), SF_OK);
    assert_true(v == 20.0);
    assert_int_equal(sf_model_get_param(f->ctx, f->m, 0, "tau_m", &v), SF_OK);
    assert_true(v == 20.0);
    /* defaults from the tables (docs/models.md): C_m 250 pF, I_e 0 */
    assert_int_equal(sf_model_get_param(f->ctx, f->m, 0, "C_m", &v), SF_OK);
    assert_true(v == 250.0);
    assert_int_equal(sf_model_get_param(f->ctx, f->m, 1, "tau_syn_ex", &v), SF_OK);
    assert_true(v == 0.55);
    assert_int_equal(sf_model_get_param(f->ctx, f->m, 1, "tau_syn_in", &v), SF_OK);
    assert_true(v == 2.0);
    assert_int_equal(sf_model_get_param(f->ctx, f->m, 1, "V_th", &v), SF_OK);
    assert_true(v == -55.0);

    /* unknown names: an error naming population, model and its parameters;
     * the output is untouched */
    v = 2.385;
    assert_int_equal(sf_model_get_param(f->ctx, f->m, 0, "tau_syn", &v), SF_ERR_ARG);
    assert_true(v == 2.385);
    assert_msg(f->ctx, "population E (iaf_psc_delta) has no parameter 'tau_syn'; its parameters: "
                       "E_L, C_m, tau_m, t_ref, V_th, V_reset, I_e, V_min");
    assert_int_equal(sf_model_get_param(f->ctx, f->m, 1, "V_min", &v), SF_ERR_ARG);
    assert_msg(f->ctx, "population I (iaf_psc_exp) has no parameter 'V_min'");
    assert_int_equal(sf_model_get_param(f->ctx, f->m, 0, NULL, &v), SF_ERR_ARG);
    assert_int_equal(sf_model_get_param(f->ctx, f->m, 2, "V_th", &v), SF_ERR_ARG);
    assert_msg(f->ctx, "population index 2 is out of range (the model has 2 populations)");
    assert_int_equal(sf_model_get_param(f->ctx, f->m, -1, "V_th", &v), SF_ERR_ARG);
    assert_int_equal(sf_model_get_param(f->ctx, f->m, 0, "V_th", NULL), SF_ERR_ARG);
    assert_int_equal(sf_model_get_param(f->ctx, NULL, 0, "V_th", &v), SF_ERR_ARG);
    assert_msg(f->ctx, "sf_model_get_param: model is NULL");
    /* a NULL context drops the message, never crashes */
    assert_int_equal(sf_model_get_param(NULL, f->m, 0, "nope", &v), SF_ERR_ARG);
    assert_true(v == 2.385);
}

static void test_projections(void **state)
{
    fixture *f = *state;
    const sf_model *m = f->m;
    assert_int_equal(sf_model_projection_count(m), 4);
    static const char *const names[] = {"EE", "EI", "IE", "II"};
    static const char *const rules[] = {"fixed_indegree", "pairwise_bernoulli",
                                        "fixed_total_number", "all_to_all"};
    static const int src[] = {0, 0, 1, 1}, tgt[] = {0, 1, 0, 1};
    /* in-degree: 8; p N_E = 0.1 * 80 = 8; number / N_E = 300 / 80 = 3.75;
     * N_I - 1 = 19 (no autapses). Synapses: 8 * 80; p N_E N_I = 160; 300;
     * 20 * 20 - 20 = 380. Delay of IE: the default, one step. */
    static const double kin[] = {8, 8, 3.75, 19}, syn[] = {640, 160, 300, 380};
    static const double w[] = {0.2, 30.0, -1.25, -20.0}, d[] = {1.5, 0.8, 0.1, 2.0};
    for (int i = 0; i < 4; i++) {
        assert_string_equal(sf_model_projection_name(m, i), names[i]);
        assert_string_equal(sf_model_projection_rule(m, i), rules[i]);
        assert_int_equal(sf_model_projection_source(m, i), src[i]);
        assert_int_equal(sf_model_projection_target(m, i), tgt[i]);
        assert_near(sf_model_projection_indegree(m, i), kin[i]);
        assert_near(sf_model_expected_synapses(m, i), syn[i]);
        assert_near(sf_model_projection_weight(m, i), w[i]);
        assert_near(sf_model_projection_delay(m, i), d[i]);
    }
    assert_null(sf_model_projection_name(m, 4));
    assert_null(sf_model_projection_rule(m, -1));
    assert_int_equal(sf_model_projection_source(m, 4), -1);
    assert_int_equal(sf_model_projection_target(m, -1), -1);
    assert_true(isnan(sf_model_projection_indegree(m, 4)));
    assert_true(isnan(sf_model_expected_synapses(m, 4)));
    assert_true(isnan(sf_model_projection_weight(m, -1)));
    assert_true(isnan(sf_model_projection_delay(m, 4)));
}

static void test_inputs_recorders_settings(void **state)
{
    fixture *f = *state;
    const sf_model *m = f->m;
    assert_int_equal(sf_model_input_count(m), 2);
    assert_string_equal(sf_model_input_name(m, 0), "ext");
    assert_string_equal(sf_model_input_kind(m, 0), "poisson_generator");
    assert_string_equal(sf_model_input_name(m, 1), "bias");
    assert_string_equal(sf_model_input_kind(m, 1), "dc_generator");
    assert_null(sf_model_input_name(m, 2));
    assert_null(sf_model_input_kind(m, -1));

    assert_int_equal(sf_model_recorder_count(m), 2);
    assert_string_equal(sf_model_recorder_name(m, 0), "spikes");
    assert_string_equal(sf_model_recorder_kind(m, 0), "spike_recorder");
    assert_int_equal(sf_model_recorder_population_count(m, 0), 2);
    assert_int_equal(sf_model_recorder_population(m, 0, 0), 0);
    assert_int_equal(sf_model_recorder_population(m, 0, 1), 1);
    assert_null(sf_model_recorder_variable(m, 0));
    assert_string_equal(sf_model_recorder_name(m, 1), "vm");
    assert_string_equal(sf_model_recorder_kind(m, 1), "voltmeter");
    assert_int_equal(sf_model_recorder_population_count(m, 1), 1);
    assert_int_equal(sf_model_recorder_population(m, 1, 0), 0);
    assert_string_equal(sf_model_recorder_variable(m, 1), "V_m"); /* the default */
    assert_null(sf_model_recorder_name(m, 2));
    assert_null(sf_model_recorder_kind(m, 2));
    assert_int_equal(sf_model_recorder_population_count(m, 2), 0);
    assert_int_equal(sf_model_recorder_population(m, 1, 1), -1);
    assert_int_equal(sf_model_recorder_population(m, -1, 0), -1);

    assert_true(sf_model_resolution(m) == 0.1);
    assert_true(sf_model_duration(m) == 120.0);
    assert_int_equal(sf_model_seed(m), 2385);
    assert_int_equal(sf_model_threads(m), 2);
    assert_true(sf_model_analysis_start(m) == 50.0);
    assert_true(sf_model_analysis_bin(m) == 5.0);
    assert_int_equal(sf_model_analysis_pairs(m), 40);
}

static void test_load_file(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    sf_model *m = NULL;
    const char *sets[] = {"populations.E.n=400"};
    assert_int_equal(sf_model_load(ctx, "examples/brunel.yaml", sets, 1, &m), SF_OK);
    assert_string_equal(sf_model_file(m), "examples/brunel.yaml");
    assert_int_equal(sf_model_population_size(m, 0), 400);
    assert_int_equal(sf_model_population_size(m, 1), 2500);
    assert_int_equal(sf_model_projection_count(m), 4);
    assert_true(sf_model_duration(m) == 1000.0);
    sf_model_destroy(m);
    m = (sf_model *)&m;
    assert_int_equal(sf_model_load(ctx, "examples/no-such-model.yaml", NULL, 0, &m), SF_ERR_IO);
    assert_null(m);
    assert_msg(ctx, "examples/no-such-model.yaml: cannot open");
    sf_model_destroy(NULL);
    sf_context_destroy(ctx);
}

/* ------------------------------------------------------------------------
 * The neuron model registry. */

static void test_neuron_models(void **state)
{
    (void)state;
    int n = sf_neuron_model_count();
    assert_true(n >= 7);
    int d = sf_neuron_model_find("iaf_psc_delta"), e = sf_neuron_model_find("iaf_psc_exp");
    assert_true(d >= 0 && d < n && e >= 0 && e < n && d != e);
    assert_int_equal(sf_neuron_model_find("iaf_psc_dleta"), -1);
    assert_int_equal(sf_neuron_model_find(NULL), -1);
    assert_string_equal(sf_neuron_model_name(d), "iaf_psc_delta");
    assert_string_equal(sf_neuron_model_name(e), "iaf_psc_exp");
    assert_true(strlen(sf_neuron_model_doc(d)) > 20);
    assert_string_equal(sf_neuron_model_weight_unit(d), "mV");
    assert_string_equal(sf_neuron_model_weight_unit(e), "pA");
    /* docs/models.md: iaf_psc_delta has E_L, C_m, tau_m, t_ref, V_th,
     * V_reset, I_e, V_min; iaf_psc_exp 9 parameters */
    assert_int_equal(sf_neuron_model_param_count(d), 8);
    assert_int_equal(sf_neuron_model_param_count(e), 9);
    const sf_param_spec *p = sf_neuron_model_param(d, 2);
    assert_non_null(p);
    assert_string_equal(p->name, "tau_m");
    assert_string_equal(p->unit, "ms");
    assert_true(p->def == 10.0 && p->min == 0.0 && p->min_open);
    p = sf_neuron_model_param(e, 3);
    assert_string_equal(p->name, "tau_syn_ex");
    assert_true(p->def == 2.0);
    assert_true(sf_neuron_model_state_count(d) >= 1);
    assert_string_equal(sf_neuron_model_state_name(d, 0), "V_m");
    assert_string_equal(sf_neuron_model_state_unit(d, 0), "mV");
    /* receptor ports: iaf_psc_exp has NEST's two current ports, "ex" for
     * weights >= 0 and "in" for weights <= 0; iaf_psc_delta one of any sign */
    assert_int_equal(sf_neuron_model_port_count(e), 2);
    assert_string_equal(sf_neuron_model_port_name(e, 0), "ex");
    assert_string_equal(sf_neuron_model_port_name(e, 1), "in");
    assert_int_equal(sf_neuron_model_port_sign(e, 0), 1);
    assert_int_equal(sf_neuron_model_port_sign(e, 1), -1);
    assert_non_null(sf_neuron_model_port_doc(e, 1));
    assert_int_equal(sf_neuron_model_port_count(d), 1);
    assert_int_equal(sf_neuron_model_port_sign(d, 0), 0);
    assert_null(sf_neuron_model_port_name(e, 2));
    assert_null(sf_neuron_model_port_name(n, 0));
    assert_int_equal(sf_neuron_model_port_count(-1), 0);
    /* every model: a name that finds itself, parameters with names */
    for (int i = 0; i < n; i++) {
        assert_int_equal(sf_neuron_model_find(sf_neuron_model_name(i)), i);
        for (int k = 0; k < sf_neuron_model_param_count(i); k++)
            assert_non_null(sf_neuron_model_param(i, k)->name);
        assert_null(sf_neuron_model_param(i, sf_neuron_model_param_count(i)));
        assert_null(sf_neuron_model_state_name(i, sf_neuron_model_state_count(i)));
    }
    assert_null(sf_neuron_model_name(n));
    assert_null(sf_neuron_model_name(-1));
    assert_null(sf_neuron_model_doc(n));
    assert_null(sf_neuron_model_weight_unit(-1));
    assert_int_equal(sf_neuron_model_param_count(n), 0);
    assert_null(sf_neuron_model_param(-1, 0));
    assert_null(sf_neuron_model_param(d, -1));
    assert_int_equal(sf_neuron_model_state_count(n), 0);
    assert_null(sf_neuron_model_state_unit(n, 0));
}

/* ------------------------------------------------------------------------
 * The builder. */

/* MODEL, by calls. */
static sf_status build_model(sf_context *ctx, sf_model **out)
{
    sf_model_builder *b = NULL;
    const char *const EI[] = {"E", "I"}, *const I[] = {"I"}, *const E[] = {"E"};
    sf_status st = sf_model_builder_create(ctx, "api", &b);
    if (!st)
        st = sf_model_builder_set_number(ctx, b, "simulation.resolution", 0.1);
    if (!st)
        st = sf_model_builder_set_number(ctx, b, "simulation.duration", 120);
    if (!st)
        st = sf_model_builder_set(ctx, b, "simulation.seed", "2385");
    if (!st)
        st = sf_model_builder_set_number(ctx, b, "simulation.threads", 2);
    if (!st)
        st = sf_model_builder_set_number(ctx, b, "analysis.start", 50);
    if (!st)
        st = sf_model_builder_set_number(ctx, b, "analysis.bin", 5);
    if (!st)
        st = sf_model_builder_set_number(ctx, b, "analysis.pairs", 40);
    if (!st)
        st = sf_model_builder_add_population(ctx, b, "E", "iaf_psc_delta", 80);
    static const char *const pn[] = {"V_th", "V_reset", "E_L", "tau_m", "t_ref"};
    static const double pv[] = {20.0, 10.0, 0.0, 20.0, 2.0};
    for (int i = 0; i < 5 && !st; i++)
        st = sf_model_builder_set_param(ctx, b, "E", pn[i], pv[i]);
    if (!st)
        st = sf_model_builder_set(ctx, b, "populations.E.initial.V_m",
                                  "{distribution: uniform, low: 0.0, high: 20.0}");
    if (!st)
        st = sf_model_builder_add_population(ctx, b, "I", "iaf_psc_exp", 20);
    if (!st)
        st = sf_model_builder_set_param(ctx, b, "I", "tau_syn_ex", 0.55);
    if (!st)
        st = sf_model_builder_add_projection(ctx, b, "EE", "E", "E", "fixed_indegree", 8, 0.2, 1.5);
    if (!st)
        st = sf_model_builder_add_projection(ctx, b, "EI", "E", "I", "pairwise_bernoulli", 0.1, 30.0,
                                             0.8);
    if (!st)
        st = sf_model_builder_add_projection(ctx, b, "IE", "I", "E", "fixed_total_number", 300,
                                             -1.25, NAN);
    if (!st)
        st = sf_model_builder_add_projection(ctx, b, "II", "I", "I", "all_to_all", 0, -20.0, 2.0);
    if (!st)
        st = sf_model_builder_set(ctx, b, "projections.II.autapses", "false");
    if (!st)
        st = sf_model_builder_add_poisson_input(ctx, b, "ext", EI, 2, 12000.0, 0.15);
    if (!st)
        st = sf_model_builder_add_dc_input(ctx, b, "bias", I, 1, 238.5);
    if (!st)
        st = sf_model_builder_add_spike_recorder(ctx, b, "spikes", EI, 2);
    if (!st)
        st = sf_model_builder_add_voltmeter(ctx, b, "vm", E, 1, 3, NULL, 0.5);
    if (!st)
        st = sf_model_builder_finish(ctx, b, out);
    sf_model_builder_destroy(b);
    return st;
}

/* Runs m and returns its recording (the network is kept in *net). */
static sf_recording *simulate(sf_context *ctx, const sf_model *m, sf_network **net)
{
    sf_recording *rec = NULL;
    assert_int_equal(sf_network_build(ctx, m, sf_model_threads(m), net), SF_OK);
    sf_run_options o = {0};
    assert_int_equal(sf_engine_run(ctx, *net, &o, &rec), SF_OK);
    return rec;
}

static void test_builder_equals_file(void **state)
{
    fixture *f = *state;
    const sf_model *a = f->m;
    sf_model *b = NULL;
    sf_status st = build_model(f->ctx, &b);
    if (st)
        fail_msg("build_model: %s", sf_context_errmsg(f->ctx));
    assert_string_equal(sf_model_file(b), "");
    assert_int_equal(sf_model_population_count(b), sf_model_population_count(a));
    for (int p = 0; p < sf_model_population_count(a); p++) {
        assert_string_equal(sf_model_population_name(b, p), sf_model_population_name(a, p));
        assert_int_equal(sf_model_population_size(b, p), sf_model_population_size(a, p));
        assert_string_equal(sf_model_population_model(b, p), sf_model_population_model(a, p));
        int t = sf_neuron_model_find(sf_model_population_model(a, p));
        for (int k = 0; k < sf_neuron_model_param_count(t); k++) {
            const char *name = sf_neuron_model_param(t, k)->name;
            double va = NAN, vb = NAN;
            assert_int_equal(sf_model_get_param(f->ctx, a, p, name, &va), SF_OK);
            assert_int_equal(sf_model_get_param(f->ctx, b, p, name, &vb), SF_OK);
            if (!(va == vb))
                fail_msg("population %d parameter %s: file %g, builder %g", p, name, va, vb);
        }
    }
    assert_int_equal(sf_model_projection_count(b), sf_model_projection_count(a));
    for (int i = 0; i < sf_model_projection_count(a); i++) {
        assert_string_equal(sf_model_projection_name(b, i), sf_model_projection_name(a, i));
        assert_string_equal(sf_model_projection_rule(b, i), sf_model_projection_rule(a, i));
        assert_int_equal(sf_model_projection_source(b, i), sf_model_projection_source(a, i));
        assert_int_equal(sf_model_projection_target(b, i), sf_model_projection_target(a, i));
        assert_true(sf_model_projection_indegree(b, i) == sf_model_projection_indegree(a, i));
        assert_true(sf_model_expected_synapses(b, i) == sf_model_expected_synapses(a, i));
        assert_true(sf_model_projection_weight(b, i) == sf_model_projection_weight(a, i));
        assert_true(sf_model_projection_delay(b, i) == sf_model_projection_delay(a, i));
    }
    assert_int_equal(sf_model_input_count(b), 2);
    assert_int_equal(sf_model_recorder_count(b), 2);
    for (int r = 0; r < 2; r++) {
        assert_string_equal(sf_model_recorder_name(b, r), sf_model_recorder_name(a, r));
        assert_string_equal(sf_model_recorder_kind(b, r), sf_model_recorder_kind(a, r));
        assert_int_equal(sf_model_recorder_population_count(b, r),
                         sf_model_recorder_population_count(a, r));
    }
    assert_true(sf_model_resolution(b) == sf_model_resolution(a));
    assert_true(sf_model_duration(b) == sf_model_duration(a));
    assert_int_equal(sf_model_seed(b), sf_model_seed(a));
    assert_int_equal(sf_model_threads(b), sf_model_threads(a));
    assert_true(sf_model_analysis_start(b) == sf_model_analysis_start(a));
    assert_true(sf_model_analysis_bin(b) == sf_model_analysis_bin(a));
    assert_int_equal(sf_model_analysis_pairs(b), sf_model_analysis_pairs(a));

    /* the same network and the same spikes */
    sf_network *na = NULL, *nb = NULL;
    sf_recording *ra = simulate(f->ctx, a, &na), *rb = simulate(f->ctx, b, &nb);
    for (int i = 0; i < sf_model_projection_count(a); i++)
        assert_int_equal(sf_network_projection_synapses(na, i), sf_network_projection_synapses(nb, i));
    size_t total = 0;
    for (int p = 0; p < 2; p++) {
        const uint32_t *ia, *ib;
        const int64_t *sa, *sb;
        size_t ca, cb;
        assert_true(sf_recording_spikes(ra, p, &ia, &sa, &ca));
        assert_true(sf_recording_spikes(rb, p, &ib, &sb, &cb));
        assert_int_equal(ca, cb);
        if (ca) {
            assert_memory_equal(ia, ib, ca * sizeof *ia);
            assert_memory_equal(sa, sb, ca * sizeof *sa);
        }
        total += ca;
    }
    assert_true(total > 100); /* E fires: its mean input 12 kHz 0.15 mV 20 ms = 36 mV > 20 mV */
    sf_recording_destroy(ra);
    sf_recording_destroy(rb);
    sf_network_destroy(na);
    sf_network_destroy(nb);
    sf_model_destroy(b);
}

/* A builder with one valid population and the settings, for error tests. */
static sf_model_builder *small_builder(sf_context *ctx)
{
    sf_model_builder *b = NULL;
    assert_int_equal(sf_model_builder_create(ctx, "small", &b), SF_OK);
    assert_int_equal(sf_model_builder_set_number(ctx, b, "simulation.duration", 10), SF_OK);
    assert_int_equal(sf_model_builder_add_population(ctx, b, "E", "iaf_psc_delta", 10), SF_OK);
    return b;
}

/* Finishing b fails with code and a message containing what; *out stays NULL. */
static void finish_fails(sf_context *ctx, sf_model_builder *b, sf_status code, const char *what)
{
    sf_model *m = (sf_model *)&m;
    assert_int_equal(sf_model_builder_finish(ctx, b, &m), code);
    assert_null(m);
    assert_msg(ctx, what);
}

static void test_builder_validation_errors(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();

    /* unknown parameter: the parser's message, naming the key path */
    sf_model_builder *b = small_builder(ctx);
    assert_int_equal(sf_model_builder_set_param(ctx, b, "E", "tau_syn", 5), SF_OK);
    finish_fails(ctx, b, SF_ERR_MODEL, "small (builder): populations.E.params.tau_syn: unknown key "
                                       "(expected one of: E_L, C_m, tau_m");
    sf_model_builder_destroy(b);

    /* out of range, and NaN */
    b = small_builder(ctx);
    assert_int_equal(sf_model_builder_set_param(ctx, b, "E", "tau_m", -2.5), SF_OK);
    finish_fails(ctx, b, SF_ERR_RANGE,
                 "small (builder): populations.E.params.tau_m: tau_m = -2.5 ms is out of range "
                 "(0, 1e+09] ms");
    /* the builder stays usable after a failed finish: correct and retry
     * (set_param replaces the value) */
    assert_int_equal(sf_model_builder_set_param(ctx, b, "E", "tau_m", NAN), SF_OK);
    finish_fails(ctx, b, SF_ERR_MODEL, "populations.E.params.tau_m: expected a number, found NaN");
    assert_int_equal(sf_model_builder_set_param(ctx, b, "E", "tau_m", 12.5), SF_OK);
    sf_model *m = NULL;
    assert_int_equal(sf_model_builder_finish(ctx, b, &m), SF_OK);
    double v = 0;
    assert_int_equal(sf_model_get_param(ctx, m, 0, "tau_m", &v), SF_OK);
    assert_true(v == 12.5);
    /* finish twice, and any call after finish */
    sf_model *m2 = (sf_model *)&m2;
    assert_int_equal(sf_model_builder_finish(ctx, b, &m2), SF_ERR_ARG);
    assert_null(m2);
    assert_msg(ctx, "sf_model_builder_finish: small (builder) is finished already");
    assert_int_equal(sf_model_builder_set_param(ctx, b, "E", "tau_m", 3), SF_ERR_ARG);
    assert_msg(ctx, "sf_model_builder_set_param: small (builder) is finished already");
    assert_int_equal(sf_model_builder_add_population(ctx, b, "F", "iaf_psc_delta", 3), SF_ERR_ARG);
    assert_int_equal(sf_model_builder_set(ctx, b, "simulation.seed", "3"), SF_ERR_ARG);
    sf_model_destroy(m);
    sf_model_builder_destroy(b);

    /* a value out of range through the dotted setter, and a delay off the grid */
    b = small_builder(ctx);
    assert_int_equal(sf_model_builder_set_number(ctx, b, "simulation.duration", 10.05), SF_OK);
    finish_fails(ctx, b, SF_ERR_RANGE, "simulation.duration: duration 10.05 ms is not a multiple of "
                                       "the resolution 0.1 ms");
    sf_model_builder_destroy(b);
    b = small_builder(ctx);
    assert_int_equal(sf_model_builder_add_projection(ctx, b, "EE", "E", "E", "fixed_indegree", 3, 0.1,
                                                     0.05), SF_OK);
    finish_fails(ctx, b, SF_ERR_RANGE, "projections.EE.delay: delay 0.05 ms is below the resolution");
    sf_model_builder_destroy(b);

    /* bad rule name */
    b = small_builder(ctx);
    assert_int_equal(sf_model_builder_add_projection(ctx, b, "EE", "E", "E", "fixed_indgree", 3, 0.1,
                                                     1.0), SF_OK);
    finish_fails(ctx, b, SF_ERR_MODEL, "projections.EE.rule: unknown rule 'fixed_indgree'");
    sf_model_builder_destroy(b);

    /* unknown population in a projection, an input and a recorder */
    b = small_builder(ctx);
    assert_int_equal(sf_model_builder_add_projection(ctx, b, "EX", "E", "X", "one_to_one", 0, 0.1,
                                                     1.0), SF_OK);
    finish_fails(ctx, b, SF_ERR_MODEL, "projections.EX.target: unknown population 'X'");
    sf_model_builder_destroy(b);
    b = small_builder(ctx);
    const char *const X[] = {"E", "X"};
    assert_int_equal(sf_model_builder_add_poisson_input(ctx, b, "ext", X, 2, 100, 0.1), SF_OK);
    finish_fails(ctx, b, SF_ERR_MODEL, "inputs.ext.targets: unknown population 'X'");
    sf_model_builder_destroy(b);
    b = small_builder(ctx);
    assert_int_equal(sf_model_builder_add_voltmeter(ctx, b, "vm", X + 1, 1, 1, NULL, NAN), SF_OK);
    finish_fails(ctx, b, SF_ERR_MODEL, "recorders.vm.populations: unknown population 'X'");
    sf_model_builder_destroy(b);
    /* an input without targets, a voltmeter on a missing variable, an
     * unknown neuron model, a missing duration */
    b = small_builder(ctx);
    assert_int_equal(sf_model_builder_add_dc_input(ctx, b, "dc", NULL, 0, 10), SF_OK);
    finish_fails(ctx, b, SF_ERR_MODEL, "inputs.dc.targets: expected at least one population");
    sf_model_builder_destroy(b);
    b = small_builder(ctx);
    assert_int_equal(sf_model_builder_add_voltmeter(ctx, b, "vm", NULL, 0, 1, "I_syn", 0.2), SF_OK);
    finish_fails(ctx, b, SF_ERR_MODEL, "model iaf_psc_delta of population E has no state variable "
                                       "'I_syn'");
    sf_model_builder_destroy(b);
    b = small_builder(ctx);
    assert_int_equal(sf_model_builder_add_population(ctx, b, "F", "iaf_psc_dleta", 5), SF_OK);
    finish_fails(ctx, b, SF_ERR_MODEL, "populations.F.model: unknown neuron model 'iaf_psc_dleta'");
    sf_model_builder_destroy(b);
    assert_int_equal(sf_model_builder_create(ctx, "empty", &b), SF_OK);
    assert_int_equal(sf_model_builder_add_population(ctx, b, "E", "iaf_psc_delta", 10), SF_OK);
    finish_fails(ctx, b, SF_ERR_MODEL, "empty (builder): simulation: required key is missing");
    sf_model_builder_destroy(b);
    sf_context_destroy(ctx);
}

static void test_builder_call_errors(void **state)
{
    (void)state;
    sf_context *ctx = sf_context_create();
    sf_model_builder *b = small_builder(ctx);
    /* duplicates */
    assert_int_equal(sf_model_builder_add_population(ctx, b, "E", "iaf_psc_exp", 3), SF_ERR_ARG);
    assert_msg(ctx, "sf_model_builder_add_population: population 'E' exists already (populations.E)");
    assert_int_equal(sf_model_builder_add_projection(ctx, b, "EE", "E", "E", "all_to_all", 0, 0.1, 1),
                     SF_OK);
    assert_int_equal(sf_model_builder_add_projection(ctx, b, "EE", "E", "E", "all_to_all", 0, 0.1, 1),
                     SF_ERR_ARG);
    assert_msg(ctx, "projection 'EE' exists already");
    assert_int_equal(sf_model_builder_add_spike_recorder(ctx, b, "sp", NULL, 0), SF_OK);
    assert_int_equal(sf_model_builder_add_voltmeter(ctx, b, "sp", NULL, 0, 1, NULL, NAN), SF_ERR_ARG);
    assert_msg(ctx, "sf_model_builder_add_voltmeter: recorder 'sp' exists already");
    /* a parameter of a population that was not added */
    assert_int_equal(sf_model_builder_set_param(ctx, b, "X", "tau_m", 10), SF_ERR_ARG);
    assert_msg(ctx, "sf_model_builder_set_param: no population 'X' (add it with "
                    "sf_model_builder_add_population first)");
    /* the dotted setter: a path through a scalar, no path */
    assert_int_equal(sf_model_builder_set(ctx, b, "populations.E.n.x", "3"), SF_ERR_ARG);
    assert_msg(ctx, "sf_model_builder_set populations.E.n.x: 'populations.E.n' is not a mapping");
    assert_int_equal(sf_model_builder_set(ctx, b, "", "3"), SF_ERR_ARG);
    assert_msg(ctx, "sf_model_builder_set '=3'");
    /* NULL handles and arguments */
    assert_int_equal(sf_model_builder_set(ctx, NULL, "simulation.seed", "3"), SF_ERR_ARG);
    assert_msg(ctx, "sf_model_builder_set: the builder is NULL");
    assert_int_equal(sf_model_builder_set(ctx, b, NULL, "3"), SF_ERR_ARG);
    assert_msg(ctx, "sf_model_builder_set: path is NULL");
    assert_int_equal(sf_model_builder_set(ctx, b, "simulation.seed", NULL), SF_ERR_ARG);
    assert_int_equal(sf_model_builder_set_number(ctx, NULL, "simulation.seed", 3), SF_ERR_ARG);
    assert_int_equal(sf_model_builder_add_population(ctx, b, NULL, "iaf_psc_exp", 3), SF_ERR_ARG);
    assert_msg(ctx, "sf_model_builder_add_population: name is NULL");
    assert_int_equal(sf_model_builder_add_population(ctx, b, "F", NULL, 3), SF_ERR_ARG);
    assert_msg(ctx, "sf_model_builder_add_population: model is NULL");
    assert_int_equal(sf_model_builder_set_param(ctx, b, "E", NULL, 3), SF_ERR_ARG);
    assert_int_equal(sf_model_builder_add_projection(ctx, b, "EF", "E", NULL, "all_to_all", 0, 1, 1),
                     SF_ERR_ARG);
    assert_msg(ctx, "sf_model_builder_add_projection: target is NULL");
    assert_int_equal(sf_model_builder_add_projection(ctx, b, "EF", "E", "E", NULL, 0, 1, 1), SF_ERR_ARG);
    const char *const holes[] = {"E", NULL};
    assert_int_equal(sf_model_builder_add_poisson_input(ctx, b, "p", NULL, 2, 10, 1), SF_ERR_ARG);
    assert_msg(ctx, "sf_model_builder_add_poisson_input: targets is NULL");
    assert_int_equal(sf_model_builder_add_poisson_input(ctx, b, "p", holes, 2, 10, 1), SF_ERR_ARG);
    assert_msg(ctx, "sf_model_builder_add_poisson_input: targets[1] is NULL");
    assert_int_equal(sf_model_builder_add_dc_input(ctx, b, NULL, holes, 1, 10), SF_ERR_ARG);
    assert_int_equal(sf_model_builder_add_spike_recorder(ctx, b, "s2", holes, 2), SF_ERR_ARG);
    assert_msg(ctx, "sf_model_builder_add_spike_recorder: populations[1] is NULL");
    assert_int_equal(sf_model_builder_add_voltmeter(ctx, NULL, "v", holes, 1, 1, NULL, NAN), SF_ERR_ARG);
    assert_int_equal(sf_model_builder_add_voltmeter(ctx, b, "v", holes, -1, 1, NULL, NAN), SF_ERR_ARG);
    assert_msg(ctx, "sf_model_builder_add_voltmeter: the number of populations is negative (-1)");
    assert_int_equal(sf_model_builder_add_dc_input(ctx, b, "d", holes, -2, 10), SF_ERR_ARG);
    assert_msg(ctx, "the number of targets is negative (-2)");
    assert_int_equal(sf_model_builder_finish(ctx, b, NULL), SF_ERR_ARG);
    assert_msg(ctx, "sf_model_builder_finish: out is NULL");
    sf_model *m = (sf_model *)&m;
    assert_int_equal(sf_model_builder_finish(ctx, NULL, &m), SF_ERR_ARG);
    assert_null(m);
    /* the calls that failed changed nothing: the builder still makes a model */
    assert_int_equal(sf_model_builder_finish(ctx, b, &m), SF_OK);
    assert_int_equal(sf_model_population_count(m), 1);
    assert_int_equal(sf_model_projection_count(m), 1);
    assert_int_equal(sf_model_recorder_count(m), 1);
    assert_int_equal(sf_model_recorder_population_count(m, 0), 1); /* every population */
    sf_model_destroy(m);
    sf_model_builder_destroy(b);

    assert_int_equal(sf_model_builder_create(ctx, NULL, &b), SF_ERR_ARG);
    assert_null(b);
    assert_msg(ctx, "sf_model_builder_create: name is NULL");
    assert_int_equal(sf_model_builder_create(ctx, "x", NULL), SF_ERR_ARG);
    /* a NULL context drops messages, never crashes */
    assert_int_equal(sf_model_builder_set(NULL, NULL, "a", "b"), SF_ERR_ARG);
    sf_model_builder_destroy(NULL);
    sf_context_destroy(ctx);
}

/* ------------------------------------------------------------------------
 * The run summary. */

/* The number after "KEY": inside the object of population pop in text. */
static double json_pop_number(const char *text, const char *pop, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": {", pop);
    /* the top-level key (the resolved model in "provenance" has one too) */
    const char *p = strstr(strstr(text, "\n  \"populations\": {"), pat);
    assert_non_null(p);
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    p = strstr(p, pat);
    assert_non_null(p);
    return strncmp(p + strlen(pat), "null", 4) ? strtod(p + strlen(pat), NULL) : NAN;
}

/* The text without its peak_rss_bytes line (the one value that may grow
 * between two calls). */
static void drop_rss(char *s)
{
    char *p = strstr(s, "\"peak_rss_bytes\"");
    assert_non_null(p);
    char *e = strchr(p, '\n');
    memmove(p, e, strlen(e) + 1);
}

static void test_summary(void **state)
{
    fixture *f = *state;
    sf_network *net = NULL;
    sf_recording *rec = simulate(f->ctx, f->m, &net);
    int np = sf_model_population_count(f->m);
    sf_pop_stats st[2];
    assert_int_equal(np, 2);
    assert_int_equal(sf_recording_analyse(f->ctx, rec, f->m, st), SF_OK);
    char *text = NULL, *text2 = NULL;
    assert_int_equal(sf_recording_summary_json(f->ctx, rec, net, st, &text), SF_OK);
    assert_int_equal(sf_recording_summary_json(f->ctx, rec, net, NULL, &text2), SF_OK);
    for (int p = 0; p < np; p++) {
        const char *name = sf_model_population_name(f->m, p);
        const uint32_t *ids;
        const int64_t *steps;
        size_t n;
        assert_true(sf_recording_spikes(rec, p, &ids, &steps, &n));
        /* the rate counted here: spikes with 50 <= t < 120 ms (analysis.start,
         * t_end), t = step * 0.1 ms, over n neurons and 70 ms */
        size_t in = 0;
        for (size_t k = 0; k < n; k++)
            in += steps[k] >= 500 && steps[k] < 1200;
        double rate = (double)in / (sf_model_population_size(f->m, p) * 0.070);
        if (p == 0)   /* E fires; I (iaf_psc_exp at E_L + 238.5 pA * 10 ms / 250 pF = -60.5 mV < V_th) is silent */
            assert_true(in > 0);
        assert_true(fabs(st[p].rate_Hz - rate) <= 1e-9 * rate);
        assert_true(fabs(json_pop_number(text, name, "rate_Hz") - rate) <= 1e-9 * rate);
        assert_true(json_pop_number(text, name, "spikes") == (double)n);
        assert_true(json_pop_number(text, name, "n") == sf_model_population_size(f->m, p));
    }
    assert_non_null(strstr(text, "\"model\": \"api.yaml\""));
    assert_non_null(strstr(text, "\"seed\": 2385"));
    assert_non_null(strstr(text, "\"interrupted\": false"));
    assert_non_null(strstr(text, "\"t_end_ms\": 120,\n"));
    assert_non_null(strstr(text, "\"vm\": \"vm.h5\""));
    /* statistics computed inside the call are the ones passed in */
    drop_rss(text);
    drop_rss(text2);
    assert_string_equal(text, text2);
    /* the file holds the same text */
    char dir[] = "/tmp/sf_test_summary_XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/summary.json", dir);
    assert_int_equal(sf_recording_write_summary(f->ctx, rec, net, st, path), SF_OK);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char buf[8192];
    size_t len = fread(buf, 1, sizeof buf - 1, fp);
    buf[len] = '\0';
    fclose(fp);
    drop_rss(buf);
    assert_string_equal(buf, text);
    unlink(path);
    rmdir(dir);
    /* errors */
    snprintf(path, sizeof path, "%s/summary.json", dir);   /* dir is gone */
    assert_int_equal(sf_recording_write_summary(f->ctx, rec, net, st, path), SF_ERR_IO);
    assert_msg(f->ctx, "cannot write /tmp/sf_test_summary_");
    char *t3 = (char *)1;
    assert_int_equal(sf_recording_summary_json(f->ctx, NULL, net, st, &t3), SF_ERR_ARG);
    assert_null(t3);
    assert_int_equal(sf_recording_summary_json(f->ctx, rec, net, st, NULL), SF_ERR_ARG);
    assert_int_equal(sf_recording_write_summary(f->ctx, rec, NULL, st, path), SF_ERR_ARG);
    assert_int_equal(sf_recording_analyse(f->ctx, rec, f->m, NULL), SF_ERR_ARG);
    free(text);
    free(text2);
    sf_recording_destroy(rec);
    sf_network_destroy(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_populations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_projections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inputs_recorders_settings, setup, teardown),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_neuron_models),
        cmocka_unit_test_setup_teardown(test_builder_equals_file, setup, teardown),
        cmocka_unit_test(test_builder_validation_errors),
        cmocka_unit_test(test_builder_call_errors),
        cmocka_unit_test_setup_teardown(test_summary, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
