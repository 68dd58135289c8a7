/* The random rate network of the dmft validations (val_dmft.c,
 * val_dmft_mean.c), one piece of code for both: N tanh_rate units
 * (linear_summation 0, all_to_all), J_ij of mean J0/N and standard
 * deviation g/sqrt(N), noise of intensity D, h = 0.05 tau, 200 tau recorded
 * after 30 tau; R realisations a case (seeds 1..R). A realisation is built,
 * run on 2 threads and measured through the public API alone, like any
 * user's model.
 */
#ifndef SF_VAL_DMFT_NET_H
#define SF_VAL_DMFT_NET_H

#include <math.h>
#include <stdio.h>

#include "spikefield/compare.h"
#include "spikefield/model.h"
#include "spikefield/network.h"
#include "spikefield/predict.h"

#define R 5
#define N 1000

static const char *TEMPLATE =
    "simulation: {resolution: 0.05, duration: 230.0, seed: %d}\n"
    "analysis: {start: 30.0}\n"
    "populations:\n  X: {model: tanh_rate, n: %d, params: {tau: 1.0, sigma: %.17g, "
    "linear_summation: 0}, initial: {rate: {distribution: normal, mean: 0.0, std: 1.0}}}\n"
    "projections:\n  J: {source: X, target: X, rule: all_to_all, weight: {distribution: normal, "
    "mean: %.17g, std: %.17g}, delay: 0.05}\n"
    "recorders:\n  x: {kind: voltmeter, populations: [X], n: %d, variable: rate, interval: 0.5}\n";

/* The first value of quantity name in q (NAN when missing); *se its SE. */
static double value(const sf_quantities *q, const char *name, double *se)
{
    long i = sf_quantities_find(q, name, 0, -1);
    if (i < 0)
        return NAN;
    if (se)
        *se = sf_quantity_se(q, (size_t)i) ? sf_quantity_se(q, (size_t)i)[0] : NAN;
    return sf_quantity_values(q, (size_t)i)[0];
}

/* One realisation (seed) of the network (g, D, J0): the family's
 * prediction *pred and the simulation's estimates *est (sf_estimate), or
 * with compare set their comparison (sf_compare). 0, or 1 with a message
 * naming who and the case; the caller destroys *pred and *est. */
static int dmft_realisation(const char *who, double g, double D, double J0, int seed, int compare,
                            sf_quantities **pred, sf_quantities **est)
{
    char text[2048];
    snprintf(text, sizeof text, TEMPLATE, seed, N, sqrt(D), J0 / N, g / sqrt(N), N);
    sf_context *ctx = sf_context_create();
    sf_model *m = NULL;
    sf_network *net = NULL;
    sf_recording *rec = NULL;
    int rc = 0;
    *pred = *est = NULL;
    if (sf_model_load_string(ctx, text, who, NULL, 0, &m) || sf_predict(ctx, m, NULL, pred) ||
        sf_network_build(ctx, m, 2, &net) || sf_engine_run(ctx, net, NULL, &rec) ||
        (compare ? sf_compare(ctx, m, rec, *pred, est) : sf_estimate(ctx, m, rec, est))) {
        fprintf(stderr, "%s: g = %g, D = %g, J0 = %g, seed %d: %s\n", who, g, D, J0, seed,
                sf_context_errmsg(ctx));
        rc = 1;
    }
    sf_recording_destroy(rec);
    sf_network_destroy(net);
    sf_model_destroy(m);
    sf_context_destroy(ctx);
    return rc;
}

#endif
