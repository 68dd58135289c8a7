/* Feed-forward ReLU networks trained on softmax cross-entropy, over BLAS
 * (single precision: sgemm for the forward pass, the deltas and the weight
 * gradients of a minibatch).
 *
 *   forward:  A_0 = X;  Z_{l+1} = A_l W_l^T + b_l;  A_{l+1} = ReLU(Z_{l+1})
 *             (the last layer: logits, no ReLU);  p = softmax(A_L)
 *   loss:     -(1/n) sum_s log p_s[y_s]
 *   backward: D_L = (p - onehot(y)) / n;  dW_l = D_{l+1}^T A_l;
 *             db_l = sum_s D_{l+1};  D_l = (D_{l+1} W_l) * [A_l > 0]
 *   Adam (Kingma & Ba 2015, Algorithm 1; beta1 0.9, beta2 0.999, eps 1e-8)
 *   or plain SGD.
 *
 * Invariant: the trainer's buffers are sized once for its batch; a step
 * allocates nothing; results depend only on the data, the order and the
 * initial weights (BLAS on one thread within a training run).
 */
#include "learning/mlp.h"

#include <cblas.h>
#include <math.h>
#ifdef __AVX__
#include <immintrin.h>
#endif
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct sf_mlp_trainer {
    int batch, n_layers;
    sf_mlp_optimizer opt;
    double lr;
    long step;
    float *A[SF_MLP_MAX_LAYERS + 1]; /* activations, batch x width[l]      */
    float *D[SF_MLP_MAX_LAYERS + 1]; /* deltas                             */
    float *grad, *m1, *m2;           /* [n_params]                         */
    float *Xb;                       /* a gathered minibatch               */
    int *yb;
};

sf_mlp *sf_mlp_create(int n_layers, const int *width, uint64_t seed, uint64_t entity)
{
    if (n_layers < 1 || n_layers > SF_MLP_MAX_LAYERS)
        return NULL;
    sf_mlp *net = calloc(1, sizeof *net);
    if (!net)
        return NULL;
    net->n_layers = n_layers;
    size_t n = 0;
    for (int l = 0; l <= n_layers; l++)
        net->width[l] = width[l];
    for (int l = 0; l < n_layers; l++)
        n += (size_t)width[l + 1] * width[l] + width[l + 1];
    net->n_params = n;
    if (!(net->params = malloc(sizeof(float) * n))) {
        free(net);
        return NULL;
    }
    size_t off = 0;
    for (int l = 0; l < n_layers; l++) {
        size_t nw = (size_t)width[l + 1] * width[l];
        net->W[l] = net->params + off;
        net->b[l] = net->params + off + nw;
        off += nw + width[l + 1];
        double sd = sqrt(2.0 / width[l]);
        sf_rng r;
        sf_rng_init(&r, seed, SF_RNG_LEARN, entity + (uint64_t)l * 0x10000);
        for (size_t k = 0; k < nw; k++)
            net->W[l][k] = (float)(sd * sf_rng_normal(&r));
        memset(net->b[l], 0, sizeof(float) * (size_t)width[l + 1]);
    }
    return net;
}

void sf_mlp_destroy(sf_mlp *net)
{
    if (!net)
        return;
    free(net->params);
    free(net);
}

sf_mlp_trainer *sf_mlp_trainer_create(const sf_mlp *net, int batch, sf_mlp_optimizer opt, double lr)
{
    sf_mlp_trainer *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->batch = batch, t->n_layers = net->n_layers, t->opt = opt, t->lr = lr;
    bool ok = true;
    for (int l = 0; l <= net->n_layers; l++) {
        t->A[l] = malloc(sizeof(float) * (size_t)batch * net->width[l]);
        t->D[l] = malloc(sizeof(float) * (size_t)batch * net->width[l]);
        ok &= t->A[l] && t->D[l];
    }
    t->grad = calloc(net->n_params, sizeof(float));
    t->m1 = calloc(net->n_params, sizeof(float));
    t->m2 = calloc(net->n_params, sizeof(float));
    t->Xb = malloc(sizeof(float) * (size_t)batch * net->width[0]);
    t->yb = malloc(sizeof(int) * (size_t)batch);
    if (!ok || !t->grad || !t->m1 || !t->m2 || !t->Xb || !t->yb) {
        sf_mlp_trainer_destroy(t);
        return NULL;
    }
    return t;
}

