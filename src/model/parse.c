/* Model files: YAML (libfyaml) -> validated sf_model. Documents assembled
 * by the builder (src/model/builder.c) take the same path (document.h).
 *
 * Invariant: every error names FILE:LINE:COLUMN, the dotted key path and what
 * was expected, and leaves *out NULL; the model returned is complete and
 * satisfies every range and relation check below, so the builder and the
 * theory never have to re-validate. The key reference is docs/model-format.md.
 */
#include "model/document.h"
#include "model/model_impl.h"

#include <assert.h>
#include <errno.h>
#include <libfyaml.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    sf_context *ctx;
    const char *file;
    struct fy_document *doc;
    bool no_positions;            /* built by calls: no lines to point at  */
    const char *set_label;        /* apply_set's messages: "--set", or the
                                     builder call                          */
    int n_set;
    struct fy_node *set_node[64]; /* values that came from --set ...       */
    const char *set_text[64];     /* ... and the option that gave them     */
} parser;

/* A node with the key path that led to it and the node to point at. */
typedef struct {
    struct fy_node *node;  /* NULL when the key is absent            */
    struct fy_node *where; /* key (or value) node for line/column    */
    char path[256];
} cursor;

static void node_pos(struct fy_node *n, int *line, int *col)
{
    *line = 0;
    *col = 0;
    if (!n)
        return;
    struct fy_token *t = fy_node_get_scalar_token(n);
    const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
    if (m) {
        *line = m->line + 1;
        *col = m->column + 1;
    }
}

static sf_status fail_at(parser *P, const cursor *c, sf_status code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static sf_status fail_at(parser *P, const cursor *c, sf_status code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (int i = 0; i < P->n_set; i++)
        if (c->where && c->where == P->set_node[i])
            return sf_fail(P->ctx, code, "--set %s: %s: %s", P->set_text[i], c->path, msg);
    int line, col;
    node_pos(c->where, &line, &col);
    if (line > 0 && !P->no_positions)
        return sf_fail(P->ctx, code, "%s:%d:%d: %s: %s", P->file, line, col,
                       c->path[0] ? c->path : "(top level)", msg);
    return sf_fail(P->ctx, code, "%s: %s: %s", P->file, c->path[0] ? c->path : "(top level)", msg);
}

static cursor child(const cursor *parent, const char *key)
{
    cursor c = {NULL, parent->where, ""};
    snprintf(c.path, sizeof c.path, "%s%s%s", parent->path, parent->path[0] ? "." : "", key);
    if (parent->node && fy_node_is_mapping(parent->node)) {
        struct fy_node_pair *pr = fy_node_mapping_lookup_pair_by_string(parent->node, key, FY_NT);
        if (pr) {
            c.node = fy_node_pair_value(pr);
            c.where = fy_node_pair_key(pr);
            if (c.node && fy_node_is_scalar(c.node))
                c.where = c.node;
        }
    }
    return c;
}

static const char *type_name(struct fy_node *n)
{
    if (!n)
        return "nothing";
    if (fy_node_is_mapping(n))
        return "a mapping";
    if (fy_node_is_sequence(n))
        return "a list";
    return "a scalar";
}

/* Rejects keys of mapping c that are not in the NULL-terminated list. */
static sf_status check_keys(parser *P, const cursor *c, const char *const *allowed)
{
    if (!c->node)
        return SF_OK;
    if (!fy_node_is_mapping(c->node))
        return fail_at(P, c, SF_ERR_MODEL, "expected a mapping, found %s", type_name(c->node));
    void *it = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(c->node, &it))) {
        struct fy_node *k = fy_node_pair_key(pr);
        const char *ks = k ? fy_node_get_scalar0(k) : NULL;
        bool ok = false;
        for (int i = 0; ks && allowed[i]; i++)
            ok |= strcmp(ks, allowed[i]) == 0;
        if (!ok) {
            char list[512] = "";
            for (int i = 0; allowed[i]; i++) {
                strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
                strncat(list, allowed[i], sizeof list - strlen(list) - 1);
            }
            cursor bad = *c;
            bad.where = k;
            snprintf(bad.path, sizeof bad.path, "%s%s%s", c->path, c->path[0] ? "." : "",
                     ks ? ks : "?");
            return fail_at(P, &bad, SF_ERR_MODEL, "unknown key (expected one of: %s)", list);
        }
    }
    return SF_OK;
}

static sf_status need(parser *P, const cursor *c)
{
    if (!c->node)
        return fail_at(P, c, SF_ERR_MODEL, "required key is missing");
    return SF_OK;
}

static sf_status get_str(parser *P, const cursor *c, const char **out)
{
    if (!c->node || !fy_node_is_scalar(c->node) || fy_node_is_null(c->node))
        return fail_at(P, c, SF_ERR_MODEL, "expected a name, found %s", type_name(c->node));
    *out = fy_node_get_scalar0(c->node);
    return SF_OK;
}

static sf_status get_num(parser *P, const cursor *c, double *out)
{
    if (!c->node || !fy_node_is_scalar(c->node))
        return fail_at(P, c, SF_ERR_MODEL, "expected a number, found %s", type_name(c->node));
    const char *s = fy_node_get_scalar0(c->node);
    char *end = NULL;
    errno = 0;
    double v = strtod(s ? s : "", &end);
    if (!s || end == s || *end != '\0' || errno == ERANGE) {
        if (s && (!strcmp(s, ".inf") || !strcmp(s, "inf") || !strcmp(s, "+.inf")))
            v = INFINITY;
        else if (s && (!strcmp(s, "-.inf") || !strcmp(s, "-inf")))
            v = -INFINITY;
        else
            return fail_at(P, c, SF_ERR_MODEL, "expected a number, found '%s'", s ? s : "");
    }
    if (isnan(v))
        return fail_at(P, c, SF_ERR_MODEL, "expected a number, found NaN");
    *out = v;
    return SF_OK;
}

static sf_status get_num_opt(parser *P, const cursor *c, double def, double *out)
{
    if (!c->node) {
        *out = def;
        return SF_OK;
    }
    return get_num(P, c, out);
}

static sf_status get_range(parser *P, const cursor *c, double lo, bool lo_open, double hi,
                           double *out)
{
    sf_status st = get_num(P, c, out);
    if (st)
        return st;
    if ((lo_open ? !(*out > lo) : !(*out >= lo)) || !(*out <= hi))
        return fail_at(P, c, SF_ERR_RANGE, "value %g is out of range %s%g, %g]", *out,
                       lo_open ? "(" : "[", lo, hi);
    return SF_OK;
}

static sf_status get_count(parser *P, const cursor *c, uint64_t max, uint64_t *out)
{
    double v = 0;
    sf_status st = get_num(P, c, &v);
    if (st)
        return st;
    if (v < 0 || v != floor(v) || v > (double)max)
        return fail_at(P, c, SF_ERR_RANGE, "expected a whole number in [0, %llu], found %g",
                       (unsigned long long)max, v);
    *out = (uint64_t)v;
    return SF_OK;
}

