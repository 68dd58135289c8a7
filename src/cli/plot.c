/* spikefield plot: the figures of an output folder, drawn by the Python
 * package (python/spikefield/plot.py, matplotlib), which `compare` also calls.
 *
 * The command runs `python3 -m spikefield plot OUTDIR --out DIR` with
 * /usr/bin/python3 (or $SPIKEFIELD_PYTHON), the package taken from the
 * source tree next to the binary (BIN/../python, as in build/spikefield) or
 * the installation prefix (BIN/../lib/python3/dist-packages), else from
 * Python's own path; $SPIKEFIELD_LIB is set to the library next to the
 * binary when there is one and it is unset. The C code draws nothing: one
 * figure code, in Python.
 */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PLOT_NO_PYTHON 127   /* the interpreter could not be started        */
#define PLOT_NO_MPL 3        /* python3 -m spikefield: matplotlib missing    */

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The folder of the running binary, without the trailing slash. */
static int exe_dir(char *buf, size_t n)
{
    ssize_t k = readlink("/proc/self/exe", buf, n - 1);
    if (k <= 0)
        return -1;
    buf[k] = '\0';
    char *slash = strrchr(buf, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    return 0;
}

/* Child side: the environment the package needs, then exec. Never returns. */
static void exec_python(const char *python, char **args)
{
    char dir[PATH_MAX], pkg[PATH_MAX + 64], lib[PATH_MAX + 64];
    if (exe_dir(dir, sizeof dir) == 0) {
        static const char *const where[] = {"/../python", "/../lib/python3/dist-packages",
                                            "/../lib/python3/site-packages"};
        for (size_t i = 0; i < sizeof where / sizeof *where; i++) {
            char init[PATH_MAX + 128];
            snprintf(pkg, sizeof pkg, "%s%s", dir, where[i]);
            snprintf(init, sizeof init, "%s/spikefield/__init__.py", pkg);
            if (!is_file(init))
                continue;
            const char *old = getenv("PYTHONPATH");
            size_t len = strlen(pkg) + (old ? strlen(old) + 1 : 0) + 1;
            char *pp = malloc(len);
            if (pp) {
                snprintf(pp, len, "%s%s%s", pkg, old && *old ? ":" : "", old && *old ? old : "");
                setenv("PYTHONPATH", pp, 1);
            }
            break;
        }
        snprintf(lib, sizeof lib, "%s/libspikefield.so", dir);
        if (!getenv("SPIKEFIELD_LIB") && is_file(lib))
            setenv("SPIKEFIELD_LIB", lib, 0);
    }
    setenv("MPLBACKEND", "Agg", 0);   /* files only, even with a display */
    execv(python, args);
    _exit(PLOT_NO_PYTHON);
}

int cli_plot_folder(const char *outdir, const char *figdir, int quiet, int optional)
{
    const char *python = getenv("SPIKEFIELD_PYTHON");
    if (!python || !*python)
        python = "/usr/bin/python3";
    char *args[10];
    int n = 0;
    args[n++] = (char *)python;
    args[n++] = "-m";
    args[n++] = "spikefield";
    args[n++] = "plot";
    args[n++] = (char *)outdir;
    if (figdir) {
        args[n++] = "--out";
        args[n++] = (char *)figdir;
    }
    if (quiet)
        args[n++] = "--quiet";
    if (optional)
        args[n++] = "--optional";
    args[n] = NULL;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "spikefield: cannot start %s: %s\n", python, strerror(errno));
        return 1;
    }
    if (pid == 0)
        exec_python(python, args);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return 1;
    if (!WIFEXITED(status))
        return 1;
    return WEXITSTATUS(status);
}

/* One line saying why there are no figures; NULL when the failure was the
 * package's own (it printed its message). */
const char *cli_plot_missing(int rc)
{
    return rc == PLOT_NO_PYTHON ? "Python 3 is not installed (Debian: apt-get install python3 "
                                  "python3-matplotlib python3-h5py; or set SPIKEFIELD_PYTHON)"
           : rc == PLOT_NO_MPL  ? "matplotlib is not installed (Debian: apt-get install "
                                  "python3-matplotlib)"
                                : NULL;
}

int cmd_plot(cli_opts *o)
{
    const char *outdir = o->model, *figdir = o->out_dir;
    int quiet = o->quiet;
    int rc = cli_plot_folder(outdir, figdir, quiet, 0);
    const char *why = cli_plot_missing(rc);
    if (why && rc == PLOT_NO_PYTHON)
        fprintf(stderr, "spikefield plot: no figures: %s\n", why);
    return rc == 0 ? 0 : 1;
}
