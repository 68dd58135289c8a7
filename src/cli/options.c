/* Command-line options of the subcommands: one table, parsed with
 * getopt_long, printed by `spikefield CMD --help`.
 *
 * Invariant: every option a subcommand accepts is a row of `options` with
 * that subcommand's bit set, so parsing, help text and the "did you mean"
 * suggestion can never disagree. `--name=value` and `--name value` both work
 * (getopt_long); the model file may stand anywhere among the options.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { CMD_RUN = 1, CMD_PREDICT = 2, CMD_COMPARE = 4, CMD_PLOT = 8, CMD_RESUME = 16,
       CMD_SIM = CMD_RUN | CMD_COMPARE, CMD_MODEL = 7, CMD_ALL = 31 };
enum { OPT_THREADS = 256, OPT_SEED, OPT_OUT, OPT_SET, OPT_QUIET, OPT_JSON, OPT_FREQ,
       OPT_FREQ_RANGE, OPT_HELP, OPT_REPLACE, OPT_CKPT_DIR, OPT_CKPT_EVERY, OPT_CKPT_MODEL,
       OPT_CKPT_KEEP };

typedef struct {
    const char *name;
    char short_name;       /* 0: none                                    */
    const char *arg;       /* NULL: a flag                               */
    int id;
    unsigned cmds;
    const char *help;
} cli_option;

static const cli_option options[] = {
    {"threads", 0, "N", OPT_THREADS, CMD_SIM,
     "threads, 1..1024 (same as --set simulation.threads=N); results do not depend on it"},
    {"threads", 0, "N", OPT_THREADS, CMD_RESUME,
     "threads of the resumed run, 1..1024 (default: the run's); results do not depend on it"},
    {"seed", 0, "S", OPT_SEED, CMD_SIM,
     "seed of every random stream (same as --set simulation.seed=S)"},
    {"out", 0, "DIR", OPT_OUT, CMD_MODEL,
     "output folder (created if missing); default out/<model file name>"},
    {"out", 0, "DIR", OPT_OUT, CMD_PLOT, "folder for the figures; default OUTDIR/figures"},
    {"out", 0, "DIR", OPT_OUT, CMD_RESUME,
     "output folder of the whole run; default the run's --out (its interrupted outputs are "
     "replaced)"},
    {"set", 0, "PATH=VALUE", OPT_SET, CMD_MODEL,
     "override a model value by its dotted key path, e.g. populations.E.params.V_th=18 "
     "(repeatable)"},
    {"replace", 0, NULL, OPT_REPLACE, CMD_SIM,
     "replace the outputs of an earlier run in --out (else such a folder is refused)"},
    {"checkpoint-dir", 0, "DIR", OPT_CKPT_DIR, CMD_RUN,
     "write checkpoints into DIR/checkpoint.sfck (created if missing): on SIGTERM, SIGINT "
     "or SIGHUP one at the next communication step, then the run stops; resume with "
     "spikefield resume DIR"},
    {"checkpoint-every", 0, "TIME", OPT_CKPT_EVERY, CMD_RUN,
     "also a checkpoint every TIME of wall-clock time: 30s, 10min, 2h (a bare number: "
     "seconds); needs --checkpoint-dir"},
    {"checkpoint-model-every", 0, "MS", OPT_CKPT_MODEL, CMD_RUN,
     "also a checkpoint every MS ms of model time (at the first communication step at or "
     "after each multiple); needs --checkpoint-dir"},
    {"checkpoint-keep", 0, NULL, OPT_CKPT_KEEP, CMD_RUN,
     "keep every checkpoint as DIR/checkpoint-<step>.sfck, not only the latest"},
    {"quiet", 'q', NULL, OPT_QUIET, CMD_ALL, "no table and no progress display"},
    {"json", 0, NULL, OPT_JSON, CMD_PREDICT, "print the prediction as JSON instead of a table"},
    {"freq", 0, "F1,F2,...", OPT_FREQ, CMD_PREDICT,
     "add spectra and transfer functions at these frequencies (Hz)"},
    {"freq-range", 0, "A:B:N", OPT_FREQ_RANGE, CMD_PREDICT,
     "add spectra and transfer functions at N frequencies from A to B Hz"},
    {"help", 'h', NULL, OPT_HELP, CMD_ALL, "this help"},
};
enum { N_OPTIONS = sizeof options / sizeof options[0] };

