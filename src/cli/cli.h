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
} cli_opts;

/* Parses argv (after the subcommand) into o; prints a message and returns
 * non-zero on bad flags. `allowed` lists extra flags of the subcommand. */
int cli_parse(int argc, char **argv, const char *cmd, cli_opts *o);
void cli_free(cli_opts *o);

int cmd_run(cli_opts *o);
int cmd_predict(cli_opts *o);
int cmd_compare(cli_opts *o);
/* spikefield plot OUTDIR [--out DIR] [--quiet] (plot.c): its own arguments. */
int cmd_plot(int argc, char **argv);

/* The figures of an output folder through `python3 -m spikefield plot`
 * (into figdir, NULL: outdir/figures; optional: the package says nothing
 * when matplotlib is missing). Returns the interpreter's exit status: 0
 * written; cli_plot_missing(rc) names what is not installed, or is NULL
 * when the package itself failed (and printed why). */
int cli_plot_folder(const char *outdir, const char *figdir, int quiet, int optional);
const char *cli_plot_missing(int rc);

/* Minimal JSON writer: keeps track of commas. */
typedef struct {
    FILE *f;
    int depth;
    int first[32];
} json_w;
void json_begin(json_w *j, FILE *f);
void json_obj(json_w *j, const char *key);   /* key NULL inside arrays/top */
void json_arr(json_w *j, const char *key);
void json_end_obj(json_w *j);
void json_end_arr(json_w *j);
void json_num(json_w *j, const char *key, double v);   /* NaN/inf -> null */
void json_int(json_w *j, const char *key, long long v);
void json_str(json_w *j, const char *key, const char *v);
void json_bool(json_w *j, const char *key, int v);

/* --out, or out/<model file name without extension>; caller frees. */
char *cli_out_dir(const cli_opts *o);
/* Creates dir (and parents); *created says whether the last level is new. */
int cli_mkdirs(const char *dir, int *created);
/* Writes a file atomically: fn(f, user) writes into a temporary file, which
 * is renamed to path when complete. Returns 0 on success. */
int cli_write_atomic(const char *path, void (*fn)(FILE *, void *), void *user);

#endif
