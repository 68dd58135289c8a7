/* Unit tests of src/model: a valid model file is read completely, with the
 * defaults taken from the neuron types' parameter tables; every error path
 * returns its SF_ERR_* code, leaves *out NULL, and says where the problem is
 * as "NAME:LINE:COL: key.path: what" (or "--set OPTION: key.path: what" for a
 * value that came from an override).
 *
 * The error cases are made from one valid model (BASE) by replacing a single
 * line, so the line a message must point at is the line that was replaced,
 * and the column is computed from the replacement text itself. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "model/model_impl.h"

#define NAME "t.yaml"

/* Line numbers are part of the tests: keep them in step with the comments. */
static const char BASE[] =
    "description: unit test model\n"                                    /*  1 */
    "simulation:\n"                                                     /*  2 */
    "  resolution: 0.1\n"                                               /*  3 */
    "  duration: 25.3\n"                                                /*  4 */
    "  seed: 2385\n"                                                    /*  5 */
    "populations:\n"                                                    /*  6 */
    "  E:\n"                                                            /*  7 */
    "    model: iaf_psc_delta\n"                                        /*  8 */
    "    n: 40\n"                                                       /*  9 */
    "    params:\n"                                                     /* 10 */
    "      tau_m: 17.25\n"                                              /* 11 */
    "      V_th: -52.385\n"                                             /* 12 */
    "    initial:\n"                                                    /* 13 */
    "      V_m: {distribution: uniform, low: -70.0, high: -55.0}\n"     /* 14 */
    "  I:\n"                                                            /* 15 */
    "    model: iaf_psc_exp\n"                                          /* 16 */
    "    n: 13\n"                                                       /* 17 */
    "projections:\n"                                                    /* 18 */
    "  EI:\n"                                                           /* 19 */
    "    source: E\n"                                                   /* 20 */
    "    target: I\n"                                                   /* 21 */
    "    rule: fixed_indegree\n"                                        /* 22 */
    "    indegree: 7\n"                                                 /* 23 */
    "    weight: {distribution: normal, mean: 23.85, std: 4.1, min: 0.0}\n" /* 24 */
    "    delay: 1.7\n"                                                  /* 25 */
    "  IE:\n"                                                           /* 26 */
    "    source: I\n"                                                   /* 27 */
    "    target: E\n"                                                   /* 28 */
    "    rule: pairwise_bernoulli\n"                                    /* 29 */
    "    p: 0.2385\n"                                                   /* 30 */
    "    weight: -0.75\n"                                               /* 31 */
    "inputs:\n"                                                         /* 32 */
    "  drive:\n"                                                        /* 33 */
    "    kind: poisson\n"                                               /* 34 */
    "    targets: [E, I]\n"                                             /* 35 */
    "    rate: 2385.0\n"                                                /* 36 */
    "    weight: 0.15\n"                                                /* 37 */
    "  kick:\n"                                                         /* 38 */
    "    kind: spike_generator\n"                                       /* 39 */
    "    targets: I\n"                                                  /* 40 */
    "    times: [1.0, 2.5, 7.3]\n"                                      /* 41 */
    "    weight: 35.0\n"                                                /* 42 */
    "    delay: 0.5\n"                                                  /* 43 */
    "  step:\n"                                                         /* 44 */
    "    kind: dc\n"                                                    /* 45 */
    "    targets: E\n"                                                  /* 46 */
    "    amplitude: 12.5\n"                                             /* 47 */
    "    start: 5.0\n"                                                  /* 48 */
    "    stop: 20.0\n";                                                 /* 49 */

static sf_context *ctx;

static int setup(void **state)
{
    (void)state;
    ctx = sf_context_create();
    return ctx ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    sf_context_destroy(ctx);
    return 0;
}

/* BASE with line `line` (1-based) replaced by `repl` (which may hold several
 * lines, without the final newline; NULL deletes the line). Caller frees. */
static char *edit(const char *base, int line, const char *repl)
{
    size_t cap = strlen(base) + (repl ? strlen(repl) : 0) + 2;
    char *out = malloc(cap);
    assert_non_null(out);
    const char *p = base;
    for (int i = 1; i < line; i++) {
        p = strchr(p, '\n');
        assert_non_null(p);
        p++;
    }
    const char *eol = strchr(p, '\n');
    assert_non_null(eol);
    size_t head = (size_t)(p - base);
    memcpy(out, base, head);
    out[head] = '\0';
    if (repl) {
        strcat(out, repl);
        strcat(out, "\n");
    }
    strcat(out, eol + 1);
    return out;
}

/* 1-based column of the first `token` on line `line` of text. */
static int col_of(const char *text, int line, const char *token)
{
    const char *p = text;
    for (int i = 1; i < line; i++)
        p = strchr(p, '\n') + 1;
    const char *eol = strchr(p, '\n');
    const char *t = strstr(p, token);
    if (!t || (eol && t > eol))
        fail_msg("token '%s' not on line %d", token, line);
    return (int)(t - p) + 1;
}

static bool has(const char *msg, const char *what)
{
    return strstr(msg, what) != NULL;
}

#define assert_has(msg, what)                                                            \
    do {                                                                                 \
        if (!has((msg), (what)))                                                         \
            fail_msg("message [%s] lacks [%s]", (msg), (what));                          \
    } while (0)

/* Loads text; it must fail with `code`, leave *out NULL, and produce a
 * message that begins with "t.yaml:LINE:COL: PATH: " and contains `what`. */
static void expect_at(const char *text, const char *const *sets, int n_sets, sf_status code,
                      int line, int col, const char *path, const char *what)
{
    sf_model *m = (sf_model *)(uintptr_t)0x5f; /* must be overwritten with NULL */
    sf_context_clear(ctx);
    sf_status st = sf_model_load_string(ctx, text, NAME, sets, n_sets, &m);
    const char *msg = sf_context_errmsg(ctx);
    if (st != code)
        fail_msg("status %d (%s), expected %d (%s); message [%s]", st, sf_strerror(st), code,
                 sf_strerror(code), msg);
    assert_null(m);
    assert_int_equal(sf_context_status(ctx), code);
    char prefix[512];
    snprintf(prefix, sizeof prefix, NAME ":%d:%d: %s: ", line, col, path);
    if (strncmp(msg, prefix, strlen(prefix)) != 0)
        fail_msg("message [%s] does not begin with [%s]", msg, prefix);
    if (what)
        assert_has(msg, what);
}

/* BASE with line `line` replaced; the error is on that line at `token`. */
static void expect_line(int line, const char *repl, sf_status code, const char *token,
                        const char *path, const char *what)
{
    char *text = edit(BASE, line, repl);
    expect_at(text, NULL, 0, code, line, col_of(text, line, token), path, what);
    free(text);
}

/* Loads text that must fail with code (message checked by the caller). */
static const char *expect_code(const char *text, const char *const *sets, int n_sets,
                               sf_status code)
{
    sf_model *m = (sf_model *)(uintptr_t)0x5f;
    sf_context_clear(ctx);
    sf_status st = sf_model_load_string(ctx, text, NAME, sets, n_sets, &m);
    if (st != code)
        fail_msg("status %d (%s), expected %d; message [%s]", st, sf_strerror(st), code,
                 sf_context_errmsg(ctx));
    assert_null(m);
    return sf_context_errmsg(ctx);
}