static const struct {
    const char *name;
    unsigned bit;
    const char *operand;
    const char *what;
} commands[] = {
    {"run", CMD_RUN, "MODEL.yaml", "simulates the model and writes spikes, traces and summary.json"},
    {"predict", CMD_PREDICT, "MODEL.yaml",
     "computes the theory's prediction and writes prediction.json"},
    {"compare", CMD_COMPARE, "MODEL.yaml",
     "simulates, predicts, and sets them side by side in compare.json, with figures"},
    {"plot", CMD_PLOT, "OUTDIR",
     "draws the figures of an output folder of run, predict or compare (PNG and PDF, "
     "through the Python package spikefield.plot)"},
    {"resume", CMD_RESUME, "CHECKPOINT_DIR",
     "continues a run from its latest checkpoint (--checkpoint-dir of run, or a checkpoint "
     "file) and writes the outputs of the whole run, byte-identical to an uninterrupted one"},
};

static const char *operand(unsigned bit)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (commands[i].bit == bit)
            return commands[i].operand;
    return "MODEL.yaml";
}

static unsigned command_bit(const char *cmd)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(commands[i].name, cmd))
            return commands[i].bit;
    return 0;
}

void cli_print_help(FILE *f, const char *cmd)
{
    unsigned bit = command_bit(cmd);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (commands[i].bit == bit)
            fprintf(f, "usage: spikefield %s %s [options]\n\n%s %s.\n\noptions:\n", cmd,
                    commands[i].operand, cmd, commands[i].what);
    for (int i = 0; i < N_OPTIONS; i++) {
        const cli_option *o = &options[i];
        if (!(o->cmds & bit))
            continue;
        char head[64];
        int n = o->short_name ? snprintf(head, sizeof head, "-%c, --%s", o->short_name, o->name)
                              : snprintf(head, sizeof head, "    --%s", o->name);
        if (o->arg)
            snprintf(head + n, sizeof head - (size_t)n, " %s", o->arg);
        fprintf(f, "  %-28s %s\n", head, o->help);
    }
    fprintf(f, "\nSee docs/cli.md and docs/model-format.md.\n");
}

/* Edit distance of a and b (short strings: option names). */
static int distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 40 || lb > 40)
        return 99;
    int row[41];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int sub = diag + (a[i - 1] != b[j - 1]);
            int best = up + 1 < row[j - 1] + 1 ? up + 1 : row[j - 1] + 1;
            row[j] = sub < best ? sub : best;
            diag = up;
        }
    }
    return row[lb];
}

/* The subcommands (other than bit's) that accept long option `arg`, or "". */
static const char *owners(const char *arg, unsigned bit, char *buf, size_t len)
{
    const char *s = arg + strspn(arg, "-");
    size_t n = strcspn(s, "=");
    buf[0] = '\0';
    for (int i = 0; i < N_OPTIONS; i++)
        if (strlen(options[i].name) == n && !strncmp(options[i].name, s, n))
            for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++)
                if ((options[i].cmds & commands[c].bit) && commands[c].bit != bit)
                    snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? ", " : "",
                             commands[c].name);
    return buf;
}

/* The valid option of cmd closest to the unknown `arg` ("--thread=2"), or NULL. */
static const char *nearest(const char *arg, unsigned bit)
{
    char name[64];
    const char *s = arg;
    while (*s == '-')
        s++;
    size_t len = strcspn(s, "=");
    if (len >= sizeof name)
        return NULL;
    memcpy(name, s, len);
    name[len] = '\0';
    const char *best = NULL;
    int best_d = 3; /* suggest only within two edits */
    for (int i = 0; i < N_OPTIONS; i++) {
        if (!(options[i].cmds & bit))
            continue;
        int d = distance(name, options[i].name);
        if (d < best_d) {
            best_d = d;
            best = options[i].name;
        }
    }
    return best;
}

