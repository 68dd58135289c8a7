/* Building a model by calls (model.h, sf_model_builder_*): each call writes
 * keys of the model file format into a libfyaml document held by the
 * builder, and sf_model_builder_finish hands that document to the parser's
 * document-to-model path (src/model/document.h), the very code that
 * validates model files. So there is one validator: a call only checks what
 * assembling the document needs (its own arguments present, the entry it
 * adds new, the population it extends added) and leaves every rule about
 * values to the parser, whose message names the key path the call wrote.
 *
 * Invariant: the document is always a mapping whose sections (populations,
 * projections, inputs, recorders) are mappings; once finished the builder
 * refuses every call, so the model it made is the only one.
 */
#include "model/document.h"
#include "model/model_impl.h"

#include <libfyaml.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sf_model_builder {
    char *label;               /* "<name> (builder)", used in messages  */
    struct fy_document *doc;
    char **sets;               /* "path=value" texts of sf_model_builder_set:
                                  the document's values point into them  */
    int n_sets;
    bool finished;
};

static sf_status nomem(sf_context *ctx, const char *call)
{
    return sf_fail(ctx, SF_ERR_NOMEM, "%s: out of memory", call);
}

/* The common checks of every call: a builder that is still open and the
 * named arguments non-NULL (pairs of name, pointer, ended by NULL). */
static sf_status check(sf_context *ctx, const sf_model_builder *b, const char *call, ...)
{
    if (!b)
        return sf_fail(ctx, SF_ERR_ARG, "%s: the builder is NULL", call);
    if (b->finished)
        return sf_fail(ctx, SF_ERR_ARG, "%s: %s is finished already (a builder makes one model)",
                       call, b->label);
    va_list ap;
    va_start(ap, call);
    const char *arg;
    while ((arg = va_arg(ap, const char *))) {
        const void *p = va_arg(ap, const void *);
        if (!p) {
            va_end(ap);
            return sf_fail(ctx, SF_ERR_ARG, "%s: %s is NULL", call, arg);
        }
    }
    va_end(ap);
    return SF_OK;
}

static struct fy_node *scalar(sf_model_builder *b, const char *s)
{
    return fy_node_create_scalar_copy(b->doc, s, FY_NT);
}

/* A number in YAML: 17 digits, .inf for infinities; NaN is written as "nan",
 * which the parser rejects with the key's path. */
static const char *format_number(double v, char buf[40])
{
    if (isinf(v))
        snprintf(buf, 40, "%s.inf", v < 0 ? "-" : "");
    else
        snprintf(buf, 40, "%.17g", v);
    return buf;
}

static struct fy_node *number(sf_model_builder *b, double v)
{
    char buf[40];
    return scalar(b, format_number(v, buf));
}

/* A list of population names (the parser checks that they exist). */
static struct fy_node *names(sf_model_builder *b, const char *const *v, int n)
{
    struct fy_node *seq = fy_node_create_sequence(b->doc);
    for (int i = 0; seq && i < n; i++) {
        struct fy_node *s = scalar(b, v[i]);
        if (!s || fy_node_sequence_append(seq, s) != 0) {
            fy_node_free(s);
            fy_node_free(seq);
            return NULL;
        }
    }
    return seq;
}

/* Appends key: value to map (value NULL: out of memory; freed on failure). */
static int put(sf_model_builder *b, struct fy_node *map, const char *key, struct fy_node *value)
{
    struct fy_node *k = value ? scalar(b, key) : NULL;
    if (!k || fy_node_mapping_append(map, k, value) != 0) {
        fy_node_free(k);
        fy_node_free(value);
        return -1;
    }
    return 0;
}

/* The mapping at key of map, created when missing. */
static struct fy_node *section(sf_model_builder *b, struct fy_node *map, const char *key)
{
    struct fy_node *s = fy_node_mapping_lookup_by_string(map, key, FY_NT);
    if (s)
        return s;
    s = fy_node_create_mapping(b->doc);
    return s && put(b, map, key, s) == 0 ? s : NULL;
}

/* A new, empty entry `name` of section `sec` (populations, projections,
 * ...) into *e; fails when it exists or memory runs out. */
static sf_status new_entry(sf_context *ctx, sf_model_builder *b, const char *call,
                           const char *sec, const char *what, const char *name,
                           struct fy_node **e)
{
    struct fy_node *s = section(b, fy_document_root(b->doc), sec);
    if (!s)
        return nomem(ctx, call);
    if (fy_node_mapping_lookup_by_string(s, name, FY_NT))
        return sf_fail(ctx, SF_ERR_ARG, "%s: %s '%s' exists already (%s.%s)", call, what, name,
                       sec, name);
    *e = fy_node_create_mapping(b->doc);
    return *e && put(b, s, name, *e) == 0 ? SF_OK : nomem(ctx, call);
}

