/* The spikefield command: shared pieces of the subcommands. The command is
 * a client of the library like any other: it includes the public headers
 * alone (it is compiled with -Iinclude, without -Isrc).
 */
#ifndef SF_CLI_H
#define SF_CLI_H

#include "spikefield/model.h"

#include <stdio.h>

/* Common options of run/predict/compare. */
typedef struct {
    const char *model;
    const char *out_dir;       /* NULL: out/<model basename>            */
    const char **sets;         /* --set, --seed and --threads as sets   */
    int n_sets;
    int quiet, json;
    const char *freq;          /* predict: --freq list                  */
    const char *freq_range;    /* predict: --freq-range a:b:n           */
    int help;                  /* --help was given and printed          */
    int replace;               /* --replace: replace an earlier run's outputs */
    char *owned[2];            /* the sets made from --threads, --seed  */
    /* checkpoints (run; docs/cli.md#checkpoints) */
    const char *ckpt_dir;      /* --checkpoint-dir, NULL: none          */
    const char *ckpt_every_arg, *ckpt_model_arg; /* as given            */
    double ckpt_every_s, ckpt_every_ms;
    int ckpt_keep;
    /* resume (resume.c): the build's threads (0: the model's) and the
     * checkpoint to continue from (NULL: a new run) */
    int threads;
    const struct sf_checkpoint *resume;
} cli_opts;

/* Parses argv (argv[0] is the subcommand) into o (src/cli/options.c);
 * prints a message and returns 2 on a bad command line (1 out of memory).
 * With --help it prints the subcommand's help, sets o->help, returns 0. */
int cli_parse(int argc, char **argv, const char *cmd, cli_opts *o);
void cli_free(cli_opts *o);
/* The help of subcommand cmd: usage line and every option it accepts. */
void cli_print_help(FILE *f, const char *cmd);

int cmd_run(cli_opts *o);
/* A model with a `learning:` section runs through learning.c: the verb's
 * exit status, or -1 when o->model is not a learning experiment (or does
 * not load: the verb itself then reports why). */
int cli_learning(const char *cmd, cli_opts *o);
/* A model with an `ising:` section (ising.c, called by cli_learning with
 * the loaded model): the verb's exit status; takes ctx and m. */
int cli_ising(const char *cmd, cli_opts *o, sf_context *ctx, sf_model *m);
/* run.c's handling of SIGINT, SIGTERM, SIGHUP (a flag), for learning.c. */
void cli_signals_catch(void);
void cli_signals_restore(void);
const volatile int *cli_stop_flag(void);
int cmd_predict(cli_opts *o);
int cmd_compare(cli_opts *o);
/* spikefield resume CHECKPOINT_DIR (resume.c): the run of the checkpoint's
 * command line, continued from it. */
int cmd_resume(cli_opts *o);
/* spikefield plot OUTDIR [--out DIR] [--quiet] (plot.c): its own arguments. */
int cmd_plot(cli_opts *o);

/* The figures of an output folder through `python3 -m spikefield plot`
 * (into figdir, NULL: outdir/figures; optional: the package says nothing
 * when matplotlib is missing). Returns the interpreter's exit status: 0
 * written; cli_plot_missing(rc) names what is not installed, or is NULL
 * when the package itself failed (and printed why). */
int cli_plot_folder(const char *outdir, const char *figdir, int quiet, int optional);
const char *cli_plot_missing(int rc);

/* --out, or out/<model file name without extension>; caller frees. */
char *cli_out_dir(const cli_opts *o);
/* Creates dir (and parents); *created says whether the last level is new. */
int cli_mkdirs(const char *dir, int *created);

/* The output set of a run or compare (outset.c): written into the
 * temporary folder tmp, renamed to dir when complete. */
typedef struct {
    const char *dir;
    int replace;
    char tmp[4200];            /* "" when none (committed or aborted)   */
} cli_outset;
/* Refuses (message, 1) a dir holding an earlier run's outputs unless
 * replace, or holding other files; creates the temporary folder. */
int cli_outset_begin(cli_outset *s, const char *dir, int replace);
/* Moves the set into place (replacing the earlier outputs). 1 on failure,
 * with a message saying where the outputs are. */
int cli_outset_commit(cli_outset *s);
/* Removes the temporary folder (failure before anything worth keeping). */
void cli_outset_abort(cli_outset *s);
/* Prints the library's message msg about writing the set, naming the
 * output folder instead of the temporary one. */
void cli_outset_error(const cli_outset *s, const char *msg);

#endif
