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
 * counts as not bimodal); the fraction whose pre-activation over the same
 * hands is bimodal by Hartigan's dip test (p < 0.05 against 500 uniform
 * samples, dip.c); and the fraction with a bimodal tuning curve: the mean
 * activation over all test hands conditioned on a hand feature (class,
 * distinct ranks, largest suit count) has a trough more than 3 standard
 * errors below a smaller and a larger feature value. The rise of each
 * fraction from the first to the last measured epoch is the paper's
 * qualitative prediction (it rises, more in deeper layers); the one-sided
 * test over instances is in tests/validation/val_learning.sh and
 * docs/learning.md.
 *
 * Invariant: an instance depends only on (seed, instance, spec); an
 * interrupted training is measured as it stands.
 */
#include "learning/dip.h"
#include "learning/learning_impl.h"
#include "learning/mlp.h"
#include "learning/poker.h"

#include <math.h>
#include <stdbool.h>
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

/* values: accuracy, loss, C class fractions, then for each of the
 * bimodality measures (Sarle, dip, tuning): hidden x measures fractions and
 * hidden rises */
enum { BM_SARLE, BM_DIP, BM_TUNING, BM_N };
static const char *const bm_name[BM_N] = {"bimodal", "dip", "tuning"};

static size_t n_values(const sf_learning_spec *s)
{
    size_t H = (size_t)s->n_list[OG_LAYERS], M = (size_t)s->n_list[OG_MEASURE];
    return 2 + (size_t)n_classes(s) + BM_N * (H * M + H);
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
    else {
        size_t q = k - 2 - C, b = q / (H * M + H);
        q %= H * M + H;
        if (q < H * M)
            snprintf(name, len, "%s_fraction[layer=%zu,epoch=%g]", bm_name[b], q / M + 1,
                     s->list[OG_MEASURE][q % M]);
        else
            snprintf(name, len, "%s_rise[layer=%zu]", bm_name[b], q - H * M + 1);
    }
}

/* Hands of the variant into X (n x 85) and y, from stream `stream`. */
static void hand_features(const sf_poker_hand *h, int *f);

static void deal(const sf_learning_spec *s, uint64_t seed, uint64_t inst, uint32_t stream, int n,
                 float *X, int *y, int (*feat)[3])
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
        if (feat)
            hand_features(&h, feat[i]);
    }
}

/* Hand features for the tuning curves: the class, the number of distinct
 * ranks (2..5) and the largest number of cards of one suit (2..5). */
enum { FEAT_CLASS, FEAT_RANKS, FEAT_SUIT, FEAT_N };
_Static_assert(FEAT_N == 3, "deal() stores 3 features per hand");
#define FEAT_VALUES 10
#define TUNING_MIN_HANDS 30 /* feature values seen less often are left out */
#define TUNING_Z 3.0        /* a dip of the tuning curve: z > 3 on each side */
#define DIP_HANDS 2000
#define DIP_REPS 500
#define DIP_ALPHA 0.05

static void hand_features(const sf_poker_hand *h, int *f)
{
    int rc[14] = {0}, sc[5] = {0}, dr = 0, ms = 0;
    for (int i = 0; i < 5; i++)
        rc[h->rank[i]]++, sc[h->suit[i]]++;
    for (int r = 1; r <= 13; r++)
        dr += rc[r] > 0;
    for (int q = 1; q <= 4; q++)
        ms = sc[q] > ms ? sc[q] : ms;
    f[FEAT_CLASS] = sf_poker_class(h), f[FEAT_RANKS] = dr, f[FEAT_SUIT] = ms;
}

typedef struct {
    double *mom;      /* [4 maxw] Sarle's moments                          */
    double *Z;        /* [DIP_HANDS maxw] pre-activations, one layer        */
    double *col;      /* [DIP_HANDS] one unit's, sorted                     */
    int *dipw;        /* [4 (DIP_HANDS + 1)]                                */
    double *null;     /* [DIP_REPS] the uniform null of the dip             */
    double *tun;      /* [3 FEAT_N FEAT_VALUES maxw] count, sum, sum^2     */
    float *zb;        /* [batch maxw] a batch's pre-activations             */
    int nd;           /* hands in the dip sample                            */
} bm_ws;

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* True when unit u's tuning curve on some feature has a significant dip:
 * values v1 < v2 < v3 (each seen >= TUNING_MIN_HANDS times) with the mean
 * response at v2 below those at v1 and at v3 by more than TUNING_Z
 * standard errors of the difference. */
