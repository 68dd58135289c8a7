/* spikefield: command-line entry point.
 *
 *   spikefield run     MODEL.yaml [options]   simulate
 *   spikefield predict MODEL.yaml [options]   theory
 *   spikefield compare MODEL.yaml [options]   both, side by side
 *   spikefield plot    OUTDIR [--out DIR]     figures of an output folder
 *   spikefield models [--markdown]            list neuron models and parameters
 *
 * Exit status: 0 success, 1 failure (bad model, I/O), 2 bad command line,
 * 130 interrupted (outputs so far are complete).
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: spikefield run     MODEL.yaml [--threads N] [--seed S] [--out DIR]\n"
            "                          [--set path=value ...] [--quiet]\n"
            "       spikefield predict MODEL.yaml [--json] [--freq f1,f2,...|--freq-range a:b:n]\n"
            "                          [--set path=value ...] [--out DIR]\n"
            "       spikefield compare MODEL.yaml [--threads N] [--seed S] [--out DIR]\n"
            "                          [--set path=value ...] [--quiet]\n"
            "       spikefield plot    OUTDIR [--out DIR] [--quiet]   (PNG and PDF figures)\n"
            "       spikefield models [--markdown]\n"
            "       spikefield --version\n"
            "See docs/cli.md and docs/model-format.md.\n");
}

static int push_set(cli_opts *o, const char *s)
{
    const char **v = realloc(o->sets, sizeof(char *) * (size_t)(o->n_sets + 1));
    if (!v)
        return 1;
    o->sets = v;
    o->sets[o->n_sets++] = s;
    return 0;
}

static char owned_sets[2][64];

static int is_count(const char *s, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    return *s && !*end && !errno && v >= lo && v <= hi;
}

int cli_parse(int argc, char **argv, const char *cmd, cli_opts *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_VALUE                                                                             \
    if (!val) {                                                                                \
        fprintf(stderr, "spikefield %s: option %s needs a value\n", cmd, a);                  \
        return 2;                                                                              \
    }
        if (!strcmp(a, "--threads")) {
            NEED_VALUE;
            if (!is_count(val, 1, 1024)) {
                fprintf(stderr, "spikefield %s: --threads %s: expected a whole number in 1..1024\n",
                        cmd, val);
                return 2;
            }
            snprintf(owned_sets[0], sizeof owned_sets[0], "simulation.threads=%s", val);
            push_set(o, owned_sets[0]);
            i++;
        } else if (!strcmp(a, "--seed")) {
            NEED_VALUE;
            if (!is_count(val, 0, 0x7fffffffffffffffL)) {
                fprintf(stderr, "spikefield %s: --seed %s: expected a non-negative whole number\n",
                        cmd, val);
                return 2;
            }
            snprintf(owned_sets[1], sizeof owned_sets[1], "simulation.seed=%s", val);
            push_set(o, owned_sets[1]);
            i++;
        } else if (!strcmp(a, "--out")) {
            NEED_VALUE;
            o->out_dir = val;
            i++;
        } else if (!strcmp(a, "--set")) {
            NEED_VALUE;
            if (!strchr(val, '=')) {
                fprintf(stderr, "spikefield %s: --set %s: expected path=value, e.g. "
                        "populations.E.params.V_th=18\n", cmd, val);
                return 2;
            }
            push_set(o, val);
            i++;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            o->quiet = 1;
        } else if (!strcmp(a, "--json") && strcmp(cmd, "run")) {
            o->json = 1;
        } else if (!strcmp(a, "--freq") && !strcmp(cmd, "predict")) {
            NEED_VALUE;
            o->freq = val;
            i++;
        } else if (!strcmp(a, "--freq-range") && !strcmp(cmd, "predict")) {
            NEED_VALUE;
            o->freq_range = val;
            i++;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "spikefield %s: unknown option %s (see spikefield --help)\n", cmd, a);
            return 2;
        } else if (!o->model) {
            o->model = a;
        } else {
            fprintf(stderr, "spikefield %s: unexpected argument %s (one model file only)\n", cmd, a);
            return 2;
        }
#undef NEED_VALUE
    }
    if (!o->model) {
        fprintf(stderr, "spikefield %s: missing MODEL.yaml (see spikefield --help)\n", cmd);
        return 2;
    }
    return 0;
}

void cli_free(cli_opts *o)
{
    free(o->sets);
}

int cli_mkdirs(const char *dir, int *created)
{
    char buf[4096];
    *created = 0;
    if (strlen(dir) >= sizeof buf)
        return -1;
    strcpy(buf, dir);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    if (mkdir(buf, 0777) == 0) {
        *created = 1;
        return 0;
    }
    struct stat st;
    return errno == EEXIST && stat(buf, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

int cli_write_atomic(const char *path, void (*fn)(FILE *, void *), void *user)
{
    char tmp[4200];
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(tmp, sizeof tmp, "%.*s/.%s.part", (int)(slash - path), path, slash + 1);
    else
        snprintf(tmp, sizeof tmp, ".%s.part", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    fn(f, user);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

static void list_models(int markdown)
{
    if (markdown)
        printf("# Neuron models\n\nGenerated by `spikefield models --markdown` from the parameter "
               "tables in src/neurons/ (do not edit by hand; run `make docs`).\n");
    for (int i = 0; i < sf_neuron_model_count(); i++) {
        const char *name = sf_neuron_model_name(i), *wunit = sf_neuron_model_weight_unit(i);
        if (markdown) {
            printf("\n## %s\n\n%s\n\nWeights are in %s. State variables:", name,
                   sf_neuron_model_doc(i), wunit);
            for (int s = 0; s < sf_neuron_model_state_count(i); s++) {
                const char *unit = sf_neuron_model_state_unit(i, s);
                printf(" `%s`%s%s%s", sf_neuron_model_state_name(i, s), unit[0] ? " (" : "", unit,
                       unit[0] ? ")" : "");
            }
            printf(".\n\nReceptor ports (`receptor:` of projections and inputs):");
            for (int k = 0; k < sf_neuron_model_port_count(i); k++) {
                int sg = sf_neuron_model_port_sign(i, k);
                printf("%s `%s` (%s%s)", k ? "," : "", sf_neuron_model_port_name(i, k),
                       sf_neuron_model_port_doc(i, k),
                       sg > 0 ? "; weights >= 0" : sg < 0 ? "; weights <= 0" : "");
            }
            printf(".\n\n| parameter | unit | default | valid range | meaning |\n|---|---|---|---|---|\n");
        } else {
            printf("%s  (weights in %s; receptor ports:", name, wunit);
            for (int k = 0; k < sf_neuron_model_port_count(i); k++)
                printf(" %s", sf_neuron_model_port_name(i, k));
            printf(")\n");
        }
        for (int k = 0; k < sf_neuron_model_param_count(i); k++) {
            const sf_param_spec *p = sf_neuron_model_param(i, k);
            if (markdown)
                printf("| `%s` | %s | %g | %s%g, %g] | %s |\n", p->name, p->unit[0] ? p->unit : "-",
                       p->def, p->min_open ? "(" : "[", p->min, p->max, p->doc);
            else
                printf("  %-12s %-4s default %-8g %s\n", p->name, p->unit, p->def, p->doc);
        }
    }
}

int main(int argc, char **argv)
{
    /* the library's process-wide settings (GSL's error handler off, OpenBLAS
     * on one thread) are made by sf_context_create, before any work */
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
        printf("spikefield %s\n", sf_version());
        return 0;
    }
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "plot"))
        return cmd_plot(argc - 2, argv + 2);
    if (!strcmp(cmd, "models")) {
        list_models(argc > 2 && !strcmp(argv[2], "--markdown"));
        return 0;
    }
    int (*fn)(cli_opts *) = !strcmp(cmd, "run")       ? cmd_run
                            : !strcmp(cmd, "predict") ? cmd_predict
                            : !strcmp(cmd, "compare") ? cmd_compare
                                                      : NULL;
    if (!fn) {
        fprintf(stderr, "spikefield: unknown command '%s'\n", cmd);
        usage(stderr);
        return 2;
    }
    cli_opts o;
    int rc = cli_parse(argc - 2, argv + 2, cmd, &o);
    if (rc == 0)
        rc = fn(&o);
    cli_free(&o);
    return rc;
}
