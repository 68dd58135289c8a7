/* One-loop flow of the Wilson-Cowan field couplings (equations in rg.h,
 * derivation in docs/rg.md), integrated with GSL odeiv2.
 * Invariant: the coefficients are written once, in sf_rg_shift and
 * sf_rg_beta (the latter follows from the former, see docs/rg.md).
 */
#include "theory/rg/rg.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>
#include <math.h>

double sf_rg_kd(int d)
{
    return d == 1 ? 1 / M_PI : d == 2 ? 1 / (2 * M_PI) : 1 / (2 * M_PI * M_PI);
}

void sf_rg_shift(double kappa, double c2, double c3, double *dkappa, double *dc2, double *dc3)
{
    double k2 = kappa * kappa, k3 = k2 * kappa, k4 = k3 * kappa;
    *dkappa = 1.5 * c3 / kappa - c2 * c2 / k2;
    *dc2 = 2 * c2 * c2 * c2 / k3 - 4.5 * c2 * c3 / k2;
    *dc3 = 12 * c2 * c2 * c3 / k3 - 4.5 * c3 * c3 / k2 - 4 * c2 * c2 * c2 * c2 / k4;
}

/* From sf_rg_shift: d ln u/dl = (2 - d) + dc3/c3 - 2 dkappa/kappa and
 * d ln w/dl = (2 - d) + 2 dc2/c2 - 3 dkappa/kappa, each shift per unit D I,
 * written in u and w (kappa = 1, D K_d Lambda^{d-2} = 1 without loss). */
void sf_rg_beta(double d, double u, double w, double *du, double *dw)
{
    *du = (2 - d) * u - 7.5 * u * u + 14 * u * w - 4 * w * w;
    *dw = (2 - d) * w + 7 * w * w - 13.5 * u * w;
}

typedef struct {
    double d;
} flow_par;

static int rhs(double l, const double y[], double f[], void *params)
{
    (void)l;
    const flow_par *p = params;
    sf_rg_beta(p->d, y[0], y[1], &f[0], &f[1]);
    return fabs(y[0]) > 1e6 || fabs(y[1]) > 1e6 ? GSL_EBADFUNC : GSL_SUCCESS;
}

sf_status sf_rg_flow(sf_context *ctx, double d, double u0, double w0, const double *l, size_t n,
                     double *u, double *w)
{
    flow_par p = {d};
    gsl_odeiv2_system sys = {rhs, NULL, 2, &p};
    gsl_odeiv2_driver *drv =
        gsl_odeiv2_driver_alloc_y_new(&sys, gsl_odeiv2_step_rk8pd, 1e-3, 0, 1e-12);
    if (!drv)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory (RG flow)");
    double t = 0, y[2] = {u0, w0};
    sf_status rc = SF_OK;
    for (size_t i = 0; i < n; i++) {
        int s = l[i] > t ? gsl_odeiv2_driver_apply(drv, &t, l[i], y) : GSL_SUCCESS;
        if (s != GSL_SUCCESS || !isfinite(y[0]) || !isfinite(y[1])) {
            rc = sf_fail(ctx, SF_ERR_NUMERIC, "the one-loop RG flow from u = %g, w = %g runs away "
                         "before l = %g (the couplings leave the weak-coupling basin)", u0, w0, l[i]);
            for (; i < n; i++)
                u[i] = w[i] = NAN;
            break;
        }
        u[i] = y[0];
        w[i] = y[1];
    }
    gsl_odeiv2_driver_free(drv);
    return rc;
}
