/* Benchmark of the dense coupling product (src/engine/dense.c, issue 15):
 * y = W a (and the fused pair y = W a, z = W b of the Lyapunov step) with
 * W a 10^4 x 10^4 float matrix (400 MB, far beyond the caches), against
 * this machine's measured memory bandwidth: a STREAM-like triad
 * (x = y + s z over 3 x 160 MB; 24 bytes per element counted, as STREAM
 * does) and a read-only sum over 480 MB (the product only reads W).
 * Each measurement is repeated REPS times on 1 and on 2 threads (the
 * product split by rows, each thread its own, as the engine splits it);
 * the lines report the best and the median of the wall times, the CPU
 * time of the best repetition, and the load average before and after
 * (the machine may be shared: a CPU time close to threads x wall means
 * the run had its cores). Bytes per product: 4 n^2 (W) + 8 n per vector
 * read + 8 n written. Prints JSON lines. */
#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "engine/dense.h"
#include "theory/dmft/ratenet.h"

#define REPS 7

static int cmp_d(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct {
    double best, median, cpu_best;
} timing;

/* what: 0 triad, 1 read sum, 2 gemv, 3 fused pair, 4 ratenet product, 5 sgemv */
typedef struct {
    size_t n, len;
    float *W;
    double *a, *b, *y, *z, *X, *Y, *Z, sink;
    float *af, *yf;
} bench;

static void once(bench *B, int what, int threads)
{
    const size_t n = B->n;
    if (what == 0) {
#pragma omp parallel for num_threads(threads) schedule(static)
        for (size_t i = 0; i < B->len; i++)
            B->X[i] = B->Y[i] + 3.0 * B->Z[i];
    } else if (what == 1) {
        double s = 0;
#pragma omp parallel for num_threads(threads) schedule(static) reduction(+ : s)
        for (size_t i = 0; i < 3 * B->len; i += 4)
            s += (B->X[i] + B->X[i + 1]) + (B->X[i + 2] + B->X[i + 3]);
        B->sink += s;
    } else if (what == 2 || what == 3) {
#pragma omp parallel num_threads(threads)
        {
            const int t = omp_get_thread_num(), nt = omp_get_num_threads();
            const size_t r0 = n * (size_t)t / (size_t)nt, r1 = n * (size_t)(t + 1) / (size_t)nt;
            sf_dense_gemv(B->W + r0 * n, n, r1 - r0, n, B->a, what == 3 ? B->b : NULL, B->y + r0,
                          what == 3 ? B->z + r0 : NULL);
        }
    } else if (what == 4) {
        sf_dmft_net_product(B->W, n, B->a, B->b, B->y, B->z);
    } else {
        cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)n, 1.0f, B->W, (int)n, B->af, 1, 0.0f,
                    B->yf, 1);
    }
}

static timing measure(bench *B, int what, int threads)
{
    double w[REPS], c[REPS];
    once(B, what, threads); /* warm: pages touched, code loaded */
    for (int r = 0; r < REPS; r++) {
        const double c0 = sf_cpu_time(), t0 = omp_get_wtime();
        once(B, what, threads);
        w[r] = omp_get_wtime() - t0;
        c[r] = sf_cpu_time() - c0;
    }
    int ib = 0;
    for (int r = 1; r < REPS; r++)
        if (w[r] < w[ib])
            ib = r;
    timing T = {w[ib], 0, c[ib]};
    qsort(w, REPS, sizeof *w, cmp_d);
    T.median = w[REPS / 2];
    return T;
}

