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
#include "lattice/field.h"
#include "learning/learning_impl.h"
#include "theory/ising/ising.h"

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
    int n_set, cap_set;
    struct fy_node **set_node;    /* values that came from --set ...       */
    const char **set_text;        /* ... and the option that gave them     */
} parser;

/* Remembers that node came from `set`, so messages about it name the option
 * (any number of --set options). False when out of memory. */
static bool remember_set(parser *P, struct fy_node *node, const char *set)
{
    if (P->n_set == P->cap_set) {
        int cap = P->cap_set ? 2 * P->cap_set : 16;
        struct fy_node **n = realloc(P->set_node, sizeof *n * (size_t)cap);
        if (n)
            P->set_node = n;
        const char **t = n ? realloc(P->set_text, sizeof *t * (size_t)cap) : NULL;
        if (!t)
            return false;
        P->set_text = t;
        P->cap_set = cap;
    }
    P->set_node[P->n_set] = node;
    P->set_text[P->n_set++] = set;
    return true;
}

static void parser_free(parser *P)
{
    free(P->set_node);
    free(P->set_text);
}

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

/* A number; infinities only where `allow_inf` (bounds, an open end). */
static sf_status get_number(parser *P, const cursor *c, bool allow_inf, double *out)
{
    if (!c->node || !fy_node_is_scalar(c->node))
        return fail_at(P, c, SF_ERR_MODEL, "expected a number, found %s", type_name(c->node));
    const char *s = fy_node_get_scalar0(c->node);
    char *end = NULL;
    errno = 0;
    double v = strtod(s ? s : "", &end);
    if (!s || end == s || *end != '\0' || (errno == ERANGE && isinf(v))) {
        if (s && (!strcmp(s, ".inf") || !strcmp(s, "inf") || !strcmp(s, "+.inf") ||
                  !strcmp(s, ".Inf") || !strcmp(s, ".INF")))
            v = INFINITY;
        else if (s && (!strcmp(s, "-.inf") || !strcmp(s, "-inf") || !strcmp(s, "-.Inf") ||
                       !strcmp(s, "-.INF")))
            v = -INFINITY;
        else if (s && end != s && *end == '\0')
            return fail_at(P, c, SF_ERR_RANGE, "the number '%s' is too large", s);
        else
            return fail_at(P, c, SF_ERR_MODEL, "expected a number, found '%s'", s ? s : "");
    }
    if (isnan(v))
        return fail_at(P, c, SF_ERR_MODEL, "expected a number, found NaN");
    if (isinf(v) && !allow_inf)
        return fail_at(P, c, SF_ERR_RANGE, "expected a finite number, found %s", s);
    *out = v;
    return SF_OK;
}

static sf_status get_num(parser *P, const cursor *c, double *out)
{
    return get_number(P, c, false, out);
}