static sf_model *load_ok(const char *text, const char *const *sets, int n_sets)
{
    sf_model *m = NULL;
    sf_context_clear(ctx);
    sf_status st = sf_model_load_string(ctx, text, NAME, sets, n_sets, &m);
    if (st != SF_OK)
        fail_msg("load failed: %s", sf_context_errmsg(ctx));
    assert_non_null(m);
    return m;
}

/* ------------------------------------------------------------------------
 * A valid model. */

static void test_valid_model_and_defaults(void **state)
{
    (void)state;
    sf_model *m = load_ok(BASE, NULL, 0);
    assert_string_equal(m->file, NAME);
    assert_true(m->sim.resolution == 0.1);
    assert_true(m->sim.duration == 25.3);
    assert_int_equal(m->sim.seed, 2385);
    /* defaults of the settings */
    assert_int_equal(m->sim.threads, 1);
    assert_true(m->sim.t_analysis == 0.0);
    assert_true(m->sim.bin == 10.0);
    assert_int_equal(m->sim.corr_pairs, 200);

    assert_int_equal(m->n_pops, 2);
    assert_int_equal(sf_model_find_pop(m, "E"), 0);
    assert_int_equal(sf_model_find_pop(m, "I"), 1);
    assert_int_equal(sf_model_find_pop(m, "X"), -1);
    assert_int_equal(sf_model_neurons(m), 53);
    const sf_population *E = &m->pops[0], *I = &m->pops[1];
    assert_string_equal(E->name, "E");
    assert_ptr_equal(E->type, sf_neuron_type_find("iaf_psc_delta"));
    assert_ptr_equal(I->type, sf_neuron_type_find("iaf_psc_exp"));
    assert_int_equal(E->n, 40);
    assert_int_equal(I->n, 13);
    assert_int_equal(E->first_gid, 0);
    assert_int_equal(I->first_gid, 40);

    /* every parameter not in the file comes from the type's table */
    for (int k = 0; k < E->type->n_params; k++) {
        const char *pn = E->type->params[k].name;
        double want = !strcmp(pn, "tau_m") ? 17.25 : !strcmp(pn, "V_th") ? -52.385
                                                                          : E->type->params[k].def;
        double got = sf_model_param(m, 0, pn);
        if (!(got == want || (isinf(got) && isinf(want) && got == want)))
            fail_msg("E.%s = %g, expected %g", pn, got, want);
        assert_true(E->params[k] == got);
    }
    for (int k = 0; k < I->type->n_params; k++)
        assert_true(I->params[k] == I->type->params[k].def);
    /* spot checks of the tables against NEST's defaults */
    assert_true(sf_model_param(m, 0, "C_m") == 250.0);
    assert_true(sf_model_param(m, 0, "t_ref") == 2.0);
    assert_true(sf_model_param(m, 1, "tau_syn_ex") == 2.0);
    assert_true(isnan(sf_model_param(m, 0, "tau_syn_ex"))); /* not a parameter of E's type */
    assert_true(isnan(sf_model_param(m, 5, "C_m")));
    assert_true(isnan(sf_model_param(m, -1, "C_m")));

    /* initial state: V_m uniform, the rest keeps the resting state (NaN) */
    assert_int_equal(E->initial[0].kind, SF_DIST_UNIFORM);
    assert_true(E->initial[0].a == -70.0 && E->initial[0].b == -55.0);
    assert_true(isnan(E->initial[1].a));
    for (int k = 0; k < I->type->n_state; k++)
        assert_true(I->initial[k].kind == SF_DIST_CONST && isnan(I->initial[k].a));

    /* projections */
    assert_int_equal(m->n_proj, 2);
    const sf_projection *ei = &m->proj[0], *ie = &m->proj[1];
    assert_string_equal(ei->name, "EI");
    assert_int_equal(ei->source, 0);
    assert_int_equal(ei->target, 1);
    assert_ptr_equal(ei->rule, &sf_rule_fixed_indegree);
    assert_int_equal(ei->count, 7);
    assert_true(ei->autapses && ei->multapses); /* defaults */
    assert_int_equal(ei->weight.kind, SF_DIST_NORMAL);
    assert_true(ei->weight.a == 23.85 && ei->weight.b == 4.1);
    assert_true(ei->weight.min == 0.0 && isinf(ei->weight.max) && ei->weight.max > 0);
    assert_true(ei->delay.kind == SF_DIST_CONST && ei->delay.a == 1.7);
    assert_ptr_equal(ie->rule, &sf_rule_pairwise_bernoulli);
    assert_true(ie->p == 0.2385);
    assert_true(ie->weight.kind == SF_DIST_CONST && ie->weight.a == -0.75);
    /* default delay: one step */
    assert_true(ie->delay.kind == SF_DIST_CONST && ie->delay.a == 0.1);
    assert_true(sf_model_expected_synapses(m, 0) == 7.0 * 13);
    assert_true(fabs(sf_model_expected_synapses(m, 1) - 0.2385 * 13 * 40) < 1e-12);

    /* inputs */
    assert_int_equal(m->n_inputs, 3);
    const sf_input *drive = &m->inputs[0], *kick = &m->inputs[1], *step = &m->inputs[2];
    assert_ptr_equal(drive->type, &sf_input_poisson_generator);
    assert_int_equal(drive->n_targets, 2);
    assert_int_equal(drive->targets[0], 0);
    assert_int_equal(drive->targets[1], 1);
    assert_true(drive->rate == 2385.0 && drive->weight == 0.15);
    assert_true(drive->start == 0.0 && isinf(drive->stop));
    assert_ptr_equal(kick->type, &sf_input_spike_generator);
    assert_int_equal(kick->n_targets, 1);
    assert_int_equal(kick->targets[0], 1);
    assert_int_equal(kick->n_times, 3);
    assert_true(kick->times[0] == 1.0 && kick->times[1] == 2.5 && kick->times[2] == 7.3);
    assert_true(kick->weight == 35.0 && kick->delay == 0.5);
    assert_ptr_equal(step->type, &sf_input_dc_generator);
    assert_true(step->amplitude == 12.5 && step->start == 5.0 && step->stop == 20.0);

    /* no recorders given: spikes of every population */
    assert_int_equal(m->n_recorders, 1);
    assert_ptr_equal(m->recorders[0].type, &sf_recorder_spike_recorder);
    assert_int_equal(m->recorders[0].n_pops, 2);
    assert_int_equal(m->recorders[0].pops[0], 0);
    assert_int_equal(m->recorders[0].pops[1], 1);
    sf_model_destroy(m);
    sf_model_destroy(NULL);
}

