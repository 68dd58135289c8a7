/* Validation of the dmft family with a mean coupling (issue 15): J_ij of
 * mean J0/N and variance g^2/N (N = 1000, tanh_rate, all_to_all), against
 * the DMFT's symmetric solution, in which J0 does not enter.
 *
 * 1. Stable cases (J0 <phi'> < 1): D = 0, g = 2 with J0 = 0.5 and -2; D = 1,
 *    g = 1 with J0 = 0.5 and -2. R = 5 realisations each (seeds 1..5).
 *    delta0 = <x^2>, against the theory's statement that J0 does not enter:
 *    (a) paired with the J0 = 0 network of the same seed (the same standard
 *    normal deviates of the couplings, initial states and noise: only the
 *    mean J0/N differs), the mean difference within 4.6 SE of the
 *    differences (Student's t_4, 99.5 %) of 0, plus the finite-size term
 *    of the mean mode (below); (b) the realisations' mean
 *    within 10 % of the J0 = 0 values of the science notes' table
 *    (theory.md 1c, computed there independently: 1.92481 and 0.68356).
 *    Why (a) is paired and not against the table within its SE: at N = 1000
 *    without noise the simulated delta0 lies 2-3 % below the N = infinity
 *    DMFT at J0 = 0 as well (val_dmft: -2.3 % at g = 2; docs/dmft.md), a
 *    finite-size bias, not a sampling error, which the SE over 5
 *    realisations (about 0.6-1 %) does not cover: the unpaired test failed
 *    one seed set in four by that bias alone (z = -4.95 with a small SE
 *    estimate at J0 = -2; -3.2 on another). The pairing cancels what J0 = 0
 *    shares; the sim against the table within its SE at J0 = 0 is
 *    val_dmft's check. The finite-size term: delta0 = <x^2> holds the
 *    variance of the population mean m(t), which is O(delta0 / N) and which
 *    J0 does change: the mean mode relaxes at rate 1 - a (a = J0 <phi'>,
 *    the family's mean_mode), so its variance scales by 1 / (1 - a).
 *    Measured (2026-12-02, `spikefield run` of these networks, D = 1,
 *    g = 1, seeds 1-3): <m^2> = 0.00068-0.00073
 *    at J0 = 0 (delta0 / N = 0.00068), times 1.53 at J0 = 0.5 and 0.42 at
 *    J0 = -2 (1 / (1 - a) = 1.51 and 0.43); the paired difference of delta0
 *    was +0.00045..+0.00055 and -0.00045..-0.00051, of which the centred
 *    variance <(x - m)^2> took at most a third. With noise the paired SE is
 *    1e-5, so this O(1/N) term must be allowed: |1/(1 - a) - 1| 2 delta0 / N
 *    (twice the mean mode's share). Without noise chaos decorrelates the
 *    pair and the SE (about 0.01) dwarfs it. The population mean <x> within
 *    4.6 SE of 0.
 * 2. Unstable case (D = 0, g = 2, J0 = 3: J0 <phi'> = 1.46): the family
 *    marks its predictions not valid, and the simulated network indeed
 *    leaves the symmetric state: |<x>| > 10 of its SEs and > 0.5.
 * h = 0.05 tau; 200 tau per run after 30 tau.
 * usage: val_dmft_mean (from the repository root; about 2 minutes idle).
 */
#include <stdio.h>
#include <string.h>

#include "val_dmft_net.h"

/* One realisation: estimated delta0, mean (and its SE), predicted
 * mean_mode, and whether the comparison says "not valid". */
static int one(double g, double D, double J0, int seed, double *d0, double *mu, double *mu_se,
               double *mode, int *invalid)
{
    sf_quantities *pred, *cmp;
    int rc = dmft_realisation("val_dmft_mean", g, D, J0, seed, 1, &pred, &cmp);
    if (rc == 0) {
        *d0 = value(cmp, "delta0", NULL);
        *mu = value(cmp, "mean", mu_se);
        *mode = value(pred, "mean_mode", NULL);
        long i = sf_quantities_find(cmp, "delta0", 0, -1);
        *invalid = i >= 0 && !strcmp(sf_quantity_verdict(cmp, (size_t)i), "not valid");
    }
    sf_quantities_destroy(pred);
    sf_quantities_destroy(cmp);
    return rc;
}