static sf_status get_bool(parser *P, const cursor *c, bool def, bool *out)
{
    if (!c->node) {
        *out = def;
        return SF_OK;
    }
    const char *s = fy_node_is_scalar(c->node) ? fy_node_get_scalar0(c->node) : NULL;
    if (s && (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcasecmp(s, "on")))
        *out = true;
    else if (s && (!strcasecmp(s, "false") || !strcasecmp(s, "no") || !strcasecmp(s, "off")))
        *out = false;
    else
        return fail_at(P, c, SF_ERR_MODEL, "expected true or false, found %s",
                       s ? s : type_name(c->node));
    return SF_OK;
}

/* A value: a number, or {distribution: constant|uniform|normal, ...}. */
static sf_status get_dist(parser *P, const cursor *c, sf_dist *d)
{
    d->min = -INFINITY;
    d->max = INFINITY;
    if (c->node && fy_node_is_scalar(c->node)) {
        d->kind = SF_DIST_CONST;
        d->b = 0;
        return get_num(P, c, &d->a);
    }
    if (!c->node || !fy_node_is_mapping(c->node))
        return fail_at(P, c, SF_ERR_MODEL,
                       "expected a number or a distribution {distribution: normal, mean: .., "
                       "std: ..}, found %s",
                       type_name(c->node));
    static const char *const keys[] = {"distribution", "value", "low", "high", "mean",
                                       "std", "min", "max", NULL};
    sf_status st = check_keys(P, c, keys);
    const char *kind = NULL;
    cursor k = child(c, "distribution");
    if (st || (st = need(P, &k)) || (st = get_str(P, &k, &kind)))
        return st;
    cursor lo = child(c, "min"), hi = child(c, "max");
    if ((st = get_num_opt(P, &lo, -INFINITY, &d->min)) || (st = get_num_opt(P, &hi, INFINITY, &d->max)))
        return st;
    if (!strcmp(kind, "constant")) {
        cursor v = child(c, "value");
        d->kind = SF_DIST_CONST;
        if ((st = need(P, &v)) || (st = get_num(P, &v, &d->a)))
            return st;
    } else if (!strcmp(kind, "uniform")) {
        cursor a = child(c, "low"), b = child(c, "high");
        d->kind = SF_DIST_UNIFORM;
        if ((st = need(P, &a)) || (st = get_num(P, &a, &d->a)) || (st = need(P, &b)) ||
            (st = get_num(P, &b, &d->b)))
            return st;
        if (!(d->b > d->a))
            return fail_at(P, &b, SF_ERR_RANGE, "high (%g) must exceed low (%g)", d->b, d->a);
    } else if (!strcmp(kind, "normal")) {
        cursor a = child(c, "mean"), b = child(c, "std");
        d->kind = SF_DIST_NORMAL;
        if ((st = need(P, &a)) || (st = get_num(P, &a, &d->a)) || (st = need(P, &b)) ||
            (st = get_range(P, &b, 0.0, false, INFINITY, &d->b)))
            return st;
    } else {
        return fail_at(P, &k, SF_ERR_MODEL,
                       "unknown distribution '%s' (expected constant, uniform or normal)", kind);
    }
    if (!(d->max > d->min))
        return fail_at(P, &hi, SF_ERR_RANGE, "max (%g) must exceed min (%g)", d->max, d->min);
    /* the redraw loop must be able to succeed */
    double lo_v = d->kind == SF_DIST_CONST ? d->a : d->kind == SF_DIST_UNIFORM ? d->a : -INFINITY;
    double hi_v = d->kind == SF_DIST_CONST ? d->a : d->kind == SF_DIST_UNIFORM ? d->b : INFINITY;
    if (d->kind == SF_DIST_NORMAL && d->b == 0)
        lo_v = hi_v = d->a;
    if (hi_v < d->min || lo_v > d->max)
        return fail_at(P, c, SF_ERR_RANGE, "no value of the distribution lies within [min, max]");
    if (d->kind == SF_DIST_NORMAL && d->b > 0) {
        /* redraw needs a reasonable acceptance probability */
        double pa = 0.5 * (erfc((d->min - d->a) / (d->b * M_SQRT2)) -
                           erfc((d->max - d->a) / (d->b * M_SQRT2)));
        if (pa < 1e-3)
            return fail_at(P, c, SF_ERR_RANGE,
                           "only a fraction %.2g of the normal distribution lies within "
                           "[min, max]; widen the bounds",
                           pa);
    }
    return SF_OK;
}

static char *xstrdup(const char *s)
{
    return strdup(s ? s : "");
}

/* ------------------------------------------------------------------------- */
/* Populations, given as a name or a list of names. */
static sf_status get_pop_list(parser *P, const cursor *c, const sf_model *m, int **out, int *n)
{
    *out = NULL;
    *n = 0;
    if (!c->node)
        return fail_at(P, c, SF_ERR_MODEL, "required key is missing");
    int cap = fy_node_is_sequence(c->node) ? fy_node_sequence_item_count(c->node) : 1;
    if (cap <= 0)
        return fail_at(P, c, SF_ERR_MODEL, "expected at least one population");
    int *v = calloc((size_t)cap, sizeof *v);
    if (!v)
        return sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
    *out = v;
    if (fy_node_is_scalar(c->node)) {
        const char *s = fy_node_get_scalar0(c->node);
        v[0] = sf_model_find_pop(m, s);
        if (v[0] < 0)
            return fail_at(P, c, SF_ERR_MODEL, "unknown population '%s'", s);
        *n = 1;
        return SF_OK;
    }
    if (!fy_node_is_sequence(c->node))
        return fail_at(P, c, SF_ERR_MODEL, "expected a population name or a list of names");
    void *it = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(c->node, &it))) {
        cursor ic = *c;
        ic.node = item;
        ic.where = item;
        const char *s;
        sf_status st = get_str(P, &ic, &s);
        if (st)
            return st;
        int idx = sf_model_find_pop(m, s);
        if (idx < 0)
            return fail_at(P, &ic, SF_ERR_MODEL, "unknown population '%s'", s);
        v[(*n)++] = idx;
    }
    return SF_OK;
}