static void test_recorders_and_analysis(void **state)
{
    (void)state;
    char *text = edit(BASE, 1,
                      "analysis: {start: 2.5, bin: 1.5, pairs: 17}\n"
                      "recorders:\n"
                      "  sp: {kind: spikes, populations: I}\n"
                      "  vm: {kind: voltmeter, populations: [E, I], n: 3, interval: 0.5}\n"
                      "  cur: {kind: voltmeter, populations: I, variable: I_syn_ex}");
    sf_model *m = load_ok(text, NULL, 0);
    assert_true(m->sim.t_analysis == 2.5 && m->sim.bin == 1.5);
    assert_int_equal(m->sim.corr_pairs, 17);
    assert_int_equal(m->n_recorders, 3);
    assert_ptr_equal(m->recorders[0].type, &sf_recorder_spike_recorder);
    assert_int_equal(m->recorders[0].n_pops, 1);
    assert_int_equal(m->recorders[0].pops[0], 1);
    assert_ptr_equal(m->recorders[1].type, &sf_recorder_voltmeter);
    assert_int_equal(m->recorders[1].n_record, 3);
    assert_true(m->recorders[1].interval == 0.5);
    assert_string_equal(m->recorders[1].variable, "V_m");
    assert_int_equal(m->recorders[2].n_record, 1); /* default n */
    assert_true(m->recorders[2].interval == 0.1); /* default: resolution */
    assert_string_equal(m->recorders[2].variable, "I_syn_ex");
    sf_model_destroy(m);
    free(text);
}

/* ------------------------------------------------------------------------
 * Errors, one per line of BASE that they replace. */

/* BASE with line `line` replaced must fail to parse as YAML, with a message
 * that begins with NAME:LINE:COL: (libfyaml's position of the error, at
 * `token` of that line) like every other model error, and says `what`. */
static void expect_syntax(int line, const char *repl, const char *token, const char *what)
{
    char *text = edit(BASE, line, repl);
    const char *msg = expect_code(text, NULL, 0, SF_ERR_PARSE);
    char prefix[64];
    snprintf(prefix, sizeof prefix, NAME ":%d:%d: ", line, col_of(text, line, token));
    if (strncmp(msg, prefix, strlen(prefix)) != 0)
        fail_msg("message [%s] does not begin with [%s]", msg, prefix);
    assert_has(msg, what);
    free(text);
}

static void test_yaml_syntax_errors(void **state)
{
    (void)state;
    /* a flow mapping closed by ']' */
    expect_syntax(14, "      V_m: {distribution: uniform, low: -70.0, high: -55.0]", "]",
                  "mismatched");
    /* a tab used as indentation (libfyaml points just after the tab) */
    expect_syntax(9, "\tn: 40", "n", "tab");
    /* a duplicate key is an error, not a silent override */
    expect_syntax(12, "      tau_m: 3.0", "tau_m", "duplicate key");
}

static void test_unknown_keys(void **state)
{
    (void)state;
    /* top level */
    expect_line(1, "descripton: typo", SF_ERR_MODEL, "descripton", "descripton", "unknown key");
    /* in a population */
    expect_line(9, "    size: 40", SF_ERR_MODEL, "size", "populations.E.size", "unknown key");
    /* in the parameters: the message lists the known parameter names */
    expect_line(11, "      tau_mm: 17.25", SF_ERR_MODEL, "tau_mm", "populations.E.params.tau_mm",
                "tau_m");
    /* a parameter of another model (iaf_psc_exp's tau_syn_ex on iaf_psc_delta) */
    expect_line(11, "      tau_syn_ex: 2.0", SF_ERR_MODEL, "tau_syn_ex",
                "populations.E.params.tau_syn_ex", "unknown key");
    /* in simulation, projections, inputs (a key of another input kind) */
    expect_line(5, "  sed: 2385", SF_ERR_MODEL, "sed", "simulation.sed", "unknown key");
    expect_line(25, "    dealy: 1.7", SF_ERR_MODEL, "dealy", "projections.EI.dealy", "unknown key");
    expect_line(43, "    amplitude: 0.5", SF_ERR_MODEL, "amplitude", "inputs.kick.amplitude",
                "unknown key");
    /* the count key of another rule */
    expect_line(23, "    outdegree: 7", SF_ERR_MODEL, "7", "projections.EI.outdegree",
                "does not apply");
    /* an initial value for a variable the model does not have */
    expect_line(14, "      I_syn_ex: 3.0", SF_ERR_MODEL, "I_syn_ex",
                "populations.E.initial.I_syn_ex", "unknown key");
}

static void test_missing_keys(void **state)
{
    (void)state;
    char *text;
    /* population E without model: the message points at E (line 7) */
    text = edit(BASE, 8, NULL);
    expect_at(text, NULL, 0, SF_ERR_MODEL, 7, 3, "populations.E.model", "required key is missing");
    free(text);
    /* population I without n (line 17 deleted) */
    text = edit(BASE, 17, NULL);
    expect_at(text, NULL, 0, SF_ERR_MODEL, 15, 3, "populations.I.n", "required key is missing");
    free(text);
    /* simulation without duration: points at 'simulation' (line 2) */
    text = edit(BASE, 4, NULL);
    expect_at(text, NULL, 0, SF_ERR_MODEL, 2, 1, "simulation.duration", "required key is missing");
    free(text);
    /* projection EI without weight: points at EI (line 19) */
    text = edit(BASE, 24, NULL);
    expect_at(text, NULL, 0, SF_ERR_MODEL, 19, 3, "projections.EI.weight", "required key is missing");
    free(text);
    /* projection IE without p: points at IE (line 26) */
    text = edit(BASE, 30, NULL);
    expect_at(text, NULL, 0, SF_ERR_MODEL, 26, 3, "projections.IE.p", "required key is missing");
    free(text);
    /* poisson input without rate: points at drive (line 33) */
    text = edit(BASE, 36, NULL);
    expect_at(text, NULL, 0, SF_ERR_MODEL, 33, 3, "inputs.drive.rate", "required key is missing");
    free(text);
    /* a normal distribution without std: points at 'weight' (line 24) */
    expect_line(24, "    weight: {distribution: normal, mean: 23.85, min: 0.0}", SF_ERR_MODEL,
                "weight", "projections.EI.weight.std", "required key is missing");
}

static void test_missing_top_level_keys(void **state)
{
    (void)state;
    /* a whole missing section has no line to point at; the message still
     * names the file and the key */
    const char *msg = expect_code("simulation:\n  duration: 10.0\n", NULL, 0, SF_ERR_MODEL);
    assert_has(msg, NAME);
    assert_has(msg, "populations: required key is missing");
    msg = expect_code("populations:\n  E: {model: pif_psc_delta, n: 3}\n", NULL, 0, SF_ERR_MODEL);
    assert_has(msg, NAME);
    assert_has(msg, "simulation: required key is missing");
    /* a document that is not a mapping */
    expect_at("just a scalar\n", NULL, 0, SF_ERR_MODEL, 1, 1, "(top level)", "mapping");
}

static void test_wrong_types(void **state)
{
    (void)state;
    expect_line(11, "      tau_m: fast", SF_ERR_MODEL, "fast", "populations.E.params.tau_m",
                "expected a number, found 'fast'");
    expect_line(9, "    n: many", SF_ERR_MODEL, "many", "populations.E.n", "expected a number");
    /* a list where a number belongs: points at the key */
    expect_line(11, "      tau_m: [17.25, 3.0]", SF_ERR_MODEL, "tau_m", "populations.E.params.tau_m",
                "expected a number, found a list");
    /* a mapping where a name belongs */
    expect_line(8, "    model: {name: iaf_psc_delta}", SF_ERR_MODEL, "model", "populations.E.model",
                "expected a name");
    /* the number of neurons must be whole */
    expect_line(9, "    n: 40.5", SF_ERR_RANGE, "40.5", "populations.E.n", "whole number");
    expect_line(9, "    n: -3", SF_ERR_RANGE, "-3", "populations.E.n", "whole number");
}

