/* Feed-forward ReLU networks trained on softmax cross-entropy, over BLAS
 * (single precision: sgemm for the forward pass, the deltas and the weight
 * gradients of a minibatch), on the trainer's threads.
 *
 *   forward:  A_0 = X;  Z_{l+1} = A_l W_l^T + b_l;  A_{l+1} = ReLU(Z_{l+1})
 *             (the last layer: logits, no ReLU);  p = softmax(A_L)
 *   loss:     -(1/n) sum_s log p_s[y_s]
 *   backward: D_L = (p - onehot(y)) / n;  dW_l = D_{l+1}^T A_l;
 *             db_l = sum_s D_{l+1};  D_l = (D_{l+1} W_l) * [A_l > 0]
 *   Adam (Kingma & Ba 2015, Algorithm 1; beta1 0.9, beta2 0.999, eps 1e-8)
 *   or plain SGD.
 *
 * Threads: a minibatch is cut into chunks of samples fixed by the batch
 * size alone (CHUNK_ROWS, MAX_LANES below). Each chunk's forward pass and
 * gradient are one sequence of single-threaded BLAS calls into the chunk's
 * own gradient buffer (its lane); the threads share out whole chunks, then
 * sum the lanes in chunk order and update the parameters, each thread a
 * range of them. Two barriers a step (sf_barrier, which sleeps: a spinning
 * barrier burns the shared cores), one parallel region an epoch. The
 * evaluation passes (sf_mlp_forward) run the same chunks on the calling
 * thread.
 *
 * Invariant: the trainer's buffers are sized once for its batch; a step
 * allocates nothing; results depend only on the data, the order and the
 * initial weights, bit for bit the same for any number of threads
 * (the chunks and the order of every sum are fixed by the batch size; a
 * thread only decides where a chunk or a parameter range is computed).
 */
#include "learning/mlp.h"

#include <cblas.h>
#include <math.h>
#ifdef __AVX__
#include <immintrin.h>
#endif
#include <omp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Samples per chunk of a minibatch: a minibatch is cut into at most
 * MAX_LANES chunks of `chunk` = ceil(batch / lanes) samples, lanes =
 * ceil(batch / CHUNK_ROWS) capped at MAX_LANES, fixed by the batch size
 * alone. */
#define CHUNK_ROWS 64
#define MAX_LANES 8

struct sf_mlp_trainer {
    int batch, n_layers, threads;
    int chunk, lanes;                /* the chunks of a minibatch (above)  */
    sf_mlp_optimizer opt;
    double lr;
    long step;
    float *A[SF_MLP_MAX_LAYERS + 1]; /* activations, batch x width[l]      */
    float *D[SF_MLP_MAX_LAYERS + 1]; /* deltas                             */
    float *grad;                     /* [lanes n_params]: chunk c's gradient
                                        at grad + c n_params; lane 0 then
                                        holds their sum                     */
    float *m1, *m2;                  /* [n_params]                         */
    double *lane_loss;               /* [lanes] summed loss of chunk c     */
    int *yb;                         /* the minibatch's labels             */
    sf_barrier *bar;                 /* threads > 1                        */
};

/* libopenblas has no header for these (Debian's build) */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

/* Every product runs on OpenBLAS's one thread: its own threads cut C by
 * their number, which changes the order of some sums (docs/learning.md,
 * "Determinism over threads"). sf_context_create sets that; this puts it
 * back where a caller changed it. */
static void blas_one_thread(void)
{
    if (openblas_get_num_threads() != 1)
        openblas_set_num_threads(1);
}

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

sf_mlp_trainer *sf_mlp_trainer_create(const sf_mlp *net, int batch, sf_mlp_optimizer opt, double lr,
                                      int threads)
{
    sf_mlp_trainer *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->batch = batch, t->n_layers = net->n_layers, t->opt = opt, t->lr = lr;
    t->threads = threads > 1 ? threads : 1;
    t->lanes = (batch + CHUNK_ROWS - 1) / CHUNK_ROWS;
    t->lanes = t->lanes < MAX_LANES ? t->lanes : MAX_LANES;
    t->chunk = (batch + t->lanes - 1) / t->lanes;
    bool ok = true;
    for (int l = 0; l <= net->n_layers; l++) {
        t->A[l] = malloc(sizeof(float) * (size_t)batch * net->width[l]);
        t->D[l] = malloc(sizeof(float) * (size_t)batch * net->width[l]);
        ok &= t->A[l] && t->D[l];
    }
    t->grad = calloc(net->n_params * (size_t)t->lanes, sizeof(float));
    t->m1 = calloc(net->n_params, sizeof(float));
    t->m2 = calloc(net->n_params, sizeof(float));
    t->lane_loss = calloc((size_t)t->lanes, sizeof(double));
    t->yb = malloc(sizeof(int) * (size_t)batch);
    if (t->threads > 1)
        ok &= (t->bar = sf_barrier_create((unsigned)t->threads)) != NULL;
    if (!ok || !t->grad || !t->m1 || !t->m2 || !t->lane_loss || !t->yb) {
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
    free(t->grad), free(t->m1), free(t->m2), free(t->lane_loss), free(t->yb);
    sf_barrier_destroy(t->bar);
    free(t);
}

/* Rows r0..r0+nr of layer l + 1 into Z (ldz = width[l+1]): A_l W_l^T + b_l */
static void linear_rows(const sf_mlp_trainer *t, const sf_mlp *net, int l, int r0, int nr, float *Z)
{
    int in = net->width[l], out = net->width[l + 1];
    for (int s = 0; s < nr; s++)
        memcpy(Z + (size_t)s * out, net->b[l], sizeof(float) * (size_t)out);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nr, out, in, 1.0f, t->A[l] + (size_t)r0 * in, in,
                net->W[l], in, 1.0f, Z, out);
}