void sf_mlp_trainer_destroy(sf_mlp_trainer *t)
{
    if (!t)
        return;
    for (int l = 0; l <= SF_MLP_MAX_LAYERS; l++)
        free(t->A[l]), free(t->D[l]);
    free(t->grad), free(t->m1), free(t->m2), free(t->Xb), free(t->yb);
    free(t);
}

void sf_mlp_forward(sf_mlp_trainer *t, const sf_mlp *net, const float *X, int n)
{
    int L = net->n_layers;
    memcpy(t->A[0], X, sizeof(float) * (size_t)n * net->width[0]);
    for (int l = 0; l < L; l++) {
        int in = net->width[l], out = net->width[l + 1];
        float *Z = t->A[l + 1];
        for (int s = 0; s < n; s++)
            memcpy(Z + (size_t)s * out, net->b[l], sizeof(float) * (size_t)out);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, out, in, 1.0f, t->A[l], in,
                    net->W[l], in, 1.0f, Z, out);
        if (l + 1 < L)
            for (size_t k = 0; k < (size_t)n * out; k++)
                Z[k] = Z[k] > 0 ? Z[k] : 0;
    }
}

const float *sf_mlp_activation(const sf_mlp_trainer *t, int l)
{
    return t->A[l];
}

/* Adam's moment and weight update over the n parameters. GCC does not
 * vectorise sqrtf under errno semantics, so the AVX path does it by hand;
 * sqrt and division are correctly rounded and the multiplies and adds are
 * kept separate (no FMA), as the scalar loop computes them under -std=c11,
 * so both paths give the same result bit for bit (bench_learning's weight
 * checksum is unchanged). */
static void adam_update(size_t n, float *restrict w, const float *restrict g, float *restrict m1,
                        float *restrict m2, float b1, float b2, float a, float isc2)
{
    size_t k = 0;
#ifdef __AVX__
    const __m256 vb1 = _mm256_set1_ps(b1), vc1 = _mm256_set1_ps(1 - b1), vb2 = _mm256_set1_ps(b2),
                 vc2 = _mm256_set1_ps(1 - b2), va = _mm256_set1_ps(a), vi = _mm256_set1_ps(isc2),
                 ve = _mm256_set1_ps(1e-8f);
    for (; k + 8 <= n; k += 8) {
        __m256 gk = _mm256_loadu_ps(g + k);
        __m256 p1 = _mm256_add_ps(_mm256_mul_ps(vb1, _mm256_loadu_ps(m1 + k)), _mm256_mul_ps(vc1, gk));
        __m256 p2 = _mm256_add_ps(_mm256_mul_ps(vb2, _mm256_loadu_ps(m2 + k)),
                                  _mm256_mul_ps(_mm256_mul_ps(vc2, gk), gk));
        _mm256_storeu_ps(m1 + k, p1), _mm256_storeu_ps(m2 + k, p2);
        __m256 den = _mm256_add_ps(_mm256_mul_ps(_mm256_sqrt_ps(p2), vi), ve);
        _mm256_storeu_ps(w + k, _mm256_sub_ps(_mm256_loadu_ps(w + k), _mm256_div_ps(_mm256_mul_ps(va, p1), den)));
    }
#endif
    for (; k < n; k++) {
        m1[k] = b1 * m1[k] + (1 - b1) * g[k];
        m2[k] = b2 * m2[k] + (1 - b2) * g[k] * g[k];
        w[k] -= a * m1[k] / (sqrtf(m2[k]) * isc2 + 1e-8f);
    }
}