static void test_wrong_bool(void **state)
{
    (void)state;
    char *text = edit(BASE, 23, "    indegree: 7\n    autapses: maybe");
    expect_at(text, NULL, 0, SF_ERR_MODEL, 24, col_of(text, 24, "maybe"), "projections.EI.autapses",
              "expected true or false, found maybe");
    free(text);
}

static void test_out_of_range(void **state)
{
    (void)state;
    expect_line(11, "      tau_m: -17.25", SF_ERR_RANGE, "-17.25", "populations.E.params.tau_m",
                "out of range");
    expect_line(11, "      tau_m: 0", SF_ERR_RANGE, "0", "populations.E.params.tau_m", "(0,");
    expect_line(30, "    p: 1.2385", SF_ERR_RANGE, "1.2385", "projections.IE.p", "out of range");
    expect_line(30, "    p: -0.1", SF_ERR_RANGE, "-0.1", "projections.IE.p", "out of range");
    expect_line(25, "    delay: 0.05", SF_ERR_RANGE, "0.05", "projections.EI.delay",
                "below the resolution");
    expect_line(25, "    delay: 1.75", SF_ERR_RANGE, "1.75", "projections.EI.delay",
                "not a multiple of the resolution");
    /* a delay distribution that can go below one step needs a bound */
    expect_line(25, "    delay: {distribution: uniform, low: 0.05, high: 2.0}", SF_ERR_RANGE, "delay",
                "projections.EI.delay", "below the resolution");
    /* ... and an unbounded one needs max */
    expect_line(25, "    delay: {distribution: normal, mean: 1.7, std: 0.3, min: 0.1}", SF_ERR_RANGE,
                "delay", "projections.EI.delay", "max");
    expect_line(3, "  resolution: 0", SF_ERR_RANGE, "0", "simulation.resolution", "out of range");
    expect_line(4, "  duration: 25.35", SF_ERR_RANGE, "25.35", "simulation.duration",
                "not a multiple of the resolution");
    expect_line(36, "    rate: -2385.0", SF_ERR_RANGE, "-2385.0", "inputs.drive.rate", "out of range");
    expect_line(41, "    times: [1.0, 2.55, 7.3]", SF_ERR_RANGE, "2.55", "inputs.kick.times",
                "grid");
    expect_line(41, "    times: [1.0, 7.3, 2.5]", SF_ERR_RANGE, "2.5", "inputs.kick.times",
                "ascending");
    expect_line(49, "    stop: 4.0", SF_ERR_RANGE, "4.0", "inputs.step.stop", "start < stop");
    /* uniform with high <= low */
    expect_line(14, "      V_m: {distribution: uniform, low: -55.0, high: -70.0}", SF_ERR_RANGE,
                "-70.0", "populations.E.initial.V_m.high", "must exceed low");
    /* a truncated normal that almost never lies within its bounds */
    expect_line(24, "    weight: {distribution: normal, mean: 23.85, std: 1.0, min: 40.0}",
                SF_ERR_RANGE, "weight", "projections.EI.weight", "widen the bounds");
}

static void test_threads_zero(void **state)
{
    (void)state;
    char *text = edit(BASE, 5, "  seed: 2385\n  threads: 0");
    expect_at(text, NULL, 0, SF_ERR_RANGE, 6, col_of(text, 6, "0"), "simulation.threads",
              "at least 1");
    free(text);
}

static void test_relations(void **state)
{
    (void)state;
    char *text;
    /* V_reset >= V_th: the type's check; the message points at 'params' */
    text = edit(BASE, 12, "      V_th: -52.385\n      V_reset: -52.385");
    expect_at(text, NULL, 0, SF_ERR_RANGE, 10, 5, "populations.E.params",
              "V_reset (-52.385 mV) must be below V_th (-52.385 mV)");
    free(text);
    text = edit(BASE, 12, "      V_th: -52.385\n      V_reset: -40.0");
    expect_at(text, NULL, 0, SF_ERR_RANGE, 10, 5, "populations.E.params", "must be below V_th");
    free(text);
    /* V_th given alone, below the default V_reset = -70 */
    text = edit(BASE, 12, "      V_th: -71.0");
    expect_at(text, NULL, 0, SF_ERR_RANGE, 10, 5, "populations.E.params", "must be below V_th");
    free(text);

    /* indegree above the number of sources, without multapses: E has 40 */
    text = edit(BASE, 23, "    indegree: 41\n    multapses: false");
    expect_at(text, NULL, 0, SF_ERR_RANGE, 23, col_of(text, 23, "41"), "projections.EI.indegree",
              "41 exceeds the 40 possible partners");
    free(text);
    /* the same indegree is fine with multapses */
    text = edit(BASE, 23, "    indegree: 41");
    sf_model *m = load_ok(text, NULL, 0);
    assert_int_equal(m->proj[0].count, 41);
    sf_model_destroy(m);
    free(text);
    /* E -> E without autapses: 39 partners */
    text = edit(BASE, 21, "    target: E\n    autapses: false\n    multapses: false");
    char *t2 = edit(text, 25, "    indegree: 40");
    expect_at(t2, NULL, 0, SF_ERR_RANGE, 25, col_of(t2, 25, "40"), "projections.EI.indegree",
              "40 exceeds the 39 possible partners");
    free(t2);
    free(text);

    /* one_to_one needs equal sizes */
    text = edit(BASE, 22, "    rule: one_to_one");
    char *t3 = edit(text, 23, NULL);
    expect_at(t3, NULL, 0, SF_ERR_MODEL, 22, col_of(t3, 22, "one_to_one"), "projections.EI.rule",
              "equal sizes");
    free(t3);
    free(text);

    /* weights onto iaf_psc_exp may not change sign (the sign picks the
     * synapse): a normal without bounds */
    expect_line(24, "    weight: {distribution: normal, mean: 23.85, std: 4.1}", SF_ERR_MODEL,
                "weight", "projections.EI.weight", "must not change sign");
}

