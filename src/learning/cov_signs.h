/* Compact storage of the covariance perceptron's patterns chi^r and the
 * product chi^r W^T read from it (covariance_perceptron.c).
 *
 * Every off-diagonal entry of chi^r is +c, -c or 0 (the diagonal is 0), so a
 * row of chi / c is stored as two bit-planes: bit l of the "plus" plane is set
 * where the entry is +c, of the "minus" plane where it is -c. A row of m
 * entries takes 2 ceil(m/8) bytes (m/4 bytes against 8 m for doubles: 32
 * times fewer bytes per step).
 *
 * The product U[k][j] = sum_l s_kl W[j][l] (s = chi / c in {-1, 0, 1}) is
 * read from a table: for each group g of 8 columns and each byte value b,
 * T[g][b][j] = sum of W[j][8g + i] over the set bits i of b. Then
 * U[k][j] = sum_g (T[g][plus byte] - T[g][minus byte]): two table look-ups
 * per 8 entries instead of 8 multiply-adds per output. The summation order
 * is fixed by this code (four partial sums over g mod 4, added in a fixed
 * order), so the result depends only on the inputs, not on threads or BLAS.
 * Invariant: no state; the caller owns every buffer.
 */
#ifndef SF_LEARNING_COV_SIGNS_H
#define SF_LEARNING_COV_SIGNS_H

#include <stddef.h>
#include <stdint.h>

/* column groups of 8 in a row of m entries */
static inline int sf_cov_signs_groups(int m)
{
    return (m + 7) / 8;
}

/* bytes of one stored row: the plus plane, then the minus plane */
static inline size_t sf_cov_signs_row_bytes(int m)
{
    return 2 * (size_t)sf_cov_signs_groups(m);
}

/* doubles of the look-up table for n outputs */
static inline size_t sf_cov_signs_table_len(int m, int n)
{
    return (size_t)sf_cov_signs_groups(m) * 256 * (size_t)n;
}

/* Sets entry l of a stored row (zeroed beforehand) to sign s in {-1, 0, 1}. */
static inline void sf_cov_signs_set(uint8_t *row, int m, int l, int s)
{
    int g = sf_cov_signs_groups(m);
    if (s > 0)
        row[l >> 3] |= (uint8_t)(1u << (l & 7));
    else if (s < 0)
        row[g + (l >> 3)] |= (uint8_t)(1u << (l & 7));
}

/* Sign of entry l of a stored row. */
static inline int sf_cov_signs_get(const uint8_t *row, int m, int l)
{
    int g = sf_cov_signs_groups(m);
    return (row[l >> 3] >> (l & 7) & 1) - (row[g + (l >> 3)] >> (l & 7) & 1);
}

/* The table T (sf_cov_signs_table_len(m, n) doubles) for W (n x m,
 * row-major). */
void sf_cov_signs_table(int m, int n, const double *W, double *T);

/* U[k * n + j] = sum_l s_kl W[j][l] for the `rows` stored rows S
 * (rows * sf_cov_signs_row_bytes(m) bytes), T from sf_cov_signs_table. */
void sf_cov_signs_apply(int m, int n, size_t rows, const uint8_t *S, const double *T, double *U);

#endif