static sf_status parse_settings(parser *P, const cursor *root, sf_model *m)
{
    static const char *const keys[] = {"resolution", "duration", "seed", "threads", NULL};
    cursor s = child(root, "simulation");
    sf_status st;
    if ((st = need(P, &s)) || (st = check_keys(P, &s, keys)))
        return st;
    cursor res = child(&s, "resolution"), dur = child(&s, "duration"), seed = child(&s, "seed"),
           thr = child(&s, "threads");
    double h = 0.1, T;
    uint64_t sd = 1, nt = 1;
    if (res.node && (st = get_range(P, &res, 0.0, true, 1e3, &h)))
        return st;
    if ((st = need(P, &dur)) || (st = get_range(P, &dur, 0.0, true, 1e9, &T)))
        return st;
    double steps = T / h;
    if (fabs(steps - nearbyint(steps)) > 1e-9 * fmax(1.0, steps))
        return fail_at(P, &dur, SF_ERR_RANGE, "duration %g ms is not a multiple of the resolution %g ms",
                       T, h);
    if (seed.node && (st = get_count(P, &seed, UINT64_MAX >> 1, &sd)))
        return st;
    if (thr.node && (st = get_count(P, &thr, 1024, &nt)))
        return st;
    if (nt < 1)
        return fail_at(P, &thr, SF_ERR_RANGE, "threads must be at least 1");
    m->sim.resolution = h;
    m->sim.duration = T;
    m->sim.seed = sd;
    m->sim.threads = (int)nt;

    static const char *const akeys[] = {"start", "bin", "pairs", "transfer", NULL};
    cursor a = child(root, "analysis");
    if ((st = check_keys(P, &a, akeys)))
        return st;
    cursor as = child(&a, "start"), ab = child(&a, "bin"), ap = child(&a, "pairs");
    uint64_t pairs = 200;
    if ((st = get_num_opt(P, &as, 0.0, &m->sim.t_analysis)) ||
        (st = get_num_opt(P, &ab, 10.0, &m->sim.bin)) ||
        (ap.node && (st = get_count(P, &ap, 100000000, &pairs))))
        return st;
    if (m->sim.t_analysis < 0 || m->sim.t_analysis >= T)
        return fail_at(P, &as, SF_ERR_RANGE, "analysis start %g ms must lie in [0, duration)",
                       m->sim.t_analysis);
    if (!(m->sim.bin >= h))
        return fail_at(P, &ab, SF_ERR_RANGE, "bin %g ms must be at least the resolution %g ms",
                       m->sim.bin, h);
    m->sim.corr_pairs = (uint32_t)pairs;
    return SF_OK;
}

static sf_status parse_population(parser *P, cursor *c, const char *name, sf_model *m,
                                  sf_population *pop, double scale_n)
{
    static const char *const keys[] = {"model", "n", "params", "initial", NULL};
    sf_status st;
    if ((st = check_keys(P, c, keys)))
        return st;
    cursor cm = child(c, "model"), cn = child(c, "n"), cp = child(c, "params"),
           ci = child(c, "initial");
    const char *tname;
    uint64_t n = 0;
    pop->name = xstrdup(name);
    if ((st = need(P, &cm)) || (st = get_str(P, &cm, &tname)))
        return st;
    pop->type = sf_neuron_type_find(tname);
    if (!pop->type) {
        char list[512] = "";
        for (int i = 0; i < sf_neuron_type_count(); i++) {
            strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
            strncat(list, sf_neuron_type_at(i)->name, sizeof list - strlen(list) - 1);
        }
        return fail_at(P, &cm, SF_ERR_MODEL, "unknown neuron model '%s' (known: %s)", tname, list);
    }
    if ((st = need(P, &cn)) || (st = get_count(P, &cn, UINT32_MAX, &n)))
        return st;
    if (n < 1)
        return fail_at(P, &cn, SF_ERR_RANGE, "a population needs at least one neuron");
    double ns = nearbyint((double)n * scale_n);
    pop->n = (uint32_t)(ns < 1 ? 1 : ns);
    const sf_neuron_type *t = pop->type;
    pop->params = calloc((size_t)t->n_params, sizeof(double));
    pop->initial = calloc((size_t)t->n_state, sizeof(sf_dist));
    if (!pop->params || !pop->initial)
        return sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
    /* parameters: defaults from the table, then the file */
    const char *pkeys[64];
    for (int i = 0; i < t->n_params; i++) {
        pop->params[i] = t->params[i].def;
        pkeys[i] = t->params[i].name;
    }
    pkeys[t->n_params] = NULL;
    if ((st = check_keys(P, &cp, pkeys)))
        return st;
    for (int i = 0; i < t->n_params; i++) {
        cursor pc = child(&cp, t->params[i].name);
        if (pc.node) {
            const sf_param_spec *ps = &t->params[i];
            double v;
            if ((st = get_num(P, &pc, &v)))
                return st;
            if ((ps->min_open ? !(v > ps->min) : !(v >= ps->min)) || !(v <= ps->max))
                return fail_at(P, &pc, SF_ERR_RANGE, "%s = %g %s is out of range %s%g, %g] %s",
                               ps->name, v, ps->unit, ps->min_open ? "(" : "[", ps->min, ps->max,
                               ps->unit);
            pop->params[i] = v;
        }
    }
    char msg[512];
    if (t->check && !t->check(pop->params, msg, sizeof msg))
        return fail_at(P, cp.node ? &cp : c, SF_ERR_RANGE, "%s", msg);
    /* initial state: resting state unless given */
    const char *skeys[32];
    for (int i = 0; i < t->n_state; i++)
        skeys[i] = t->state_names[i];
    skeys[t->n_state] = NULL;
    if ((st = check_keys(P, &ci, skeys)))
        return st;
    for (int i = 0; i < t->n_state; i++) {
        cursor sc = child(&ci, t->state_names[i]);
        pop->initial[i].kind = SF_DIST_CONST;
        pop->initial[i].a = NAN; /* NaN: keep the model's resting state */
        pop->initial[i].min = -INFINITY;
        pop->initial[i].max = INFINITY;
        if (sc.node && (st = get_dist(P, &sc, &pop->initial[i])))
            return st;
    }
    (void)m;
    return SF_OK;
}

/* Adds the names of the NULL-terminated list add to the NULL-terminated
 * list keys (capacity cap, including the NULL), skipping names it holds. */
static void add_keys(const char **keys, int cap, const char *const *add)
{
    int n = 0;
    while (keys[n])
        n++;
    for (int i = 0; add && add[i]; i++) {
        bool have = false;
        for (int j = 0; j < n; j++)
            have |= strcmp(keys[j], add[i]) == 0;
        if (!have && n + 1 < cap) {
            keys[n++] = add[i];
            keys[n] = NULL;
        }
    }
}

/* The receptor port of a projection or input onto population tgt whose
 * weights lie in [lo, hi]: the one named by the key `receptor` of c, else
 * the neuron type's default. Errors point at the receptor or weight key. */
static sf_status pick_port(parser *P, const cursor *c, const cursor *cw, const sf_population *tgt,
                           double lo, double hi, int *port)
{
    const sf_neuron_type *t = tgt->type;
    cursor cr = child(c, "receptor");
    char list[256] = "";
    for (int i = 0; i < t->n_ports; i++) {
        strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
        strncat(list, t->ports[i].name, sizeof list - strlen(list) - 1);
    }
    if (!cr.node) {
        *port = t->default_port ? t->default_port(lo, hi) : 0;
        if (*port < 0)
            return fail_at(P, cw, SF_ERR_MODEL,
                           "weights onto %s (%s) must not change sign: the sign selects the "
                           "receptor port (%s); add min: 0 or max: 0, or name a receptor",
                           tgt->name, t->name, list);
        return SF_OK;
    }
    const char *name;
    sf_status st = get_str(P, &cr, &name);
    if (st)
        return st;
    if ((*port = sf_receptor_find(t, name)) < 0)
        return fail_at(P, &cr, SF_ERR_MODEL,
                       "neuron model %s of population %s has no receptor '%s' (ports: %s)", t->name,
                       tgt->name, name, list);
    const sf_receptor_port *pt = &t->ports[*port];
    if ((pt->sign > 0 && lo < 0) || (pt->sign < 0 && hi > 0))
        return fail_at(P, cw, SF_ERR_MODEL,
                       "receptor %s of %s (population %s) takes only weights %s 0, but this "
                       "weight can be %g",
                       pt->name, t->name, tgt->name, pt->sign > 0 ? ">=" : "<=",
                       pt->sign > 0 ? lo : hi);
    return SF_OK;
}

