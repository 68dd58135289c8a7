/* Reference values for tests/unit/test_theory_transfer.c, computed with Arb
 * ball arithmetic (rigorous error bounds), independently of src/theory/.
 *
 * Not part of the build or the test run: the tables it prints are pasted into
 * the test. Regenerate with
 *   gcc -O2 tests/oracle/pcf_arb.c -o /tmp/pcf_arb -lflint-arb -lflint -lm
 *   /tmp/pcf_arb > /tmp/tables.h
 *
 * Method: DLMF 12.4.1 with 12.7.12-13 and 12.2.6-7,
 *   U(a,x) = U(a,0) u1(a,x) + U'(a,0) u2(a,x),
 *   u1 = e^{-x^2/4} M(a/2 + 1/4, 1/2, x^2/2),  u2 = x e^{-x^2/4} M(a/2 + 3/4, 3/2, x^2/2),
 *   U(a,0)  =  sqrt(pi) 2^{-a/2-1/4} / Gamma(3/4 + a/2),
 *   U'(a,0) = -sqrt(pi) 2^{-a/2+1/4} / Gamma(1/4 + a/2).
 * The sum cancels massively for large positive x; the working precision is
 * raised until the result has at least 60 correct bits.
 */
#include <acb.h>
#include <acb_hypgeom.h>
#include <stdio.h>

static void pcf_u(acb_t res, const acb_t a, const arb_t x)
{
    for (slong prec = 128;; prec *= 2) {
        acb_t t, u0, d0, m1, m2, z, h, q, xc;
        acb_init(t); acb_init(u0); acb_init(d0); acb_init(m1); acb_init(m2);
        acb_init(z); acb_init(h); acb_init(q); acb_init(xc);
        acb_set_arb(xc, x);
        /* z = x^2/2 */
        acb_mul(z, xc, xc, prec);
        acb_mul_2exp_si(z, z, -1);
        /* U(a,0) */
        acb_mul_2exp_si(t, a, -1);               /* a/2 */
        acb_set_d(q, 0.75);
        acb_add(q, q, t, prec);                  /* 3/4 + a/2 */
        acb_rgamma(u0, q, prec);
        acb_set_d(q, 0.25);
        acb_add(q, q, t, prec);                  /* 1/4 + a/2 */
        acb_rgamma(d0, q, prec);
        acb_set_d(h, 2.0);
        acb_set_d(q, -0.25);
        acb_sub(q, q, t, prec);                  /* -a/2 - 1/4 */
        acb_pow(q, h, q, prec);                  /* 2^{-a/2-1/4} */
        acb_mul(u0, u0, q, prec);
        acb_mul_2exp_si(q, q, 0);
        acb_set_d(h, 1.4142135623730950488);     /* replaced below by exact sqrt 2 */
        {
            arb_t s2;
            arb_init(s2);
            arb_sqrt_ui(s2, 2, prec);
            acb_set_arb(h, s2);
            arb_clear(s2);
        }
        acb_mul(d0, d0, q, prec);
        acb_mul(d0, d0, h, prec);                /* 2^{-a/2+1/4} = 2^{-a/2-1/4} sqrt 2 */
        {
            arb_t sp;
            arb_init(sp);
            arb_const_sqrt_pi(sp, prec);
            acb_mul_arb(u0, u0, sp, prec);
            acb_mul_arb(d0, d0, sp, prec);
            arb_clear(sp);
        }
        acb_neg(d0, d0);
        /* M(a/2+1/4, 1/2, z), M(a/2+3/4, 3/2, z) */
        acb_set_d(q, 0.25);
        acb_add(q, q, t, prec);
        acb_set_d(h, 0.5);
        acb_hypgeom_m(m1, q, h, z, 0, prec);
        acb_set_d(q, 0.75);
        acb_add(q, q, t, prec);
        acb_set_d(h, 1.5);
        acb_hypgeom_m(m2, q, h, z, 0, prec);
        acb_mul(m2, m2, xc, prec);
        acb_mul(m1, m1, u0, prec);
        acb_mul(m2, m2, d0, prec);
        acb_add(res, m1, m2, prec);
        /* times e^{-x^2/4} */
        acb_mul_2exp_si(z, z, -1);
        acb_neg(z, z);
        acb_exp(z, z, prec);
        acb_mul(res, res, z, prec);
        slong acc = acb_rel_accuracy_bits(res);
        acb_clear(t); acb_clear(u0); acb_clear(d0); acb_clear(m1); acb_clear(m2);
        acb_clear(z); acb_clear(h); acb_clear(q); acb_clear(xc);
        if (acc >= 60 || prec > 20000)
            return;
    }
}

/* Prints log|U| and arg U (principal) as doubles. */
static void print_u(double ar, double ai, double x)
{
    acb_t a, u, l;
    arb_t xx;
    acb_init(a); acb_init(u); acb_init(l);
    arb_init(xx);
    acb_set_d_d(a, ar, ai);
    arb_set_d(xx, x);
    pcf_u(u, a, xx);
    acb_log(l, u, 256);
    printf("    {%.17g, %.17g, %.17g, %.17g, %.17g},\n", ar, ai, x,
           arf_get_d(arb_midref(acb_realref(l)), ARF_RND_NEAR),
           arf_get_d(arb_midref(acb_imagref(l)), ARF_RND_NEAR));
    acb_clear(a); acb_clear(u); acb_clear(l);
    arb_clear(xx);
}