static void test_unknown_names(void **state)
{
    (void)state;
    expect_line(20, "    source: X", SF_ERR_MODEL, "X", "projections.EI.source",
                "unknown population 'X'");
    expect_line(21, "    target: Y", SF_ERR_MODEL, "Y", "projections.EI.target",
                "unknown population 'Y'");
    expect_line(35, "    targets: [E, Z]", SF_ERR_MODEL, "Z", "inputs.drive.targets",
                "unknown population 'Z'");
    expect_line(40, "    targets: Q", SF_ERR_MODEL, "Q", "inputs.kick.targets",
                "unknown population 'Q'");
    /* the message lists the known models */
    expect_line(8, "    model: iaf_psc_omega", SF_ERR_MODEL, "iaf_psc_omega", "populations.E.model",
                "unknown neuron model 'iaf_psc_omega' (known: iaf_psc_delta");
    expect_line(22, "    rule: random", SF_ERR_MODEL, "random", "projections.EI.rule",
                "unknown rule 'random'");
    expect_line(24, "    weight: {distribution: cauchy, mean: 23.85, std: 4.1}", SF_ERR_MODEL,
                "cauchy", "projections.EI.weight.distribution", "unknown distribution 'cauchy'");
    expect_line(34, "    kind: bursty", SF_ERR_MODEL, "bursty", "inputs.drive.kind",
                "unknown input kind 'bursty'");
    char *text = edit(BASE, 1, "recorders: {r: {kind: camera}}");
    expect_at(text, NULL, 0, SF_ERR_MODEL, 1, col_of(text, 1, "camera"), "recorders.r.kind",
              "unknown recorder kind 'camera'");
    free(text);
    text = edit(BASE, 1, "recorders: {r: {kind: voltmeter, variable: V_x}}");
    expect_at(text, NULL, 0, SF_ERR_MODEL, 1, col_of(text, 1, "V_x"), "recorders.r.variable",
              "no state variable 'V_x'");
    free(text);
}

/* ------------------------------------------------------------------------
 * Receptor ports, synapse models and the registries of rules, inputs and
 * recorders. */

/* BASE with line `line` replaced by two lines; the error is on the second
 * at `token`. */
static void expect_second(int line, const char *repl, sf_status code, const char *token,
                          const char *path, const char *what)
{
    char *text = edit(BASE, line, repl);
    expect_at(text, NULL, 0, code, line + 1, col_of(text, line + 1, token), path, what);
    free(text);
}

static int port_of(const sf_model *m, int pop, const char *name)
{
    int k = sf_receptor_find(m->pops[pop].type, name);
    if (k < 0)
        fail_msg("no port %s", name);
    return k;
}

static void test_receptors(void **state)
{
    (void)state;
    /* without receptor: the sign of the weight picks the port of
     * iaf_psc_exp (EI: normal with min 0 -> ex); iaf_psc_delta has one */
    sf_model *m = load_ok(BASE, NULL, 0);
    const sf_neuron_type *te = m->pops[1].type, *td = m->pops[0].type;
    assert_int_equal(te->n_ports, 2);
    assert_int_equal(td->n_ports, 1);
    assert_string_equal(td->ports[0].name, "input");
    assert_int_equal(m->proj[0].receptor, port_of(m, 1, "ex"));
    assert_int_equal(te->ports[port_of(m, 1, "ex")].tau_param, sf_param_index(te, "tau_syn_ex"));
    assert_int_equal(te->ports[port_of(m, 1, "in")].tau_param, sf_param_index(te, "tau_syn_in"));
    assert_int_equal(m->proj[1].receptor, 0);
    assert_int_equal(m->inputs[0].receptor[0], 0);
    assert_int_equal(m->inputs[0].receptor[1], port_of(m, 1, "ex"));
    assert_int_equal(m->inputs[1].receptor[0], port_of(m, 1, "ex"));
    assert_int_equal(sf_receptor_find(te, "nmda"), -1);
    sf_model_destroy(m);

    /* negative weights pick "in": a constant, a uniform below 0 */
    const char *neg[] = {"    weight: -23.85",
                         "    weight: {distribution: uniform, low: -2.0, high: -1.0}",
                         "    weight: {distribution: normal, mean: -5.0, std: 1.0, max: 0.0}"};
    for (int i = 0; i < 3; i++) {
        char *text = edit(BASE, 24, neg[i]);
        m = load_ok(text, NULL, 0);
        assert_int_equal(m->proj[0].receptor, port_of(m, 1, "in"));
        sf_model_destroy(m);
        free(text);
    }
    /* zero is excitatory (NEST: w >= 0 -> ex) */
    char *text = edit(BASE, 24, "    weight: 0.0");
    m = load_ok(text, NULL, 0);
    assert_int_equal(m->proj[0].receptor, port_of(m, 1, "ex"));
    sf_model_destroy(m);
    free(text);

    /* an explicit port, on a projection and on an input */
    text = edit(BASE, 24, "    weight: -2.0\n    receptor: in");
    m = load_ok(text, NULL, 0);
    assert_int_equal(m->proj[0].receptor, port_of(m, 1, "in"));
    sf_model_destroy(m);
    free(text);
    text = edit(BASE, 42, "    weight: -35.0\n    receptor: in");
    m = load_ok(text, NULL, 0);
    assert_int_equal(m->inputs[1].receptor[0], port_of(m, 1, "in"));
    sf_model_destroy(m);
    free(text);
    text = edit(BASE, 31, "    weight: -0.75\n    receptor: input");
    m = load_ok(text, NULL, 0);
    assert_int_equal(m->proj[1].receptor, 0);
    sf_model_destroy(m);
    free(text);

    /* unknown port names: the error lists the model's ports */
    expect_second(24, "    weight: 23.85\n    receptor: nmda", SF_ERR_MODEL, "nmda",
                "projections.EI.receptor",
                "iaf_psc_exp of population I has no receptor 'nmda' (ports: ex, in)");
    text = edit(BASE, 37, "    weight: 0.15\n    receptor: ex");
    expect_at(text, NULL, 0, SF_ERR_MODEL, 38, col_of(text, 38, "ex"), "inputs.drive.receptor",
              "iaf_psc_delta of population E has no receptor 'ex' (ports: input)");
    free(text);

    /* a weight whose sign contradicts the port: error at the weight */
    expect_line(24, "    weight: -23.85\n    receptor: ex", SF_ERR_MODEL, "-23.85",
                "projections.EI.weight", "takes only weights >= 0, but this weight can be -23.85");
    expect_line(24, "    weight: {distribution: normal, mean: -5.0, std: 1.0}\n    receptor: in",
                SF_ERR_MODEL, "weight", "projections.EI.weight",
                "receptor in of iaf_psc_exp (population I) takes only weights <= 0");
    expect_line(42, "    weight: 35.0\n    receptor: in", SF_ERR_MODEL, "35.0", "inputs.kick.weight",
                "takes only weights <= 0, but this weight can be 35");
    /* weights of both signs without a receptor */
    expect_line(24, "    weight: {distribution: uniform, low: -1.0, high: 1.0}", SF_ERR_MODEL,
                "weight", "projections.EI.weight", "must not change sign");
    /* a dc input has no port */
    expect_second(47, "    amplitude: 12.5\n    receptor: input", SF_ERR_MODEL, "receptor",
                "inputs.step.receptor", "unknown key");
}

static void test_synapse_key(void **state)
{
    (void)state;
    sf_model *m = load_ok(BASE, NULL, 0);
    assert_ptr_equal(m->proj[0].synapse, &sf_synapse_static);
    assert_ptr_equal(m->proj[1].synapse, &sf_synapse_static);
    sf_model_destroy(m);
    char *text = edit(BASE, 25, "    delay: 1.7\n    synapse: static_synapse");
    m = load_ok(text, NULL, 0);
    assert_ptr_equal(m->proj[0].synapse, &sf_synapse_static);
    sf_model_destroy(m);
    free(text);
    expect_second(25, "    delay: 1.7\n    synapse: bogus_synapse", SF_ERR_MODEL, "bogus_synapse",
                "projections.EI.synapse",
                "unknown synapse model 'bogus_synapse' (known: static_synapse, stdp_synapse, "
                "stdp_synapse_hom, tsodyks_synapse, tsodyks2_synapse, clopath_synapse, "
                "urbanczik_synapse)");
}