static sf_status check_delay(parser *P, const cursor *c, const sf_dist *d, double h)
{
    if (d->kind == SF_DIST_CONST) {
        double s = d->a / h;
        if (!(d->a >= h * (1 - 1e-12)))
            return fail_at(P, c, SF_ERR_RANGE, "delay %g ms is below the resolution %g ms", d->a, h);
        if (fabs(s - nearbyint(s)) > 1e-9 * s)
            return fail_at(P, c, SF_ERR_RANGE, "delay %g ms is not a multiple of the resolution %g ms",
                           d->a, h);
    } else if (!((d->kind == SF_DIST_UNIFORM ? fmax(d->a, d->min) : d->min) >= h * (1 - 1e-12))) {
        return fail_at(P, c, SF_ERR_RANGE,
                       "this delay distribution can draw values below the resolution %g ms; "
                       "add min: %g",
                       h, h);
    }
    double maxd = d->kind == SF_DIST_CONST ? d->a : d->kind == SF_DIST_UNIFORM ? fmin(d->b, d->max) : d->max;
    if (isfinite(maxd) && maxd / h > 60000)
        return fail_at(P, c, SF_ERR_RANGE, "delays above %g ms (60000 steps) are not supported",
                       60000 * h);
    if (!isfinite(maxd))
        return fail_at(P, c, SF_ERR_RANGE,
                       "an unbounded delay distribution needs max: (the largest delay, ms)");
    return SF_OK;
}

static sf_status parse_projection(parser *P, cursor *c, const char *name, sf_model *m,
                                  sf_projection *pr, double scale_k, double scale_n)
{
    const char *keys[64] = {"source", "target", "rule", NULL};
    const char *const more[] = {"autapses", "multapses", "weight", "delay", "synapse", "receptor",
                                NULL};
    for (int i = 0; i < sf_rule_type_count(); i++)
        add_keys(keys, 64, (const char *const[]){sf_rule_type_at(i)->count_key, NULL});
    add_keys(keys, 64, more);
    sf_status st;
    pr->name = xstrdup(name);
    if ((st = check_keys(P, c, keys)))
        return st;
    cursor cs = child(c, "source"), ct = child(c, "target"), cr = child(c, "rule");
    const char *s, *t, *r;
    if ((st = need(P, &cs)) || (st = get_str(P, &cs, &s)) || (st = need(P, &ct)) ||
        (st = get_str(P, &ct, &t)) || (st = need(P, &cr)) || (st = get_str(P, &cr, &r)))
        return st;
    if ((pr->source = sf_model_find_pop(m, s)) < 0)
        return fail_at(P, &cs, SF_ERR_MODEL, "unknown population '%s'", s);
    if ((pr->target = sf_model_find_pop(m, t)) < 0)
        return fail_at(P, &ct, SF_ERR_MODEL, "unknown population '%s'", t);
    char known[512];
    if (!(pr->rule = sf_rule_type_find(r))) {
        sf_rule_type_names(known, sizeof known);
        return fail_at(P, &cr, SF_ERR_MODEL, "unknown rule '%s' (known: %s)", r, known);
    }
    const sf_rule_type *rule = pr->rule;
    cursor csy = child(c, "synapse");
    const char *syn = sf_synapse_static.name;
    if (csy.node && (st = get_str(P, &csy, &syn)))
        return st;
    if (!(pr->synapse = sf_synapse_type_find(syn))) {
        sf_synapse_type_names(known, sizeof known);
        return fail_at(P, &csy, SF_ERR_MODEL, "unknown synapse model '%s' (known: %s)", syn, known);
    }
    cursor ca = child(c, "autapses"), cmu = child(c, "multapses");
    if ((st = get_bool(P, &ca, true, &pr->autapses)) || (st = get_bool(P, &cmu, true, &pr->multapses)))
        return st;
    const sf_population *tgt = &m->pops[pr->target];
    const char *ckey = rule->count_key;
    for (int i = 0; i < sf_rule_type_count(); i++) {
        const char *k = sf_rule_type_at(i)->count_key;
        cursor x = k ? child(c, k) : (cursor){0};
        if (x.node && (!ckey || strcmp(k, ckey)))
            return fail_at(P, &x, SF_ERR_MODEL, "key does not apply to rule %s", rule->name);
    }
    if (ckey) {
        cursor cc = child(c, ckey);
        if ((st = need(P, &cc)))
            return st;
        if (rule->count_is_probability) {
            if ((st = get_range(P, &cc, 0.0, false, 1.0, &pr->p)))
                return st;
        } else {
            uint64_t k;
            if ((st = get_count(P, &cc, UINT64_MAX >> 12, &k)))
                return st;
            double f = rule->count_scales_with_neurons ? scale_k * scale_n : scale_k;
            pr->count = (uint64_t)nearbyint((double)k * f);
            uint64_t lim = rule->max_count ? rule->max_count(m, pr) : UINT64_MAX;
            if (!pr->multapses && pr->count > lim)
                return fail_at(P, &cc, SF_ERR_RANGE,
                               "%s %llu exceeds the %llu possible partners without multapses", ckey,
                               (unsigned long long)pr->count, (unsigned long long)lim);
            if (pr->count > 0 && lim == 0)
                return fail_at(P, &cc, SF_ERR_RANGE, "no possible partners (autapses off, one neuron)");
        }
    }
    char msg[512];
    if (rule->check && !rule->check(m, pr, msg, sizeof msg))
        return fail_at(P, &cr, SF_ERR_MODEL, "%s", msg);
    cursor cw = child(c, "weight"), cd = child(c, "delay");
    if ((st = need(P, &cw)) || (st = get_dist(P, &cw, &pr->weight)))
        return st;
    if (cd.node) {
        if ((st = get_dist(P, &cd, &pr->delay)) || (st = check_delay(P, &cd, &pr->delay, m->sim.resolution)))
            return st;
    } else {
        pr->delay = (sf_dist){SF_DIST_CONST, m->sim.resolution, 0, -INFINITY, INFINITY};
    }
    double lo, hi;
    sf_dist_range(&pr->weight, &lo, &hi);
    return pick_port(P, c, &cw, tgt, lo, hi, &pr->receptor);
}

