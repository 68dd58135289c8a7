/* The `learning:` section of a model file: the task kind (`task`), the
 * number of independent instances (`seeds`) and the keys the kind declares
 * in its table (sf_learning_key), read generically: numbers, whole numbers,
 * lists of numbers, names out of a list of choices.
 *
 * Invariant: a returned spec satisfies the invariant of learning_impl.h
 * (every key of the kind set, within range), and the kind's check() has
 * accepted it. Errors go through the model parser's fail function, so they
 * name file, line, column and key path (or the --set option) as every other
 * model error does.
 */
#include "learning/learning_impl.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <libfyaml.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    sf_context *ctx;
    sf_learning_fail_fn fail;
    void *user;
} lparser;

static sf_status lfail(lparser *L, struct fy_node *where, const char *path, sf_status code,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static sf_status lfail(lparser *L, struct fy_node *where, const char *path, sf_status code,
                       const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return L->fail(L->user, where, path, code, msg);
}

/* A finite number from a scalar node. */
static sf_status number(lparser *L, struct fy_node *n, const char *path, double *out)
{
    const char *s = n && fy_node_is_scalar(n) ? fy_node_get_scalar0(n) : NULL;
    if (!s)
        return lfail(L, n, path, SF_ERR_MODEL, "expected a number, found %s",
                     !n ? "nothing" : fy_node_is_mapping(n) ? "a mapping" : "a list");
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || !isfinite(v) || errno == ERANGE)
        return lfail(L, n, path, SF_ERR_MODEL, "expected a finite number, found '%s'", s);
    *out = v;
    return SF_OK;
}

static sf_status in_range(lparser *L, struct fy_node *n, const char *path,
                          const sf_learning_key *k, double v)
{
    if (!(v >= k->min && v <= k->max))
        return lfail(L, n, path, SF_ERR_RANGE, "value %g is out of range [%g, %g]", v, k->min,
                     k->max);
    if ((k->kind == SF_LK_INT) && v != floor(v))
        return lfail(L, n, path, SF_ERR_RANGE, "expected a whole number, found %g", v);
    return SF_OK;
}

static sf_status parse_key(lparser *L, const sf_learning_key *k, struct fy_node *keyn,
                           struct fy_node *n, const char *path, sf_learning_spec *s, int i)
{
    sf_status st;
    if (k->kind == SF_LK_CHOICE) {
        const char *name = n && fy_node_is_scalar(n) ? fy_node_get_scalar0(n) : NULL;
        int idx = 0;
        for (const char *c = k->choices; name && *c; idx++) {
            size_t len = strcspn(c, "|");
            if (strlen(name) == len && !strncmp(name, c, len)) {
                s->v[i] = idx;
                return SF_OK;
            }
            c += len + (c[len] == '|');
        }
        return lfail(L, n ? n : keyn, path, SF_ERR_MODEL, "unknown %s '%s' (expected one of: %s)",
                     k->name, name ? name : "?", k->choices);
    }
    if (k->kind != SF_LK_LIST) {
        double v;
        if ((st = number(L, n, path, &v)) || (st = in_range(L, n, path, k, v)))
            return st;
        s->v[i] = v;
        return SF_OK;
    }
    int count = n && fy_node_is_sequence(n) ? fy_node_sequence_item_count(n) : 1;
    if (count < 1 || count > 100000)
        return lfail(L, n, path, SF_ERR_MODEL, "expected a list of 1 to 100000 numbers");
    double *list = malloc(sizeof *list * (size_t)count);
    if (!list)
        return sf_fail(L->ctx, SF_ERR_NOMEM, "out of memory");
    s->list[i] = list;
    s->n_list[i] = count;
    if (!fy_node_is_sequence(n)) {
        if ((st = number(L, n, path, &list[0])) || (st = in_range(L, n, path, k, list[0])))
            return st;
        s->v[i] = list[0];
        return SF_OK;
    }
    void *it = NULL;
    struct fy_node *e;
    int j = 0;
    while ((e = fy_node_sequence_iterate(n, &it))) {
        char p[300];
        snprintf(p, sizeof p, "%s[%d]", path, j);
        if ((st = number(L, e, p, &list[j])) || (st = in_range(L, e, p, k, list[j])))
            return st;
        j++;
    }
    s->v[i] = list[0];
    return SF_OK;
}