/* A positive number followed by one of the units (factor each) or none
 * (factor 1): "30s", "10min", "2.5 h". */
static int is_duration(const char *s, const char *const *units, const double *factor,
                       double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || !(v > 0) || v > 1e12)
        return 0;
    while (*end == ' ')
        end++;
    if (!*end) {
        *out = v;
        return 1;
    }
    for (int i = 0; units[i]; i++)
        if (!strcmp(end, units[i])) {
            *out = v * factor[i];
            return 1;
        }
    return 0;
}

static int is_count(const char *s, long long lo, long long hi)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    return *s && !*end && !errno && v >= lo && v <= hi;
}

/* Appends a --set (the text stays owned by argv or by o). */
static int push_set(cli_opts *o, const char *s)
{
    const char **v = realloc(o->sets, sizeof(char *) * (size_t)(o->n_sets + 1));
    if (!v)
        return -1;
    o->sets = v;
    o->sets[o->n_sets++] = s;
    return 0;
}

/* --threads and --seed become sets "simulation.<key>=<value>"; o owns them. */
static int push_owned_set(cli_opts *o, int slot, const char *key, const char *val)
{
    size_t len = strlen(key) + strlen(val) + 16;
    free(o->owned[slot]);
    o->owned[slot] = malloc(len);
    if (!o->owned[slot])
        return -1;
    snprintf(o->owned[slot], len, "simulation.%s=%s", key, val);
    return push_set(o, o->owned[slot]);
}

