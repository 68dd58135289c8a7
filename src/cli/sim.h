/* Simulation part of the CLI, shared by `run` and `compare`. */
#ifndef SF_CLI_SIM_H
#define SF_CLI_SIM_H

#include "cli.h"
#include "spikefield/analysis.h"
#include "spikefield/network.h"

typedef struct {
    sf_context *ctx;
    sf_model *m;
    sf_network *net;
    sf_recording *rec;
    sf_pop_stats *stats;     /* per population                      */
    bool *recorded;
    char *out_dir;           /* where the outputs go (--out)          */
    cli_outset set;          /* written into set.tmp until committed */
    const char *write_dir;   /* set.tmp while writing                 */
    int catching;            /* signals caught (run.c)                */
} sim_result;

/* Loads, builds, runs, analyses and writes spikes/traces. Prints errors.
 * Returns 0 on success (also when interrupted), 1 on failure. */
int sim_execute(cli_opts *o, sim_result *r);
int sim_write_summary(sim_result *r);
/* Moves the output set into place (after every file is written). */
int sim_commit(sim_result *r);
/* A signal (SIGINT, SIGTERM, SIGHUP) arrived since sim_execute began. */
int sim_signalled(void);
/* The exit status of a run whose outputs were written: 0; 130 after a
 * signal; 1 (with a message) when it stopped early for want of memory or
 * disk space. */
int sim_exit_status(const sim_result *r);
void sim_print_table(const sim_result *r, FILE *f);
void sim_free(sim_result *r);

/* Checkpoints (resume.c): makes the run write them when o asks for them
 * (--checkpoint-dir); prints errors, returns 0 or 1. */
int cli_checkpoints_begin(const cli_opts *o, sf_context *ctx, sf_network *net);
/* Says where the last checkpoint of the run is (stderr). */
void cli_checkpoint_note(const cli_opts *o, const sf_recording *rec);

#endif