static sf_status parse_times(parser *P, const cursor *cti, const sf_model *m, sf_input *in)
{
    sf_status st;
    if ((st = need(P, cti)))
        return st;
    if (!fy_node_is_sequence(cti->node))
        return fail_at(P, cti, SF_ERR_MODEL, "expected a list of spike times (ms)");
    int cnt = fy_node_sequence_item_count(cti->node);
    in->times = calloc((size_t)(cnt > 0 ? cnt : 1), sizeof(double));
    if (!in->times)
        return sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
    void *it = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(cti->node, &it))) {
        cursor ic = *cti;
        ic.node = ic.where = item;
        double v;
        if ((st = get_range(P, &ic, m->sim.resolution * (1 - 1e-12), false, INFINITY, &v)))
            return st;
        double s = v / m->sim.resolution;
        if (fabs(s - nearbyint(s)) > 1e-9 * s)
            return fail_at(P, &ic, SF_ERR_RANGE, "spike time %g ms is not on the %g ms grid", v,
                           m->sim.resolution);
        if (in->n_times && v < in->times[in->n_times - 1])
            return fail_at(P, &ic, SF_ERR_RANGE, "spike times must be ascending");
        in->times[in->n_times++] = v;
    }
    return SF_OK;
}

/* An input: kind (a registered input type) and targets, the keys of its
 * type (sf_input_type.keys, read in that order), start/stop for types with
 * an active window, and receptor for weighted types. */
static sf_status parse_input(parser *P, cursor *c, const char *name, sf_model *m, sf_input *in)
{
    const char *keys[64] = {"kind", "targets", NULL};
    for (int i = 0; i < sf_input_type_count(); i++)
        for (const sf_input_key *k = sf_input_type_at(i)->keys; k->key; k++)
            add_keys(keys, 64, (const char *const[]){k->key, NULL});
    add_keys(keys, 64, (const char *const[]){"start", "stop", "receptor", NULL});
    sf_status st;
    in->name = xstrdup(name);
    if ((st = check_keys(P, c, keys)))
        return st;
    cursor ck = child(c, "kind"), ct = child(c, "targets");
    const char *kind;
    if ((st = need(P, &ck)) || (st = get_str(P, &ck, &kind)))
        return st;
    const sf_input_type *type = in->type = sf_input_type_find(kind);
    if (!type) {
        char known[512];
        sf_input_type_names(known, sizeof known);
        return fail_at(P, &ck, SF_ERR_MODEL, "unknown input kind '%s' (known: %s)", kind, known);
    }
    if ((st = get_pop_list(P, &ct, m, &in->targets, &in->n_targets)))
        return st;
    if (!(in->receptor = calloc((size_t)in->n_targets, sizeof(int))))
        return sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
    const char *allowed[64] = {"kind", "targets", NULL};
    for (const sf_input_key *k = type->keys; k->key; k++)
        add_keys(allowed, 64, (const char *const[]){k->key, NULL});
    if (type->window)
        add_keys(allowed, 64, (const char *const[]){"start", "stop", NULL});
    if (type->weighted)
        add_keys(allowed, 64, (const char *const[]){"receptor", NULL});
    if ((st = check_keys(P, c, allowed)))
        return st;
    cursor cs = child(c, "start"), ce = child(c, "stop");
    if ((st = get_num_opt(P, &cs, 0.0, &in->start)) || (st = get_num_opt(P, &ce, INFINITY, &in->stop)))
        return st;
    if (!(in->stop > in->start) || in->start < 0)
        return fail_at(P, &ce, SF_ERR_RANGE, "need 0 <= start < stop (start %g, stop %g)", in->start,
                       in->stop);
    for (const sf_input_key *k = type->keys; k->key; k++) {
        cursor kc = child(c, k->key);
        double *v = (double *)((char *)in + k->offset);
        if (k->required && (st = need(P, &kc)))
            return st;
        switch (k->kind) {
        case SF_KEY_NUMBER:
            if (!kc.node)
                *v = k->def;
            else if (isinf(k->lo) && isinf(k->hi))
                st = get_num(P, &kc, v);
            else
                st = get_range(P, &kc, k->lo, false, k->hi, v);
            break;
        case SF_KEY_DELAY: {
            if ((st = get_num_opt(P, &kc, m->sim.resolution, v)))
                return st;
            sf_dist dd = {SF_DIST_CONST, *v, 0, -INFINITY, INFINITY};
            st = check_delay(P, kc.node ? &kc : c, &dd, m->sim.resolution);
            break;
        }
        case SF_KEY_TIMES:
            assert(k->offset == offsetof(sf_input, times));
            st = parse_times(P, &kc, m, in);
            break;
        case SF_KEY_BOOL:
            st = get_bool(P, &kc, k->def != 0, (bool *)((char *)in + k->offset));
            break;
        }
        if (st)
            return st;
    }
    char msg[512];
    const char *bad = NULL;
    if (type->check && !type->check(m, in, msg, sizeof msg, &bad)) {
        cursor bc = child(c, bad ? bad : "kind");
        return fail_at(P, bc.node ? &bc : c, SF_ERR_RANGE, "%s", msg);
    }
    if (type->weighted) {
        cursor cw = child(c, "weight");
        for (int k = 0; k < in->n_targets; k++)
            if ((st = pick_port(P, c, cw.node ? &cw : c, &m->pops[in->targets[k]], in->weight,
                                in->weight, &in->receptor[k])))
                return st;
    }
    return SF_OK;
}

/* analysis.transfer: {input: NAME or [NAME, ...], frequencies: [Hz, ...]}
 * (docs/model-format.md): marks the named sinusoidal inputs as measured
 * (sf_input.transfer); with frequencies, each input's target neurons are
 * split into as many groups, group g modulated at frequencies[g]
 * (sf_input.freq), so that one run measures every frequency. */
