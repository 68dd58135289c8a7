/* Private layout of the learning module (src/learning/): the parsed
 * `learning:` section (sf_learning_spec), the constant task-kind
 * descriptors (sf_learning_kind, one file each plus one line in
 * registry.c) and the helpers the kinds share.
 *
 * Invariant: a spec holds a value for every key of its kind's table (the
 * default where the file gave none), within the key's range; lists have at
 * least one element. A kind's instance() depends only on (spec, seed,
 * instance): the runner may call instances on any thread in any order.
 */
#ifndef SF_LEARNING_IMPL_H
#define SF_LEARNING_IMPL_H

#include "spikefield/learning.h"
#include "compare/quantity_impl.h"

#include <gsl/gsl_integration.h>
#include <stdbool.h>
#include <stdint.h>

struct fy_node;

/* Random streams of the learning module: purpose SF_RNG_LEARN, entity
 * (instance << 32) | stream; the streams of one instance: */
enum {
    SF_LS_PATTERNS = 1, /* the task's data: patterns, hands, inputs      */
    SF_LS_LABELS = 2,   /* labels                                         */
    SF_LS_INIT = 3,     /* initial weights                                */
    SF_LS_TRAIN = 4,    /* minibatch order, Langevin noise                */
    SF_LS_TEST = 5,     /* the test set                                   */
    SF_LS_NULL = 6      /* null samples of a test (the dip's uniforms)     */
};
static inline uint64_t sf_learn_entity(uint64_t instance, uint32_t stream)
{
    return (instance << 32) | stream;
}

/* The keys a kind declares (the parser reads its table). */
typedef enum {
    SF_LK_REAL = 0,   /* a number in [min, max]                           */
    SF_LK_INT = 1,    /* an integer in [min, max]                         */
    SF_LK_LIST = 2,   /* a list of numbers in [min, max] (a scalar: one)  */
    SF_LK_CHOICE = 3  /* a name out of choices ("a|b|c"); value: its index */
} sf_learning_key_kind;

typedef struct {
    const char *name;
    sf_learning_key_kind kind;
    double def;               /* default (a list: one element; a choice: index) */
    double min, max;
    const char *choices;      /* SF_LK_CHOICE: "a|b|c"                      */
    const char *doc;
    const double *def_list;   /* SF_LK_LIST: the default list (NULL: {def}) */
    int n_def_list;
} sf_learning_key;

#define SF_LEARNING_MAX_KEYS 32

typedef struct sf_learning_kind sf_learning_kind;

typedef struct sf_learning_spec {
    const sf_learning_kind *kind;
    int seeds;                       /* independent instances              */
    double v[SF_LEARNING_MAX_KEYS];  /* scalar keys, by table index        */
    double *list[SF_LEARNING_MAX_KEYS];
    int n_list[SF_LEARNING_MAX_KEYS];
} sf_learning_spec;

/* What one instance measures: n values, named by name(k). */
struct sf_learning_kind {
    const char *name, *doc;
    const sf_learning_key *keys;     /* terminated by a NULL name          */
    /* relations between keys: NULL when fine, else why not (static or
     * written into buf) */
    const char *(*check)(const sf_learning_spec *s, char *buf, size_t len);
    size_t (*n_values)(const sf_learning_spec *s);
    /* name and unit of value k (written into name) */
    void (*value_name)(const sf_learning_spec *s, size_t k, char *name, size_t len,
                       const char **unit);
    /* one instance on `threads` threads (results independent of it):
     * values[n_values] (NaN where it did not get that far); polls *stop
     * (never NULL); SF_OK also when stopped */
    sf_status (*instance)(sf_context *ctx, const sf_learning_spec *s, uint64_t seed,
                          uint64_t instance, int threads, const volatile int *stop,
                          double *values);
    /* the theory: values[n_values], NaN where it has none; notes on q */
    sf_status (*predict)(sf_context *ctx, const sf_learning_spec *s, double *values,
                         sf_quantities *q);
};

/* registry.c */
extern const sf_learning_kind sf_learning_covariance_perceptron;
extern const sf_learning_kind sf_learning_origami;
extern const sf_learning_kind sf_learning_curve;
extern const sf_learning_kind sf_learning_langevin;

/* learning_curve.c: the self-consistent kernel-regression / GP learning
 * curve E_g at P for lambda_k = k^-b and target power w_k^2 = k^-a over the
 * modes 1..K (circ: the circle's two modes per k and its tail), ridge rho,
 * label-noise variance sig2; *kappa (may be NULL) the self-consistent
 * ridge. NaN when no root is found. */
double sf_learning_curve_eg(double a, double b, double rho, double sig2, int K, bool circ, double P,
                            gsl_integration_workspace *w, double *kappa);
const sf_learning_kind *sf_learning_kind_find(const char *name);
int sf_learning_kind_count(void);
const sf_learning_kind *sf_learning_kind_at(int i);
/* "a, b, c" of the registered names */
void sf_learning_kind_names(char *buf, size_t len);

/* parse.c: reports a problem at node `where` with key path `path` (the
 * model parser's own message format: file, line, column, --set). */
typedef sf_status (*sf_learning_fail_fn)(void *user, struct fy_node *where, const char *path,
                                         sf_status code, const char *msg);
/* Parses the mapping `node` (key path "learning") into *out (owned by the
 * caller: sf_learning_spec_free). */
sf_status sf_learning_spec_parse(sf_context *ctx, struct fy_node *key, struct fy_node *node,
                                 sf_learning_fail_fn fail, void *user, sf_learning_spec **out);
void sf_learning_spec_free(sf_learning_spec *s);

#endif