sf_status sf_model_builder_create(sf_context *ctx, const char *name, sf_model_builder **out)
{
    const char *call = "sf_model_builder_create";
    if (!out)
        return sf_fail(ctx, SF_ERR_ARG, "%s: out is NULL", call);
    *out = NULL;
    if (!name)
        return sf_fail(ctx, SF_ERR_ARG, "%s: name is NULL", call);
    sf_model_builder *b = calloc(1, sizeof *b);
    size_t len = strlen(name) + sizeof " (builder)";
    if (b)
        b->label = malloc(len);
    if (b && b->label) {
        snprintf(b->label, len, "%s (builder)", name);
        b->doc = fy_document_create(NULL);
    }
    struct fy_node *root = b && b->doc ? fy_node_create_mapping(b->doc) : NULL;
    if (!root || fy_document_set_root(b->doc, root) != 0) {
        fy_node_free(root);
        sf_model_builder_destroy(b);
        return nomem(ctx, call);
    }
    *out = b;
    return SF_OK;
}

void sf_model_builder_destroy(sf_model_builder *b)
{
    if (!b)
        return;
    if (b->doc)
        fy_document_destroy(b->doc);
    for (int i = 0; i < b->n_sets; i++)
        free(b->sets[i]);
    free(b->sets);
    free(b->label);
    free(b);
}

sf_status sf_model_builder_set(sf_context *ctx, sf_model_builder *b, const char *path,
                               const char *value)
{
    const char *call = "sf_model_builder_set";
    sf_status st = check(ctx, b, call, "path", path, "value", value, NULL);
    if (st)
        return st;
    size_t len = strlen(path) + strlen(value) + 2;
    char *set = malloc(len), **sets = realloc(b->sets, sizeof *sets * (size_t)(b->n_sets + 1));
    if (sets)
        b->sets = sets;
    if (!set || !sets) {
        free(set);
        return nomem(ctx, call);
    }
    snprintf(set, len, "%s=%s", path, value);
    b->sets[b->n_sets++] = set; /* kept: libfyaml reads the value in place */
    return sf_model_document_set(ctx, b->doc, b->label, call, set);
}

sf_status sf_model_builder_set_number(sf_context *ctx, sf_model_builder *b, const char *path,
                                      double value)
{
    char buf[40];
    return sf_model_builder_set(ctx, b, path, format_number(value, buf));
}

sf_status sf_model_builder_add_population(sf_context *ctx, sf_model_builder *b, const char *name,
                                          const char *model, uint32_t n)
{
    const char *call = "sf_model_builder_add_population";
    sf_status st = check(ctx, b, call, "name", name, "model", model, NULL);
    if (st)
        return st;
    struct fy_node *e;
    if ((st = new_entry(ctx, b, call, "populations", "population", name, &e)))
        return st;
    if (put(b, e, "model", scalar(b, model)) || put(b, e, "n", number(b, n)))
        return nomem(ctx, call);
    return SF_OK;
}

sf_status sf_model_builder_set_param(sf_context *ctx, sf_model_builder *b, const char *pop,
                                     const char *param, double value)
{
    const char *call = "sf_model_builder_set_param";
    sf_status st = check(ctx, b, call, "pop", pop, "param", param, NULL);
    if (st)
        return st;
    struct fy_node *pops = fy_node_mapping_lookup_by_string(fy_document_root(b->doc),
                                                            "populations", FY_NT);
    struct fy_node *p = pops ? fy_node_mapping_lookup_by_string(pops, pop, FY_NT) : NULL;
    if (!p || !fy_node_is_mapping(p))
        return sf_fail(ctx, SF_ERR_ARG,
                       "%s: no population '%s' (add it with sf_model_builder_add_population first)",
                       call, pop);
    struct fy_node *params = section(b, p, "params");
    if (!params)
        return nomem(ctx, call);
    struct fy_node_pair *old = fy_node_mapping_lookup_pair_by_string(params, param, FY_NT);
    struct fy_node *v = number(b, value);
    if (old) {
        if (!v || fy_node_pair_set_value(old, v) != 0) {
            fy_node_free(v);
            return nomem(ctx, call);
        }
        return SF_OK;
    }
    return put(b, params, param, v) ? nomem(ctx, call) : SF_OK;
}

/* The key under which a rule takes its number, from the rule's descriptor
 * (NULL: the rule takes none, or is unknown, which the parser reports). */
static const char *rule_count_key(const char *rule)
{
    const sf_rule_type *t = sf_rule_type_find(rule);
    return t ? t->count_key : NULL;
}