static sf_status parse_transfer(parser *P, const cursor *root, sf_model *m)
{
    cursor a = child(root, "analysis"), ct = child(&a, "transfer");
    if (!ct.node)
        return SF_OK;
    static const char *const keys[] = {"input", "frequencies", NULL};
    sf_status st;
    if (!fy_node_is_mapping(ct.node))
        return fail_at(P, &ct, SF_ERR_MODEL, "expected {input: NAME, frequencies: [Hz, ...]}");
    if ((st = check_keys(P, &ct, keys)))
        return st;
    cursor ci = child(&ct, "input"), cf = child(&ct, "frequencies");
    if ((st = need(P, &ci)))
        return st;
    size_t nf = 0;
    double fr[256];
    if (cf.node) {
        if (!fy_node_is_sequence(cf.node) || fy_node_sequence_item_count(cf.node) < 1 ||
            fy_node_sequence_item_count(cf.node) > 256)
            return fail_at(P, &cf, SF_ERR_MODEL, "expected a list of 1 to 256 frequencies (Hz)");
        void *it = NULL;
        struct fy_node *item;
        while ((item = fy_node_sequence_iterate(cf.node, &it))) {
            cursor ic = cf;
            ic.node = ic.where = item;
            if ((st = get_range(P, &ic, 0.0, true, 0.5e3 / m->sim.resolution, &fr[nf])))
                return st;
            nf++;
        }
    }
    bool seq = fy_node_is_sequence(ci.node);
    void *it = NULL;
    struct fy_node *item = seq ? fy_node_sequence_iterate(ci.node, &it) : ci.node;
    for (; item; item = seq ? fy_node_sequence_iterate(ci.node, &it) : NULL) {
        cursor ic = ci;
        ic.node = ic.where = item;
        const char *name;
        if ((st = get_str(P, &ic, &name)))
            return st;
        sf_input *in = NULL;
        for (int i = 0; i < m->n_inputs; i++)
            if (!strcmp(m->inputs[i].name, name))
                in = &m->inputs[i];
        if (!in)
            return fail_at(P, &ic, SF_ERR_MODEL, "no input named '%s'", name);
        if (in->type != &sf_input_ac_generator &&
            in->type != &sf_input_sinusoidal_poisson_generator)
            return fail_at(P, &ic, SF_ERR_MODEL,
                           "input %s is a %s; the transfer measurement needs an ac_generator or "
                           "a sinusoidal_poisson_generator",
                           name, in->type->name);
        if (nf > 1 && !(in->type == &sf_input_sinusoidal_poisson_generator && in->individual))
            return fail_at(P, &cf, SF_ERR_MODEL,
                           "input %s sends the same %s to all its targets, so it cannot "
                           "modulate groups of them at %zu frequencies: list one frequency, or "
                           "give each frequency its own input and population",
                           name, in->type == &sf_input_ac_generator ? "current" : "spike train",
                           nf);
        if (!nf && !(in->frequency > 0))
            return fail_at(P, &ic, SF_ERR_RANGE,
                           "input %s has frequency %g Hz; the transfer measurement needs a "
                           "frequency > 0 (or list them in frequencies)",
                           name, in->frequency);
        if (in->amplitude == 0)
            return fail_at(P, &ic, SF_ERR_RANGE,
                           "input %s has amplitude 0: nothing to measure the response to", name);
        for (int i = 0; i < m->n_inputs; i++) /* one unit of H per population */
            for (int t = 0; m->inputs[i].transfer && m->inputs[i].type != in->type &&
                            t < m->inputs[i].n_targets; t++)
                for (int u = 0; u < in->n_targets; u++)
                    if (m->inputs[i].targets[t] == in->targets[u])
                        return fail_at(P, &ic, SF_ERR_MODEL,
                                       "inputs %s and %s measure population %s with a %s and a "
                                       "%s; measure one kind per population",
                                       m->inputs[i].name, name, m->pops[in->targets[u]].name,
                                       m->inputs[i].type->name, in->type->name);
        in->transfer = true;
        if (nf) {
            free(in->freq);
            if (!(in->freq = malloc(nf * sizeof *in->freq)))
                return sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
            memcpy(in->freq, fr, nf * sizeof *fr);
            in->n_freq = nf;
        }
    }
    return SF_OK;
}

static sf_status parse_recorder(parser *P, cursor *c, const char *name, sf_model *m, sf_recorder *r)
{
    const char *keys[32] = {"kind", "populations", NULL};
    for (int i = 0; i < sf_recorder_type_count(); i++)
        add_keys(keys, 32, sf_recorder_type_at(i)->keys);
    sf_status st;
    r->name = xstrdup(name);
    if ((st = check_keys(P, c, keys)))
        return st;
    cursor ck = child(c, "kind"), cp = child(c, "populations");
    const char *kind;
    if ((st = need(P, &ck)) || (st = get_str(P, &ck, &kind)))
        return st;
    const sf_recorder_type *type = r->type = sf_recorder_type_find(kind);
    if (!type) {
        char known[512];
        sf_recorder_type_names(known, sizeof known);
        return fail_at(P, &ck, SF_ERR_MODEL, "unknown recorder kind '%s' (known: %s)", kind, known);
    }
    const char *allowed[32] = {"kind", "populations", NULL};
    add_keys(allowed, 32, type->keys);
    if ((st = check_keys(P, c, allowed)))
        return st;
    if (cp.node) {
        if ((st = get_pop_list(P, &cp, m, &r->pops, &r->n_pops)))
            return st;
    } else {
        r->pops = calloc((size_t)m->n_pops, sizeof(int));
        if (!r->pops)
            return sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
        for (int i = 0; i < m->n_pops; i++)
            r->pops[i] = i;
        r->n_pops = m->n_pops;
    }
    if (type->spikes) {
        int kept = 0;
        for (int i = 0; i < r->n_pops; i++) {
            const sf_population *p = &m->pops[r->pops[i]];
            if (p->type->continuous && cp.node)
                return fail_at(P, &cp, SF_ERR_MODEL,
                               "population %s (%s) sends its output every step and has no "
                               "spikes; record it with a voltmeter (variable: %s)",
                               p->name, p->type->name, p->type->state_names[0]);
            if (!p->type->continuous)
                r->pops[kept++] = r->pops[i];
        }
        r->n_pops = kept;
        return SF_OK;
    }
    cursor cn = child(c, "n"), ci = child(c, "interval"), cv = child(c, "variable");
    uint64_t n = 1;
    const char *var = m->pops[r->pops[0]].type->state_names[0];
    if ((cn.node && (st = get_count(P, &cn, UINT32_MAX, &n))) ||
        (st = get_num_opt(P, &ci, m->sim.resolution, &r->interval)) ||
        (cv.node && (st = get_str(P, &cv, &var))))
        return st;
    double s = r->interval / m->sim.resolution;
    if (!(r->interval >= m->sim.resolution * (1 - 1e-12)) || fabs(s - nearbyint(s)) > 1e-9 * s)
        return fail_at(P, &ci, SF_ERR_RANGE, "interval %g ms must be a multiple of the resolution %g ms",
                       r->interval, m->sim.resolution);
    r->n_record = (uint32_t)n;
    r->variable = xstrdup(var);
    for (int i = 0; i < r->n_pops; i++) {
        const sf_population *p = &m->pops[r->pops[i]];
        bool found = false;
        for (int k = 0; k < p->type->n_state; k++)
            found |= strcmp(p->type->state_names[k], var) == 0;
        if (!found)
            return fail_at(P, cv.node ? &cv : c, SF_ERR_MODEL, "model %s of population %s has no state "
                           "variable '%s'", p->type->name, p->name, var);
        if (n > p->n)
            return fail_at(P, &cn, SF_ERR_RANGE, "n = %llu exceeds the size of population %s (%u)",
                           (unsigned long long)n, p->name, p->n);
    }
    return SF_OK;
}

static int map_count(const cursor *c)
{
    return c->node && fy_node_is_mapping(c->node) ? fy_node_mapping_item_count(c->node) : 0;
}

