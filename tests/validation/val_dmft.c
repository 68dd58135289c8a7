/* Validation of the dmft family (issue 15): simulated random rate networks
 * (tanh_rate, linear_summation 0, N = 1000, all_to_all, Var J_ij = g^2/N)
 * against the dynamic mean-field theory.
 *
 * 1. Delta(0) = <x^2> for D = 0 at g = 1.5, 2, 3 and D = 1 at g = 0.5, 1,
 *    2: R = 5 realisations (seeds 1..5: couplings, initial state and noise
 *    all differ), each run through the engine and the family's estimator.
 *    The finite-size error is estimated from the realisations: their mean
 *    must lie within 4.6 standard errors (SE = sd / sqrt(R); 4.6 is the
 *    two-sided 99.5 % quantile of Student's t with R - 1 = 4 degrees of
 *    freedom) of the DMFT value, and within 10 % (the O(1/N) corrections of
 *    this N, largest near g = 1: the notes' N = 1500 run was 9 % above at
 *    g = 1.5).
 * 2. Sign of the maximal Lyapunov exponent, DMFT against the Benettin
 *    estimate of the same networks (dense path, the engine's step and
 *    noise), across the transition: D = 0 at g = 0.8 (fixed point, -0.2) and
 *    1.5, 3 (chaos); D = 1 at g = 0.5, 1 (stable), 1.75 (locally expanding,
 *    g^2 <phi'^2> > 1, but not chaotic: Schuecker et al. 2018) and 2.5
 *    (chaos). The DMFT exponent is at least 0.02/tau away from 0 in every
 *    case; the simulated one must have the same sign and lie beyond 3 of its
 *    SEs (over 10 batches and the R realisations) from 0.
 * Time steps h = 0.05 tau; 200 tau per run after 30 tau of transient.
 * usage: val_dmft (from the repository root; about 5 minutes).
 */
#include <stdio.h>

#include "val_dmft_net.h"

/* One realisation: predicted and estimated delta0 and lyapunov. */
static int one(double g, double D, int seed, double *p_d0, double *d0, double *p_lam, double *lam,
               double *lam_se)
{
    sf_quantities *pred, *est;
    int rc = dmft_realisation("val_dmft", g, D, 0.0, seed, 0, &pred, &est);
    if (rc == 0) {
        *p_d0 = value(pred, "delta0", NULL);
        *p_lam = value(pred, "lyapunov", NULL);
        *d0 = value(est, "delta0", NULL);
        *lam = value(est, "lyapunov", lam_se);
    }
    sf_quantities_destroy(pred);
    sf_quantities_destroy(est);
    return rc;
}

int main(void)
{
    const struct {
        double g, D;
        int check_d0, check_sign;
    } cases[] = {{0.8, 0, 0, 1}, {1.5, 0, 1, 1}, {2.0, 0, 1, 0}, {3.0, 0, 1, 1},
                 {0.5, 1, 1, 1}, {1.0, 1, 1, 1}, {1.75, 1, 0, 1}, {2.0, 1, 1, 0},
                 {2.5, 1, 0, 1}};
    int bad = 0, checks = 0;
    setvbuf(stdout, NULL, _IOLBF, 0); /* progress, case by case */
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        double pd0 = 0, plam = 0, s = 0, s2 = 0, ls = 0, lse2 = 0, ls2 = 0;
        for (int r = 1; r <= R; r++) {
            double d0 = 0, lam = 0, lse = 0;
            if (one(cases[c].g, cases[c].D, r, &pd0, &d0, &plam, &lam, &lse))
                return 2;
            s += d0;
            s2 += d0 * d0;
            ls += lam;
            ls2 += lam * lam;
            lse2 += lse * lse;
        }
        const double mean = s / R, se = sqrt(fmax(s2 / R - mean * mean, 0) * R / (R - 1) / R);
        const double lmean = ls / R;
        /* SE of the mean exponent: the spread over realisations (includes
         * the within-run batch error) */
        const double lsd = sqrt(fmax(ls2 / R - lmean * lmean, 0) * R / (R - 1) / R);
        const double lse = fmax(lsd, sqrt(lse2) / R);
        const double z = (mean - pd0) / se, rel = (mean - pd0) / pd0;
        printf("g = %-4g D = %g: delta0 sim %.4f +- %.4f, DMFT %.4f (z = %+.2f, %+.1f %%); "
               "lyapunov sim %+.4f +- %.4f, DMFT %+.4f\n",
               cases[c].g, cases[c].D, mean, se, pd0, pd0 > 0 ? z : 0, pd0 > 0 ? 100 * rel : 0,
               lmean, lse, plam);
        if (cases[c].check_d0) {
            checks++;
            if (!(fabs(z) <= 4.6 && fabs(rel) <= 0.10)) {
                printf("  FAIL: delta0 beyond 4.6 SE or 10 %%\n");
                bad++;
            }
        }
        if (cases[c].check_sign) {
            checks++;
            if (!(fabs(plam) >= 0.02 && plam * lmean > 0 && fabs(lmean) > 3 * lse)) {
                printf("  FAIL: sign of the Lyapunov exponent\n");
                bad++;
            }
        }
    }
    printf("%d checks, %d failed\n", checks, bad);
    return bad ? 1 : 0;
}