static bool tuning_bimodal(const double *tun, int w, int u)
{
    for (int f = 0; f < FEAT_N; f++) {
        double mean[FEAT_VALUES], se2[FEAT_VALUES];
        int ok[FEAT_VALUES];
        for (int v = 0; v < FEAT_VALUES; v++) {
            const double *t = tun + (((size_t)f * FEAT_VALUES + v) * 3) * w;
            double n = t[u], s1 = t[w + u], s2 = t[2 * w + u];
            ok[v] = n >= TUNING_MIN_HANDS;
            if (ok[v]) {
                mean[v] = s1 / n;
                double var = fmax(s2 / n - mean[v] * mean[v], 0) * n / (n - 1);
                se2[v] = var / n;
            }
        }
        for (int b = 0; b < FEAT_VALUES; b++) {
            if (!ok[b])
                continue;
            bool left = false, right = false;
            for (int a = 0; a < b && !left; a++)
                left = ok[a] && mean[a] - mean[b] > TUNING_Z * sqrt(se2[a] + se2[b]);
            for (int c = b + 1; c < FEAT_VALUES && !right; c++)
                right = ok[c] && mean[c] - mean[b] > TUNING_Z * sqrt(se2[c] + se2[b]);
            if (left && right)
                return true;
        }
    }
    return false;
}

/* The three bimodality measures of each hidden layer (frac[BM_N][H]):
 * Sarle's coefficient of the activation over the first nd hands; the dip
 * test (p < DIP_ALPHA) of the pre-activation over the same hands; tuning
 * curves of the activation conditioned on the hand features, over all n
 * hands. */
static void bimodality(sf_mlp_trainer *t, const sf_mlp *net, const float *X, const int (*feat)[FEAT_N],
                       int n, int batch, bm_ws *ws, double (*frac)[SF_MLP_MAX_LAYERS])
{
    int L = net->n_layers, nd = ws->nd;
    for (int l = 1; l < L; l++) {
        int w = net->width[l];
        double *mom = ws->mom;
        memset(mom, 0, sizeof(double) * 4 * (size_t)w);
        memset(ws->tun, 0, sizeof(double) * 3 * FEAT_N * FEAT_VALUES * (size_t)w);
        /* pass 0: Sarle's means, the pre-activations and the tuning sums;
         * pass 1: Sarle's central moments */
        for (int pass = 0; pass < 2; pass++)
            for (int s0 = 0, lim = pass ? nd : n; s0 < lim; s0 += batch) {
                int nb = lim - s0 < batch ? lim - s0 : batch;
                sf_mlp_forward(t, net, X + (size_t)s0 * SF_POKER_INPUTS, nb);
                const float *A = sf_mlp_activation(t, l);
                if (pass == 0) /* Z = A_{l-1} W_{l-1}^T + b_{l-1} */
                    sf_mlp_preactivation(t, net, l, nb, ws->zb);
                for (int s = 0; s < nb; s++) {
                    int i = s0 + s;
                    for (int u = 0; u < w; u++) {
                        double a = A[(size_t)s * w + u];
                        if (pass == 1) {
                            double d = a - mom[4 * u], d2 = d * d;
                            mom[4 * u + 1] += d2 / nd, mom[4 * u + 2] += d2 * d / nd,
                                mom[4 * u + 3] += d2 * d2 / nd;
                            continue;
                        }
                        if (i < nd) {
                            mom[4 * u] += a / nd;
                            ws->Z[(size_t)u * nd + i] = ws->zb[(size_t)s * w + u];
                        }
                        for (int f = 0; f < FEAT_N; f++) {
                            double *tu = ws->tun + (((size_t)f * FEAT_VALUES + feat[i][f]) * 3) * w;
                            tu[u] += 1, tu[w + u] += a, tu[2 * w + u] += a * a;
                        }
                    }
                }
            }
        int bim = 0, dip = 0, tun = 0;
        for (int u = 0; u < w; u++) {
            double m2 = mom[4 * u + 1], m3 = mom[4 * u + 2], m4 = mom[4 * u + 3];
            if (m2 > 1e-12 * (1 + mom[4 * u] * mom[4 * u])) {
                double g = m3 / pow(m2, 1.5), b = (g * g + 1) / (m4 / (m2 * m2));
                bim += b > 5.0 / 9.0;
            }
            memcpy(ws->col, ws->Z + (size_t)u * nd, sizeof(double) * (size_t)nd);
            qsort(ws->col, (size_t)nd, sizeof(double), cmp_d);
            dip += sf_dip_pvalue(sf_dip(ws->col, nd, ws->dipw), ws->null, DIP_REPS) < DIP_ALPHA;
            tun += tuning_bimodal(ws->tun, w, u);
        }
        frac[BM_SARLE][l - 1] = (double)bim / w;
        frac[BM_DIP][l - 1] = (double)dip / w;
        frac[BM_TUNING][l - 1] = (double)tun / w;
    }
}