/* Calls fn for every (name, value) of the mapping at c. */
#define FOR_EACH_ENTRY(c, NAME, CUR, BODY)                                                  \
    do {                                                                                   \
        void *it_ = NULL;                                                                  \
        struct fy_node_pair *pr_;                                                          \
        while ((pr_ = fy_node_mapping_iterate((c)->node, &it_))) {                         \
            const char *NAME = fy_node_get_scalar0(fy_node_pair_key(pr_));                 \
            cursor CUR = child((c), NAME ? NAME : "?");                                    \
            CUR.node = fy_node_pair_value(pr_);                                            \
            CUR.where = fy_node_pair_key(pr_);                                             \
            BODY                                                                           \
        }                                                                                  \
    } while (0)

static sf_status parse_root(parser *P, struct fy_node *rootn, sf_model *m)
{
    static const char *const keys[] = {"simulation", "analysis", "scale", "populations",
                                       "projections", "inputs", "recorders", "description", NULL};
    cursor root = {rootn, rootn, ""};
    sf_status st;
    if (!rootn || !fy_node_is_mapping(rootn))
        return fail_at(P, &root, SF_ERR_MODEL, "a model file is a mapping with keys simulation, "
                       "populations, projections, inputs, recorders");
    if ((st = check_keys(P, &root, keys)) || (st = parse_settings(P, &root, m)))
        return st;
    static const char *const skeys[] = {"neurons", "indegree", NULL};
    cursor sc = child(&root, "scale"), sn = child(&sc, "neurons"), sk = child(&sc, "indegree");
    double scale_n, scale_k;
    if ((st = check_keys(P, &sc, skeys)) || (st = get_num_opt(P, &sn, 1.0, &scale_n)) ||
        (st = get_num_opt(P, &sk, 1.0, &scale_k)))
        return st;
    if (!(scale_n > 0 && scale_n <= 1e3))
        return fail_at(P, &sn, SF_ERR_RANGE, "scale must lie in (0, 1000]");
    if (!(scale_k > 0 && scale_k <= 1e3))
        return fail_at(P, &sk, SF_ERR_RANGE, "scale must lie in (0, 1000]");

    cursor cp = child(&root, "populations");
    if ((st = need(P, &cp)))
        return st;
    if (!fy_node_is_mapping(cp.node) || map_count(&cp) == 0)
        return fail_at(P, &cp, SF_ERR_MODEL, "expected a mapping of population names to populations");
    m->pops = calloc((size_t)map_count(&cp), sizeof *m->pops);
    if (!m->pops)
        return sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
    uint64_t gid = 0;
    FOR_EACH_ENTRY(&cp, name, pc, {
        if (!name || sf_model_find_pop(m, name) >= 0)
            return fail_at(P, &pc, SF_ERR_MODEL, "duplicate or empty population name");
        sf_population *pop = &m->pops[m->n_pops++];
        if ((st = parse_population(P, &pc, name, m, pop, scale_n)))
            return st;
        pop->first_gid = gid;
        gid += pop->n;
    });
    if (gid > UINT32_MAX)
        return fail_at(P, &cp, SF_ERR_RANGE, "more than 2^32 - 1 neurons in total");

    cursor cj = child(&root, "projections");
    if (cj.node && !fy_node_is_mapping(cj.node))
        return fail_at(P, &cj, SF_ERR_MODEL, "expected a mapping of projection names to projections");
    m->proj = calloc((size_t)map_count(&cj) + 1, sizeof *m->proj);
    if (!m->proj)
        return sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
    if (cj.node)
        FOR_EACH_ENTRY(&cj, name, pc, {
            sf_projection *pr = &m->proj[m->n_proj++];
            if ((st = parse_projection(P, &pc, name, m, pr, scale_k, scale_n)))
                return st;
        });

    cursor ci = child(&root, "inputs");
    if (ci.node && !fy_node_is_mapping(ci.node))
        return fail_at(P, &ci, SF_ERR_MODEL, "expected a mapping of input names to inputs");
    m->inputs = calloc((size_t)map_count(&ci) + 1, sizeof *m->inputs);
    if (!m->inputs)
        return sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
    if (ci.node)
        FOR_EACH_ENTRY(&ci, name, pc, {
            sf_input *in = &m->inputs[m->n_inputs++];
            if ((st = parse_input(P, &pc, name, m, in)))
                return st;
        });
    if ((st = parse_transfer(P, &root, m)))
        return st;

    cursor cr = child(&root, "recorders");
    if (cr.node && !fy_node_is_mapping(cr.node))
        return fail_at(P, &cr, SF_ERR_MODEL, "expected a mapping of recorder names to recorders");
    m->recorders = calloc((size_t)map_count(&cr) + 1, sizeof *m->recorders);
    if (!m->recorders)
        return sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
    if (cr.node) {
        FOR_EACH_ENTRY(&cr, name, pc, {
            sf_recorder *r = &m->recorders[m->n_recorders++];
            if ((st = parse_recorder(P, &pc, name, m, r)))
                return st;
        });
    } else { /* default: spikes of every population */
        sf_recorder *r = &m->recorders[m->n_recorders++];
        r->name = xstrdup("spikes");
        r->type = &sf_recorder_spike_recorder;
        r->pops = calloc((size_t)m->n_pops, sizeof(int));
        if (!r->name || !r->pops)
            return sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
        for (int i = 0; i < m->n_pops; i++)
            if (!m->pops[i].type->continuous)
                r->pops[r->n_pops++] = i;
    }
    return SF_OK;
}

/* Applies "a.b.c=value" to the document: replaces or adds key c of mapping a.b. */
static sf_status apply_set(parser *P, const char *set)
{
    const char *eq = strchr(set, '=');
    if (!eq || eq == set)
        return sf_fail(P->ctx, SF_ERR_ARG, "%s '%s': expected path=value, e.g. "
                       "populations.E.params.V_th=18", P->set_label, set);
    char path[512];
    size_t plen = (size_t)(eq - set);
    if (plen >= sizeof path)
        return sf_fail(P->ctx, SF_ERR_ARG, "%s '%s': path too long", P->set_label, set);
    memcpy(path, set, plen);
    path[plen] = '\0';
    struct fy_node *node = fy_document_root(P->doc);
    char *save = NULL, *tok = strtok_r(path, ".", &save);
    char walked[512] = "";
    while (tok) {
        char *next = strtok_r(NULL, ".", &save);
        if (!node || !fy_node_is_mapping(node))
            return sf_fail(P->ctx, SF_ERR_ARG, "%s %.*s: '%s' is not a mapping in %s", P->set_label,
                           (int)plen, set, walked[0] ? walked : "the model", P->file);
        struct fy_node_pair *pr = fy_node_mapping_lookup_pair_by_string(node, tok, FY_NT);
        if (!next) {
            struct fy_node *val = fy_node_build_from_string(P->doc, eq + 1, FY_NT);
            if (!val)
                return sf_fail(P->ctx, SF_ERR_ARG, "%s %s: cannot parse the value '%s'", P->set_label,
                               set, eq + 1);
            if (P->n_set < 64) {
                P->set_node[P->n_set] = val;
                P->set_text[P->n_set++] = set;
            }
            if (pr) {
                if (fy_node_pair_set_value(pr, val) != 0)
                    return sf_fail(P->ctx, SF_ERR_ARG, "%s %s: cannot set the value", P->set_label,
                                   set);
            } else {
                struct fy_node *key = fy_node_create_scalar_copy(P->doc, tok, FY_NT);
                if (!key || fy_node_mapping_append(node, key, val) != 0)
                    return sf_fail(P->ctx, SF_ERR_ARG, "%s %s: cannot add the key", P->set_label,
                                   set);
                if (P->n_set < 64) {
                    P->set_node[P->n_set] = key;
                    P->set_text[P->n_set++] = set;
                }
            }
            return SF_OK;
        }
        if (!pr) { /* create the missing mapping; the parser then checks it */
            struct fy_node *key = fy_node_create_scalar_copy(P->doc, tok, FY_NT);
            struct fy_node *map = fy_node_create_mapping(P->doc);
            if (!key || !map || fy_node_mapping_append(node, key, map) != 0)
                return sf_fail(P->ctx, SF_ERR_ARG, "%s %s: cannot add the key", P->set_label, set);
            if (P->n_set < 64) {
                P->set_node[P->n_set] = key;
                P->set_text[P->n_set++] = set;
            }
            pr = fy_node_mapping_lookup_pair_by_string(node, tok, FY_NT);
        }
        node = fy_node_pair_value(pr);
        strncat(walked, walked[0] ? "." : "", sizeof walked - strlen(walked) - 1);
        strncat(walked, tok, sizeof walked - strlen(walked) - 1);
        tok = next;
    }
    return sf_fail(P->ctx, SF_ERR_ARG, "%s '%s': empty path", P->set_label, set);
}