/* The forward pass of rows r0..r0+nr (A_0's rows filled) */
static void forward_rows(sf_mlp_trainer *t, const sf_mlp *net, int r0, int nr)
{
    int L = net->n_layers;
    for (int l = 0; l < L; l++) {
        int out = net->width[l + 1];
        float *Z = t->A[l + 1] + (size_t)r0 * out;
        linear_rows(t, net, l, r0, nr, Z);
        if (l + 1 < L)
            for (size_t k = 0; k < (size_t)nr * out; k++)
                Z[k] = Z[k] > 0 ? Z[k] : 0;
    }
}

void sf_mlp_forward(sf_mlp_trainer *t, const sf_mlp *net, const float *X, int n)
{
    blas_one_thread();
    memcpy(t->A[0], X, sizeof(float) * (size_t)n * net->width[0]);
    for (int r0 = 0; r0 < n; r0 += t->chunk)
        forward_rows(t, net, r0, n - r0 < t->chunk ? n - r0 : t->chunk);
}

void sf_mlp_preactivation(const sf_mlp_trainer *t, const sf_mlp *net, int l, int n, float *Z)
{
    blas_one_thread();
    int w = net->width[l];
    for (int r0 = 0; r0 < n; r0 += t->chunk)
        linear_rows(t, net, l - 1, r0, n - r0 < t->chunk ? n - r0 : t->chunk, Z + (size_t)r0 * w);
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

/* One chunk: rows r0..r0+nr of a minibatch of n (A_0's rows and the
 * labels filled): forward, the cross-entropy gradient of these rows into g
 * (the layout of params; the gradient of the minibatch's mean loss is the
 * sum over its chunks). Returns the chunk's summed loss. */
static double chunk_gradient(sf_mlp_trainer *t, const sf_mlp *net, int r0, int nr, int n, float *g)
{
    int L = net->n_layers, C = net->width[L];
    forward_rows(t, net, r0, nr);
    /* softmax and its cross-entropy gradient */
    double loss = 0;
    for (int s = r0; s < r0 + nr; s++) {
        float *z = t->A[L] + (size_t)s * C, *d = t->D[L] + (size_t)s * C, mx = z[0];
        int ys = t->yb[s];
        for (int c = 1; c < C; c++)
            mx = z[c] > mx ? z[c] : mx;
        double sum = 0;
        for (int c = 0; c < C; c++)
            sum += exp((double)(z[c] - mx));
        loss += log(sum) - (double)(z[ys] - mx);
        for (int c = 0; c < C; c++)
            d[c] = (float)(exp((double)(z[c] - mx)) / sum / n);
        d[ys] -= 1.0f / (float)n;
    }
    /* backward */
    for (int l = L - 1; l >= 0; l--) {
        int in = net->width[l], out = net->width[l + 1];
        const float *Dn = t->D[l + 1] + (size_t)r0 * out, *A = t->A[l] + (size_t)r0 * in;
        float *gW = g + (net->W[l] - net->params), *gb = g + (net->b[l] - net->params);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, out, in, nr, 1.0f, Dn, out, A, in, 0.0f, gW, in);
        memset(gb, 0, sizeof(float) * (size_t)out);
        for (int s = 0; s < nr; s++)
            cblas_saxpy(out, 1.0f, Dn + (size_t)s * out, 1, gb, 1);
        if (l > 0) {
            float *Dl = t->D[l] + (size_t)r0 * in;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nr, in, out, 1.0f, Dn, out, net->W[l], in,
                        0.0f, Dl, in);
            for (size_t k = 0; k < (size_t)nr * in; k++)
                Dl[k] = A[k] > 0 ? Dl[k] : 0;
        }
    }
    return loss;
}

/* Phase 1 of a step, thread `part` of `parts`: the chunks part, part +
 * parts, ... of the minibatch of nb samples from s0 (in the order of perm):
 * their rows gathered, their gradients into their lanes. */
