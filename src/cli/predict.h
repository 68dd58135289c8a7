/* Theory part of the CLI, shared by `predict` and `compare`. */
#ifndef SF_CLI_PREDICT_H
#define SF_CLI_PREDICT_H

#include "cli/cli.h"
#include "spikefield/theory_model.h"

#include <complex.h>

typedef struct {
    sf_theory_model tm;
    int n;
    double *rates, *mu, *sigma, *cv;   /* per population                    */
    double complex *eig;
    sf_theory_fixed_point fp;
    sf_theory_linear_stability lin;
    size_t n_scan;                     /* stability grid                    */
    double *scan_freq;
    double complex *scan_H;
    size_t n_freq;                     /* requested frequencies             */
    double *freq, *P;                  /* P[k * n + a], Hz                  */
    double complex *H;                 /* H[k * n + a], Hz/mV               */
    double complex *C;                 /* C[k * n * n + a * n + b], Hz      */
    double seconds;
} prediction;

/* Computes the prediction of m at n_freq frequencies; 0 on success, else the
 * message is on ctx. Free with pred_free (also after a failure). */
int pred_compute(sf_context *ctx, const sf_model *m, const double *freq, size_t n_freq,
                 prediction *p);
void pred_free(prediction *p);
/* Notes on violated assumptions for population pop ("" if none). */
void pred_notes(const sf_model *m, const prediction *p, int pop, char *buf, size_t len);
/* Writes the members of the prediction into the open JSON object. */
void pred_json(json_w *j, const sf_model *m, const prediction *p);
/* Parses --freq / --freq-range; prints and returns 2 on bad input. */
int pred_freqs_from_opts(const cli_opts *o, double **freq, size_t *n);

#endif