int main(int argc, char **argv)
{
    const size_t n = argc > 1 ? (size_t)atol(argv[1]) : 10000, len = 20000000;
    bench B = {n, len, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL};
    B.W = malloc(n * n * sizeof *B.W);
    B.a = malloc(n * sizeof(double)), B.b = malloc(n * sizeof(double));
    B.y = malloc(n * sizeof(double)), B.z = malloc(n * sizeof(double));
    B.af = malloc(n * sizeof(float)), B.yf = malloc(n * sizeof(float));
    B.X = malloc(3 * len * sizeof(double)); /* the read sum reads all three */
    if (!B.W || !B.a || !B.b || !B.y || !B.z || !B.af || !B.yf || !B.X) {
        printf("{\"name\": \"dense_product\", \"skipped\": \"out of memory\"}\n");
        return 0;
    }
    B.Y = B.X + len, B.Z = B.X + 2 * len;
#pragma omp parallel for num_threads(2) schedule(static)
    for (size_t i = 0; i < n; i++) /* first touch split as the threads read it */
        for (size_t j = 0; j < n; j++)
            B.W[i * n + j] = (float)((double)(((i * n + j) * 2654435761u) % 1000) * 1e-3 - 0.5) * 0.02f;
    for (size_t j = 0; j < n; j++) {
        B.a[j] = (double)(float)tanh(sin((double)j));
        B.b[j] = (double)(float)cos((double)j);
        B.af[j] = (float)B.a[j];
    }
#pragma omp parallel for num_threads(2) schedule(static)
    for (size_t i = 0; i < 3 * len; i++)
        B.X[i] = (double)(i & 1023);
    openblas_set_num_threads(1);
    static const char *const names[] = {"stream_triad", "read_sum", "dense_gemv",
                                        "dense_gemv_fused2", "ratenet_product_fused2",
                                        "openblas_sgemv"};
    double stream[3] = {0}, readbw[3] = {0};
    for (int rep = 0; rep < 2; rep++) /* the whole set twice: is it stable? */
        for (int what = 0; what < 6; what++)
            for (int threads = 1; threads <= 2; threads++) {
                if ((what >= 4) && threads == 2)
                    continue; /* single-threaded codes */
                const double l0 = bench_load_average();
                timing T = measure(&B, what, threads);
                const double l1 = bench_load_average();
                const double bytes = what == 0   ? 24.0 * (double)len
                                     : what == 1 ? 24.0 * (double)len
                                     : what == 5 ? 4.0 * (double)n * (double)n + 8.0 * (double)n
                                                 : 4.0 * (double)n * (double)n +
                                                       (what == 2 ? 16.0 : 32.0) * (double)n;
                const double gbs = bytes / T.best / 1e9;
                if (what == 0)
                    stream[threads] = fmax(stream[threads], gbs);
                if (what == 1)
                    readbw[threads] = fmax(readbw[threads], gbs);
                printf("{\"name\": \"%s\", \"n\": %zu, \"threads\": %d, \"round\": %d, "
                       "\"best_ms\": %.2f, \"median_ms\": %.2f, \"cpu_ms_of_best\": %.2f, "
                       "\"GBps_best\": %.2f, \"GBps_median\": %.2f",
                       names[what], what <= 1 ? len : n, threads, rep, T.best * 1e3,
                       T.median * 1e3, T.cpu_best * 1e3, gbs, bytes / T.median / 1e9);
                if (what >= 2)
                    printf(", \"fraction_of_triad\": %.2f, \"fraction_of_read\": %.2f",
                           gbs / stream[threads < 2 || what >= 4 ? 1 : 2],
                           gbs / readbw[threads < 2 || what >= 4 ? 1 : 2]);
                printf(", \"loadavg_before\": %.2f, \"loadavg_after\": %.2f}\n", l0, l1);
                fflush(stdout);
            }
    /* the engine kernel and the ratenet product agree (different orders) */
    once(&B, 3, 1);
    double ya = B.y[7], za = B.z[7];
    once(&B, 4, 1);
    printf("{\"name\": \"dense_check\", \"rel_diff_y\": %.3g, \"rel_diff_z\": %.3g, \"sink\": %g}\n",
           fabs(ya - B.y[7]) / fabs(B.y[7]), fabs(za - B.z[7]) / fabs(B.z[7]), B.sink);
    free(B.W), free(B.a), free(B.b), free(B.y), free(B.z), free(B.af), free(B.yf), free(B.X);
    return 0;
}