static void step_chunks(sf_mlp_trainer *t, const sf_mlp *net, const float *X, const int *y, const int *perm,
                        int s0, int nb, int part, int parts)
{
    int in = net->width[0];
    size_t np = net->n_params;
    for (int c = part; c * t->chunk < nb; c += parts) {
        int r0 = c * t->chunk, nr = nb - r0 < t->chunk ? nb - r0 : t->chunk;
        for (int k = r0; k < r0 + nr; k++) {
            int s = perm ? perm[s0 + k] : s0 + k;
            memcpy(t->A[0] + (size_t)k * in, X + (size_t)s * in, sizeof(float) * (size_t)in);
            t->yb[k] = y[s];
        }
        t->lane_loss[c] = chunk_gradient(t, net, r0, nr, nb, t->grad + (size_t)c * np);
    }
}

/* Phase 2 of step number `step` (1, 2, ...), thread `part` of `parts`: its
 * range of the parameters (whole blocks of 64; the operations are per
 * parameter, so the ranges do not change the result): the chunks'
 * gradients summed in chunk order into lane 0, then the optimiser's
 * update. */
static void step_update(sf_mlp_trainer *t, sf_mlp *net, int nb, long step, int part, int parts)
{
    size_t np = net->n_params, lo = np * part / parts & ~(size_t)63,
           hi = part + 1 == parts ? np : np * (part + 1) / parts & ~(size_t)63;
    int nc = (nb + t->chunk - 1) / t->chunk;
    float *w = net->params, *g = t->grad;
    for (int c = 1; c < nc; c++) {
        const float *gc = t->grad + (size_t)c * np;
        for (size_t k = lo; k < hi; k++)
            g[k] += gc[k];
    }
    if (t->opt == SF_OPT_SGD) {
        const float a = (float)-t->lr;
        for (size_t k = lo; k < hi; k++)
            w[k] += a * g[k];
    } else {
        const float b1 = 0.9f, b2 = 0.999f;
        float c1 = (float)(1 - pow(b1, (double)step)), c2 = (float)(1 - pow(b2, (double)step));
        float a = (float)t->lr / c1, isc2 = 1.0f / sqrtf(c2);
        adam_update(hi - lo, w + lo, g + lo, t->m1 + lo, t->m2 + lo, b1, b2, a, isc2);
    }
}

/* The summed loss of the chunks of a minibatch of nb, in chunk order */
static double step_loss(const sf_mlp_trainer *t, int nb)
{
    double loss = 0;
    for (int c = 0; c * t->chunk < nb; c++)
        loss += t->lane_loss[c];
    return loss;
}

double sf_mlp_step(sf_mlp_trainer *t, sf_mlp *net, const float *X, const int *y, int n)
{
    blas_one_thread();
    step_chunks(t, net, X, y, NULL, 0, n, 0, 1);
    step_update(t, net, n, ++t->step, 0, 1);
    return step_loss(t, n) / n;
}

/* The minibatches of an epoch on thread `part` of `parts` (a barrier
 * between the phases when parts > 1); thread 0 sums the loss into *loss and
 * *seen and reads the stop flag into *halt between minibatches. */
static void epoch_part(sf_mlp_trainer *t, sf_mlp *net, const float *X, const int *y, int n,
                       const int *perm, const volatile int *stop, int part, int parts, int *halt,
                       double *loss, int *seen, long *steps)
{
    long step0 = t->step, b = 0;
    for (int s0 = 0; s0 < n && !*halt; s0 += t->batch, b++) {
        int nb = n - s0 < t->batch ? n - s0 : t->batch;
        step_chunks(t, net, X, y, perm, s0, nb, part, parts);
        if (parts > 1)
            sf_barrier_wait(t->bar);
        step_update(t, net, nb, step0 + b + 1, part, parts);
        if (part == 0) {
            *loss += step_loss(t, nb);
            *seen += nb;
            *halt = stop && *stop;
        }
        if (parts > 1)
            sf_barrier_wait(t->bar);
    }
    if (part == 0)
        *steps = b;
}

double sf_mlp_epoch(sf_mlp_trainer *t, sf_mlp *net, const float *X, const int *y, int n,
                    const int *perm, const volatile int *stop)
{
    blas_one_thread();
    double loss = 0;
    int seen = 0, halt = stop && *stop;
    long steps = 0;
    if (t->threads == 1)
        epoch_part(t, net, X, y, n, perm, stop, 0, 1, &halt, &loss, &seen, &steps);
    else {
#pragma omp parallel num_threads(t->threads)
        {
            int part = omp_get_thread_num(), parts = omp_get_num_threads();
            /* a smaller team (a nested region, a thread limit): thread 0
             * alone, with the same result */
            if (parts == t->threads)
                epoch_part(t, net, X, y, n, perm, stop, part, parts, &halt, &loss, &seen, &steps);
            else if (part == 0)
                epoch_part(t, net, X, y, n, perm, stop, 0, 1, &halt, &loss, &seen, &steps);
        }
    }
    t->step += steps;
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
