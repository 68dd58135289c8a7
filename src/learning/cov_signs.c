/* The bit-plane product of the covariance perceptron's patterns
 * (cov_signs.h). Invariant: no state. */
#include "learning/cov_signs.h"

#include <string.h>

void sf_cov_signs_table(int m, int n, const double *W, double *T)
{
    int G = sf_cov_signs_groups(m);
    for (int g = 0; g < G; g++) {
        double *t = T + (size_t)g * 256 * n;
        for (int j = 0; j < n; j++)
            t[j] = 0;
        for (int b = 1; b < 256; b++) {
            int i = __builtin_ctz((unsigned)b), l = 8 * g + i;
            const double *prev = t + (size_t)(b & (b - 1)) * n; /* b without its lowest bit */
            double *cur = t + (size_t)b * n;
            for (int j = 0; j < n; j++)
                cur[j] = prev[j] + (l < m ? W[(size_t)j * m + l] : 0.0);
        }
    }
}

/* n = 2, the common case: the two outputs side by side in one 2-lane
 * vector (GCC/Clang vector extension; lane-wise, so the same arithmetic as
 * the scalar code: sum order fixed) */
typedef double v2d __attribute__((vector_size(16)));

static inline v2d ld2(const double *x)
{
    v2d v;
    memcpy(&v, x, sizeof v);
    return v;
}

static void apply2(int G, size_t rows, const uint8_t *S, const double *T, double *U)
{
    for (size_t k = 0; k < rows; k++) {
        const uint8_t *pl = S + k * 2 * (size_t)G, *mi = pl + G;
        v2d a0 = {0, 0}, a1 = a0, a2 = a0, a3 = a0;
        const double *t = T;
        int g = 0;
        for (; g + 4 <= G; g += 4, t += 4 * 512) {
            a0 += ld2(t + 2 * pl[g]) - ld2(t + 2 * mi[g]);
            a1 += ld2(t + 512 + 2 * pl[g + 1]) - ld2(t + 512 + 2 * mi[g + 1]);
            a2 += ld2(t + 1024 + 2 * pl[g + 2]) - ld2(t + 1024 + 2 * mi[g + 2]);
            a3 += ld2(t + 1536 + 2 * pl[g + 3]) - ld2(t + 1536 + 2 * mi[g + 3]);
        }
        if (g < G)
            a0 += ld2(t + 2 * pl[g]) - ld2(t + 2 * mi[g]);
        if (g + 1 < G)
            a1 += ld2(t + 512 + 2 * pl[g + 1]) - ld2(t + 512 + 2 * mi[g + 1]);
        if (g + 2 < G)
            a2 += ld2(t + 1024 + 2 * pl[g + 2]) - ld2(t + 1024 + 2 * mi[g + 2]);
        v2d u = (a0 + a1) + (a2 + a3);
        memcpy(U + 2 * k, &u, sizeof u);
    }
}

void sf_cov_signs_apply(int m, int n, size_t rows, const uint8_t *S, const double *T, double *U)
{
    int G = sf_cov_signs_groups(m);
    if (n == 2) {
        apply2(G, rows, S, T, U);
        return;
    }
    for (size_t k = 0; k < rows; k++) {
        const uint8_t *pl = S + k * 2 * (size_t)G, *mi = pl + G;
        double *u = U + k * n;
        memset(u, 0, sizeof(double) * (size_t)n);
        for (int g = 0; g < G; g++) {
            const double *tp = T + ((size_t)g * 256 + pl[g]) * n;
            const double *tm = T + ((size_t)g * 256 + mi[g]) * n;
            for (int j = 0; j < n; j++)
                u[j] += tp[j] - tm[j];
        }
    }
}