/* A bound that may be infinite (redraw bounds, the stop of a window). */
static sf_status get_bound_opt(parser *P, const cursor *c, double def, double *out)
{
    if (!c->node) {
        *out = def;
        return SF_OK;
    }
    return get_number(P, c, true, out);
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
    d->negate = false;
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
    static const char *const keys[] = {"distribution", "value", "low", "high", "mean", "std",
                                       "mu", "sigma", "shape", "scale", "negate", "min", "max",
                                       NULL};
    sf_status st = check_keys(P, c, keys);
    const char *kind = NULL;
    cursor k = child(c, "distribution");
    if (st || (st = need(P, &k)) || (st = get_str(P, &k, &kind)))
        return st;
    cursor lo = child(c, "min"), hi = child(c, "max"), neg = child(c, "negate");
    if ((st = get_bound_opt(P, &lo, -INFINITY, &d->min)) ||
        (st = get_bound_opt(P, &hi, INFINITY, &d->max)) ||
        (st = get_bool(P, &neg, false, &d->negate)))
        return st;
    if (neg.node && strcmp(kind, "lognormal") && strcmp(kind, "gamma"))
        return fail_at(P, &neg, SF_ERR_MODEL, "negate applies to the lognormal and gamma "
                       "distributions only");
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
    } else if (!strcmp(kind, "lognormal") || !strcmp(kind, "gamma")) {
        bool ln = kind[0] == 'l';
        cursor a = child(c, ln ? "mu" : "shape"), b = child(c, ln ? "sigma" : "scale");
        d->kind = ln ? SF_DIST_LOGNORMAL : SF_DIST_GAMMA;
        if ((st = need(P, &a)) ||
            (st = ln ? get_num(P, &a, &d->a) : get_range(P, &a, 0.0, true, 1e6, &d->a)) ||
            (st = need(P, &b)) || (st = get_range(P, &b, 0.0, true, INFINITY, &d->b)))
            return st;
        if (!(d->max > d->min))
            return fail_at(P, &hi, SF_ERR_RANGE, "max (%g) must exceed min (%g)", d->max, d->min);
        double mass = sf_dist_mass(d);
        if (!(mass >= 1e-3))
            return fail_at(P, c, SF_ERR_RANGE,
                           "only a fraction %.2g of the %s distribution lies within [min, max]; "
                           "widen the bounds%s",
                           mass, kind, d->negate ? " (they apply to the negated value)" : "");
        return SF_OK;
    } else {
        return fail_at(P, &k, SF_ERR_MODEL,
                       "unknown distribution '%s' (expected constant, uniform, normal, lognormal "
                       "or gamma)",
                       kind);
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

/* Names of populations, projections, inputs and recorders become keys of
 * output files and, for recorders, file names: letters, digits, '_', '-'
 * and '.', starting with a letter or '_', at most 64 characters. So no name
 * can be empty, hold a '/', or be "." or "..", and no output path built from
 * one can leave the output folder. */
static sf_status check_name(parser *P, const cursor *c, const char *what, const char *name)
{
    size_t n = name ? strlen(name) : 0;
    bool ok = n > 0 && n <= 64 && (name[0] == '_' || (name[0] >= 'A' && name[0] <= 'Z') ||
                                   (name[0] >= 'a' && name[0] <= 'z'));
    for (size_t i = 1; ok && i < n; i++) {
        char ch = name[i];
        ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
             ch == '_' || ch == '-' || ch == '.';
    }
    if (ok)
        return SF_OK;
    char shown[80];
    size_t k = 0;
    for (size_t i = 0; name && name[i] && k < sizeof shown - 5; i++)
        k += (unsigned char)name[i] >= 0x20 && (unsigned char)name[i] < 0x7f
                 ? (size_t)snprintf(shown + k, sizeof shown - k, "%c", name[i])
                 : (size_t)snprintf(shown + k, sizeof shown - k, "\\x%02x", (unsigned char)name[i]);
    shown[k < sizeof shown ? k : sizeof shown - 1] = '\0';
    return fail_at(P, c, SF_ERR_MODEL,
                   "%s name '%s' is not allowed: use 1 to 64 letters, digits, '_', '-' or '.', "
                   "starting with a letter or '_'", what, shown);
}

static char *xstrdup(const char *s)
{
    return strdup(s ? s : "");
}

/* nest-devices: targets of an input or populations of a recorder, with
 * subsets of neurons. An item is a population name, NAME[a:b] (neurons a to
 * b-1; a defaults to 0, b to the size), NAME[a:b:s] (every s-th), NAME[i] (one
 * neuron), or {population: NAME, neurons: [i, j, ...]}; c is one item or a
 * list of them. Items of the same population are merged, in the order each
 * population is first named; a neuron named twice is an error. */
typedef struct {
    uint32_t n_pop;  /* population size                          */
    uint8_t *mark;   /* [n_pop] neuron chosen                     */
    uint32_t count;
} pick;

static sf_status pick_add(parser *P, const cursor *c, const sf_population *pop, pick *pk,
                          uint64_t i)
{
    if (i >= pop->n)
        return fail_at(P, c, SF_ERR_RANGE, "neuron %llu is out of range: population %s has %u "
                       "neurons (0 .. %u)", (unsigned long long)i, pop->name, pop->n, pop->n - 1);
    if (pk->mark[i])
        return fail_at(P, c, SF_ERR_MODEL, "neuron %llu of population %s is listed twice (a "
                       "neuron receives an input, or is recorded, once)", (unsigned long long)i,
                       pop->name);
    pk->mark[i] = 1;
    pk->count++;
    return SF_OK;
}

/* Parses "a:b", "a:b:s" or "i" (text between the brackets) into pk. */
static sf_status pick_slice(parser *P, const cursor *c, const sf_population *pop, pick *pk,
                            const char *txt)
{
    long long v[3] = {0, (long long)pop->n, 1};
    bool given[3] = {false, false, false};
    int part = 0;
    const char *s = txt;
    for (;;) {
        while (*s == ' ')
            s++;
        if (*s == ':' || *s == ']' || *s == '\0') {
            /* empty part: default */
        } else {
            char *end;
            errno = 0;
            long long x = strtoll(s, &end, 10);
            if (end == s || errno || x < 0)
                return fail_at(P, c, SF_ERR_MODEL, "expected NAME[a:b] with whole numbers a, b "
                               ">= 0 (or NAME[i]), found '%s'", txt);
            v[part] = x;
            given[part] = true;
            s = end;
            while (*s == ' ')
                s++;
        }
        if (*s == ':' && part < 2) {
            part++;
            s++;
            continue;
        }
        if (*s != '\0')
            return fail_at(P, c, SF_ERR_MODEL, "expected NAME[a:b], NAME[a:b:s] or NAME[i], "
                           "found '[%s]'", txt);
        break;
    }
    if (part == 0) { /* one neuron */
        if (!given[0])
            return fail_at(P, c, SF_ERR_MODEL, "empty neuron index '[]'");
        return pick_add(P, c, pop, pk, (uint64_t)v[0]);
    }
    if (v[2] < 1)
        return fail_at(P, c, SF_ERR_RANGE, "the step of a slice must be at least 1");
    if (v[1] > (long long)pop->n)
        return fail_at(P, c, SF_ERR_RANGE, "slice [%lld:%lld] exceeds population %s (%u neurons)",
                       v[0], v[1], pop->name, pop->n);
    if (v[0] >= v[1])
        return fail_at(P, c, SF_ERR_RANGE, "empty slice [%lld:%lld]", v[0], v[1]);
    for (long long i = v[0]; i < v[1]; i += v[2]) {
        sf_status st = pick_add(P, c, pop, pk, (uint64_t)i);
        if (st)
            return st;
    }
    return SF_OK;
}

static sf_status get_targets(parser *P, const cursor *c, const sf_model *m, int **out,
                             sf_subset **sel, int *n)
{
    *out = NULL;
    *sel = NULL;
    *n = 0;
    if (!c->node)
        return fail_at(P, c, SF_ERR_MODEL, "required key is missing");
    bool list = fy_node_is_sequence(c->node);
    int cap = list ? fy_node_sequence_item_count(c->node) : 1;
    if (cap <= 0)
        return fail_at(P, c, SF_ERR_MODEL, "expected at least one population");
    int *v = calloc((size_t)cap, sizeof *v);
    sf_subset *ss = calloc((size_t)cap, sizeof *ss);
    pick *pk = calloc((size_t)cap, sizeof *pk);
    *out = v;
    *sel = ss;
    sf_status st = SF_OK;
    if (!v || !ss || !pk) {
        free(pk);
        return sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
    }
    void *it = NULL;
    struct fy_node *item = list ? fy_node_sequence_iterate(c->node, &it) : c->node;
    for (; item && !st; item = list ? fy_node_sequence_iterate(c->node, &it) : NULL) {
        cursor ic = *c;
        ic.node = ic.where = item;
        char name[256];
        const char *bracket = NULL;
        cursor nc = ic; /* the neurons list of a mapping item */
        if (fy_node_is_mapping(item)) {
            static const char *const keys[] = {"population", "neurons", NULL};
            cursor pc = child(&ic, "population");
            const char *s;
            nc = child(&ic, "neurons");
            if ((st = check_keys(P, &ic, keys)) || (st = need(P, &pc)) || (st = get_str(P, &pc, &s)) ||
                (st = need(P, &nc)))
                break;
            snprintf(name, sizeof name, "%s", s);
            if (!fy_node_is_sequence(nc.node)) {
                st = fail_at(P, &nc, SF_ERR_MODEL, "expected a list of neuron indices");
                break;
            }
            ic = pc;
        } else {
            const char *s;
            if ((st = get_str(P, &ic, &s)))
                break;
            snprintf(name, sizeof name, "%s", s);
            char *br = strchr(name, '[');
            if (br) {
                size_t L = strlen(br);
                if (L < 2 || br[L - 1] != ']') {
                    st = fail_at(P, &ic, SF_ERR_MODEL, "expected NAME[a:b], found '%s'", s);
                    break;
                }
                br[L - 1] = '\0';
                *br = '\0';
                bracket = br + 1;
            }
        }
        int idx = sf_model_find_pop(m, name);
        if (idx < 0) {
            st = fail_at(P, &ic, SF_ERR_MODEL, "unknown population '%s'", name);
            break;
        }
        const sf_population *pop = &m->pops[idx];
        int k = 0;
        while (k < *n && v[k] != idx)
            k++;
        if (k == *n) {
            v[k] = idx;
            pk[k].n_pop = pop->n;
            if (!(pk[k].mark = calloc(pop->n, 1))) {
                st = sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
                break;
            }
            (*n)++;
        }
        if (fy_node_is_mapping(item)) {
            void *it2 = NULL;
            struct fy_node *ni;
            while (!st && (ni = fy_node_sequence_iterate(nc.node, &it2))) {
                cursor xc = nc;
                xc.node = xc.where = ni;
                uint64_t i = 0;
                if (!(st = get_count(P, &xc, UINT32_MAX, &i)))
                    st = pick_add(P, &xc, pop, &pk[k], i);
            }
        } else if (bracket) {
            st = pick_slice(P, &ic, pop, &pk[k], bracket);
        } else {
            for (uint32_t i = 0; !st && i < pop->n; i++)
                st = pick_add(P, &ic, pop, &pk[k], i);
        }
    }
    for (int k = 0; k < *n; k++) {
        if (!st && pk[k].count < pk[k].n_pop) {
            ss[k].n = pk[k].count;
            if (!(ss[k].idx = malloc(sizeof(uint32_t) * (pk[k].count + 1))))
                st = sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
            uint32_t j = 0;
            for (uint32_t i = 0; !st && i < pk[k].n_pop; i++)
                if (pk[k].mark[i])
                    ss[k].idx[j++] = i;
        } else {
            ss[k].n = pk[k].n_pop;
        }
        free(pk[k].mark);
    }
    free(pk);
    if (!st && *n == 0)
        st = fail_at(P, c, SF_ERR_MODEL, "expected at least one population");
    return st;
}

static void subsets_free(sf_subset *s, int n)
{
    for (int k = 0; s && k < n; k++)
        free(s[k].idx);
    free(s);
}

static sf_status parse_settings(parser *P, const cursor *root, sf_model *m)
{
    static const char *const keys[] = {"resolution", "duration", "seed", "threads", "dense", NULL};
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
    if (!(steps <= (double)SF_MAX_STEPS))
        return fail_at(P, &dur, SF_ERR_RANGE, "duration %g ms at resolution %g ms is %.3g steps, "
                       "more than the engine's limit of 2^52 steps", T, h, steps);
    if (fabs(steps - nearbyint(steps)) > 1e-9 * fmax(1.0, steps))
        return fail_at(P, &dur, SF_ERR_RANGE, "duration %g ms is not a multiple of the resolution %g ms",
                       T, h);
    if (seed.node && (st = get_count(P, &seed, UINT64_MAX >> 1, &sd)))
        return st;
    if (thr.node && (st = get_count(P, &thr, 1024, &nt)))
        return st;
    if (nt < 1)
        return fail_at(P, &thr, SF_ERR_RANGE, "threads must be at least 1");
    cursor cdn = child(&s, "dense");
    const char *dn = "auto";
    if (cdn.node && (st = get_str(P, &cdn, &dn)))
        return st;
    if (strcmp(dn, "auto") && strcmp(dn, "off"))
        return fail_at(P, &cdn, SF_ERR_MODEL, "expected auto or off (dense coupling delivery of "
                       "all-to-all projections from rate populations), found '%s'", dn);
    m->sim.dense_off = !strcmp(dn, "off");
    m->sim.resolution = h;
    m->sim.duration = T;
    m->sim.seed = sd;
    m->sim.threads = (int)nt;

    static const char *const akeys[] = {"start", "bin", "pairs", "spectrum_bin", "spectrum_max",
                                        "transfer", NULL};
    cursor a = child(root, "analysis");
    if ((st = check_keys(P, &a, akeys)))
        return st;
    cursor as = child(&a, "start"), ab = child(&a, "bin"), ap = child(&a, "pairs");
    cursor asb = child(&a, "spectrum_bin"), asm_ = child(&a, "spectrum_max");
    uint64_t pairs = 200;
    if ((st = get_num_opt(P, &as, 0.0, &m->sim.t_analysis)) ||
        (st = get_num_opt(P, &ab, 10.0, &m->sim.bin)) ||
        (ap.node && (st = get_count(P, &ap, 100000000, &pairs))) ||
        (st = get_num_opt(P, &asb, 0.0, &m->sim.spectrum_bin)) ||
        (st = get_num_opt(P, &asm_, INFINITY, &m->sim.spectrum_max)))
        return st;
    if (asb.node && !(m->sim.spectrum_bin >= h * (1 - 1e-12) &&
                      fabs(m->sim.spectrum_bin / h - nearbyint(m->sim.spectrum_bin / h)) <
                          1e-9 * m->sim.spectrum_bin / h))
        return fail_at(P, &asb, SF_ERR_RANGE,
                       "spectrum_bin %g ms must be a whole multiple of the resolution %g ms",
                       m->sim.spectrum_bin, h);
    if (asm_.node && !(m->sim.spectrum_max > 0))
        return fail_at(P, &asm_, SF_ERR_RANGE, "spectrum_max %g Hz must be positive",
                       m->sim.spectrum_max);
    if (m->sim.t_analysis < 0 || m->sim.t_analysis >= T)
        return fail_at(P, &as, SF_ERR_RANGE, "analysis start %g ms must lie in [0, duration)",
                       m->sim.t_analysis);
    if (!(m->sim.bin >= h))
        return fail_at(P, &ab, SF_ERR_RANGE, "bin %g ms must be at least the resolution %g ms",
                       m->sim.bin, h);
    m->sim.corr_pairs = (uint32_t)pairs;

    /* theory: {method: shift | taylor, noise: poisson | renewal}
     * (docs/model-format.md) */
    static const char *const tkeys[] = {"method", "noise", NULL};
    cursor th = child(root, "theory"), tm = child(&th, "method"), tn = child(&th, "noise");
    if ((st = check_keys(P, &th, tkeys)))
        return st;
    m->sim.theory_method = m->sim.theory_noise = 0;
    const char *name;
    if (tm.node) {
        if ((st = get_str(P, &tm, &name)))
            return st;
        if (!strcmp(name, "taylor"))
            m->sim.theory_method = 1;
        else if (strcmp(name, "shift"))
            return fail_at(P, &tm, SF_ERR_MODEL,
                           "unknown theory method '%s' (expected shift or taylor)", name);
    }
    if (tn.node) {
        if ((st = get_str(P, &tn, &name)))
            return st;
        if (!strcmp(name, "renewal"))
            m->sim.theory_noise = 1;
        else if (strcmp(name, "poisson"))
            return fail_at(P, &tn, SF_ERR_MODEL,
                           "unknown theory noise '%s' (expected poisson or renewal)", name);
    }
    return SF_OK;
}

/* In-range parameters can still give propagators that overflow at
 * resolution h (e.g. C_m = 1e-320 pF): prepares them once and refuses
 * values for which one of the type's derived_finite leading doubles is not
 * finite, naming the parameters with their values. */
static sf_status check_propagators(parser *P, const cursor *c, const sf_neuron_type *t,
                                   const double *params, double h)
{
    if (!t->derived_finite)
        return SF_OK;
    assert((size_t)t->derived_finite * sizeof(double) <= t->derived_size);
    double *d = calloc(1, t->derived_size);
    if (!d)
        return sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
    t->prepare(params, h, d);
    bool ok = true;
    for (int i = 0; i < t->derived_finite; i++)
        ok &= isfinite(d[i]) != 0;
    free(d);
    if (ok)
        return SF_OK;
    char list[512] = "";
    for (int i = 0; i < t->n_params; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s = %g%s%s", i ? ", " : "",
                 t->params[i].name, params[i], t->params[i].unit[0] ? " " : "",
                 t->params[i].unit);
    return fail_at(P, c, SF_ERR_RANGE, "%s: these parameters give non-finite propagators at the "
                   "resolution %g ms (a time constant or capacitance too small or too large?): %s",
                   t->name, h, list);
}

/* The parameters of every neuron of a population with heterogeneous
 * parameters, drawn as the builder will draw them: each drawn value within
 * the parameter's range, and the type's check. The error names the
 * parameter, the neuron and its value. */
static sf_status check_neuron_params(parser *P, const cursor *cp, const sf_model *m,
                                     const sf_population *pop)
{
    const sf_neuron_type *t = pop->type;
    double row[64];
    char msg[512];
    int ip = (int)(pop - m->pops);
    for (uint32_t i = 0; i < pop->n; i++) {
        sf_population_neuron_params(m, ip, i, row);
        for (int k = 0; k < t->n_params; k++) {
            const sf_param_spec *ps = &t->params[k];
            double v = row[k];
            if (pop->param_dist[k].kind == SF_DIST_CONST ||
                ((ps->min_open ? v > ps->min : v >= ps->min) && v <= ps->max))
                continue;
            cursor pc = child(cp, ps->name);
            return fail_at(P, &pc, SF_ERR_RANGE,
                           "neuron %u of population %s draws %s = %g %s, out of range %s%g, %g] "
                           "%s; bound the distribution with min/max",
                           i, pop->name, ps->name, v, ps->unit, ps->min_open ? "(" : "[", ps->min,
                           ps->max, ps->unit);
        }
        sf_status st = check_propagators(P, cp, t, row, m->sim.resolution);
        if (st)
            return st;
        if (t->check && !t->check(row, msg, sizeof msg)) {
            char drawn[256] = "";
            for (int k = 0; k < t->n_params; k++)
                if (pop->param_dist[k].kind != SF_DIST_CONST)
                    snprintf(drawn + strlen(drawn), sizeof drawn - strlen(drawn), "%s%s = %g",
                             drawn[0] ? ", " : "", t->params[k].name, row[k]);
            return fail_at(P, cp, SF_ERR_RANGE, "neuron %u of population %s (drawn: %s): %s", i,
                           pop->name, drawn, msg);
        }
    }
    return SF_OK;
}

/* ---- spatial (issue 14, docs/spatial.md): a population's space and a
 * projection's distance profile and conduction delay ------------------- */
static sf_status parse_space(parser *P, const cursor *c, sf_population *pop)
{
    static const char *const keys[] = {"geometry", "extent", "layout", "shape", NULL};
    sf_space *s = &pop->space;
    sf_status st;
    if (!c->node)
        return SF_OK;
    if (!fy_node_is_mapping(c->node))
        return fail_at(P, c, SF_ERR_MODEL, "expected {geometry: ring|torus|sheet, extent: mm, "
                       "layout: grid|random}");
    if ((st = check_keys(P, c, keys)))
        return st;
    cursor cg = child(c, "geometry"), ce = child(c, "extent"), cl = child(c, "layout"),
           csh = child(c, "shape");
    const char *g, *l = "grid";
    if ((st = need(P, &cg)) || (st = get_str(P, &cg, &g)) ||
        (cl.node && (st = get_str(P, &cl, &l))))
        return st;
    if (!strcmp(g, "ring"))
        *s = (sf_space){SF_SPACE_RING, 1, true, false, {1, 1}, {0, 1}};
    else if (!strcmp(g, "torus"))
        *s = (sf_space){SF_SPACE_TORUS, 2, true, false, {1, 1}, {0, 0}};
    else if (!strcmp(g, "sheet"))
        *s = (sf_space){SF_SPACE_SHEET, 2, false, false, {1, 1}, {0, 0}};
    else
        return fail_at(P, &cg, SF_ERR_MODEL, "unknown geometry '%s' (known: ring, torus, sheet)", g);
    if (!strcmp(l, "grid"))
        s->grid = true;
    else if (strcmp(l, "random"))
        return fail_at(P, &cl, SF_ERR_MODEL, "unknown layout '%s' (known: grid, random)", l);
    if (ce.node && fy_node_is_sequence(ce.node)) {
        if (fy_node_sequence_item_count(ce.node) != s->dim)
            return fail_at(P, &ce, SF_ERR_MODEL, "extent of a %s needs %d numbers (mm)", g, s->dim);
        for (int k = 0; k < s->dim; k++) {
            cursor ck = ce;
            ck.node = ck.where = fy_node_sequence_get_by_index(ce.node, k);
            if ((st = get_range(P, &ck, 0, true, 1e6, &s->extent[k])))
                return st;
        }
    } else if (ce.node) {
        if ((st = get_range(P, &ce, 0, true, 1e6, &s->extent[0])))
            return st;
        s->extent[1] = s->dim == 2 ? s->extent[0] : 1;
    }
    if (!s->grid) {
        if (csh.node)
            return fail_at(P, &csh, SF_ERR_MODEL, "shape applies to layout grid only");
        return SF_OK;
    }
    if (s->dim == 1) {
        s->shape[0] = pop->n;
        if (csh.node)
            return fail_at(P, &csh, SF_ERR_MODEL, "a ring's grid has n points; shape is for 2-D");
        return SF_OK;
    }
    if (csh.node) {
        if (!fy_node_is_sequence(csh.node) || fy_node_sequence_item_count(csh.node) != 2)
            return fail_at(P, &csh, SF_ERR_MODEL, "shape is [nx, ny]");
        for (int k = 0; k < 2; k++) {
            cursor ck = csh;
            uint64_t v;
            ck.node = ck.where = fy_node_sequence_get_by_index(csh.node, k);
            if ((st = get_count(P, &ck, UINT32_MAX, &v)))
                return st;
            s->shape[k] = (uint32_t)v;
        }
    } else {
        double q = nearbyint(sqrt((double)pop->n));
        s->shape[0] = s->shape[1] = (uint32_t)q;
    }
    if ((uint64_t)s->shape[0] * s->shape[1] != pop->n)
        return fail_at(P, csh.node ? &csh : c, SF_ERR_MODEL,
                       "a 2-D grid of %u neurons needs shape: [nx, ny] with nx ny = %u (without "
                       "shape, n must be a square)", pop->n, pop->n);
    return SF_OK;
}

/* profile: {kind, width} of a spatial rule; the conduction speed turns the
 * (constant) delay into d = delay + r / speed. */
static sf_status parse_profile(parser *P, const cursor *c, sf_projection *pr)
{
    static const char *const keys[] = {"kind", "width", NULL};
    cursor cp = child(c, "profile"), cv = child(c, "speed");
    sf_status st;
    if (!pr->rule->spatial) {
        if (cp.node || cv.node)
            return fail_at(P, cp.node ? &cp : &cv, SF_ERR_MODEL,
                           "key applies to the spatial rules only (spatial_fixed_indegree, "
                           "spatial_fixed_outdegree, spatial_pairwise_bernoulli)");
        return SF_OK;
    }
    if ((st = need(P, &cp)))
        return st;
    if (!fy_node_is_mapping(cp.node))
        return fail_at(P, &cp, SF_ERR_MODEL, "expected {kind: boxcar|exponential|gaussian, width: mm}");
    if ((st = check_keys(P, &cp, keys)))
        return st;
    cursor ck = child(&cp, "kind"), cw = child(&cp, "width");
    const char *k;
    if ((st = need(P, &ck)) || (st = get_str(P, &ck, &k)) || (st = need(P, &cw)) ||
        (st = get_range(P, &cw, 0, true, 1e6, &pr->profile.width)))
        return st;
    if (!strcmp(k, "boxcar"))
        pr->profile.kind = SF_PROFILE_BOXCAR;
    else if (!strcmp(k, "exponential"))
        pr->profile.kind = SF_PROFILE_EXPONENTIAL;
    else if (!strcmp(k, "gaussian"))
        pr->profile.kind = SF_PROFILE_GAUSSIAN;
    else
        return fail_at(P, &ck, SF_ERR_MODEL, "unknown profile '%s' (known: boxcar, exponential, "
                       "gaussian)", k);
    if (cv.node) {
        if ((st = get_range(P, &cv, 0, true, INFINITY, &pr->profile.speed)))
            return st;
        pr->profile.distance_delay = true;
    }
    return SF_OK;
}

/* After the delay is parsed: d0 and the range of d0 + r / speed. */
static sf_status spatial_delay(parser *P, const cursor *c, const sf_model *m, sf_projection *pr)
{
    if (!pr->profile.distance_delay)
        return SF_OK;
    cursor cd = child(c, "delay"), cv = child(c, "speed");
    if (!sf_dist_is_const(&pr->delay))
        return fail_at(P, &cd, SF_ERR_MODEL, "with speed: the delay is d0 + r / speed; d0 must be "
                       "a number");
    const sf_space *s = &m->pops[pr->source].space;
    double rmax = s->periodic ? 0.5 * hypot(s->extent[0], s->dim == 2 ? s->extent[1] : 0)
                              : hypot(s->extent[0], s->dim == 2 ? s->extent[1] : 0);
    if (pr->profile.kind == SF_PROFILE_BOXCAR)
        rmax = fmin(rmax, pr->profile.width);
    double d0 = pr->delay.a, hi = d0 + rmax / pr->profile.speed, h = m->sim.resolution;
    if (hi / h > 60000)
        return fail_at(P, &cv, SF_ERR_RANGE, "distance delays reach %g ms, above the %g ms (60000 "
                       "steps) supported", hi, 60000 * h);
    pr->profile.d0 = d0;
    if (hi > d0)
        pr->delay = (sf_dist){SF_DIST_UNIFORM, d0, hi, d0, hi, false};
    return SF_OK;
}
/* ---- end spatial ----------------------------------------------------- */

static sf_status parse_population(parser *P, cursor *c, const char *name, sf_model *m,
                                  sf_population *pop, double scale_n)
{
    static const char *const keys[] = {"model", "n", "params", "initial", "space", NULL};
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
    if (ns > (double)UINT32_MAX)
        return fail_at(P, &cn, SF_ERR_RANGE, "n = %llu times scale.neurons = %g gives %.0f neurons, "
                       "more than 2^32 - 1", (unsigned long long)n, scale_n, ns);
    pop->n = (uint32_t)(ns < 1 ? 1 : ns);
    const sf_neuron_type *t = pop->type;
    pop->params = calloc((size_t)t->n_params + 1, sizeof(double));
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
    /* plasticity: NEST's archiving parameter tau_minus, for every type
     * without a parameter of that name */
    bool own_tau_minus = sf_param_index(t, "tau_minus") >= 0;
    if (!own_tau_minus) {
        pkeys[t->n_params] = "tau_minus";
        pkeys[t->n_params + 1] = NULL;
    }
    if ((st = check_keys(P, &cp, pkeys)))
        return st;
    pop->tau_minus = 20.0;
    cursor ctm = child(&cp, "tau_minus");
    if (!own_tau_minus && ctm.node) {
        if ((st = get_number(P, &ctm, false, &pop->tau_minus)))
            return st;
        if (!(pop->tau_minus > 0))
            return fail_at(P, &ctm, SF_ERR_RANGE, "tau_minus = %g ms must be positive",
                           pop->tau_minus);
    }
    for (int i = 0; i < t->n_params; i++) {
        cursor pc = child(&cp, t->params[i].name);
        if (pc.node) {
            const sf_param_spec *ps = &t->params[i];
            double v; /* infinite only where the range reaches it (V_min = -inf) */
            bool flag;
            if (!strcmp(ps->unit, "bool")) { /* a switch: true/false, stored as 1/0 */
                if ((st = get_bool(P, &pc, false, &flag)))
                    return st;
                v = flag ? 1.0 : 0.0;
            } else if (fy_node_is_mapping(pc.node)) { /* drawn per neuron */
                sf_dist d;
                if ((st = get_dist(P, &pc, &d)))
                    return st;
                v = sf_dist_mean(&d);
                if (!sf_dist_is_const(&d)) {
                    if (i == t->v_offset_param)
                        return fail_at(P, &pc, SF_ERR_MODEL,
                                       "%s cannot vary across neurons (the membrane potential of "
                                       "%s is stored relative to it); vary V_th, V_reset or I_e "
                                       "instead",
                                       ps->name, t->name);
                    if (!pop->param_dist && !(pop->param_dist = calloc((size_t)t->n_params,
                                                                       sizeof(sf_dist))))
                        return sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
                    pop->param_dist[i] = d;
                    pop->params[i] = v;
                    continue; /* every neuron's value is checked below */
                }
            } else if ((st = get_number(P, &pc, isinf(ps->min) || isinf(ps->max), &v))) {
                return st;
            }
            if ((ps->min_open ? !(v > ps->min) : !(v >= ps->min)) || !(v <= ps->max))
                return fail_at(P, &pc, SF_ERR_RANGE, "%s = %g %s is out of range %s%g, %g] %s",
                               ps->name, v, ps->unit, ps->min_open ? "(" : "[", ps->min, ps->max,
                               ps->unit);
            pop->params[i] = v;
        }
    }
    if (own_tau_minus) /* a type's own tau_minus serves the spike archive too */
        pop->tau_minus = pop->params[sf_param_index(t, "tau_minus")];
    char msg[512];
    if (t->check && !t->check(pop->params, msg, sizeof msg))
        return fail_at(P, cp.node ? &cp : c, SF_ERR_RANGE, "%s", msg);
    if ((st = check_propagators(P, cp.node ? &cp : c, t, pop->params, m->sim.resolution)))
        return st;
    if (pop->param_dist && (st = check_neuron_params(P, &cp, m, pop)))
        return st;
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
    cursor csp = child(c, "space"); /* spatial (issue 14) */
    return parse_space(P, &csp, pop);
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

/* plasticity: synapse: NAME, or synapse: {model: NAME, <parameter>: value,
 * ...} with the parameters of the type's table (docs/model-format.md). */
static sf_status parse_synapse(parser *P, cursor *csy, sf_projection *pr)
{
    sf_status st;
    char known[512];
    const char *syn = sf_synapse_static.name;
    cursor cm = *csy;
    bool map = csy->node && fy_node_is_mapping(csy->node);
    if (map) {
        cm = child(csy, "model");
        if ((st = need(P, &cm)))
            return st;
    }
    if (cm.node && (st = get_str(P, &cm, &syn)))
        return st;
    const sf_synapse_type *t = pr->synapse = sf_synapse_type_find(syn);
    if (!t) {
        sf_synapse_type_names(known, sizeof known);
        return fail_at(P, &cm, SF_ERR_MODEL, "unknown synapse model '%s' (known: %s)", syn, known);
    }
    if (t->n_params && !(pr->syn_params = calloc((size_t)t->n_params, sizeof(double))))
        return sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
    const char *keys[64] = {"model", NULL};
    for (int i = 0; i < t->n_params && i < 62; i++) {
        pr->syn_params[i] = t->params[i].def;
        keys[i + 1] = t->params[i].name;
        keys[i + 2] = NULL;
    }
    if (!map)
        return SF_OK;
    if ((st = check_keys(P, csy, keys)))
        return st;
    for (int i = 0; i < t->n_params; i++) {
        cursor pc = child(csy, t->params[i].name);
        if (!pc.node)
            continue;
        const sf_param_spec *ps = &t->params[i];
        double v;
        if ((st = get_number(P, &pc, isinf(ps->min) || isinf(ps->max), &v)))
            return st;
        if ((ps->min_open ? !(v > ps->min) : !(v >= ps->min)) || !(v <= ps->max))
            return fail_at(P, &pc, SF_ERR_RANGE, "%s = %g %s is out of range %s%g, %g] %s of %s",
                           ps->name, v, ps->unit, ps->min_open ? "(" : "[", ps->min, ps->max,
                           ps->unit, t->name);
        pr->syn_params[i] = v;
    }
    return SF_OK;
}

static sf_status parse_projection(parser *P, cursor *c, const char *name, sf_model *m,
                                  sf_projection *pr, double scale_k, double scale_n)
{
    const char *keys[64] = {"source", "target", "rule", NULL};
    const char *const more[] = {"autapses", "multapses", "weight", "delay", "synapse", "receptor",
                                "profile", "speed", NULL};
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
    if ((st = parse_synapse(P, &csy, pr)))
        return st;
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
    if ((st = parse_profile(P, c, pr))) /* spatial (issue 14) */
        return st;
    if (rule->check && !rule->check(m, pr, msg, sizeof msg))
        return fail_at(P, &cr, SF_ERR_MODEL, "%s", msg);
    cursor cw = child(c, "weight"), cd = child(c, "delay");
    if ((st = need(P, &cw)) || (st = get_dist(P, &cw, &pr->weight)))
        return st;
    if (cd.node) {
        if ((st = get_dist(P, &cd, &pr->delay)) || (st = check_delay(P, &cd, &pr->delay, m->sim.resolution)))
            return st;
    } else {
        pr->delay = (sf_dist){SF_DIST_CONST, m->sim.resolution, 0, -INFINITY, INFINITY, false};
    }
    if ((st = spatial_delay(P, c, m, pr))) /* spatial (issue 14) */
        return st;
    double lo, hi;
    sf_dist_range(&pr->weight, &lo, &hi);
    if (pr->synapse->check && !pr->synapse->check(pr->syn_params, pr, msg, sizeof msg))
        return fail_at(P, csy.node ? &csy : c, SF_ERR_RANGE, "%s", msg);
    if (pr->synapse->target_type && strcmp(tgt->type->name, pr->synapse->target_type))
        return fail_at(P, csy.node ? &csy : c, SF_ERR_MODEL,
                       "%s needs target neurons of type %s (population '%s' is %s)",
                       pr->synapse->name, pr->synapse->target_type, tgt->name, tgt->type->name);
    return pick_port(P, c, &cw, tgt, lo, hi, &pr->receptor);
}

static sf_status parse_times(parser *P, const cursor *cti, const sf_model *m, sf_input *in,
                             const char *key)
{
    sf_status st;
    if ((st = need(P, cti)))
        return st;
    if (!fy_node_is_sequence(cti->node))
        return fail_at(P, cti, SF_ERR_MODEL, "expected a list of times (ms)");
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
        if (!(s <= (double)SF_MAX_STEPS))
            return fail_at(P, &ic, SF_ERR_RANGE, "spike time %g ms is beyond the engine's limit of "
                           "2^52 steps", v);
        if (fabs(s - nearbyint(s)) > 1e-9 * s)
            return fail_at(P, &ic, SF_ERR_RANGE, "%s: time %g ms is not on the %g ms grid", key, v,
                           m->sim.resolution);
        if (in->n_times && v < in->times[in->n_times - 1])
            return fail_at(P, &ic, SF_ERR_RANGE, "%s must be ascending (%g after %g ms)", key, v,
                           in->times[in->n_times - 1]);
        in->times[in->n_times++] = v;
    }
    return SF_OK;
}

/* nest-devices: a list of numbers in [k->lo, k->hi] -> in->values. */
static sf_status parse_values(parser *P, const cursor *c, sf_input *in, const sf_input_key *k)
{
    sf_status st;
    if ((st = need(P, c)))
        return st;
    if (!fy_node_is_sequence(c->node))
        return fail_at(P, c, SF_ERR_MODEL, "expected a list of numbers");
    int cnt = fy_node_sequence_item_count(c->node);
    if (!(in->values = calloc((size_t)(cnt > 0 ? cnt : 1), sizeof(double))))
        return sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
    void *it = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(c->node, &it))) {
        cursor ic = *c;
        ic.node = ic.where = item;
        double v;
        if ((st = isinf(k->lo) && isinf(k->hi) ? get_num(P, &ic, &v)
                                               : get_range(P, &ic, k->lo, false, k->hi, &v)))
            return st;
        in->values[in->n_values++] = v;
    }
    return SF_OK;
}

