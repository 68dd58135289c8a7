/* Benchmark of the origami trainer (src/learning/mlp.c): one epoch over
 * 25,010 poker hands (the size of the UCI training set) with an
 * 85-200-200-200-10 ReLU network, Adam, minibatches of BATCH, with the
 * trainer on 1 and 2 threads, as origami runs it (the minibatch in chunks
 * fixed by the batch size, shared by the threads, every product on
 * OpenBLAS's one thread); against the machine's measured sgemm peak (a
 * 2048^3 sgemm on OpenBLAS's own 1 and 2 threads). Also checks that the
 * epoch gives bit-identical weights on 1, 2 and 3 threads, and prints the
 * 1-thread loss and an FNV-1a checksum of the 1-thread weights. (Until
 * round 4 this ran the trainer on OpenBLAS's own threads, which the module
 * never did, and said they gave the same weights because "OpenBLAS's sgemm
 * splits rows and columns of the result between threads, never the sum
 * over k". They do not: the split changes the order in which some elements
 * are summed. See docs/learning.md, "Determinism over threads".)
 *
 *   usage: bench_learning [BATCH [REPS]]
 *
 * Prints one JSON line (docs/learning.md): epoch seconds per thread count,
 * GFLOP/s of the epoch (6 flops per weight and sample: forward, the weight
 * gradient and the deltas, less the input layer's deltas), the sgemm peak,
 * the fraction of it, the target (< 0.5 s on 2 threads) and whether it is
 * met. On a shared machine the wall time measures the load as much as the
 * code: the process CPU time of each epoch (all threads) and the load
 * average at the start are printed beside it, and the sgemm peak is
 * measured under the same load (GFLOP/s of both per CPU second too). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "learning/mlp.h"
#include "learning/poker.h"
#include "bench_util.h"

void openblas_set_num_threads(int num_threads);
#include <cblas.h>

/* best sgemm GFLOP/s on `threads` threads; *per_cpu: GFLOP per CPU second */
static double sgemm_peak(int threads, double *per_cpu)
{
    const int n = 2048;
    float *A = malloc(sizeof(float) * n * n), *B = malloc(sizeof(float) * n * n),
          *C = malloc(sizeof(float) * n * n);
    for (int i = 0; i < n * n; i++)
        A[i] = (float)(i % 7) * 0.1f, B[i] = (float)(i % 5) * 0.2f;
    openblas_set_num_threads(threads);
    double best = 1e30, bcpu = 1e30;
    for (int r = 0; r < 3; r++) {
        double t0 = sf_wall_time(), c0 = sf_cpu_time();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, A, n, B, n, 0.0f, C, n);
        double t = sf_wall_time() - t0, c = sf_cpu_time() - c0;
        best = t < best ? t : best;
        bcpu = c < bcpu ? c : bcpu;
    }
    free(A), free(B), free(C);
    *per_cpu = 2.0 * n * n * n / bcpu * 1e-9;
    return 2.0 * n * n * n / best * 1e-9;
}