static void test_registries(void **state)
{
    (void)state;
    const sf_rule_type *rules[] = {&sf_rule_fixed_indegree,     &sf_rule_fixed_outdegree,
                                   &sf_rule_fixed_total_number, &sf_rule_pairwise_bernoulli,
                                   &sf_rule_one_to_one,         &sf_rule_all_to_all,
                                   &sf_rule_spatial_fixed_indegree, &sf_rule_spatial_fixed_outdegree,
                                   &sf_rule_spatial_pairwise_bernoulli};
    const char *rule_names[] = {"fixed_indegree",     "fixed_outdegree", "fixed_total_number",
                                "pairwise_bernoulli", "one_to_one",      "all_to_all",
                                "spatial_fixed_indegree", "spatial_fixed_outdegree",
                                "spatial_pairwise_bernoulli"};
    assert_int_equal(sf_rule_type_count(), 9);
    for (int i = 0; i < 9; i++) {
        assert_ptr_equal(sf_rule_type_find(rule_names[i]), rules[i]);
        assert_ptr_equal(sf_rule_type_at(i), rules[i]);
    }
    const sf_input_type *inputs[] = {&sf_input_poisson_generator, &sf_input_dc_generator,
                                     &sf_input_spike_generator, &sf_input_step_current_generator,
                                     &sf_input_noise_generator,
                                     &sf_input_inhomogeneous_poisson_generator,
                                     &sf_input_mip_generator, &sf_input_ac_generator,
                                     &sf_input_sinusoidal_poisson_generator};
    const char *input_names[][2] = {{"poisson_generator", "poisson"}, {"dc_generator", "dc"},
                                    {"spike_generator", NULL}, {"step_current_generator", NULL},
                                    {"noise_generator", NULL},
                                    {"inhomogeneous_poisson_generator", NULL},
                                    {"mip_generator", NULL}, {"ac_generator", NULL},
                                    {"sinusoidal_poisson_generator", NULL}};
    assert_int_equal(sf_input_type_count(), 9);
    for (int i = 0; i < 9; i++) {
        for (int k = 0; k < 2 && input_names[i][k]; k++)
            assert_ptr_equal(sf_input_type_find(input_names[i][k]), inputs[i]);
        assert_ptr_equal(sf_input_type_at(i), inputs[i]);
    }
    const sf_recorder_type *recs[] = {&sf_recorder_spike_recorder, &sf_recorder_voltmeter,
                                      &sf_recorder_multimeter, &sf_recorder_weight_recorder};
    const char *rec_names[][2] = {{"spike_recorder", "spikes"}, {"voltmeter", NULL},
                                  {"multimeter", NULL}, {"weight_recorder", NULL}};
    assert_int_equal(sf_recorder_type_count(), 4);
    for (int i = 0; i < 4; i++) {
        for (int k = 0; k < 2 && rec_names[i][k]; k++)
            assert_ptr_equal(sf_recorder_type_find(rec_names[i][k]), recs[i]);
        assert_ptr_equal(sf_recorder_type_at(i), recs[i]);
    }
    assert_int_equal(sf_synapse_type_count(), 7);
    assert_ptr_equal(sf_synapse_type_find("static_synapse"), &sf_synapse_static);
    assert_ptr_equal(sf_synapse_type_find("stdp_synapse"), &sf_synapse_stdp);
    assert_ptr_equal(sf_synapse_type_find("stdp_synapse_hom"), &sf_synapse_stdp_hom);
    assert_ptr_equal(sf_synapse_type_find("tsodyks_synapse"), &sf_synapse_tsodyks);
    assert_ptr_equal(sf_synapse_type_find("tsodyks2_synapse"), &sf_synapse_tsodyks2);
    assert_ptr_equal(sf_synapse_type_find("clopath_synapse"), &sf_synapse_clopath);
    assert_ptr_equal(sf_synapse_type_find("urbanczik_synapse"), &sf_synapse_urbanczik);
    /* unknown names and indices */
    assert_null(sf_rule_type_find("random"));
    assert_null(sf_input_type_find("noise"));
    assert_null(sf_recorder_type_find("camera"));
    assert_null(sf_synapse_type_find("stdp"));
    assert_null(sf_rule_type_at(-1));
    assert_null(sf_rule_type_at(9));
    assert_null(sf_input_type_at(9));
    assert_null(sf_recorder_type_at(4));
    assert_null(sf_synapse_type_at(7));

    /* errors list the known names */
    expect_line(22, "    rule: random", SF_ERR_MODEL, "random", "projections.EI.rule",
                "unknown rule 'random' (known: fixed_indegree, fixed_outdegree, "
                "fixed_total_number, pairwise_bernoulli, one_to_one, all_to_all, "
                "spatial_fixed_indegree, spatial_fixed_outdegree, spatial_pairwise_bernoulli)");
    expect_line(34, "    kind: bursty", SF_ERR_MODEL, "bursty", "inputs.drive.kind",
                "unknown input kind 'bursty' (known: poisson_generator (poisson), dc_generator "
                "(dc), spike_generator, step_current_generator, noise_generator, "
                "inhomogeneous_poisson_generator, mip_generator, ac_generator, "
                "sinusoidal_poisson_generator)");
    char *text = edit(BASE, 1, "recorders: {r: {kind: camera}}");
    expect_at(text, NULL, 0, SF_ERR_MODEL, 1, col_of(text, 1, "camera"), "recorders.r.kind",
              "unknown recorder kind 'camera' (known: spike_recorder (spikes), voltmeter, "
              "multimeter, weight_recorder)");
    free(text);

    /* NEST's names work in model files like the older ones */
    text = edit(BASE, 34, "    kind: poisson_generator");
    char *t2 = edit(text, 45, "    kind: dc_generator");
    char *t3 = edit(t2, 1, "recorders: {s: {kind: spike_recorder}, v: {kind: voltmeter}}");
    sf_model *m = load_ok(t3, NULL, 0);
    assert_ptr_equal(m->inputs[0].type, &sf_input_poisson_generator);
    assert_ptr_equal(m->inputs[2].type, &sf_input_dc_generator);
    assert_ptr_equal(m->recorders[0].type, &sf_recorder_spike_recorder);
    assert_ptr_equal(m->recorders[1].type, &sf_recorder_voltmeter);
    assert_true(m->inputs[0].rate == 2385.0 && m->inputs[2].amplitude == 12.5);
    sf_model_destroy(m);
    free(t3);
    free(t2);
    free(text);

    /* every rule by name, with its count key; the mean in-degree through
     * the descriptor (E: 40 neurons, I: 13; EI is E -> I, or E -> E) */
    struct {
        const char *target, *rule;
        double mean;
    } cases[] = {
        {"I", "    rule: fixed_indegree\n    indegree: 7", 7.0},
        {"I", "    rule: fixed_outdegree\n    outdegree: 3", 3.0 * 40.0 / 13.0},
        {"I", "    rule: fixed_total_number\n    number: 20", 20.0 / 13.0},
        {"I", "    rule: pairwise_bernoulli\n    p: 0.25", 0.25 * 40.0},
        {"E", "    rule: one_to_one", 1.0},
        {"I", "    rule: all_to_all", 40.0},
    };
    for (int i = 0; i < 6; i++) {
        char tl[64];
        snprintf(tl, sizeof tl, "    target: %s", cases[i].target);
        char *a = edit(BASE, 23, NULL);
        char *b = edit(a, 22, cases[i].rule);
        char *c = edit(b, 21, tl);
        m = load_ok(c, NULL, 0);
        assert_ptr_equal(m->proj[0].rule, rules[i]);
        if (fabs(sf_model_mean_indegree(m, &m->proj[0]) - cases[i].mean) > 1e-12)
            fail_msg("%s: mean in-degree %g, expected %g", rule_names[i],
                     sf_model_mean_indegree(m, &m->proj[0]), cases[i].mean);
        sf_model_destroy(m);
        free(c);
        free(b);
        free(a);
    }
}

