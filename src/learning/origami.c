/* Task kind `origami`: ReLU networks that fold data (Keup & Helias,
 * "Origami in N dimensions", arXiv:2203.11355, 2022), on poker hands
 * generated from the rules of poker (poker.c) in the UCI encoding.
 *
 * An instance draws a training and a test set (variant uci: uniform ordered
 * hands, 10 classes; balanced: each class equally often, uniform within the
 * class; binary: "nothing" vs "a pair or better" of uniform hands), trains a
 * ReLU network (mlp.c) with Adam or SGD on minibatches, and measures the
 * test accuracy, the final training loss, the class fractions of its
 * training set, and at the epochs listed in `measure` the fraction of
 * hidden units per layer whose activation distribution over the test set
 * is bimodal by Sarle's coefficient b = (g^2 + 1) / (k + 3) > 5/9 (g the
 * skewness, k the excess kurtosis; SAS's definition without the small-sample
 * correction, negligible for the >= 1000 test hands used; a constant unit
 * counts as not bimodal). The rise of that fraction from the first to the
 * last measured epoch is the paper's qualitative prediction (it rises, more
 * in deeper layers); the one-sided test over instances is in
 * tests/unit/test_learning.c and docs/learning.md.
 *
 * Invariant: an instance depends only on (seed, instance, spec); an
 * interrupted training is measured as it stands.
 */
#include "learning/learning_impl.h"
#include "learning/mlp.h"
#include "learning/poker.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OG_VARIANT, OG_LAYERS, OG_EPOCHS, OG_BATCH, OG_LR, OG_OPT, OG_TRAIN, OG_TEST, OG_MEASURE, OG_NKEYS };
enum { VAR_UCI, VAR_BALANCED, VAR_BINARY };

static const double default_layers[] = {200, 200, 200};
static const double default_measure[] = {0, 10};

static const sf_learning_key keys[] = {
    [OG_VARIANT] = {"variant", SF_LK_CHOICE, VAR_UCI, 0, 2, "uci|balanced|binary",
                    "the task: 10 classes of uniform hands, of balanced classes, or nothing vs pair-or-better", NULL, 0},
    [OG_LAYERS] = {"layers", SF_LK_LIST, 200, 1, 100000, NULL, "widths of the hidden ReLU layers", default_layers, 3},
    [OG_EPOCHS] = {"epochs", SF_LK_INT, 10, 0, 1e6, NULL, "training epochs", NULL, 0},
    [OG_BATCH] = {"batch", SF_LK_INT, 128, 1, 1e6, NULL, "minibatch size", NULL, 0},
    [OG_LR] = {"lr", SF_LK_REAL, 1e-3, 1e-12, 100, NULL, "learning rate", NULL, 0},
    [OG_OPT] = {"optimizer", SF_LK_CHOICE, SF_OPT_ADAM, 0, 1, "adam|sgd", "Adam or plain SGD", NULL, 0},
    [OG_TRAIN] = {"train", SF_LK_INT, 25010, 1, 1e8, NULL, "training hands (UCI: 25,010)", NULL, 0},
    [OG_TEST] = {"test", SF_LK_INT, 10000, 10, 1e8, NULL, "test hands", NULL, 0},
    [OG_MEASURE] = {"measure", SF_LK_LIST, 0, 0, 1e6, NULL, "epochs at which the tuning curves are measured", default_measure, 2},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL, 0},
};

static int n_classes(const sf_learning_spec *s)
{
    return (int)s->v[OG_VARIANT] == VAR_BINARY ? 2 : SF_POKER_CLASSES;
}

static const char *check(const sf_learning_spec *s, char *buf, size_t len)
{
    if (s->n_list[OG_LAYERS] + 1 > SF_MLP_MAX_LAYERS)
        return "origami: at most 15 hidden layers";
    for (int i = 0; i < s->n_list[OG_LAYERS]; i++)
        if (s->list[OG_LAYERS][i] != floor(s->list[OG_LAYERS][i]))
            return "origami: layers are whole numbers (widths)";
    for (int i = 0; i < s->n_list[OG_MEASURE]; i++)
        if (s->list[OG_MEASURE][i] > s->v[OG_EPOCHS] || s->list[OG_MEASURE][i] != floor(s->list[OG_MEASURE][i]) ||
            (i && s->list[OG_MEASURE][i] <= s->list[OG_MEASURE][i - 1])) {
            snprintf(buf, len, "origami: measure lists increasing whole epochs of 0..epochs (%g)",
                     s->v[OG_EPOCHS]);
            return buf;
        }
    return NULL;
}

