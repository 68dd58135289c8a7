/* Printing of quantity lists, shared by `spikefield predict` and `compare`:
 * everything here reads the lists through the public accessors
 * (spikefield/compare.h) and knows no theory family. */
#ifndef SF_CLI_PREDICT_H
#define SF_CLI_PREDICT_H

#include "spikefield/compare.h"
#include "spikefield/model.h"

#include <stdio.h>

/* "E", "E-I" or "" (no population) for quantity i. */
/* The printed forms of a prediction (predict.c) and a comparison
 * (compare.c), shared by the learning verbs (learning.c). */
void cli_print_prediction(const sf_model *m, const sf_quantities *p, FILE *f);
void cli_print_comparison(const sf_model *m, const sf_quantities *c);
void cli_pops_label(const sf_model *m, const sf_quantities *q, size_t i, char *buf, size_t len);
/* "rate (Hz)", "cv_isi" for quantity i. */
void cli_quantity_label(const sf_quantities *q, size_t i, char *buf, size_t len);
/* True for a real scalar (one value, not complex). */
bool cli_is_scalar(const sf_quantities *q, size_t i);
/* Prints the list's notes, one "note: ..." line per "; "-separated note. */
void cli_print_notes(const sf_quantities *q, FILE *f);

#endif