/* ------------------------------------------------------------------------
 * --set overrides. */

static void test_set_overrides(void **state)
{
    (void)state;
    /* an existing key, a key the file does not have, a later --set wins */
    const char *sets[] = {"populations.E.params.tau_m=19.5", "populations.E.params.C_m=312.5",
                          "simulation.threads=3", "projections.EI.indegree=5",
                          "projections.EI.indegree=9", "inputs.drive.targets=[I]"};
    sf_model *m = load_ok(BASE, sets, 6);
    assert_true(sf_model_param(m, 0, "tau_m") == 19.5);
    assert_true(sf_model_param(m, 0, "C_m") == 312.5);
    assert_true(sf_model_param(m, 0, "V_th") == -52.385); /* untouched */
    assert_int_equal(m->sim.threads, 3);
    assert_int_equal(m->proj[0].count, 9);
    assert_int_equal(m->inputs[0].n_targets, 1);
    assert_int_equal(m->inputs[0].targets[0], 1);
    sf_model_destroy(m);

    /* a mapping as the value */
    const char *s2[] = {"projections.EI.weight={distribution: uniform, low: 1.5, high: 2.5}"};
    m = load_ok(BASE, s2, 1);
    assert_int_equal(m->proj[0].weight.kind, SF_DIST_UNIFORM);
    assert_true(m->proj[0].weight.a == 1.5 && m->proj[0].weight.b == 2.5);
    sf_model_destroy(m);

    /* a uniform delay whose low end is on or above the resolution needs no min */
    const char *s3[] = {"projections.EI.delay={distribution: uniform, low: 0.5, high: 3.0}"};
    m = load_ok(BASE, s3, 1);
    assert_int_equal(m->proj[0].delay.kind, SF_DIST_UNIFORM);
    sf_model_destroy(m);
}

static void test_set_errors(void **state)
{
    (void)state;
    const char *msg;
    /* a value of the wrong type or range is reported against the option */
    const char *s1[] = {"populations.E.params.tau_m=fast"};
    msg = expect_code(BASE, s1, 1, SF_ERR_MODEL);
    assert_has(msg, "--set populations.E.params.tau_m=fast: populations.E.params.tau_m: "
                    "expected a number, found 'fast'");
    const char *s2[] = {"populations.E.params.tau_m=-2.385"};
    msg = expect_code(BASE, s2, 1, SF_ERR_RANGE);
    assert_has(msg, "--set populations.E.params.tau_m=-2.385: populations.E.params.tau_m:");
    /* a new key the model does not know */
    const char *s3[] = {"populations.E.params.tau_q=3"};
    msg = expect_code(BASE, s3, 1, SF_ERR_MODEL);
    assert_has(msg, "--set populations.E.params.tau_q=3: populations.E.params.tau_q: unknown key");
    /* a path through a scalar */
    const char *s4[] = {"simulation.duration.x=3"};
    msg = expect_code(BASE, s4, 1, SF_ERR_ARG);
    assert_has(msg, "--set simulation.duration.x");
    assert_has(msg, "simulation.duration");
    assert_has(msg, "not a mapping");
    /* a path through a population that does not exist */
    const char *s5[] = {"populations.X.params.tau_m=3"};
    sf_model *m = (sf_model *)(uintptr_t)0x5f;
    sf_status st = sf_model_load_string(ctx, BASE, NAME, s5, 1, &m);
    assert_int_not_equal(st, SF_OK);
    assert_null(m);
    msg = sf_context_errmsg(ctx);
    if (strncmp(msg, "--set populations.X.params.tau_m=3", 34) != 0)
        fail_msg("message [%s]", msg);
    assert_has(msg, "populations.X");
    /* values that do not parse */
    const char *s6[] = {"populations.E.n=[1, 2"};
    msg = expect_code(BASE, s6, 1, SF_ERR_ARG);
    assert_has(msg, "--set populations.E.n=[1, 2: cannot parse the value '[1, 2'");
    const char *s7[] = {"populations.E.n="};
    msg = expect_code(BASE, s7, 1, SF_ERR_ARG);
    assert_has(msg, "cannot parse the value");
    /* no '=' or no path */
    const char *s8[] = {"populations.E.n"};
    msg = expect_code(BASE, s8, 1, SF_ERR_ARG);
    assert_has(msg, "expected path=value");
    const char *s9[] = {"=3"};
    msg = expect_code(BASE, s9, 1, SF_ERR_ARG);
    assert_has(msg, "expected path=value");
    /* a good override before a bad one does not leak a model */
    const char *s10[] = {"simulation.seed=7", "simulation.duration=-1"};
    msg = expect_code(BASE, s10, 2, SF_ERR_RANGE);
    assert_has(msg, "--set simulation.duration=-1: simulation.duration:");
}

/* ------------------------------------------------------------------------
 * Scaling. */

static void test_scale(void **state)
{
    (void)state;
    /* n 40 -> 10, 13 -> 3.25 -> 3; indegree 7 -> 1.75 -> 2; a total number
     * scales with both factors: 2385 * 0.25 * 0.25 = 149.06 -> 149 */
    char *text = edit(BASE, 1,
                      "scale: {neurons: 0.25, indegree: 0.25}\n"
                      "description: scaled");
    char *t2 = edit(text, 33,
                    "  II: {source: I, target: I, rule: fixed_total_number, number: 2385, "
                    "weight: 1.0}\n"
                    "inputs:");
    sf_model *m = load_ok(t2, NULL, 0);
    assert_int_equal(m->pops[0].n, 10);
    assert_int_equal(m->pops[1].n, 3);
    assert_int_equal(m->pops[1].first_gid, 10);
    assert_int_equal(m->proj[0].count, 2);
    assert_ptr_equal(m->proj[2].rule, &sf_rule_fixed_total_number);
    assert_int_equal(m->proj[2].count, 149);
    /* p is a probability and does not scale */
    assert_true(m->proj[1].p == 0.2385);
    sf_model_destroy(m);
    free(t2);

    /* the same through --set, and a population never scales below 1 */
    const char *sets[] = {"scale.neurons=0.01"};
    m = load_ok(text, sets, 1);
    assert_int_equal(m->pops[0].n, 1);
    assert_int_equal(m->pops[1].n, 1);
    sf_model_destroy(m);

    /* scales must be positive */
    const char *bad[] = {"scale.neurons=0"};
    const char *msg = expect_code(text, bad, 1, SF_ERR_RANGE);
    assert_has(msg, "scale.neurons");
    free(text);
    expect_line(1, "scale: {indegree: -2.0}", SF_ERR_RANGE, "-2.0", "scale.indegree",
                "(0, 1000]");

    /* scaling the sources below the indegree, without multapses, is refused */
    text = edit(BASE, 23, "    indegree: 7\n    multapses: false");
    const char *s2[] = {"scale.neurons=0.1"}; /* E: 40 -> 4 < 7 */
    char *t3 = edit(text, 1, "scale: {neurons: 1.0}");
    msg = expect_code(t3, s2, 1, SF_ERR_RANGE);
    assert_has(msg, "exceeds the 4 possible partners");
    free(t3);
    free(text);
}