/* values: accuracy, loss, C class fractions, hidden x measures fractions,
 * hidden rises */
static size_t n_values(const sf_learning_spec *s)
{
    size_t H = (size_t)s->n_list[OG_LAYERS], M = (size_t)s->n_list[OG_MEASURE];
    return 2 + (size_t)n_classes(s) + H * M + H;
}

static void value_name(const sf_learning_spec *s, size_t k, char *name, size_t len, const char **unit)
{
    size_t C = (size_t)n_classes(s), H = (size_t)s->n_list[OG_LAYERS], M = (size_t)s->n_list[OG_MEASURE];
    *unit = "";
    if (k == 0)
        snprintf(name, len, "test_accuracy");
    else if (k == 1)
        snprintf(name, len, "train_loss");
    else if (k < 2 + C)
        snprintf(name, len, "class_fraction[%zu]", k - 2);
    else if (k < 2 + C + H * M) {
        size_t q = k - 2 - C;
        snprintf(name, len, "bimodal_fraction[layer=%zu,epoch=%g]", q / M + 1,
                 s->list[OG_MEASURE][q % M]);
    } else
        snprintf(name, len, "bimodal_rise[layer=%zu]", k - 2 - C - H * M + 1);
}

/* Hands of the variant into X (n x 85) and y, from stream `stream`. */
static void deal(const sf_learning_spec *s, uint64_t seed, uint64_t inst, uint32_t stream, int n,
                 float *X, int *y)
{
    sf_rng r;
    sf_rng_init(&r, seed, SF_RNG_LEARN, sf_learn_entity(inst, stream));
    int var = (int)s->v[OG_VARIANT];
    for (int i = 0; i < n; i++) {
        sf_poker_hand h;
        if (var == VAR_BALANCED)
            sf_poker_deal_class(&r, (int)sf_rng_below(&r, SF_POKER_CLASSES), &h);
        else
            sf_poker_deal(&r, &h);
        int c = sf_poker_class(&h);
        y[i] = var == VAR_BINARY ? c > 0 : c;
        sf_poker_encode(&h, X + (size_t)i * SF_POKER_INPUTS);
    }
}

/* Fraction of bimodal units (Sarle) of each hidden layer over X. */
static void bimodality(sf_mlp_trainer *t, const sf_mlp *net, const float *X, int n, int batch,
                       double *mom, double *frac)
{
    int L = net->n_layers;
    for (int l = 1; l < L; l++) {
        int w = net->width[l];
        memset(mom, 0, sizeof(double) * 4 * (size_t)w);
        /* two passes: the mean, then central moments */
        for (int pass = 0; pass < 2; pass++)
            for (int s0 = 0; s0 < n; s0 += batch) {
                int nb = n - s0 < batch ? n - s0 : batch;
                sf_mlp_forward(t, net, X + (size_t)s0 * SF_POKER_INPUTS, nb);
                const float *A = sf_mlp_activation(t, l);
                for (int s = 0; s < nb; s++)
                    for (int u = 0; u < w; u++) {
                        double a = A[(size_t)s * w + u];
                        if (pass == 0)
                            mom[4 * u] += a / n;
                        else {
                            double d = a - mom[4 * u], d2 = d * d;
                            mom[4 * u + 1] += d2 / n, mom[4 * u + 2] += d2 * d / n,
                                mom[4 * u + 3] += d2 * d2 / n;
                        }
                    }
            }
        int bim = 0;
        for (int u = 0; u < w; u++) {
            double m2 = mom[4 * u + 1], m3 = mom[4 * u + 2], m4 = mom[4 * u + 3];
            if (!(m2 > 1e-12 * (1 + mom[4 * u] * mom[4 * u])))
                continue;
            double g = m3 / pow(m2, 1.5), b = (g * g + 1) / (m4 / (m2 * m2));
            bim += b > 5.0 / 9.0;
        }
        frac[l - 1] = (double)bim / w;
    }
}