/* A spike time on the grid, >= one step (ms); what names the value. */
static bool grid_time(double v, double h)
{
    double s = v / h;
    return v >= h * (1 - 1e-12) && fabs(s - nearbyint(s)) <= 1e-9 * s;
}

/* nest-devices: per-neuron trains, a list (one per target neuron, in
 * target order) of lists of ascending times. */
static sf_status parse_trains(parser *P, const cursor *c, const sf_model *m, sf_input *in)
{
    if (!fy_node_is_sequence(c->node))
        return fail_at(P, c, SF_ERR_MODEL, "expected a list of spike-time lists, one per target "
                       "neuron");
    uint64_t n = (uint64_t)fy_node_sequence_item_count(c->node);
    if (n != in->n_neurons)
        return fail_at(P, c, SF_ERR_MODEL, "%llu spike trains for %llu target neurons (one list "
                       "per target neuron, in target order)", (unsigned long long)n,
                       (unsigned long long)in->n_neurons);
    size_t total = 0;
    void *it = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(c->node, &it)))
        total += fy_node_is_sequence(item) ? (size_t)fy_node_sequence_item_count(item) : 0;
    free(in->times);
    in->times = malloc(sizeof(double) * (total + 1));
    in->train = malloc(sizeof(size_t) * (n + 1));
    if (!in->times || !in->train)
        return sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
    in->n_times = 0;
    it = NULL;
    uint64_t j = 0;
    while ((item = fy_node_sequence_iterate(c->node, &it))) {
        cursor ic = *c;
        ic.node = ic.where = item;
        snprintf(ic.path, sizeof ic.path, "%s[%llu]", c->path, (unsigned long long)j);
        if (!fy_node_is_sequence(item))
            return fail_at(P, &ic, SF_ERR_MODEL, "expected a list of spike times (ms)");
        in->train[j++] = in->n_times;
        size_t first = in->n_times;
        void *it2 = NULL;
        struct fy_node *t;
        while ((t = fy_node_sequence_iterate(item, &it2))) {
            cursor tc = ic;
            tc.node = tc.where = t;
            double v;
            sf_status st = get_num(P, &tc, &v);
            if (st)
                return st;
            if (!grid_time(v, m->sim.resolution))
                return fail_at(P, &tc, SF_ERR_RANGE, "spike time %g ms is not on the %g ms grid "
                               "(or below one step)", v, m->sim.resolution);
            if (in->n_times > first && v < in->times[in->n_times - 1])
                return fail_at(P, &tc, SF_ERR_RANGE, "spike times must be ascending (%g after %g "
                               "ms)", v, in->times[in->n_times - 1]);
            in->times[in->n_times++] = v;
        }
    }
    in->train[j] = in->n_times;
    return SF_OK;
}