/* ------------------------------------------------------------------------
 * Files. */

static void test_files(void **state)
{
    (void)state;
    char path[] = "/tmp/sf_test_model_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    char *text = edit(BASE, 30, "    p: 1.5");
    fputs(text, f);
    fclose(f);
    free(text);

    /* a file error names the file */
    sf_model *m = (sf_model *)(uintptr_t)0x5f;
    sf_context_clear(ctx);
    assert_int_equal(sf_model_load(ctx, path, NULL, 0, &m), SF_ERR_RANGE);
    assert_null(m);
    char prefix[256];
    snprintf(prefix, sizeof prefix, "%s:30:8: projections.IE.p: ", path);
    const char *msg = sf_context_errmsg(ctx);
    if (strncmp(msg, prefix, strlen(prefix)) != 0)
        fail_msg("message [%s] does not begin with [%s]", msg, prefix);

    /* the same file with an override that repairs it */
    const char *fix[] = {"projections.IE.p=0.5"};
    assert_int_equal(sf_model_load(ctx, path, fix, 1, &m), SF_OK);
    assert_non_null(m);
    assert_string_equal(m->file, path);
    assert_true(m->proj[1].p == 0.5);
    sf_model_destroy(m);
    unlink(path);

    /* a missing file */
    m = (sf_model *)(uintptr_t)0x5f;
    assert_int_equal(sf_model_load(ctx, "/nonexistent/dir/model.yaml", NULL, 0, &m), SF_ERR_IO);
    assert_null(m);
    assert_has(sf_context_errmsg(ctx), "/nonexistent/dir/model.yaml");
    assert_has(sf_context_errmsg(ctx), "cannot open");

    /* a directory is not a model file: an I/O error, not an empty file */
    m = (sf_model *)(uintptr_t)0x5f;
    assert_int_equal(sf_model_load(ctx, "/tmp", NULL, 0, &m), SF_ERR_IO);
    assert_null(m);
    assert_has(sf_context_errmsg(ctx), "/tmp: cannot read");

    /* an empty file */
    char epath[] = "/tmp/sf_test_empty_XXXXXX";
    fd = mkstemp(epath);
    assert_true(fd >= 0);
    close(fd);
    m = (sf_model *)(uintptr_t)0x5f;
    assert_int_equal(sf_model_load(ctx, epath, NULL, 0, &m), SF_ERR_PARSE);
    assert_null(m);
    assert_has(sf_context_errmsg(ctx), "empty");
    unlink(epath);
}

/* ------------------------------------------------------------------------
 * Distributions described by a model. */

static void test_dist_draw_and_mean(void **state)
{
    (void)state;
    sf_rng r;
    sf_rng_init(&r, 99, SF_RNG_TEST, 0);
    sf_dist c = {SF_DIST_CONST, 2.385, 0, -INFINITY, INFINITY, false};
    assert_true(sf_dist_draw(&c, &r) == 2.385 && sf_dist_mean(&c) == 2.385);

    /* uniform [a, b) cut to [min, max]: mean of the cut range */
    sf_dist u = {SF_DIST_UNIFORM, 1.0, 4.0, 2.0, INFINITY, false};
    assert_true(fabs(sf_dist_mean(&u) - 3.0) < 1e-15);

    /* truncated normal: mean mu + sd (phi(a) - phi(b)) / (Phi(b) - Phi(a)),
     * a = (min - mu)/sd, b = (max - mu)/sd, phi the standard normal density.
     * Draws stay in [min, max]; their mean agrees within 5 SE (SE < sd/sqrt N). */
    const double mu = 0.385, sd = 0.2, lo = 0.2, hi = 0.9;
    sf_dist d = {SF_DIST_NORMAL, mu, sd, lo, hi, false};
    double a = (lo - mu) / sd, b = (hi - mu) / sd;
    double phi_a = exp(-0.5 * a * a) / sqrt(2 * M_PI), phi_b = exp(-0.5 * b * b) / sqrt(2 * M_PI);
    double Z = 0.5 * (erf(b / sqrt(2.0)) - erf(a / sqrt(2.0)));
    double mean_ref = mu + sd * (phi_a - phi_b) / Z;
    assert_true(fabs(sf_dist_mean(&d) - mean_ref) < 1e-12);
    const int n = 100000;
    double s = 0;
    for (int i = 0; i < n; i++) {
        double x = sf_dist_draw(&d, &r);
        assert_true(x >= lo && x <= hi);
        s += x;
    }
    assert_true(fabs(s / n - mean_ref) < 5 * sd / sqrt(n));
}

/* The one time-to-steps conversion saturates instead of overflowing (an
 * input start of 1e300 ms was an undefined cast that left it always on). */
static void test_time_steps(void **state)
{
    (void)state;
    assert_int_equal(sf_time_steps(1.0, 0.1), 10);
    assert_int_equal(sf_time_steps(0.25, 0.1), 2); /* 0.25 / 0.1 = 2.4999999999999996 */
    assert_int_equal(sf_time_steps(-3.0, 0.5), -6);
    assert_true(sf_time_steps(1e300, 0.1) == SF_MAX_STEPS);
    assert_true(sf_time_steps(INFINITY, 0.1) == SF_MAX_STEPS);
    assert_true(sf_time_steps(-1e300, 0.1) == -SF_MAX_STEPS);
    assert_true(sf_time_steps(1e9, 1e-9) == SF_MAX_STEPS); /* 1e18 steps > 2^52 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_model_and_defaults),
        cmocka_unit_test(test_recorders_and_analysis),
        cmocka_unit_test(test_yaml_syntax_errors),
        cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_missing_keys),
        cmocka_unit_test(test_missing_top_level_keys),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_wrong_bool),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_threads_zero),
        cmocka_unit_test(test_relations),
        cmocka_unit_test(test_unknown_names),
        cmocka_unit_test(test_receptors),
        cmocka_unit_test(test_synapse_key),
        cmocka_unit_test(test_registries),
        cmocka_unit_test(test_set_overrides),
        cmocka_unit_test(test_set_errors),
        cmocka_unit_test(test_scale),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_dist_draw_and_mean),
        cmocka_unit_test(test_time_steps),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