static sf_status set_default(lparser *L, const sf_learning_key *k, sf_learning_spec *s, int i)
{
    s->v[i] = k->def;
    if (k->kind != SF_LK_LIST)
        return SF_OK;
    int n = k->def_list ? k->n_def_list : 1;
    if (!(s->list[i] = malloc(sizeof(double) * (size_t)n)))
        return sf_fail(L->ctx, SF_ERR_NOMEM, "out of memory");
    for (int j = 0; j < n; j++)
        s->list[i][j] = k->def_list ? k->def_list[j] : k->def;
    s->n_list[i] = n;
    s->v[i] = s->list[i][0];
    return SF_OK;
}

void sf_learning_spec_free(sf_learning_spec *s)
{
    if (!s)
        return;
    for (int i = 0; i < SF_LEARNING_MAX_KEYS; i++)
        free(s->list[i]);
    free(s);
}

static struct fy_node *lookup(struct fy_node *map, const char *key, struct fy_node **keyn)
{
    struct fy_node_pair *pr = fy_node_mapping_lookup_pair_by_string(map, key, FY_NT);
    *keyn = pr ? fy_node_pair_key(pr) : NULL;
    return pr ? fy_node_pair_value(pr) : NULL;
}

static sf_status parse_spec(lparser *L, struct fy_node *key, struct fy_node *node,
                            sf_learning_spec *s)
{
    sf_status st;
    if (!node || !fy_node_is_mapping(node))
        return lfail(L, node ? node : key, "learning", SF_ERR_MODEL,
                     "expected a mapping with the key task (and the task's keys)");
    struct fy_node *tk, *tn = lookup(node, "task", &tk);
    const char *task = tn && fy_node_is_scalar(tn) ? fy_node_get_scalar0(tn) : NULL;
    char names[256];
    sf_learning_kind_names(names, sizeof names);
    if (!tn)
        return lfail(L, key, "learning.task", SF_ERR_MODEL, "required key is missing (one of: %s)",
                     names);
    if (!task || !(s->kind = sf_learning_kind_find(task)))
        return lfail(L, tn, "learning.task", SF_ERR_MODEL, "unknown task '%s' (known: %s)",
                     task ? task : "?", names);
    const sf_learning_kind *kind = s->kind;
    /* every key of the mapping must be task, seeds or one of the kind's */
    void *it = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(node, &it))) {
        struct fy_node *kn = fy_node_pair_key(pr);
        const char *ks = kn ? fy_node_get_scalar0(kn) : NULL;
        bool ok = ks && (!strcmp(ks, "task") || !strcmp(ks, "seeds"));
        for (int i = 0; ks && !ok && kind->keys[i].name; i++)
            ok = !strcmp(ks, kind->keys[i].name);
        if (!ok) {
            char list[1024] = "task, seeds";
            for (int i = 0; kind->keys[i].name; i++)
                snprintf(list + strlen(list), sizeof list - strlen(list), ", %s", kind->keys[i].name);
            char path[300];
            snprintf(path, sizeof path, "learning.%s", ks ? ks : "?");
            return lfail(L, kn, path, SF_ERR_MODEL, "unknown key for task %s (expected one of: %s)",
                         kind->name, list);
        }
    }
    struct fy_node *sk, *sn = lookup(node, "seeds", &sk);
    double seeds = 10;
    if (sn) {
        const sf_learning_key seeds_key = {"seeds", SF_LK_INT, 10, 1, 100000, NULL, NULL, NULL, 0};
        if ((st = number(L, sn, "learning.seeds", &seeds)) ||
            (st = in_range(L, sn, "learning.seeds", &seeds_key, seeds)))
            return st;
    }
    s->seeds = (int)seeds;
    for (int i = 0; kind->keys[i].name; i++) {
        assert(i < SF_LEARNING_MAX_KEYS);
        const sf_learning_key *k = &kind->keys[i];
        struct fy_node *kn, *vn = lookup(node, k->name, &kn);
        char path[300];
        snprintf(path, sizeof path, "learning.%s", k->name);
        if ((st = vn ? parse_key(L, k, kn, vn, path, s, i) : set_default(L, k, s, i)))
            return st;
    }
    char buf[512];
    const char *why = kind->check ? kind->check(s, buf, sizeof buf) : NULL;
    if (why)
        return lfail(L, node, "learning", SF_ERR_MODEL, "%s", why);
    return SF_OK;
}

sf_status sf_learning_spec_parse(sf_context *ctx, struct fy_node *key, struct fy_node *node,
                                 sf_learning_fail_fn fail, void *user, sf_learning_spec **out)
{
    lparser L = {ctx, fail, user};
    sf_learning_spec *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    sf_status st = parse_spec(&L, key, node, s);
    if (st) {
        sf_learning_spec_free(s);
        return st;
    }
    *out = s;
    return SF_OK;
}