static sf_status instance(sf_context *ctx, const sf_learning_spec *s, uint64_t seed, uint64_t inst,
                          int threads, const volatile int *stop, double *values)
{
    (void)threads;
    int ntr = (int)s->v[OG_TRAIN], nte = (int)s->v[OG_TEST], C = n_classes(s);
    int H = s->n_list[OG_LAYERS], M = s->n_list[OG_MEASURE], batch = (int)s->v[OG_BATCH];
    int nbim = nte < 2000 ? nte : 2000; /* test hands for the tuning curves */
    int width[SF_MLP_MAX_LAYERS + 1], maxw = 0;
    width[0] = SF_POKER_INPUTS;
    for (int l = 0; l < H; l++)
        width[l + 1] = (int)s->list[OG_LAYERS][l], maxw = width[l + 1] > maxw ? width[l + 1] : maxw;
    width[H + 1] = C;
    float *Xtr = malloc(sizeof(float) * SF_POKER_INPUTS * (size_t)ntr),
          *Xte = malloc(sizeof(float) * SF_POKER_INPUTS * (size_t)nte);
    int *ytr = malloc(sizeof(int) * (size_t)ntr), *yte = malloc(sizeof(int) * (size_t)nte),
        *perm = malloc(sizeof(int) * (size_t)ntr);
    double *mom = malloc(sizeof(double) * 4 * (size_t)maxw), *frac = malloc(sizeof(double) * (size_t)H);
    sf_mlp *net = sf_mlp_create(H + 1, width, seed, sf_learn_entity(inst, SF_LS_INIT) << 8);
    sf_mlp_trainer *t = net ? sf_mlp_trainer_create(net, batch, (sf_mlp_optimizer)s->v[OG_OPT], s->v[OG_LR]) : NULL;
    sf_status st = SF_OK;
    if (!Xtr || !Xte || !ytr || !yte || !perm || !mom || !frac || !t) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory (origami: %d training hands)", ntr);
        goto out;
    }
    deal(s, seed, inst, SF_LS_PATTERNS, ntr, Xtr, ytr);
    deal(s, seed, inst, SF_LS_TEST, nte, Xte, yte);
    for (int c = 0; c < C; c++) {
        int k = 0;
        for (int i = 0; i < ntr; i++)
            k += ytr[i] == c;
        values[2 + c] = (double)k / ntr;
    }
    double *bf = values + 2 + C, loss = NAN;
    sf_rng r;
    sf_rng_init(&r, seed, SF_RNG_LEARN, sf_learn_entity(inst, SF_LS_TRAIN));
    int mi = 0, E = (int)s->v[OG_EPOCHS];
    for (int e = 0; e <= E; e++) {
        if (mi < M && (int)s->list[OG_MEASURE][mi] == e) {
            bimodality(t, net, Xte, nbim, batch, mom, frac);
            for (int l = 0; l < H; l++)
                bf[(size_t)l * M + mi] = frac[l];
            mi++;
        }
        if (e == E || *stop)
            break;
        for (int i = 0; i < ntr; i++)
            perm[i] = i;
        for (int i = ntr - 1; i > 0; i--) {
            int j = (int)sf_rng_below(&r, (uint64_t)i + 1), x = perm[i];
            perm[i] = perm[j], perm[j] = x;
        }
        loss = sf_mlp_epoch(t, net, Xtr, ytr, ntr, perm, stop);
    }
    values[0] = sf_mlp_accuracy(t, net, Xte, yte, nte);
    values[1] = loss;
    for (int l = 0; l < H; l++)
        values[2 + C + (size_t)H * M + l] = bf[(size_t)l * M + M - 1] - bf[(size_t)l * M];
out:
    free(Xtr), free(Xte), free(ytr), free(yte), free(perm), free(mom), free(frac);
    sf_mlp_trainer_destroy(t);
    sf_mlp_destroy(net);
    return st;
}

static sf_status predict(sf_context *ctx, const sf_learning_spec *s, double *values, sf_quantities *q)
{
    int var = (int)s->v[OG_VARIANT];
    double total = 2598960;
    for (int c = 0; c < n_classes(s); c++)
        values[2 + c] = var == VAR_BALANCED ? 1.0 / SF_POKER_CLASSES
                        : var == VAR_UCI    ? sf_poker_class_count(c) / total
                        : c == 0            ? sf_poker_class_count(0) / total
                                            : 1 - sf_poker_class_count(0) / total;
    if (sf_quantities_note(q, "class fractions: exact counts of five-card hands (C(52,5) = 2598960); "
                              "no theory for the accuracy; the paper predicts qualitatively that the "
                              "bimodal fraction rises during training, more in deeper layers"))
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    return SF_OK;
}

const sf_learning_kind sf_learning_origami = {
    .name = "origami",
    .doc = "ReLU networks folding poker hands; bimodal tuning curves (Keup & Helias 2022)",
    .keys = keys,
    .check = check,
    .n_values = n_values,
    .value_name = value_name,
    .instance = instance,
    .predict = predict,
};