int cli_parse(int argc, char **argv, const char *cmd, cli_opts *o)
{
    memset(o, 0, sizeof *o);
    unsigned bit = command_bit(cmd);
    struct option longopts[N_OPTIONS + 1];
    char shortopts[2 * N_OPTIONS + 2] = "-:"; /* '-': operands in order; ':': missing values */
    int nl = 0;
    size_t ns = strlen(shortopts);
    for (int i = 0; i < N_OPTIONS; i++) {
        if (!(options[i].cmds & bit))
            continue;
        longopts[nl++] = (struct option){options[i].name, options[i].arg ? required_argument
                                                                          : no_argument,
                                         NULL, options[i].id};
        if (options[i].short_name) {
            shortopts[ns++] = options[i].short_name;
            if (options[i].arg)
                shortopts[ns++] = ':';
        }
    }
    longopts[nl] = (struct option){0};
    shortopts[ns] = '\0';

    /* argv[0] is the subcommand: getopt_long starts at argv[1] */
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        const char *a = argv[optind - 1];
        switch (c) {
        case 1: /* the operand: the model file (plot: the output folder) */
            if (o->model) {
                fprintf(stderr, "spikefield %s: unexpected argument '%s' (one %s only)\n", cmd,
                        optarg, operand(bit));
                return 2;
            }
            o->model = optarg;
            break;
        case 'h':
        case OPT_HELP:
            cli_print_help(stdout, cmd);
            o->help = 1;
            return 0;
        case 'q':
        case OPT_QUIET:
            o->quiet = 1;
            break;
        case OPT_JSON:
            o->json = 1;
            break;
        case OPT_REPLACE:
            o->replace = 1;
            break;
        case OPT_THREADS:
            if (!is_count(optarg, 1, 1024)) {
                fprintf(stderr, "spikefield %s: --threads %s: expected a whole number in 1..1024\n",
                        cmd, optarg);
                return 2;
            }
            if (bit == CMD_RESUME) { /* the build's threads; the model stays as it was */
                o->threads = atoi(optarg);
                break;
            }
            if (push_owned_set(o, 0, "threads", optarg))
                goto nomem;
            break;
        case OPT_SEED:
            if (!is_count(optarg, 0, INT64_MAX)) {
                fprintf(stderr, "spikefield %s: --seed %s: expected a non-negative whole number\n",
                        cmd, optarg);
                return 2;
            }
            if (push_owned_set(o, 1, "seed", optarg))
                goto nomem;
            break;
        case OPT_OUT:
            if (!optarg[0]) {
                fprintf(stderr, "spikefield %s: --out: expected a folder name, found ''\n", cmd);
                return 2;
            }
            o->out_dir = optarg;
            break;
        case OPT_SET:
            if (!strchr(optarg, '=') || optarg[0] == '=') {
                fprintf(stderr, "spikefield %s: --set %s: expected path=value, e.g. "
                        "populations.E.params.V_th=18\n", cmd, optarg);
                return 2;
            }
            if (push_set(o, optarg))
                goto nomem;
            break;
        case OPT_FREQ:
            o->freq = optarg;
            break;
        case OPT_CKPT_DIR:
            if (!optarg[0]) {
                fprintf(stderr, "spikefield %s: --checkpoint-dir: expected a folder name, found "
                        "''\n", cmd);
                return 2;
            }
            o->ckpt_dir = optarg;
            break;
        case OPT_CKPT_EVERY: {
            static const char *const units[] = {"s", "min", "h", NULL};
            static const double factor[] = {1, 60, 3600};
            if (!is_duration(optarg, units, factor, &o->ckpt_every_s)) {
                fprintf(stderr, "spikefield %s: --checkpoint-every %s: expected a positive "
                        "wall-clock time such as 30s, 10min or 2h\n", cmd, optarg);
                return 2;
            }
            o->ckpt_every_arg = optarg;
            break;
        }
        case OPT_CKPT_MODEL: {
            static const char *const units[] = {"ms", NULL};
            static const double factor[] = {1};
            if (!is_duration(optarg, units, factor, &o->ckpt_every_ms)) {
                fprintf(stderr, "spikefield %s: --checkpoint-model-every %s: expected a positive "
                        "model time in ms, such as 500\n", cmd, optarg);
                return 2;
            }
            o->ckpt_model_arg = optarg;
            break;
        }
        case OPT_CKPT_KEEP:
            o->ckpt_keep = 1;
            break;
        case OPT_FREQ_RANGE:
            o->freq_range = optarg;
            break;
        case ':': /* an option without its value */
            fprintf(stderr, "spikefield %s: option %s needs a value (see spikefield %s --help)\n",
                    cmd, a, cmd);
            return 2;
        default: { /* '?': unknown, or an option of another subcommand */
            const char *near = a[0] == '-' && a[1] == '-' ? nearest(a, bit) : NULL;
            char other[64] = "";
            if (a[0] == '-' && a[1] != '-' && optopt)
                fprintf(stderr, "spikefield %s: unknown option -%c", cmd, optopt);
            else if (a[0] == '-' && a[1] == '-' && owners(a, bit, other, sizeof other)[0])
                fprintf(stderr, "spikefield %s: %.*s is an option of %s, not of %s", cmd,
                        (int)strcspn(a, "="), a, other, cmd);
            else
                fprintf(stderr, "spikefield %s: unknown option %s", cmd, a);
            if (near && !other[0])
                fprintf(stderr, " (did you mean --%s?)", near);
            fprintf(stderr, "; see spikefield %s --help\n", cmd);
            return 2;
        }
        }
    }
    if (!o->model) {
        fprintf(stderr, "spikefield %s: missing %s (see spikefield %s --help)\n", cmd,
                operand(bit), cmd);
        return 2;
    }
    if (!o->ckpt_dir && (o->ckpt_every_arg || o->ckpt_model_arg || o->ckpt_keep)) {
        fprintf(stderr, "spikefield %s: %s needs --checkpoint-dir DIR\n", cmd,
                o->ckpt_every_arg ? "--checkpoint-every"
                : o->ckpt_model_arg ? "--checkpoint-model-every" : "--checkpoint-keep");
        return 2;
    }
    return 0;
nomem:
    fprintf(stderr, "spikefield %s: out of memory while reading the options\n", cmd);
    return 1;
}

void cli_free(cli_opts *o)
{
    free(o->sets);
    free(o->owned[0]);
    free(o->owned[1]);
}