double sf_mlp_step(sf_mlp_trainer *t, sf_mlp *net, const float *X, const int *y, int n)
{
    int L = net->n_layers, C = net->width[L];
    sf_mlp_forward(t, net, X, n);
    /* softmax and its cross-entropy gradient */
    double loss = 0;
    float *P = t->A[L], *D = t->D[L];
    for (int s = 0; s < n; s++) {
        float *z = P + (size_t)s * C, *d = D + (size_t)s * C, mx = z[0];
        for (int c = 1; c < C; c++)
            mx = z[c] > mx ? z[c] : mx;
        double sum = 0;
        for (int c = 0; c < C; c++)
            sum += exp((double)(z[c] - mx));
        loss += log(sum) - (double)(z[y[s]] - mx);
        for (int c = 0; c < C; c++)
            d[c] = (float)(exp((double)(z[c] - mx)) / sum / n);
        d[y[s]] -= 1.0f / (float)n;
    }
    /* backward into grad (same layout as params) */
    for (int l = L - 1; l >= 0; l--) {
        int in = net->width[l], out = net->width[l + 1];
        float *gW = t->grad + (net->W[l] - net->params), *gb = t->grad + (net->b[l] - net->params);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, out, in, n, 1.0f, t->D[l + 1], out,
                    t->A[l], in, 0.0f, gW, in);
        memset(gb, 0, sizeof(float) * (size_t)out);
        for (int s = 0; s < n; s++)
            cblas_saxpy(out, 1.0f, t->D[l + 1] + (size_t)s * out, 1, gb, 1);
        if (l > 0) {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, in, out, 1.0f, t->D[l + 1],
                        out, net->W[l], in, 0.0f, t->D[l], in);
            const float *A = t->A[l];
            for (size_t k = 0; k < (size_t)n * in; k++)
                t->D[l][k] = A[k] > 0 ? t->D[l][k] : 0;
        }
    }
    t->step++;
    size_t np = net->n_params;
    float *w = net->params, *g = t->grad;
    if (t->opt == SF_OPT_SGD) {
        cblas_saxpy((int)np, (float)-t->lr, g, 1, w, 1);
    } else {
        const float b1 = 0.9f, b2 = 0.999f;
        float c1 = (float)(1 - pow(b1, (double)t->step)), c2 = (float)(1 - pow(b2, (double)t->step));
        float a = (float)t->lr / c1, isc2 = 1.0f / sqrtf(c2);
        adam_update(np, w, g, t->m1, t->m2, b1, b2, a, isc2);
    }
    return loss / n;
}

double sf_mlp_epoch(sf_mlp_trainer *t, sf_mlp *net, const float *X, const int *y, int n,
                    const int *perm, const volatile int *stop)
{
    int in = net->width[0];
    double loss = 0;
    int seen = 0;
    for (int s0 = 0; s0 < n && !(stop && *stop); s0 += t->batch) {
        int nb = n - s0 < t->batch ? n - s0 : t->batch;
        for (int k = 0; k < nb; k++) {
            int s = perm ? perm[s0 + k] : s0 + k;
            memcpy(t->Xb + (size_t)k * in, X + (size_t)s * in, sizeof(float) * (size_t)in);
            t->yb[k] = y[s];
        }
        loss += sf_mlp_step(t, net, t->Xb, t->yb, nb) * nb;
        seen += nb;
    }
    return seen ? loss / seen : NAN;
}

double sf_mlp_accuracy(sf_mlp_trainer *t, const sf_mlp *net, const float *X, const int *y, int n)
{
    int L = net->n_layers, C = net->width[L], in = net->width[0], right = 0;
    for (int s0 = 0; s0 < n; s0 += t->batch) {
        int nb = n - s0 < t->batch ? n - s0 : t->batch;
        sf_mlp_forward(t, net, X + (size_t)s0 * in, nb);
        for (int s = 0; s < nb; s++) {
            const float *z = t->A[L] + (size_t)s * C;
            int best = 0;
            for (int c = 1; c < C; c++)
                best = z[c] > z[best] ? c : best;
            right += best == y[s0 + s];
        }
    }
    return n ? (double)right / n : NAN;
}