/* Orders spikes by node, then time (for qsort). */
typedef struct {
    uint64_t id;
    double t;
} node_spike;
static int node_spike_cmp(const void *a, const void *b)
{
    const node_spike *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->t < y->t ? -1 : x->t > y->t;
}

/* nest-devices: per-neuron trains from a SONATA spike file: node id j of
 * group /spikes/<population> drives target neuron j (in target order). */
static sf_status parse_spike_file(parser *P, const cursor *c, const sf_model *m, sf_input *in)
{
    const char *path = NULL, *group = NULL;
    sf_status st;
    cursor where = *c;
    if (fy_node_is_mapping(c->node)) {
        static const char *const keys[] = {"path", "population", NULL};
        cursor cp = child(c, "path"), cg = child(c, "population");
        if ((st = check_keys(P, c, keys)) || (st = need(P, &cp)) || (st = get_str(P, &cp, &path)) ||
            (cg.node && (st = get_str(P, &cg, &group))))
            return st;
        where = cp;
    } else if ((st = get_str(P, c, &path))) {
        return st;
    }
    if (!group) {
        if (in->n_targets != 1)
            return fail_at(P, c, SF_ERR_MODEL, "with several target populations, give the group "
                           "of the file: {path: FILE, population: NAME}");
        group = m->pops[in->targets[0]].name;
    }
    char full[4096];
    const char *slash = strrchr(P->file, '/');
    if (path[0] != '/' && slash && !P->no_positions)
        snprintf(full, sizeof full, "%.*s/%s", (int)(slash - P->file), P->file, path);
    else
        snprintf(full, sizeof full, "%s", path);
    double *t = NULL;
    uint64_t *id = NULL;
    size_t n = 0;
    char msg[512];
    if (!sf_sonata_read_spikes(full, group, &t, &id, &n, msg, sizeof msg))
        return fail_at(P, &where, SF_ERR_IO, "%s", msg);
    node_spike *ns = malloc(sizeof *ns * (n + 1));
    free(in->times);
    in->times = malloc(sizeof(double) * (n + 1));
    in->train = calloc(in->n_neurons + 1, sizeof(size_t));
    st = SF_OK;
    if (!ns || !in->times || !in->train)
        st = sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
    for (size_t i = 0; !st && i < n; i++) {
        if (id[i] >= in->n_neurons)
            st = fail_at(P, &where, SF_ERR_RANGE, "%s: /spikes/%s/node_ids[%zu] = %llu, but the "
                         "input has %llu target neurons", full, group, i,
                         (unsigned long long)id[i], (unsigned long long)in->n_neurons);
        else if (!grid_time(t[i], m->sim.resolution))
            st = fail_at(P, &where, SF_ERR_RANGE, "%s: /spikes/%s/timestamps[%zu] = %g ms is not "
                         "on the %g ms grid (or below one step)", full, group, i, t[i],
                         m->sim.resolution);
        else
            ns[i] = (node_spike){id[i], t[i]};
    }
    if (!st) {
        qsort(ns, n, sizeof *ns, node_spike_cmp);
        for (size_t i = 0; i < n; i++) {
            in->times[i] = ns[i].t;
            in->train[ns[i].id + 1]++;
        }
        for (uint64_t j = 0; j < in->n_neurons; j++)
            in->train[j + 1] += in->train[j];
        in->n_times = n;
    }
    free(ns);
    free(t);
    free(id);
    return st;
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
    if ((st = get_targets(P, &ct, m, &in->targets, &in->sel, &in->n_targets)))
        return st;
    if (!(in->receptor = calloc((size_t)in->n_targets, sizeof(int))))
        return sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
    in->n_neurons = 0;
    for (int k = 0; k < in->n_targets; k++) {
        in->n_neurons += in->sel[k].n;
        if (in->sel[k].idx && !type->subsets)
            return fail_at(P, &ct, SF_ERR_MODEL, "input kind %s drives whole populations only, "
                           "not a subset of %s", type->name, m->pops[in->targets[k]].name);
    }
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
    if ((st = get_num_opt(P, &cs, 0.0, &in->start)) || (st = get_bound_opt(P, &ce, INFINITY, &in->stop)))
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
        case SF_KEY_DELAY: { /* lo: the smallest delay in steps (0 or 1) */
            if ((st = get_num_opt(P, &kc, isnan(k->def) ? m->sim.resolution : k->def, v)))
                return st;
            if (k->lo == 0 && *v == 0)
                break;
            sf_dist dd = {SF_DIST_CONST, *v, 0, -INFINITY, INFINITY, false};
            st = check_delay(P, kc.node ? &kc : c, &dd, m->sim.resolution);
            break;
        }
        case SF_KEY_TIMES:
            assert(k->offset == offsetof(sf_input, times));
            if (kc.node || k->required)
                st = parse_times(P, &kc, m, in, k->key);
            break;
        case SF_KEY_VALUES:
            assert(k->offset == offsetof(sf_input, values));
            if (kc.node || k->required)
                st = parse_values(P, &kc, in, k);
            break;
        case SF_KEY_STEP: {
            double h = m->sim.resolution, def = isnan(k->def) ? k->lo * h : k->def;
            if ((st = get_num_opt(P, &kc, def, v)))
                return st;
            double q = *v / h;
            if (!(*v > 0))
                st = fail_at(P, kc.node ? &kc : c, SF_ERR_RANGE, "%s = %g ms must be positive",
                             k->key, *v);
            else if (q < 1 - 1e-9 || fabs(q - nearbyint(q)) > 1e-9 * q)
                st = fail_at(P, kc.node ? &kc : c, SF_ERR_RANGE,
                             "%s = %g ms is not a multiple of the resolution %g ms", k->key, *v, h);
            break;
        }
        case SF_KEY_TRAINS:
        case SF_KEY_FILE:
            if (kc.node && (in->times || in->train))
                st = fail_at(P, &kc, SF_ERR_MODEL, "give one of times, trains and file");
            else if (kc.node)
                st = k->kind == SF_KEY_TRAINS ? parse_trains(P, &kc, m, in)
                                              : parse_spike_file(P, &kc, m, in);
            break;
        case SF_KEY_DIST:
            in->dist = (sf_dist){SF_DIST_CONST, k->def, 0, -INFINITY, INFINITY, false};
            if (!kc.node || !fy_node_is_mapping(kc.node)) { /* a number, as SF_KEY_NUMBER */
                *v = k->def;
                if (kc.node && (st = get_range(P, &kc, k->lo, false, k->hi, v)))
                    return st;
                in->dist.a = *v;
                break;
            }
            if ((st = get_dist(P, &kc, &in->dist)))
                return st;
            *v = sf_dist_mean(&in->dist);
            double lo, hi;
            sf_dist_range(&in->dist, &lo, &hi);
            if (!(lo >= k->lo && hi <= k->hi))
                return fail_at(P, &kc, SF_ERR_RANGE,
                               "this distribution of %s can draw values outside [%g, %g]; bound it "
                               "with min/max", k->key, k->lo, k->hi);
            break;
        case SF_KEY_BOOL:
            st = get_bool(P, &kc, k->def != 0, (bool *)((char *)in + k->offset));
            break;
        }
        if (st)
            return st;
    }
    for (const sf_input_key *k = type->keys; k->key; k++) { /* values go with times */
        cursor kc = child(c, k->key);
        if (k->kind == SF_KEY_VALUES && in->n_values != in->n_times) {
            const char *tk = "times";
            for (const sf_input_key *q = type->keys; q->key; q++)
                if (q->kind == SF_KEY_TIMES)
                    tk = q->key;
            return fail_at(P, kc.node ? &kc : c, SF_ERR_MODEL, "%s has %zu entries but %s has "
                           "%zu: one value per time", k->key, in->n_values, tk, in->n_times);
        }
    }
    char msg[512];
    const char *bad = NULL;
    if (type->check && !type->check(m, in, msg, sizeof msg, &bad)) {
        cursor bc = child(c, bad ? bad : "kind");
        return fail_at(P, bc.node ? &bc : c, SF_ERR_RANGE, "%s", msg);
    }
    for (int k = 0; type->current && k < in->n_targets; k++)
        if (m->pops[in->targets[k]].type->no_current)
            return fail_at(P, &ct, SF_ERR_MODEL, "population %s (%s) takes no current; a %s "
                           "cannot target it", m->pops[in->targets[k]].name,
                           m->pops[in->targets[k]].type->name, type->name);
    if (type->weighted) {
        cursor cw = child(c, "weight");
        for (int k = 0; k < in->n_targets; k++)
            if ((st = pick_port(P, c, cw.node ? &cw : c, &m->pops[in->targets[k]], in->weight,
                                in->weight, &in->receptor[k])))
                return st;
    }
    return SF_OK;
}