typedef struct {
    char msg[1024];
} diag_buf;

static void diag_out(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    diag_buf *d = user;
    if (d->msg[0] == '\0') {
        size_t n = len < sizeof d->msg - 1 ? len : sizeof d->msg - 1;
        memcpy(d->msg, buf, n);
        d->msg[n] = '\0';
        while (n && (d->msg[n - 1] == '\n' || d->msg[n - 1] == ' '))
            d->msg[--n] = '\0';
    }
}

/* The document (file, string or builder) -> validated model; file is what
 * sf_model_file reports. */
static sf_status parse_document(parser *P, const char *file, sf_model **out)
{
    sf_model *m = calloc(1, sizeof *m);
    if (!m)
        return sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
    m->file = xstrdup(file);
    sf_status st = m->file ? parse_root(P, fy_document_root(P->doc), m)
                           : sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
    if (st) {
        sf_model_destroy(m);
        m = NULL;
    }
    *out = m;
    return st;
}

sf_status sf_model_document_set(sf_context *ctx, struct fy_document *doc, const char *name,
                                const char *caller, const char *set)
{
    parser P = {.ctx = ctx, .file = name, .doc = doc, .no_positions = true, .set_label = caller};
    return apply_set(&P, set);
}

sf_status sf_model_document_parse(sf_context *ctx, struct fy_document *doc, const char *name,
                                  sf_model **out)
{
    parser P = {.ctx = ctx, .file = name, .doc = doc, .no_positions = true, .set_label = "--set"};
    return parse_document(&P, "", out);
}

static sf_status load(sf_context *ctx, const char *text, const char *name, const char *const *sets,
                      int n_sets, sf_model **out)
{
    *out = NULL;
    diag_buf db = {{0}};
    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = diag_out;
    dcfg.user = &db;
    dcfg.colorize = false;
    dcfg.show_source = false;
    struct fy_diag *diag = fy_diag_create(&dcfg);
    struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET | FYPCF_DEFAULT_PARSE | FYPCF_RESOLVE_DOCUMENT, .diag = diag};
    parser P = {.ctx = ctx, .file = name, .set_label = "--set"};
    P.doc = text ? fy_document_build_from_string(&cfg, text, FY_NT)
                 : fy_document_build_from_file(&cfg, name);
    sf_status st = SF_OK;
    sf_model *m = NULL;
    if (!P.doc) {
        if (!text) {
            FILE *f = fopen(name, "r");
            if (!f) {
                st = sf_fail(ctx, SF_ERR_IO, "%s: cannot open: %s", name, strerror(errno));
                goto done;
            }
            int c = fgetc(f);
            int rerr = ferror(f) ? errno : 0; /* e.g. EISDIR: a directory opens */
            fclose(f);
            if (rerr) {
                st = sf_fail(ctx, SF_ERR_IO, "%s: cannot read: %s", name, strerror(rerr));
                goto done;
            }
            if (c == EOF) {
                st = sf_fail(ctx, SF_ERR_PARSE, "%s: the file is empty; a model file needs at least "
                             "the keys simulation and populations", name);
                goto done;
            }
        }
        /* libfyaml's message reads "file:line:col: error: what"; for text in
         * memory its "file" is "<memory-@ADDR-ADDR>", which we replace by name */
        const char *mem_end = strncmp(db.msg, "<memory-@", 9) == 0 ? strchr(db.msg, '>') : NULL;
        st = sf_fail(ctx, SF_ERR_PARSE, "%s", db.msg[0] ? db.msg : "YAML syntax error");
        if (mem_end)
            st = sf_fail(ctx, SF_ERR_PARSE, "%s%s", name, mem_end + 1);
        else if (!strstr(db.msg, name))
            st = sf_fail(ctx, SF_ERR_PARSE, "%s: %s", name, db.msg[0] ? db.msg : "YAML syntax error");
        goto done;
    }
    for (int i = 0; i < n_sets; i++)
        if ((st = apply_set(&P, sets[i])))
            goto done;
    st = parse_document(&P, name, &m);
done:
    if (P.doc)
        fy_document_destroy(P.doc);
    if (diag)
        fy_diag_destroy(diag);
    if (st) {
        sf_model_destroy(m);
        return st;
    }
    *out = m;
    return SF_OK;
}

sf_status sf_model_load(sf_context *ctx, const char *path, const char *const *sets, int n_sets,
                        sf_model **out)
{
    return load(ctx, NULL, path, sets, n_sets, out);
}

sf_status sf_model_load_string(sf_context *ctx, const char *text, const char *name,
                               const char *const *sets, int n_sets, sf_model **out)
{
    return load(ctx, text, name ? name : "<string>", sets, n_sets, out);
}

void sf_model_destroy(sf_model *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->n_pops; i++) {
        free(m->pops[i].name);
        free(m->pops[i].params);
        free(m->pops[i].initial);
    }
    for (int i = 0; i < m->n_proj; i++)
        free(m->proj[i].name);
    for (int i = 0; i < m->n_inputs; i++) {
        free(m->inputs[i].name);
        free(m->inputs[i].targets);
        free(m->inputs[i].receptor);
        free(m->inputs[i].times);
        free(m->inputs[i].freq);
    }
    for (int i = 0; i < m->n_recorders; i++) {
        free(m->recorders[i].name);
        free(m->recorders[i].pops);
        free(m->recorders[i].variable);
    }
    free(m->pops);
    free(m->proj);
    free(m->inputs);
    free(m->recorders);
    free(m->file);
    free(m);
}
