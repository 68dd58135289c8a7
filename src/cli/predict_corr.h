/* `spikefield predict` for binary, Hawkes, linear rate and PIF models. */
#ifndef SF_CLI_PREDICT_CORR_H
#define SF_CLI_PREDICT_CORR_H

#include "cli/cli.h"

/* Prints the table and writes prediction.json (or prints it with --json).
 * Returns 0 on success, 1 with a message on stderr. */
int predict_corr(cli_opts *o, const sf_model *m, sf_context *ctx);

#endif