/* nest-devices: start/stop of a recorder, on the grid, 0 <= start < stop. */
static sf_status parse_window(parser *P, const cursor *c, const sf_model *m, double *start,
                              double *stop)
{
    cursor cs = child(c, "start"), ce = child(c, "stop");
    sf_status st;
    if ((st = get_num_opt(P, &cs, 0.0, start)) || (st = get_num_opt(P, &ce, INFINITY, stop)))
        return st;
    if (!(*stop > *start) || *start < 0)
        return fail_at(P, ce.node ? &ce : &cs, SF_ERR_RANGE, "need 0 <= start < stop (start %g, "
                       "stop %g)", *start, *stop);
    double h = m->sim.resolution;
    for (int i = 0; i < 2; i++) {
        double v = i ? *stop : *start, q = v / h;
        if (isfinite(v) && fabs(q - nearbyint(q)) > 1e-9 * fmax(1.0, q))
            return fail_at(P, i ? &ce : &cs, SF_ERR_RANGE, "%s = %g ms is not a multiple of the "
                           "resolution %g ms", i ? "stop" : "start", v, h);
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

static bool same_subset(const sf_subset *a, const sf_subset *b)
{
    if (a->n != b->n || !a->idx != !b->idx)
        return false;
    return !a->idx || !memcmp(a->idx, b->idx, sizeof(uint32_t) * a->n);
}

/* plasticity: weight_recorder's projections: [NAME, ...] (every plastic
 * projection when absent); each must have a plastic synapse type. */
static sf_status parse_weight_projections(parser *P, cursor *c, const sf_model *m, sf_recorder *r)
{
    cursor cp = child(c, "projections");
    if (cp.node && (!fy_node_is_sequence(cp.node) || fy_node_sequence_item_count(cp.node) < 1))
        return fail_at(P, &cp, SF_ERR_MODEL, "expected a list of projection names, e.g. [EE]");
    if (!(r->projs = calloc((size_t)m->n_proj + 1, sizeof(int))))
        return sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
    if (!cp.node) {
        for (int i = 0; i < m->n_proj; i++)
            if (m->proj[i].synapse->plastic)
                r->projs[r->n_projs++] = i;
        if (!r->n_projs)
            return fail_at(P, c, SF_ERR_MODEL, "no projection has a plastic synapse model to record");
        return SF_OK;
    }
    void *it = NULL;
    int cnt = fy_node_sequence_item_count(cp.node);
    for (int k = 0; k < cnt; k++) {
        cursor vc = cp;
        vc.node = vc.where = fy_node_sequence_iterate(cp.node, &it);
        const char *nm;
        sf_status st;
        if ((st = get_str(P, &vc, &nm)))
            return st;
        int i = 0;
        while (i < m->n_proj && strcmp(m->proj[i].name, nm))
            i++;
        if (i == m->n_proj)
            return fail_at(P, &vc, SF_ERR_MODEL, "unknown projection '%s'", nm);
        if (!m->proj[i].synapse->plastic)
            return fail_at(P, &vc, SF_ERR_MODEL, "projection %s has synapse model %s, whose "
                           "weights do not change; give a plastic one (e.g. stdp_synapse)", nm,
                           m->proj[i].synapse->name);
        for (int j = 0; j < r->n_projs; j++)
            if (r->projs[j] == i)
                return fail_at(P, &vc, SF_ERR_MODEL, "projection %s is listed twice", nm);
        for (const sf_recorder *o = m->recorders; o < r; o++)
            for (int j = 0; o->type->weights && j < o->n_projs; j++)
                if (o->projs[j] == i)
                    return fail_at(P, &vc, SF_ERR_MODEL, "projection %s is recorded by weight "
                                   "recorder %s already", nm, o->name);
        r->projs[r->n_projs++] = i;
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
        if ((st = get_targets(P, &cp, m, &r->pops, &r->sel, &r->n_pops)))
            return st;
    } else {
        r->pops = calloc((size_t)m->n_pops, sizeof(int));
        r->sel = calloc((size_t)m->n_pops, sizeof(sf_subset));
        if (!r->pops || !r->sel)
            return sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
        for (int i = 0; i < m->n_pops; i++) {
            r->pops[i] = i;
            r->sel[i].n = m->pops[i].n;
        }
        r->n_pops = m->n_pops;
    }
    if ((st = parse_window(P, c, m, &r->start, &r->stop)))
        return st;
    if (type->weights)
        return parse_weight_projections(P, c, m, r);
    if (type->spikes) {
        int kept = 0;
        for (int i = 0; i < r->n_pops; i++) {
            const sf_population *p = &m->pops[r->pops[i]];
            if (p->type->continuous && cp.node)
                return fail_at(P, &cp, SF_ERR_MODEL,
                               "population %s (%s) sends its output every step and has no "
                               "spikes; record it with a voltmeter (variable: %s)",
                               p->name, p->type->name, p->type->state_names[0]);
            if (p->type->continuous) {
                free(r->sel[i].idx);
                continue;
            }
            r->sel[kept] = r->sel[i];
            r->pops[kept++] = r->pops[i];
        }
        r->n_pops = kept;
        /* spikes of a population are stored once: every spike recorder of
         * it must record the same neurons in the same window */
        for (const sf_recorder *o = m->recorders; o < r; o++)
            for (int a = 0; o->type->spikes && a < o->n_pops; a++)
                for (int b = 0; b < r->n_pops; b++)
                    if (o->pops[a] == r->pops[b] &&
                        (!same_subset(&o->sel[a], &r->sel[b]) || o->start != r->start ||
                         o->stop != r->stop))
                        return fail_at(P, cp.node ? &cp : c, SF_ERR_MODEL,
                                       "population %s is recorded by spike recorder %s with other "
                                       "neurons or another window; one set of spikes is kept "
                                       "per population", m->pops[r->pops[b]].name, o->name);
        return SF_OK;
    }
    cursor cn = child(c, "n"), ci = child(c, "interval"), cv = child(c, "variable"),
           cf = child(c, "record_from"), cq = child(c, "precision");
    uint64_t n = 0;
    if ((cn.node && (st = get_count(P, &cn, UINT32_MAX, &n))) ||
        (st = get_num_opt(P, &ci, m->sim.resolution, &r->interval)))
        return st;
    double s = r->interval / m->sim.resolution;
    if (!(r->interval >= m->sim.resolution * (1 - 1e-12)) || fabs(s - nearbyint(s)) > 1e-9 * s)
        return fail_at(P, &ci, SF_ERR_RANGE, "interval %g ms must be a multiple of the resolution %g ms",
                       r->interval, m->sim.resolution);
    if (cq.node) {
        const char *q;
        if ((st = get_str(P, &cq, &q)))
            return st;
        if (strcmp(q, "float32") && strcmp(q, "float64"))
            return fail_at(P, &cq, SF_ERR_MODEL, "expected float32 or float64, found '%s'", q);
        r->f64 = !strcmp(q, "float64");
    }
    /* the variables: record_from (a list), or variable (one), or the
     * type's first state variable (voltmeter) */
    if (cv.node && cf.node)
        return fail_at(P, &cv, SF_ERR_MODEL, "give record_from or variable, not both");
    int nv = cf.node && fy_node_is_sequence(cf.node) ? fy_node_sequence_item_count(cf.node) : 1;
    if (cf.node && (!fy_node_is_sequence(cf.node) || nv < 1))
        return fail_at(P, &cf, SF_ERR_MODEL, "expected a list of state variables, e.g. [V_m]");
    if (!cf.node && !cv.node && type == &sf_recorder_multimeter)
        return fail_at(P, c, SF_ERR_MODEL, "a multimeter needs record_from: [VARIABLE, ...]");
    if (!(r->vars = calloc((size_t)nv, sizeof(char *))))
        return sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
    void *it = NULL;
    for (int v = 0; v < nv; v++) {
        cursor vc = cf.node ? cf : cv;
        const char *var = m->pops[r->pops[0]].type->state_names[0];
        if (cf.node) {
            vc.node = vc.where = fy_node_sequence_iterate(cf.node, &it);
            if ((st = get_str(P, &vc, &var)))
                return st;
        } else if (cv.node && (st = get_str(P, &cv, &var))) {
            return st;
        }
        for (int u = 0; u < v; u++)
            if (!strcmp(r->vars[u], var))
                return fail_at(P, &vc, SF_ERR_MODEL, "variable '%s' is listed twice", var);
        if (!(r->vars[r->n_vars++] = xstrdup(var)))
            return sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
        for (int i = 0; i < r->n_pops; i++) {
            const sf_neuron_type *t = m->pops[r->pops[i]].type;
            bool found = false;
            char list[512] = "";
            for (int k = 0; k < t->n_state; k++) {
                found |= strcmp(t->state_names[k], var) == 0;
                strncat(list, k ? ", " : "", sizeof list - strlen(list) - 1);
                strncat(list, t->state_names[k], sizeof list - strlen(list) - 1);
            }
            if (!found)
                return fail_at(P, vc.node ? &vc : c, SF_ERR_MODEL, "model %s of population %s has "
                               "no state variable '%s' (state variables: %s)", t->name,
                               m->pops[r->pops[i]].name, var, list);
        }
    }
    r->variable = xstrdup(r->vars[0]);
    /* n: the first n neurons of each population; a voltmeter without n or a
     * subset records the first neuron (as before); else the subsets */
    bool subset = false;
    for (int i = 0; i < r->n_pops; i++)
        subset |= r->sel[i].idx != NULL;
    if (cn.node && subset)
        return fail_at(P, &cn, SF_ERR_MODEL, "give n or a subset of neurons in populations, not both");
    if (!cn.node && !subset && type == &sf_recorder_voltmeter)
        n = 1;
    if (cn.node || (!subset && type == &sf_recorder_voltmeter)) {
        for (int i = 0; i < r->n_pops; i++) {
            const sf_population *p = &m->pops[r->pops[i]];
            if (n > p->n)
                return fail_at(P, &cn, SF_ERR_RANGE, "n = %llu exceeds the size of population %s (%u)",
                               (unsigned long long)n, p->name, p->n);
            if (n == p->n)
                continue;
            r->sel[i].n = (uint32_t)n;
            if (!(r->sel[i].idx = malloc(sizeof(uint32_t) * (n + 1))))
                return sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
            for (uint32_t j = 0; j < n; j++)
                r->sel[i].idx[j] = j;
        }
    }
    r->n_record = r->sel[0].n;
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

/* The `field:` section: the stochastic Wilson-Cowan field on a lattice
 * (src/lattice/field.h, docs/rg.md). A field model has no populations,
 * projections, inputs or recorders. */
static sf_status parse_field(parser *P, const cursor *root, sf_model *m)
{
    static const char *const keys[] = {"lattice", "kernel", "sigma", "kappa", "c2", "c3", "D",
                                       "mass", "initial", "statistics", NULL};
    static const char *const lkeys[] = {"dim", "size", NULL};
    static const char *const skeys[] = {"start", "interval", "snapshots", NULL};
    static const char *const other[] = {"populations", "projections", "inputs", "recorders"};
    cursor c = child(root, "field"), cl = child(&c, "lattice"), cs = child(&c, "statistics");
    sf_status st;
    for (int i = 0; i < 4; i++) {
        cursor o = child(root, other[i]);
        if (o.node)
            return fail_at(P, &o, SF_ERR_MODEL, "a model with a field section has no %s (the "
                           "field is the whole model)", other[i]);
    }
    if ((st = check_keys(P, &c, keys)) || (st = need(P, &cl)) || (st = check_keys(P, &cl, lkeys)) ||
        (st = check_keys(P, &cs, skeys)))
        return st;
    sf_field_spec *f = calloc(1, sizeof *f);
    if (!f)
        return sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
    m->field = f;
    uint64_t dim = 0, size = 0, snaps = 2;
    cursor cd = child(&cl, "dim"), cz = child(&cl, "size"), ck = child(&c, "kernel"),
           csg = child(&c, "sigma"), cn = child(&cs, "snapshots"), ci = child(&cs, "interval");
    if ((st = need(P, &cd)) || (st = get_count(P, &cd, 3, &dim)) || (st = need(P, &cz)) ||
        (st = get_count(P, &cz, 4096, &size)))
        return st;
    if (dim < 1)
        return fail_at(P, &cd, SF_ERR_RANGE, "dim must be 1, 2 or 3");
    if (size < 4 || (size & (size - 1)))
        return fail_at(P, &cz, SF_ERR_RANGE, "size must be a power of 2 from 4 to 4096 (block "
                       "sums halve the lattice), found %llu", (unsigned long long)size);
    if (pow((double)size, (double)dim) > (double)(1u << 27))
        return fail_at(P, &cz, SF_ERR_RANGE, "%llu^%llu sites is more than the limit of 2^27",
                       (unsigned long long)size, (unsigned long long)dim);
    f->dim = (int)dim;
    f->size = (int)size;
    const char *kern = "nearest";
    if (ck.node && (st = get_str(P, &ck, &kern)))
        return st;
    if (!strcmp(kern, "gaussian"))
        f->kernel = SF_FIELD_GAUSSIAN;
    else if (strcmp(kern, "nearest"))
        return fail_at(P, &ck, SF_ERR_MODEL, "unknown kernel '%s' (expected nearest or gaussian)",
                       kern);
    if (csg.node && f->kernel != SF_FIELD_GAUSSIAN)
        return fail_at(P, &csg, SF_ERR_MODEL, "sigma is the width of the gaussian kernel; the "
                       "nearest-neighbour kernel has none");
    f->sigma = 1;
    if (csg.node && (st = get_range(P, &csg, 0.5, false, (double)size / 4, &f->sigma)))
        return st;
    struct { const char *key; double *at, def, lo, hi; bool lo_open; } num[] = {
        {"kappa", &f->kappa, 1, 0, 1e6, true}, {"c2", &f->c2, 0, -1e6, 1e6, false},
        {"c3", &f->c3, 0, 0, 1e6, false},      {"D", &f->D, 1, 0, 1e6, false},
        {"mass", &f->mass, 0, 0, 1e6, false},  {"initial", &f->init, 0, -1e6, 1e6, false}};
    for (size_t i = 0; i < sizeof num / sizeof num[0]; i++) {
        cursor cv = child(&c, num[i].key);
        *num[i].at = num[i].def;
        if (cv.node && (st = get_range(P, &cv, num[i].lo, num[i].lo_open, num[i].hi, num[i].at)))
            return st;
    }
    double h = m->sim.resolution, lam_max = f->kernel == SF_FIELD_GAUSSIAN
                                                ? 4 / (f->sigma * f->sigma)
                                                : 4.0 * f->dim;
    if (!(h * (f->kappa * lam_max + f->mass) < 2)) {
        cursor cr = child(root, "simulation");
        cursor res = child(&cr, "resolution");
        return fail_at(P, res.node ? &res : &cr, SF_ERR_RANGE, "resolution %g ms is beyond the "
                       "Euler-Maruyama stability limit of the field, 2 / (kappa lambda_max + mass) "
                       "= %g ms", h, 2 / (f->kappa * lam_max + f->mass));
    }
    cursor cst = child(&cs, "start");
    if (cst.node && (st = get_range(P, &cst, 0, false, m->sim.duration, &f->t_start)))
        return st;
    f->interval = h;
    if (ci.node && (st = get_range(P, &ci, h, false, m->sim.duration, &f->interval)))
        return st;
    if (cn.node && (st = get_count(P, &cn, 64, &snaps)))
        return st;
    f->snapshots = (int)snaps;
    return SF_OK;
}

/* A learning experiment (src/learning/parse.c reads its section): the
 * model parser's messages for its errors. */
static sf_status learning_fail(void *user, struct fy_node *where, const char *path,
                               sf_status code, const char *msg)
{
    cursor c = {NULL, where, ""};
    snprintf(c.path, sizeof c.path, "%s", path);
    return fail_at(user, &c, code, "%s", msg);
}

/* A model file with a `learning:` section: that, description, and
 * simulation.seed / simulation.threads (what --seed and --threads set). */
static sf_status parse_learning_root(parser *P, const cursor *root, const cursor *cl, sf_model *m)
{
    static const char *const keys[] = {"simulation", "description", "learning", NULL};
    static const char *const skeys[] = {"seed", "threads", NULL};
    cursor s = child(root, "simulation"), seed = child(&s, "seed"), thr = child(&s, "threads");
    uint64_t sd = 1, nt = 1;
    sf_status st;
    if ((st = check_keys(P, root, keys)) || (st = check_keys(P, &s, skeys)) ||
        (seed.node && (st = get_count(P, &seed, UINT64_MAX >> 1, &sd))) ||
        (thr.node && (st = get_count(P, &thr, 1024, &nt))))
        return st;
    if (nt < 1)
        return fail_at(P, &thr, SF_ERR_RANGE, "threads must be at least 1");
    m->sim.seed = sd;
    m->sim.threads = (int)nt;
    return sf_learning_spec_parse(P->ctx, cl->where, cl->node, learning_fail, P, &m->learning);
}

/* The `ising:` section: the pairwise Ising model (src/theory/ising/ising.h,
 * docs/dmft.md "Ising models"): spins, couplings (an explicit symmetric
 * matrix with zero diagonal, or drawn {mean, std, seed}), fields (a
 * number, a list, or drawn {mean, std, seed}) and the sampler. */
static sf_status ising_drawn(parser *P, const cursor *c, double *mean, double *sd, uint64_t *seed)
{
    static const char *const keys[] = {"mean", "std", "seed", NULL};
    cursor cm = child(c, "mean"), cs = child(c, "std"), cd = child(c, "seed");
    sf_status st;
    *seed = 1;
    if ((st = check_keys(P, c, keys)) || (st = get_num_opt(P, &cm, 0, mean)) || (st = need(P, &cs)) ||
        (st = get_range(P, &cs, 0, false, 1e6, sd)) ||
        (cd.node && (st = get_count(P, &cd, UINT64_MAX >> 1, seed))))
        return st;
    if (!(fabs(*mean) <= 1e6))
        return fail_at(P, &cm, SF_ERR_RANGE, "value %g is out of range [-1e6, 1e6]", *mean);
    return SF_OK;
}

static sf_status ising_row(parser *P, const cursor *c, size_t n, double *out)
{
    if (!c->node || !fy_node_is_sequence(c->node) || (size_t)fy_node_sequence_item_count(c->node) != n) {
        cursor ce = *c; /* point at the list's first value where it has one */
        struct fy_node *first = c->node && fy_node_is_sequence(c->node)
                                    ? fy_node_sequence_get_by_index(c->node, 0) : NULL;
        if (first && fy_node_is_scalar(first))
            ce.where = first;
        return fail_at(P, &ce, SF_ERR_MODEL, "expected a list of %zu numbers, found %s", n,
                       c->node && fy_node_is_sequence(c->node) ? "another length" : type_name(c->node));
    }
    void *it = NULL;
    struct fy_node *e;
    size_t j = 0;
    sf_status st;
    while ((e = fy_node_sequence_iterate(c->node, &it))) {
        cursor ce = *c;
        ce.node = ce.where = e;
        snprintf(ce.path, sizeof ce.path, "%s[%zu]", c->path, j);
        if ((st = get_range(P, &ce, -1e6, false, 1e6, &out[j++])))
            return st;
    }
    return SF_OK;
}

static sf_status parse_ising(parser *P, const cursor *root, sf_model *m)
{
    static const char *const rkeys[] = {"simulation", "description", "ising", NULL};
    static const char *const skeys[] = {"seed", "threads", NULL};
    static const char *const keys[] = {"spins", "couplings", "fields", "sampler", NULL};
    static const char *const smkeys[] = {"method", "sweeps", "burn", NULL};
    cursor s = child(root, "simulation"), seed = child(&s, "seed"), thr = child(&s, "threads");
    cursor c = child(root, "ising"), cn = child(&c, "spins"), cj = child(&c, "couplings"),
           ch = child(&c, "fields"), cs = child(&c, "sampler"), cmth = child(&cs, "method"),
           csw = child(&cs, "sweeps"), cb = child(&cs, "burn");
    uint64_t sd = 1, nt = 1, n = 0;
    sf_status st;
    if ((st = check_keys(P, root, rkeys)) || (st = check_keys(P, &s, skeys)) ||
        (seed.node && (st = get_count(P, &seed, UINT64_MAX >> 1, &sd))) ||
        (thr.node && (st = get_count(P, &thr, 1024, &nt))) || (st = check_keys(P, &c, keys)) ||
        (st = need(P, &cj)) || (st = check_keys(P, &cs, smkeys)))
        return st;
    if (nt < 1)
        return fail_at(P, &thr, SF_ERR_RANGE, "threads must be at least 1");
    m->sim.seed = sd;
    m->sim.threads = (int)nt;
    bool explicit_j = fy_node_is_sequence(cj.node);
    if (cn.node && (st = get_count(P, &cn, SF_ISING_MODEL_MAX, &n)))
        return st;
    if (explicit_j) {
        uint64_t rows = (uint64_t)fy_node_sequence_item_count(cj.node);
        if (cn.node && rows != n)
            return fail_at(P, &cj, SF_ERR_MODEL, "%llu rows of couplings for %llu spins",
                           (unsigned long long)rows, (unsigned long long)n);
        if (rows > SF_ISING_MODEL_MAX)
            return fail_at(P, &cj, SF_ERR_RANGE, "%llu spins is more than the limit of %d",
                           (unsigned long long)rows, SF_ISING_MODEL_MAX);
        n = rows;
    } else if (!fy_node_is_mapping(cj.node))
        return fail_at(P, &cj, SF_ERR_MODEL, "expected a matrix (a list of rows) or {mean, std, "
                       "seed}, found %s", type_name(cj.node));
    else if ((st = need(P, &cn)))
        return st;
    if (n < 2)
        return fail_at(P, cn.node ? &cn : &cj, SF_ERR_RANGE, "an Ising model needs at least 2 spins");
    sf_ising_spec *is = calloc(1, sizeof *is);
    if (!is)
        return sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
    m->ising = is;
    is->n = n;
    is->J = calloc(n * n, sizeof *is->J);
    is->h = calloc(n, sizeof *is->h);
    if (!is->J || !is->h)
        return sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
    int len = 0;
    if (explicit_j) {
        void *it = NULL;
        struct fy_node *row;
        size_t i = 0;
        while ((row = fy_node_sequence_iterate(cj.node, &it))) {
            cursor cr = cj;
            cr.node = cr.where = row;
            snprintf(cr.path, sizeof cr.path, "%s[%zu]", cj.path, i);
            if ((st = ising_row(P, &cr, n, is->J + i * n)))
                return st;
            i++;
        }
        for (i = 0; i < n; i++)
            for (size_t j = 0; j <= i; j++)
                if (i == j ? is->J[i * n + i] != 0 : is->J[i * n + j] != is->J[j * n + i]) {
                    cursor ce = cj;
                    struct fy_node *rn = fy_node_sequence_get_by_index(cj.node, (int)i),
                                   *en = rn ? fy_node_sequence_get_by_index(rn, (int)j) : NULL;
                    if (en)
                        ce.node = ce.where = en;
                    snprintf(ce.path, sizeof ce.path, "%s[%zu][%zu]", cj.path, i, j);
                    if (i == j)
                        return fail_at(P, &ce, SF_ERR_MODEL, "the diagonal must be 0 (no "
                                       "self-coupling), found %g", is->J[i * n + i]);
                    return fail_at(P, &ce, SF_ERR_MODEL, "couplings must be symmetric: "
                                   "J[%zu][%zu] = %g but J[%zu][%zu] = %g", i, j, is->J[i * n + j],
                                   j, i, is->J[j * n + i]);
                }
        len = snprintf(is->how, sizeof is->how, "couplings given");
    } else {
        double mean, sdv;
        uint64_t cseed;
        if ((st = ising_drawn(P, &cj, &mean, &sdv, &cseed)))
            return st;
        double *z = malloc(n * sizeof *z);
        if (!z)
            return sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
            sf_rng_normals(cseed, SF_RNG_PARAM, SF_ISING_RNG_J, i, 0, (uint32_t)n, z);
            for (size_t j = i + 1; j < n; j++)
                is->J[i * n + j] = is->J[j * n + i] = mean + sdv * z[j];
        }
        free(z);
        len = snprintf(is->how, sizeof is->how, "couplings drawn N(%g, %g^2) seed %llu", mean, sdv,
                       (unsigned long long)cseed);
    }
    if (fy_node_is_sequence(ch.node)) {
        if ((st = ising_row(P, &ch, n, is->h)))
            return st;
        snprintf(is->how + len, sizeof is->how - (size_t)len, ", fields given");
    } else if (fy_node_is_mapping(ch.node)) {
        double mean, sdv;
        uint64_t hseed;
        if ((st = ising_drawn(P, &ch, &mean, &sdv, &hseed)))
            return st;
        sf_rng_normals(hseed, SF_RNG_PARAM, SF_ISING_RNG_H, 0, 0, (uint32_t)n, is->h);
        for (size_t i = 0; i < n; i++)
            is->h[i] = mean + sdv * is->h[i];
        snprintf(is->how + len, sizeof is->how - (size_t)len, ", fields drawn N(%g, %g^2) seed %llu",
                 mean, sdv, (unsigned long long)hseed);
    } else {
        double h0 = 0;
        if (ch.node && (st = get_range(P, &ch, -1e6, false, 1e6, &h0)))
            return st;
        for (size_t i = 0; i < n; i++)
            is->h[i] = h0;
        snprintf(is->how + len, sizeof is->how - (size_t)len, ", fields %g", h0);
    }
    const char *meth = n <= SF_ISING_EXACT_MAX ? "exact" : "metropolis";
    if (cmth.node && (st = get_str(P, &cmth, &meth)))
        return st;
    if (!strcmp(meth, "exact"))
        is->sampler = SF_ISING_SAMPLER_EXACT;
    else if (!strcmp(meth, "metropolis"))
        is->sampler = SF_ISING_SAMPLER_METROPOLIS;
    else if (!strcmp(meth, "glauber"))
        is->sampler = SF_ISING_SAMPLER_GLAUBER;
    else
        return fail_at(P, &cmth, SF_ERR_MODEL, "unknown method '%s' (expected exact, metropolis "
                       "or glauber)", meth);
    if (is->sampler == SF_ISING_SAMPLER_EXACT && n > SF_ISING_EXACT_MAX)
        return fail_at(P, &cmth, SF_ERR_RANGE, "exact enumeration of %zu spins: at most %d (2^n "
                       "states); use metropolis or glauber", n, SF_ISING_EXACT_MAX);
    if (is->sampler == SF_ISING_SAMPLER_EXACT && (csw.node || cb.node))
        return fail_at(P, csw.node ? &csw : &cb, SF_ERR_MODEL, "exact enumeration takes no sweeps");
    is->sweeps = 100000;
    is->burn = 1000;
    if ((csw.node && (st = get_count(P, &csw, (uint64_t)1 << 40, &is->sweeps))) ||
        (cb.node && (st = get_count(P, &cb, (uint64_t)1 << 40, &is->burn))))
        return st;
    if (is->sweeps < SF_ISING_BATCHES)
        return fail_at(P, &csw, SF_ERR_RANGE, "at least %d sweeps (the standard errors come from "
                       "%d batches)", SF_ISING_BATCHES, SF_ISING_BATCHES);
    return SF_OK;
}

static sf_status parse_root(parser *P, struct fy_node *rootn, sf_model *m)
{
    static const char *const keys[] = {"simulation", "analysis", "scale", "populations",
                                       "projections", "inputs", "recorders", "description",
                                       "theory", "field", NULL};
    cursor root = {rootn, rootn, ""};
    sf_status st;
    if (!rootn || !fy_node_is_mapping(rootn))
        return fail_at(P, &root, SF_ERR_MODEL, "a model file is a mapping with keys simulation, "
                       "populations, projections, inputs, recorders");
    cursor cl = child(&root, "learning");
    if (cl.node)
        return parse_learning_root(P, &root, &cl, m);
    if (child(&root, "ising").node)
        return parse_ising(P, &root, m);
    if ((st = check_keys(P, &root, keys)) || (st = parse_settings(P, &root, m)))
        return st;
    static const char *const skeys[] = {"neurons", "indegree", NULL};
    cursor sc = child(&root, "scale"), sn = child(&sc, "neurons"), sk = child(&sc, "indegree");
    double scale_n, scale_k;
    if ((st = check_keys(P, &sc, skeys)) || (st = get_num_opt(P, &sn, 1.0, &scale_n)) ||
        (st = get_num_opt(P, &sk, 1.0, &scale_k)))
        return st;
    if (child(&root, "field").node)
        return parse_field(P, &root, m);
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
        if ((st = check_name(P, &pc, "population", name)))
            return st;
        if (sf_model_find_pop(m, name) >= 0)
            return fail_at(P, &pc, SF_ERR_MODEL, "duplicate population name");
        sf_population *pop = &m->pops[m->n_pops++];
        pop->first_gid = gid; /* before parsing: per-neuron draws need it */
        if ((st = parse_population(P, &pc, name, m, pop, scale_n)))
            return st;
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
            if ((st = check_name(P, &pc, "projection", name)))
                return st;
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
            if ((st = check_name(P, &pc, "input", name)))
                return st;
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
            if ((st = check_name(P, &pc, "recorder", name)))
                return st;
            sf_recorder *r = &m->recorders[m->n_recorders++];
            if ((st = parse_recorder(P, &pc, name, m, r)))
                return st;
            /* a recorder with traces writes <name>.h5 next to spikes.h5 */
            if (r->type->trace && !strcmp(name, "spikes"))
                return fail_at(P, &pc, SF_ERR_MODEL, "recorder name 'spikes' is taken: the spike "
                               "file is spikes.h5, and this recorder would write <name>.h5");
        });
    } else { /* default: spikes of every population */
        sf_recorder *r = &m->recorders[m->n_recorders++];
        r->name = xstrdup("spikes");
        r->type = &sf_recorder_spike_recorder;
        r->pops = calloc((size_t)m->n_pops, sizeof(int));
        r->sel = calloc((size_t)m->n_pops, sizeof(sf_subset));
        r->stop = INFINITY;
        if (!r->name || !r->pops || !r->sel)
            return sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
        for (int i = 0; i < m->n_pops; i++)
            if (!m->pops[i].type->continuous) {
                r->sel[r->n_pops].n = m->pops[i].n;
                r->pops[r->n_pops++] = i;
            }
    }
    return SF_OK;
}

