/* Private interface of the correlation theory (src/theory/corr_*.c): the
 * workspace layout and small dense kernels (eigenvalues, checks); the
 * (1 - M)^-1 algebra is the linear-response kernel (theory/linear/kernel.h).
 *
 * Invariant: matrices are row-major n x n everywhere in this code; the
 * conversion to LAPACK's column-major layout happens only inside the kernels
 * below. Times inside the kernels are in seconds (converted once from ms at
 * the public interface), so that spectra come out per Hz.
 */
#ifndef SPIKEFIELD_CORR_IMPL_H
#define SPIKEFIELD_CORR_IMPL_H

#include "spikefield/theory.h"
#include "theory/linear/kernel.h"

#include <complex.h>
#include <fftw3.h>
#include <lapacke.h>


struct sf_theory_corr_workspace {
    int n_max;
    /* complex n_max^2 scratch */
    double complex *zM, *zP, *zA, *zB, *zC;
    sf_lr_ws lr;                 /* the linear-response kernel's factors     */
    /* real n_max^2 scratch */
    double *rA, *rU, *rF, *rB, *rC;   /* used by the kernels below        */
    double *rG, *rH;             /* n_max^2, free for the public functions    */
    double complex *zh;          /* [n_max] kernel transforms h~_a            */
    double *wr, *wi;             /* [n_max] eigenvalues (dgees)               */
    lapack_logical *bwork;       /* [n_max]                                   */
    double *gees_work;           /* [gees_lwork]                              */
    lapack_int gees_lwork;
    /* time domain */
    size_t n_time;
    double *tbuf;                /* [n_time] fftw_malloc                      */
    fftw_complex *fbuf;          /* [n_time/2 + 1] fftw_malloc                */
    fftw_plan c2r;
    double complex *spec;        /* [(n_time/2 + 1) * n_max^2]                */
};

/* ms -> s */
#define SF_MS 1e-3

/* Eigenvalues (real parts wr, imaginary wi, in ws) of the row-major A.
 * Returns SF_ERR_NUMERIC (message on ctx) if LAPACK fails. */
sf_status sf__corr_eig(sf_context *ctx, int n, const double *A, sf_theory_corr_workspace *ws);

/* Checks ws against the dimension n. */
sf_status sf__corr_ws_check(sf_context *ctx, const sf_theory_corr_workspace *ws, int n);

/* Checks that x[0..count) are finite (and >= lo if lo_check). */
sf_status sf__corr_finite(sf_context *ctx, const double *x, size_t count, const char *what);

#endif