static sf_status instance(sf_context *ctx, const sf_learning_spec *s, uint64_t seed, uint64_t inst,
                          int threads, const volatile int *stop, double *values)
{
    int ntr = (int)s->v[OG_TRAIN], nte = (int)s->v[OG_TEST], C = n_classes(s);
    int H = s->n_list[OG_LAYERS], M = s->n_list[OG_MEASURE], batch = (int)s->v[OG_BATCH];
    int nbim = nte < DIP_HANDS ? nte : DIP_HANDS; /* Sarle and dip: the first nbim test hands */
    int width[SF_MLP_MAX_LAYERS + 1], maxw = 0;
    width[0] = SF_POKER_INPUTS;
    for (int l = 0; l < H; l++)
        width[l + 1] = (int)s->list[OG_LAYERS][l], maxw = width[l + 1] > maxw ? width[l + 1] : maxw;
    width[H + 1] = C;
    float *Xtr = malloc(sizeof(float) * SF_POKER_INPUTS * (size_t)ntr),
          *Xte = malloc(sizeof(float) * SF_POKER_INPUTS * (size_t)nte);
    int *ytr = malloc(sizeof(int) * (size_t)ntr), *yte = malloc(sizeof(int) * (size_t)nte),
        *perm = malloc(sizeof(int) * (size_t)ntr);
    int(*feat)[FEAT_N] = malloc(sizeof *feat * (size_t)nte);
    bm_ws bw = {
        .mom = malloc(sizeof(double) * 4 * (size_t)maxw),
        .Z = malloc(sizeof(double) * (size_t)nbim * maxw),
        .col = malloc(sizeof(double) * (size_t)nbim),
        .dipw = malloc(sizeof(int) * 4 * ((size_t)nbim + 1)),
        .null = malloc(sizeof(double) * DIP_REPS),
        .tun = malloc(sizeof(double) * 3 * FEAT_N * FEAT_VALUES * (size_t)maxw),
        .zb = malloc(sizeof(float) * (size_t)batch * maxw),
        .nd = nbim,
    };
    double frac[BM_N][SF_MLP_MAX_LAYERS];
    sf_mlp *net = sf_mlp_create(H + 1, width, seed, sf_learn_entity(inst, SF_LS_INIT) << 8);
    sf_mlp_trainer *t =
        net ? sf_mlp_trainer_create(net, batch, (sf_mlp_optimizer)s->v[OG_OPT], s->v[OG_LR], threads) : NULL;
    sf_status st = SF_OK;
    if (!Xtr || !Xte || !ytr || !yte || !perm || !feat || !bw.mom || !bw.Z || !bw.col || !bw.dipw ||
        !bw.null || !bw.tun || !bw.zb || !t ||
        sf_dip_null(seed, sf_learn_entity(inst, SF_LS_NULL), nbim, DIP_REPS, bw.null)) {
        st = sf_fail(ctx, SF_ERR_NOMEM, "out of memory (origami: %d training hands)", ntr);
        goto out;
    }
    deal(s, seed, inst, SF_LS_PATTERNS, ntr, Xtr, ytr, NULL);
    deal(s, seed, inst, SF_LS_TEST, nte, Xte, yte, feat);
    for (int c = 0; c < C; c++) {
        int k = 0;
        for (int i = 0; i < ntr; i++)
            k += ytr[i] == c;
        values[2 + c] = (double)k / ntr;
    }
    /* measure b's fractions at [b][layer][measure], its rises after them */
    double *bf = values + 2 + C, loss = NAN;
    size_t bstride = (size_t)H * M + H;
    sf_rng r;
    sf_rng_init(&r, seed, SF_RNG_LEARN, sf_learn_entity(inst, SF_LS_TRAIN));
    int mi = 0, E = (int)s->v[OG_EPOCHS];
    for (int e = 0; e <= E; e++) {
        if (mi < M && (int)s->list[OG_MEASURE][mi] == e) {
            bimodality(t, net, Xte, (const int(*)[FEAT_N])feat, nte, batch, &bw, frac);
            for (int b = 0; b < BM_N; b++)
                for (int l = 0; l < H; l++)
                    bf[b * bstride + (size_t)l * M + mi] = frac[b][l];
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
    for (int b = 0; b < BM_N; b++)
        for (int l = 0; l < H; l++) {
            double *f = bf + b * bstride;
            f[(size_t)H * M + l] = f[(size_t)l * M + M - 1] - f[(size_t)l * M];
        }
out:
    free(Xtr), free(Xte), free(ytr), free(yte), free(perm), free(feat);
    free(bw.mom), free(bw.Z), free(bw.col), free(bw.dipw), free(bw.null), free(bw.tun), free(bw.zb);
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