/* The index of the first byte of t[0..n) that is not valid UTF-8 text (a
 * NUL byte, a stray or overlong byte, a surrogate), or n. libfyaml 0.7.12
 * loops forever on a directive followed by an invalid byte, so no text
 * reaches it unchecked: neither a model file nor a --set value. */
static size_t utf8_bad(const unsigned char *t, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = t[i];
        size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
                   : (c & 0xF8) == 0xF0 ? 4 : 0;
        bool ok = c != 0 && len > 0 && i + len <= n;
        for (size_t k = 1; ok && k < len; k++)
            ok = (t[i + k] & 0xC0) == 0x80;
        if (ok && len == 2)
            ok = c >= 0xC2; /* no overlong forms */
        if (ok && len == 3) {
            unsigned v = ((c & 0x0F) << 12) | ((t[i + 1] & 0x3F) << 6) | (t[i + 2] & 0x3F);
            ok = v >= 0x800 && !(v >= 0xD800 && v <= 0xDFFF);
        }
        if (ok && len == 4) {
            unsigned v = ((c & 0x07) << 18) | ((t[i + 1] & 0x3F) << 12) | ((t[i + 2] & 0x3F) << 6) |
                         (t[i + 3] & 0x3F);
            ok = v >= 0x10000 && v <= 0x10FFFF;
        }
        if (!ok)
            return i;
        i += len;
    }
    return n;
}

