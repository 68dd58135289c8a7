/* Maximal-margin linear separation through the origin, exactly (svm.c:
 * Wolfe's minimum-norm point in the convex hull of y_r = zeta_r x_r). */
#ifndef SF_LEARNING_SVM_H
#define SF_LEARNING_SVM_H

#include <stdbool.h>

typedef struct sf_mnp_workspace sf_mnp_workspace;

/* For up to p_max points in d dimensions; NULL when out of memory. */
sf_mnp_workspace *sf_mnp_workspace_create(int p_max, int d);
void sf_mnp_workspace_destroy(sf_mnp_workspace *w);

typedef struct {
    bool separable;   /* verified: min_r y_r . w > 0                          */
    bool certified;   /* separable, or 0 within 1e-6 max|y| of the hull       */
    bool singular;    /* the affine system became singular (numerics)        */
    double margin;    /* min_r y_r . w of the returned unit w (the maximal
                         margin when separable)                              */
    double distance;  /* |x*|, the distance of the hull from 0               */
    int iterations;
} sf_mnp_result;

/* Y: p x d row-major (p <= p_max); w (may be NULL): [d] the unit normal of
 * maximal margin (the nearest point direction). Allocates nothing. */
sf_mnp_result sf_mnp_solve(sf_mnp_workspace *ws, const double *Y, int p, int d, double *w);

#endif