int main(void)
{
    const struct {
        double g, D, J0, ref;
    } cases[] = {{2.0, 0, 0.5, 1.92481}, {2.0, 0, -2.0, 1.92481}, {1.0, 1, 0.5, 0.68356},
                 {1.0, 1, -2.0, 0.68356}};
    int bad = 0, checks = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        double s = 0, s2 = 0, ds = 0, ds2 = 0, ms = 0, ms2 = 0, mode = 0;
        int inv = 0, any_inv = 0;
        for (int r = 1; r <= R; r++) {
            double d0, mu, mse, b0, bmu, bmse, bmode;
            int binv;
            if (one(cases[c].g, cases[c].D, cases[c].J0, r, &d0, &mu, &mse, &mode, &inv) ||
                one(cases[c].g, cases[c].D, 0.0, r, &b0, &bmu, &bmse, &bmode, &binv))
                return 2;
            any_inv |= inv;
            s += d0, s2 += d0 * d0, ms += mu, ms2 += mu * mu;
            ds += d0 - b0, ds2 += (d0 - b0) * (d0 - b0);
        }
        const double m0 = s / R, se = sqrt(fmax(s2 / R - m0 * m0, 0) / (R - 1));
        const double md = ds / R, sed = sqrt(fmax(ds2 / R - md * md, 0) / (R - 1));
        const double mm = ms / R, mse = sqrt(fmax(ms2 / R - mm * mm, 0) / (R - 1));
        const double z = (m0 - cases[c].ref) / se, rel = (m0 - cases[c].ref) / cases[c].ref;
        const double fs = fabs(1 / (1 - mode) - 1) * 2 * cases[c].ref / N;
        const double zd = sed > 0 ? (fabs(md) - fs > 0 ? fabs(md) - fs : 0) / sed : (fabs(md) > fs ? INFINITY : 0);
        printf("g = %g D = %g J0 = %+g: mean_mode %.3f; delta0 sim %.4f +- %.4f, DMFT (J0 = 0) "
               "%.5f (z = %+.2f, %+.1f %%); paired with J0 = 0: %+.5f +- %.5f, finite-size term "
               "%.5f (excess %.2f SE); <x> %+.4f +- %.4f\n", cases[c].g, cases[c].D, cases[c].J0,
               mode, m0, se, cases[c].ref, z, 100 * rel, md, sed, fs, zd, mm, mse);
        checks += 4;
        if (!(fabs(zd) <= 4.6))
            printf("  FAIL: delta0 differs from the J0 = 0 network beyond 4.6 SE and the finite-size term\n"), bad++;
        if (!(fabs(rel) <= 0.10))
            printf("  FAIL: delta0 beyond 10 %% of the DMFT\n"), bad++;
        if (!(fabs(mm) <= 4.6 * mse))
            printf("  FAIL: the mean beyond 4.6 SE of 0\n"), bad++;
        if (any_inv || !(mode < 1))
            printf("  FAIL: a stable case marked not valid\n"), bad++;
    }
    /* beyond the mean mode's threshold */
    double d0, mu, mse, mode;
    int inv = 0;
    if (one(2.0, 0, 3.0, 1, &d0, &mu, &mse, &mode, &inv))
        return 2;
    printf("g = 2 D = 0 J0 = +3: mean_mode %.3f, not valid: %s; <x> %+.4f +- %.2g, delta0 %.4f\n",
           mode, inv ? "yes" : "no", mu, mse, d0);
    checks += 2;
    if (!(mode > 1 && inv))
        printf("  FAIL: the unstable case not marked not valid\n"), bad++;
    if (!(fabs(mu) > 10 * mse && fabs(mu) > 0.5))
        printf("  FAIL: the simulated network kept the symmetric state\n"), bad++;
    printf("%d checks, %d failed\n", checks, bad);
    return bad ? 1 : 0;
}