/* Applies "a.b.c=value" to the document: replaces or adds key c of mapping a.b. */
static sf_status apply_set(parser *P, const char *set)
{
    size_t n_set = strlen(set), bad = utf8_bad((const unsigned char *)set, n_set);
    if (bad < n_set)
        return sf_fail(P->ctx, SF_ERR_ARG, "%s: the option is not valid UTF-8 text (byte 0x%02x "
                       "at position %zu)", P->set_label, (unsigned char)set[bad], bad + 1);
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
        /* a key of the model: letters, digits, '_' and '-' (libfyaml would
         * parse anything else as YAML when looking it up) */
        if (tok[strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")])
            return sf_fail(P->ctx, SF_ERR_ARG, "%s %.*s: '%s' is not a key of a model file "
                           "(keys are letters, digits, '_' and '-')", P->set_label, (int)plen, set,
                           tok);
        if (!node || !fy_node_is_mapping(node))
            return sf_fail(P->ctx, SF_ERR_ARG, "%s %.*s: '%s' is not a mapping in %s", P->set_label,
                           (int)plen, set, walked[0] ? walked : "the model", P->file);
        struct fy_node_pair *pr = fy_node_mapping_lookup_pair_by_string(node, tok, FY_NT);
        if (!next) {
            struct fy_node *val = fy_node_build_from_string(P->doc, eq + 1, FY_NT);
            if (!val)
                return sf_fail(P->ctx, SF_ERR_ARG, "%s %s: cannot parse the value '%s'", P->set_label,
                               set, eq + 1);
            if (!remember_set(P, val, set)) {
                fy_node_free(val);
                return sf_fail(P->ctx, SF_ERR_NOMEM, "%s %s: out of memory", P->set_label, set);
            }
            if (pr) {
                if (fy_node_pair_set_value(pr, val) != 0) {
                    P->n_set--;
                    fy_node_free(val);
                    return sf_fail(P->ctx, SF_ERR_ARG, "%s %s: cannot set the value", P->set_label,
                                   set);
                }
            } else {
                struct fy_node *key = fy_node_create_scalar_copy(P->doc, tok, FY_NT);
                if (!key || !remember_set(P, key, set) ||
                    fy_node_mapping_append(node, key, val) != 0) {
                    fy_node_free(key);
                    fy_node_free(val);
                    P->n_set = 0; /* the nodes are gone: no message may point at them */
                    return sf_fail(P->ctx, SF_ERR_ARG, "%s %s: cannot add the key", P->set_label,
                                   set);
                }
            }
            return SF_OK;
        }
        if (!pr) { /* create the missing mapping; the parser then checks it */
            struct fy_node *key = fy_node_create_scalar_copy(P->doc, tok, FY_NT);
            struct fy_node *map = fy_node_create_mapping(P->doc);
            if (!key || !map || !remember_set(P, key, set) ||
                fy_node_mapping_append(node, key, map) != 0) {
                fy_node_free(key);
                fy_node_free(map);
                P->n_set = 0;
                return sf_fail(P->ctx, SF_ERR_ARG, "%s %s: cannot add the key", P->set_label, set);
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
/* Sets key of mapping map to the number v unless it is there. */
static bool put_default(struct fy_document *doc, struct fy_node *map, const char *key, double v)
{
    if (!map || !fy_node_is_mapping(map) || fy_node_mapping_lookup_by_string(map, key, FY_NT))
        return true;
    char num[40];
    if (isinf(v))
        snprintf(num, sizeof num, "%s", v > 0 ? ".inf" : "-.inf");
    else
        snprintf(num, sizeof num, "%.17g", v);
    struct fy_node *k = fy_node_create_scalar_copy(doc, key, FY_NT);
    struct fy_node *val = fy_node_create_scalar_copy(doc, num, FY_NT);
    if (!k || !val || fy_node_mapping_append(map, k, val) != 0) {
        fy_node_free(k);
        fy_node_free(val);
        return false;
    }
    return true;
}

/* The mapping at key of map, created if missing. */
static struct fy_node *section_of(struct fy_document *doc, struct fy_node *map, const char *key)
{
    struct fy_node *s = fy_node_mapping_lookup_by_string(map, key, FY_NT);
    if (s)
        return s;
    struct fy_node *k = fy_node_create_scalar_copy(doc, key, FY_NT);
    s = fy_node_create_mapping(doc);
    if (!k || !s || fy_node_mapping_append(map, k, s) != 0) {
        fy_node_free(k);
        fy_node_free(s);
        return NULL;
    }
    return s;
}

/* The resolved model for provenance: the document after --set, with the
 * defaults the parser applied written in (simulation and analysis
 * settings, every neuron parameter, delays), as one line of JSON. From a
 * copy: the caller's document is not changed. NULL when out of memory. */
static char *resolved_json(struct fy_document *src, const sf_model *m)
{
    struct fy_document *doc = fy_document_clone(src);
    struct fy_node *root = doc ? fy_document_root(doc) : NULL;
    char *out = NULL;
    if (!root)
        goto done;
    struct fy_node *sim = section_of(doc, root, "simulation");
    if (m->learning || m->ising) { /* a learning experiment or Ising model: seed and threads */
        if (sim && put_default(doc, sim, "seed", (double)m->sim.seed) &&
            put_default(doc, sim, "threads", m->sim.threads))
            out = fy_emit_document_to_string(doc, FYECF_MODE_JSON_ONELINE);
        if (out)
            out[strcspn(out, "\n")] = '\0';
        goto done;
    }
    struct fy_node *an = section_of(doc, root, "analysis");
    bool ok = sim && an && put_default(doc, sim, "resolution", m->sim.resolution) &&
              put_default(doc, sim, "seed", (double)m->sim.seed) &&
              put_default(doc, sim, "threads", m->sim.threads) &&
              put_default(doc, an, "start", m->sim.t_analysis) &&
              put_default(doc, an, "bin", m->sim.bin) &&
              put_default(doc, an, "pairs", m->sim.corr_pairs);
    struct fy_node *pops = fy_node_mapping_lookup_by_string(root, "populations", FY_NT);
    for (int i = 0; ok && pops && i < m->n_pops; i++) {
        const sf_population *p = &m->pops[i];
        struct fy_node *pn = fy_node_mapping_lookup_by_string(pops, p->name, FY_NT);
        struct fy_node *params = pn && fy_node_is_mapping(pn) ? section_of(doc, pn, "params") : NULL;
        for (int k = 0; ok && params && k < p->type->n_params; k++)
            ok = put_default(doc, params, p->type->params[k].name, p->type->params[k].def);
    }
    struct fy_node *projs = fy_node_mapping_lookup_by_string(root, "projections", FY_NT);
    for (int i = 0; ok && projs && i < m->n_proj; i++) {
        struct fy_node *pn = fy_node_mapping_lookup_by_string(projs, m->proj[i].name, FY_NT);
        if (pn && fy_node_is_mapping(pn) && sf_dist_is_const(&m->proj[i].delay))
            ok = put_default(doc, pn, "delay", m->proj[i].delay.a);
    }
    if (ok)
        out = fy_emit_document_to_string(doc, FYECF_MODE_JSON_ONELINE);
    if (out) /* the emitter ends with a newline */
        out[strcspn(out, "\n")] = '\0';
done:
    if (doc)
        fy_document_destroy(doc);
    return out;
}

static sf_status parse_document(parser *P, const char *file, sf_model **out)
{
    sf_model *m = calloc(1, sizeof *m);
    if (!m)
        return sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
    m->file = xstrdup(file);
    sf_status st = m->file ? parse_root(P, fy_document_root(P->doc), m)
                           : sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
    if (!st && !(m->resolved = resolved_json(P->doc, m)))
        st = sf_fail(P->ctx, SF_ERR_NOMEM, "out of memory");
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
    sf_status st = apply_set(&P, set);
    parser_free(&P);
    return st;
}

sf_status sf_model_document_parse(sf_context *ctx, struct fy_document *doc, const char *name,
                                  sf_model **out)
{
    parser P = {.ctx = ctx, .file = name, .doc = doc, .no_positions = true, .set_label = "--set"};
    sf_status st = parse_document(&P, "", out);
    parser_free(&P);
    return st;
}

/* Limits on what a model text may ask of the parser: its size, and the
 * nodes it expands to once aliases are resolved (a few hundred bytes of
 * nested aliases can otherwise expand to billions of nodes), and nesting. */
enum { SF_MODEL_MAX_BYTES = 64 << 20, SF_MODEL_MAX_NODES = 2000000, SF_MODEL_MAX_DEPTH = 200 };

/* Reads the whole file (at most SF_MODEL_MAX_BYTES) into *text. */
static sf_status read_text(sf_context *ctx, const char *name, char **text, size_t *len)
{
    *text = NULL;
    FILE *f = fopen(name, "rb");
    if (!f)
        return sf_fail(ctx, SF_ERR_IO, "%s: cannot open: %s", name, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
        if (n == cap) {
            if (cap >= SF_MODEL_MAX_BYTES) {
                fclose(f);
                free(buf);
                return sf_fail(ctx, SF_ERR_PARSE, "%s: the file is larger than %d MiB; a model "
                               "file is a short text", name, SF_MODEL_MAX_BYTES >> 20);
            }
            cap *= 2;
            char *nb = realloc(buf, cap + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
            } else {
                buf = nb;
            }
        }
    }
    int rerr = ferror(f) ? errno : 0; /* e.g. EISDIR: a directory opens */
    fclose(f);
    if (!buf)
        return sf_fail(ctx, SF_ERR_NOMEM, "%s: out of memory", name);
    if (rerr) {
        free(buf);
        return sf_fail(ctx, SF_ERR_IO, "%s: cannot read: %s", name, strerror(rerr));
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return SF_OK;
}

/* Refuses what is not UTF-8 text before libfyaml sees it (libfyaml 0.7.12
 * loops forever on a directive line followed by an invalid byte): NUL bytes
 * (binary, or UTF-16/32), byte-order marks of UTF-16/32, invalid UTF-8; the
 * message gives line and column of the first offending byte. */
static sf_status check_text(sf_context *ctx, const char *name, const unsigned char *t, size_t n)
{
    if (n >= 2 && ((t[0] == 0xFF && t[1] == 0xFE) || (t[0] == 0xFE && t[1] == 0xFF)))
        return sf_fail(ctx, SF_ERR_PARSE, "%s: the file is UTF-16 (or UTF-32) encoded; save it "
                       "as UTF-8", name);
    size_t bad = utf8_bad(t, n);
    if (bad == n)
        return SF_OK;
    int line = 1, col = 1;
    for (size_t i = 0; i < bad; i++) {
        if (t[i] == '\n') {
            line++;
            col = 1;
        } else if ((t[i] & 0xC0) != 0x80) { /* a character starts here */
            col++;
        }
    }
    if (t[bad] == 0)
        return sf_fail(ctx, SF_ERR_PARSE, "%s:%d:%d: the file holds a NUL byte: it is not a "
                       "text file (or it is UTF-16/32 encoded; save it as UTF-8)", name, line, col);
    return sf_fail(ctx, SF_ERR_PARSE, "%s:%d:%d: invalid UTF-8 (byte 0x%02x); a model file "
                   "is UTF-8 text", name, line, col, t[bad]);
}

/* Counts the nodes of n with aliases expanded, stopping past the budget. */
static bool count_nodes(struct fy_node *n, int depth, long *budget, bool *deep)
{
    if (!n)
        return true;
    if (depth > SF_MODEL_MAX_DEPTH) {
        *deep = true;
        return false;
    }
    if (--*budget < 0)
        return false;
    if (fy_node_is_alias(n)) {
        struct fy_node *t = fy_node_resolve_alias(n);
        return t ? count_nodes(t, depth + 1, budget, deep) : true; /* undefined: resolve says so */
    }
    void *it = NULL;
    if (fy_node_is_sequence(n)) {
        struct fy_node *item;
        while ((item = fy_node_sequence_iterate(n, &it)))
            if (!count_nodes(item, depth + 1, budget, deep))
                return false;
    } else if (fy_node_is_mapping(n)) {
        struct fy_node_pair *pr;
        while ((pr = fy_node_mapping_iterate(n, &it)))
            if (!count_nodes(fy_node_pair_key(pr), depth + 1, budget, deep) ||
                !count_nodes(fy_node_pair_value(pr), depth + 1, budget, deep))
                return false;
    }
    return true;
}

/* The text's libfyaml diagnostic as one line naming `name`. */
static sf_status yaml_error(sf_context *ctx, const char *name, const char *diag)
{
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", diag[0] ? diag : "YAML syntax error");
    msg[strcspn(msg, "\n")] = '\0';
    /* libfyaml's message reads "file:line:col: error: what"; for text in
     * memory its "file" is "<memory-@ADDR-ADDR>", which we replace by name */
    const char *mem_end = strncmp(msg, "<memory-@", 9) == 0 ? strchr(msg, '>') : NULL;
    if (mem_end)
        return sf_fail(ctx, SF_ERR_PARSE, "%s%s", name, mem_end + 1);
    if (strstr(msg, "[ERR]") || !msg[0])
        return sf_fail(ctx, SF_ERR_PARSE, "%s: YAML syntax error", name);
    return sf_fail(ctx, SF_ERR_PARSE, "%s: %s", name, msg);
}

static sf_status load(sf_context *ctx, const char *text, const char *name, const char *const *sets,
                      int n_sets, sf_model **out)
{
    *out = NULL;
    char *owned = NULL;
    size_t len = text ? strlen(text) : 0;
    sf_status st = text ? SF_OK : read_text(ctx, name, &owned, &len);
    if (st)
        return st;
    if (!text)
        text = owned;
    if ((st = check_text(ctx, name, (const unsigned char *)text, len))) {
        free(owned);
        return st;
    }
    diag_buf db = {{0}};
    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = diag_out;
    dcfg.user = &db;
    dcfg.colorize = false;
    dcfg.show_source = false;
    struct fy_diag *diag = fy_diag_create(&dcfg);
    /* aliases are resolved below, after their expansion has been counted */
    struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET | FYPCF_DEFAULT_PARSE, .diag = diag};
    struct fy_parser *fyp = diag ? fy_parser_create(&cfg) : NULL;
    parser P = {.ctx = ctx, .file = name, .set_label = "--set"};
    sf_model *m = NULL;
    if (!fyp || fy_parser_set_string(fyp, text, len) != 0) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "%s: out of memory", name);
        goto done;
    }
    P.doc = fy_parse_load_document(fyp);
    if (!P.doc || !fy_document_root(P.doc)) {
        if (db.msg[0] || fy_parser_get_stream_error(fyp))
            st = yaml_error(ctx, name, db.msg);
        else if (len == 0)
            st = sf_fail(ctx, SF_ERR_PARSE, "%s: the file is empty; a model file needs at least "
                         "the keys simulation and populations", name);
        else
            st = sf_fail(ctx, SF_ERR_PARSE, "%s: the file holds no YAML content (only comments "
                         "or blank lines); a model file needs at least the keys simulation and "
                         "populations", name);
        goto done;
    }
    struct fy_document *next = fy_parse_load_document(fyp);
    if (next || db.msg[0] || fy_parser_get_stream_error(fyp)) {
        if (next && fy_document_root(next)) {
            int line, col;
            struct fy_node *first = fy_document_root(next);
            while (first && !fy_node_is_scalar(first)) { /* its first scalar has a position */
                void *it = NULL;
                struct fy_node_pair *pr = fy_node_is_mapping(first)
                                              ? fy_node_mapping_iterate(first, &it) : NULL;
                first = pr ? fy_node_pair_key(pr)
                           : fy_node_is_sequence(first) ? fy_node_sequence_iterate(first, &it)
                                                        : NULL;
            }
            node_pos(first, &line, &col);
            st = line > 0 ? sf_fail(ctx, SF_ERR_PARSE, "%s:%d: a second YAML document begins "
                                    "here (after '---'); a model file holds exactly one", name, line)
                          : sf_fail(ctx, SF_ERR_PARSE, "%s: a second YAML document (after '---'); "
                                    "a model file holds exactly one", name);
        } else {
            st = db.msg[0] || fy_parser_get_stream_error(fyp) ? yaml_error(ctx, name, db.msg)
                                                              : SF_OK;
        }
        if (next)
            fy_parse_document_destroy(fyp, next);
        if (st)
            goto done;
    }
    long budget = SF_MODEL_MAX_NODES;
    bool deep = false;
    if (!count_nodes(fy_document_root(P.doc), 0, &budget, &deep)) {
        st = deep ? sf_fail(ctx, SF_ERR_PARSE, "%s: the document is nested more than %d levels "
                            "deep", name, SF_MODEL_MAX_DEPTH)
                  : sf_fail(ctx, SF_ERR_PARSE, "%s: the document expands to more than %d nodes "
                            "(through aliases '*'); a model file is far smaller", name,
                            SF_MODEL_MAX_NODES);
        goto done;
    }
    if (fy_document_resolve(P.doc) != 0) {
        st = yaml_error(ctx, name, db.msg);
        goto done;
    }
    for (int i = 0; i < n_sets; i++)
        if ((st = apply_set(&P, sets[i])))
            goto done;
    st = parse_document(&P, name, &m);
    if (!st && n_sets > 0) { /* the overrides as given, for provenance */
        if (!(m->sets = calloc((size_t)n_sets, sizeof(char *))))
            st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
        for (int i = 0; !st && i < n_sets; i++)
            if (!(m->sets[m->n_sets++] = strdup(sets[i])))
                st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    }
done:
    if (P.doc)
        fy_parse_document_destroy(fyp, P.doc);
    if (fyp)
        fy_parser_destroy(fyp);
    if (diag)
        fy_diag_destroy(diag);
    parser_free(&P);
    free(owned);
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
    sf_learning_spec_free(m->learning);
    sf_ising_spec_free(m->ising);
    for (int i = 0; i < m->n_pops; i++) {
        free(m->pops[i].name);
        free(m->pops[i].params);
        free(m->pops[i].param_dist);
        free(m->pops[i].initial);
    }
    for (int i = 0; i < m->n_proj; i++) {
        free(m->proj[i].name);
        free(m->proj[i].syn_params);
    }
    for (int i = 0; i < m->n_inputs; i++) {
        free(m->inputs[i].name);
        free(m->inputs[i].targets);
        free(m->inputs[i].receptor);
        free(m->inputs[i].times);
        subsets_free(m->inputs[i].sel, m->inputs[i].n_targets);
        free(m->inputs[i].values);
        free(m->inputs[i].train);
        free(m->inputs[i].freq);
    }
    for (int i = 0; i < m->n_recorders; i++) {
        free(m->recorders[i].name);
        free(m->recorders[i].pops);
        free(m->recorders[i].variable);
        subsets_free(m->recorders[i].sel, m->recorders[i].n_pops);
        for (int v = 0; v < m->recorders[i].n_vars; v++)
            free(m->recorders[i].vars[v]);
        free(m->recorders[i].vars);
        free(m->recorders[i].projs);
    }
    free(m->pops);
    free(m->proj);
    free(m->inputs);
    free(m->recorders);
    free(m->field);
    for (int i = 0; i < m->n_sets; i++)
        free(m->sets[i]);
    free(m->sets);
    free(m->resolved);
    free(m->file);
    free(m);
}