/* F = [dPsi(z,x_t) - dPsi(z,x_r)] / [Psi(z,x_t) - e^{-i w tr} Psi(z,x_r)],
 * z = -1/2 + i Om, Psi(z,x) = e^{x^2/4} U(z,-x), dPsi = (1/2 + z) Psi(z+1, x);
 * w tr is given as phi. Prints Re F, Im F. */
static void print_frac(double x_t, double x_r, double Om, double phi)
{
    slong prec = 256;
    acb_t z, z1, ut, ur, ut1, ur1, num, den, e, tmp;
    arb_t xt, xr;
    acb_init(z); acb_init(z1); acb_init(ut); acb_init(ur); acb_init(ut1); acb_init(ur1);
    acb_init(num); acb_init(den); acb_init(e); acb_init(tmp);
    arb_init(xt); arb_init(xr);
    acb_set_d_d(z, -0.5, Om);
    acb_set_d_d(z1, 0.5, Om);
    arb_set_d(xt, -x_t);
    arb_set_d(xr, -x_r);
    pcf_u(ut, z, xt);
    pcf_u(ur, z, xr);
    pcf_u(ut1, z1, xt);
    pcf_u(ur1, z1, xr);
    /* scale factors e^{x^2/4} */
    acb_set_d(e, x_t * x_t / 4.0);
    acb_exp(e, e, prec);
    acb_mul(ut, ut, e, prec);
    acb_mul(ut1, ut1, e, prec);
    acb_set_d(e, x_r * x_r / 4.0);
    acb_exp(e, e, prec);
    acb_mul(ur, ur, e, prec);
    acb_mul(ur1, ur1, e, prec);
    /* numerator (1/2 + z) (Psi(z+1,x_t) - Psi(z+1,x_r)) = i Om (...) */
    acb_sub(num, ut1, ur1, prec);
    acb_set_d_d(tmp, 0.0, Om);
    acb_mul(num, num, tmp, prec);
    /* denominator */
    acb_set_d_d(tmp, 0.0, -phi);
    acb_exp(tmp, tmp, prec);
    acb_mul(tmp, tmp, ur, prec);
    acb_sub(den, ut, tmp, prec);
    acb_div(num, num, den, prec);
    printf("    {%.17g, %.17g, %.17g, %.17g, %.17g, %.17g},\n", x_t, x_r, Om, phi,
           arf_get_d(arb_midref(acb_realref(num)), ARF_RND_NEAR),
           arf_get_d(arb_midref(acb_imagref(num)), ARF_RND_NEAR));
    acb_clear(z); acb_clear(z1); acb_clear(ut); acb_clear(ur); acb_clear(ut1); acb_clear(ur1);
    acb_clear(num); acb_clear(den); acb_clear(e); acb_clear(tmp);
    arb_clear(xt); arb_clear(xr);
}

int main(void)
{
    /* U(a, x): orders of the transfer function (Re a = -1/2), a few generic
     * complex orders, and a real one; x across both signs. */
    static const double as[][2] = {
        {-0.5, 1e-6}, {-0.5, 0.3}, {-0.5, 2.5}, {-0.5, 10.0}, {-0.5, 62.8},
        {-0.5, 300.0}, {0.5, 7.0}, {2.3, -1.1}, {-2.7, 0.9}, {1.0, 0.0},
        {5.5, 20.0}};
    static const double xs[] = {-9.0, -4.5, -1.3, 0.0, 0.7, 2.0, 5.1, 12.0};
    printf("/* generated by tests/oracle/pcf_arb.c: a_re, a_im, x, log|U|, arg U */\n");
    printf("static const double pcf_ref[][5] = {\n");
    for (size_t i = 0; i < sizeof as / sizeof as[0]; ++i)
        for (size_t j = 0; j < sizeof xs / sizeof xs[0]; ++j)
            print_u(as[i][0], as[i][1], xs[j]);
    printf("};\n\n");
    /* transfer-function ratio for working points: x_t, x_r (x = sqrt2 (V - mu)/sigma),
     * Omega = omega tau_m, phi = omega t_ref */
    static const double wp[][2] = {{1.4142135623730951, -1.4142135623730951}, /* mu = 15, sigma = 5 of V 20/10 */
                                   {-7.0710678118654755, -21.213203435596427}, /* mean-driven */
                                   {4.2426406871192857, 2.8284271247461903},   /* fluctuation-driven */
                                   {2.4, -1.4}};
    static const double Oms[] = {1e-4, 0.7, 6.3, 40.0, 250.0};
    printf("/* generated by tests/oracle/pcf_arb.c: x_t, x_r, Omega, phi, Re F, Im F */\n");
    printf("static const double frac_ref[][6] = {\n");
    for (size_t i = 0; i < sizeof wp / sizeof wp[0]; ++i)
        for (size_t j = 0; j < sizeof Oms / sizeof Oms[0]; ++j)
            print_frac(wp[i][0], wp[i][1], Oms[j], Oms[j] * 0.1); /* t_ref = tau/10 */
    printf("};\n");
    flint_cleanup();
    return 0;
}