int main(int argc, char **argv)
{
    int batch = argc > 1 ? atoi(argv[1]) : 128, reps = argc > 2 ? atoi(argv[2]) : 3;
    const int n = 25010, width[] = {85, 200, 200, 200, 10};
    sf_context *ctx = sf_context_create();
    float *X = malloc(sizeof(float) * SF_POKER_INPUTS * n);
    int *y = malloc(sizeof(int) * n);
    sf_rng r;
    sf_rng_init(&r, 1, SF_RNG_LEARN, 0);
    for (int i = 0; i < n; i++) {
        sf_poker_hand h;
        sf_poker_deal(&r, &h);
        y[i] = sf_poker_class(&h);
        sf_poker_encode(&h, X + (size_t)i * SF_POKER_INPUTS);
    }
    size_t n_params = 0;
    for (int l = 0; l < 4; l++)
        n_params += (size_t)width[l + 1] * width[l] + width[l + 1];
    double flops = 0;
    for (int l = 0; l < 4; l++)
        flops += (l ? 6.0 : 4.0) * width[l] * width[l + 1] * n;
    double sec[3] = {0}, cpu[3] = {0}, load0 = bench_load_average();
    float *ref = NULL;
    int identical = 1;
    double loss1 = 0;
    for (int threads = 1; threads <= 3; threads++) {
        double best = 1e30, bcpu = 1e30;
        /* rep 0: warm-up and the check; 3 threads: the check alone */
        for (int rep = 0; rep <= (threads < 3 ? reps : 0); rep++) {
            sf_mlp *net = sf_mlp_create(4, width, 7, 0);
            sf_mlp_trainer *t = sf_mlp_trainer_create(net, batch, SF_OPT_ADAM, 1e-3, threads);
            double t0 = sf_wall_time(), c0 = sf_cpu_time();
            double loss = sf_mlp_epoch(t, net, X, y, n, NULL, NULL);
            double s = sf_wall_time() - t0, c = sf_cpu_time() - c0;
            if (rep > 0 && s < best)
                best = s;
            if (rep > 0 && c < bcpu)
                bcpu = c;
            if (rep == 0 && threads == 1) {
                loss1 = loss;
                ref = malloc(sizeof(float) * net->n_params);
                memcpy(ref, net->params, sizeof(float) * net->n_params);
            } else if (rep == 0)
                identical &= !memcmp(ref, net->params, sizeof(float) * net->n_params);
            sf_mlp_trainer_destroy(t);
            sf_mlp_destroy(net);
        }
        if (threads < 3)
            sec[threads] = best, cpu[threads] = bcpu;
    }
    double pc2, pc1, peak2 = sgemm_peak(2, &pc2), peak1 = sgemm_peak(1, &pc1);
    openblas_set_num_threads(1);
    uint64_t fnv = 1469598103934665603ull; /* FNV-1a of the 1-thread weights' bytes */
    for (size_t i = 0; ref && i < sizeof(float) * n_params; i++)
        fnv = (fnv ^ ((const unsigned char *)ref)[i]) * 1099511628211ull;
    printf("{\"bench\": \"origami_epoch\", \"hands\": %d, \"layers\": \"85-200-200-200-10\", "
           "\"batch\": %d, \"epoch_s_1_thread\": %.4f, \"epoch_s_2_threads\": %.4f, "
           "\"gflops_1_thread\": %.2f, \"gflops_2_threads\": %.2f, \"sgemm_peak_gflops_1\": %.2f, "
           "\"sgemm_peak_gflops_2\": %.2f, \"fraction_of_peak_2\": %.3f, "
           "\"identical_1_2_3_threads\": %s, \"target_s\": 0.5, \"ok\": %s, "
           "\"load_average\": %.2f, \"epoch_cpu_s_1_thread\": %.4f, \"epoch_cpu_s_2_threads\": %.4f, "
           "\"gflop_per_cpu_s_epoch_1\": %.2f, \"gflop_per_cpu_s_sgemm_1\": %.2f, "
           "\"gflop_per_cpu_s_sgemm_2\": %.2f, \"fraction_of_peak_per_cpu_1\": %.3f, "
           "\"loss_1_thread\": %.17g, \"weights_fnv_1_thread\": \"%016llx\"}\n",
           n, batch, sec[1], sec[2], flops / sec[1] * 1e-9, flops / sec[2] * 1e-9, peak1, peak2,
           flops / sec[2] * 1e-9 / peak2, identical ? "true" : "false",
           sec[2] < 0.5 ? "true" : "false", load0, cpu[1], cpu[2], flops / cpu[1] * 1e-9, pc1, pc2,
           flops / cpu[1] * 1e-9 / pc1, loss1, (unsigned long long)fnv);
    free(ref), free(X), free(y);
    sf_context_destroy(ctx);
    return 0;
}