sf_status sf_model_builder_add_projection(sf_context *ctx, sf_model_builder *b, const char *name,
                                          const char *source, const char *target,
                                          const char *rule, double count_or_p, double weight,
                                          double delay)
{
    const char *call = "sf_model_builder_add_projection";
    sf_status st = check(ctx, b, call, "name", name, "source", source, "target", target, "rule",
                         rule, NULL);
    if (st)
        return st;
    struct fy_node *e;
    if ((st = new_entry(ctx, b, call, "projections", "projection", name, &e)))
        return st;
    const char *ckey = rule_count_key(rule);
    if (put(b, e, "source", scalar(b, source)) || put(b, e, "target", scalar(b, target)) ||
        put(b, e, "rule", scalar(b, rule)) ||
        (ckey && put(b, e, ckey, number(b, count_or_p))) ||
        put(b, e, "weight", number(b, weight)) ||
        (!isnan(delay) && put(b, e, "delay", number(b, delay))))
        return nomem(ctx, call);
    return SF_OK;
}

/* An entry of section sec (inputs or recorders) with kind and a list of
 * populations under key list (omitted when n == 0 and !need_list). */
static sf_status add_listed(sf_context *ctx, sf_model_builder *b, const char *call,
                            const char *sec, const char *what, const char *name,
                            const char *kind, const char *list, const char *const *pops, int n,
                            bool need_list, struct fy_node **e)
{
    sf_status st = check(ctx, b, call, "name", name, list, n > 0 ? (const void *)pops : "", NULL);
    if (st)
        return st;
    if (n < 0)
        return sf_fail(ctx, SF_ERR_ARG, "%s: the number of %s is negative (%d)", call, list, n);
    for (int i = 0; i < n; i++)
        if (!pops[i])
            return sf_fail(ctx, SF_ERR_ARG, "%s: %s[%d] is NULL", call, list, i);
    if ((st = new_entry(ctx, b, call, sec, what, name, e)))
        return st;
    if (put(b, *e, "kind", scalar(b, kind)) ||
        ((n > 0 || need_list) && put(b, *e, list, names(b, pops, n))))
        return nomem(ctx, call);
    return SF_OK;
}

sf_status sf_model_builder_add_poisson_input(sf_context *ctx, sf_model_builder *b,
                                             const char *name, const char *const *targets,
                                             int n_targets, double rate_Hz, double weight)
{
    const char *call = "sf_model_builder_add_poisson_input";
    struct fy_node *e;
    sf_status st = add_listed(ctx, b, call, "inputs", "input", name, "poisson", "targets",
                              targets, n_targets, true, &e);
    if (st)
        return st;
    if (put(b, e, "rate", number(b, rate_Hz)) || put(b, e, "weight", number(b, weight)))
        return nomem(ctx, call);
    return SF_OK;
}

sf_status sf_model_builder_add_dc_input(sf_context *ctx, sf_model_builder *b, const char *name,
                                        const char *const *targets, int n_targets,
                                        double amplitude_pA)
{
    const char *call = "sf_model_builder_add_dc_input";
    struct fy_node *e;
    sf_status st = add_listed(ctx, b, call, "inputs", "input", name, "dc", "targets", targets,
                              n_targets, true, &e);
    if (st)
        return st;
    return put(b, e, "amplitude", number(b, amplitude_pA)) ? nomem(ctx, call) : SF_OK;
}

sf_status sf_model_builder_add_spike_recorder(sf_context *ctx, sf_model_builder *b,
                                              const char *name, const char *const *pops,
                                              int n_pops)
{
    struct fy_node *e;
    return add_listed(ctx, b, "sf_model_builder_add_spike_recorder", "recorders", "recorder",
                      name, "spikes", "populations", pops, n_pops, false, &e);
}

sf_status sf_model_builder_add_voltmeter(sf_context *ctx, sf_model_builder *b, const char *name,
                                         const char *const *pops, int n_pops, uint32_t n_record,
                                         const char *variable, double interval_ms)
{
    const char *call = "sf_model_builder_add_voltmeter";
    struct fy_node *e;
    sf_status st = add_listed(ctx, b, call, "recorders", "recorder", name, "voltmeter",
                              "populations", pops, n_pops, false, &e);
    if (st)
        return st;
    if (put(b, e, "n", number(b, n_record)) ||
        (variable && put(b, e, "variable", scalar(b, variable))) ||
        (!isnan(interval_ms) && put(b, e, "interval", number(b, interval_ms))))
        return nomem(ctx, call);
    return SF_OK;
}

sf_status sf_model_builder_finish(sf_context *ctx, sf_model_builder *b, sf_model **out)
{
    const char *call = "sf_model_builder_finish";
    if (out)
        *out = NULL;
    sf_status st = check(ctx, b, call, "out", (const void *)out, NULL);
    if (st)
        return st;
    st = sf_model_document_parse(ctx, b->doc, b->label, out);
    b->finished = st == SF_OK;
    return st;
}
