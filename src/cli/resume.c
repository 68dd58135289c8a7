/* Checkpoints in the command: `run --checkpoint-dir DIR` and `spikefield
 * resume DIR` (docs/cli.md#checkpoints).
 *
 * A checkpoint carries, as the library's caller bytes (sf_checkpoint_meta),
 * the command line of the run it belongs to, normalised: "run", the model
 * file's absolute path, every --set (those made from --threads and --seed
 * too), the absolute --out and --checkpoint-dir, the checkpoint options;
 * each string NUL-terminated. `resume` parses that line with the one options
 * parser (options.c), so the resumed run is the same run, loaded from the
 * same file with the same overrides (the library refuses it if the resolved
 * model's hash changed), continued from the checkpoint; it writes the
 * outputs of the whole run into the run's --out (replacing what the
 * interrupted run left there) and keeps checkpointing as the run did.
 *
 * Invariant: the checkpoint folder is never the output folder or inside it
 * (replacing the outputs would remove the checkpoint).
 */
#include "sim.h"

#include "spikefield/checkpoint.h"
#include "spikefield/mpi.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* p as an absolute path (p need not exist) into out. */
static int absolute(const char *p, char *out, size_t len)
{
    char cwd[PATH_MAX];
    if (p[0] == '/')
        return snprintf(out, len, "%s", p) < (int)len ? 0 : -1;
    if (!getcwd(cwd, sizeof cwd))
        return -1;
    return snprintf(out, len, "%s/%s", cwd, p) < (int)len ? 0 : -1;
}

/* Appends s and its NUL to the growing buffer. */
static int push(char **buf, size_t *len, const char *s)
{
    size_t n = strlen(s) + 1;
    char *b = realloc(*buf, *len + n);
    if (!b)
        return -1;
    memcpy(b + *len, s, n);
    *buf = b;
    *len += n;
    return 0;
}

/* Is dir equal to base or inside it (both absolute)? */
static int within(const char *dir, const char *base)
{
    size_t n = strlen(base);
    while (n > 1 && base[n - 1] == '/')
        n--;
    return !strncmp(dir, base, n) && (dir[n] == '\0' || dir[n] == '/');
}

int cli_checkpoints_begin(const cli_opts *o, sf_context *ctx, sf_network *net)
{
    if (!o->ckpt_dir)
        return 0;
    char dir[PATH_MAX], out[PATH_MAX], model[PATH_MAX], path[PATH_MAX + 32];
    char *od = cli_out_dir(o);
    int created, bad = !od || absolute(od, out, sizeof out);
    free(od);
    if (bad || absolute(o->ckpt_dir, dir, sizeof dir) || !realpath(o->model, model)) {
        fprintf(stderr, "spikefield: --checkpoint-dir %s: path too long\n", o->ckpt_dir);
        return 1;
    }
    if (within(dir, out)) {
        fprintf(stderr, "spikefield: --checkpoint-dir %s lies in the output folder %s, which a "
                "resumed run replaces; choose another folder\n", o->ckpt_dir, out);
        return 1;
    }
    if (cli_mkdirs(dir, &created) != 0) {
        fprintf(stderr, "spikefield: cannot create the checkpoint folder %s\n", o->ckpt_dir);
        return 1;
    }
    snprintf(path, sizeof path, "%s/checkpoint.sfck", dir);
    char *meta = NULL;
    size_t len = 0;
    int e = push(&meta, &len, "run") || push(&meta, &len, model);
    for (int i = 0; i < o->n_sets; i++)
        e = e || push(&meta, &len, "--set") || push(&meta, &len, o->sets[i]);
    e = e || push(&meta, &len, "--out") || push(&meta, &len, out) ||
        push(&meta, &len, "--checkpoint-dir") || push(&meta, &len, dir);
    if (o->ckpt_every_arg)
        e = e || push(&meta, &len, "--checkpoint-every") || push(&meta, &len, o->ckpt_every_arg);
    if (o->ckpt_model_arg)
        e = e || push(&meta, &len, "--checkpoint-model-every") ||
            push(&meta, &len, o->ckpt_model_arg);
    if (o->ckpt_keep)
        e = e || push(&meta, &len, "--checkpoint-keep");
    if (e) {
        free(meta);
        fprintf(stderr, "spikefield: out of memory\n");
        return 1;
    }
    sf_checkpoint_options co = {.path = path,
                                .every_ms = o->ckpt_every_ms,
                                .every_s = o->ckpt_every_s,
                                .on_stop = true,
                                .keep = o->ckpt_keep != 0,
                                .meta = meta,
                                .meta_len = len};
    sf_status st = sf_network_set_checkpoints(ctx, net, &co);
    free(meta);
    if (st != SF_OK) {
        fprintf(stderr, "spikefield: %s\n", sf_context_errmsg(ctx));
        return 1;
    }
    return 0;
}

void cli_checkpoint_note(const cli_opts *o, const sf_recording *rec)
{
    double t = sf_recording_checkpoint_time(rec);
    if (t < 0 || (o->quiet && !sf_recording_interrupted(rec)))
        return;
    fprintf(stderr, "spikefield: checkpoint at t = %.1f ms in %s/checkpoint.sfck%s%s\n", t,
            o->ckpt_dir, sf_recording_interrupted(rec) ? "; continue with: spikefield resume " : "",
            sf_recording_interrupted(rec) ? o->ckpt_dir : "");
}

int cmd_resume(cli_opts *o)
{
    char given[PATH_MAX + 32], path[PATH_MAX + 64];
    struct stat st;
    if (stat(o->model, &st) == 0 && S_ISDIR(st.st_mode))
        snprintf(given, sizeof given, "%s/checkpoint.sfck", o->model);
    else
        snprintf(given, sizeof given, "%s", o->model);
    /* several processes (MPI): each resumes its own file */
    sf_checkpoint_path(path, sizeof path, given, sf_mpi_rank(), sf_mpi_size());
    sf_context *ctx = sf_context_create();
    if (!ctx)
        return 1;
    sf_checkpoint *ck = NULL;
    if (sf_checkpoint_read(ctx, path, &ck) != SF_OK) {
        char other[PATH_MAX + 64];
        sf_checkpoint_path(other, sizeof other, given, 0, 2);
        if (sf_mpi_size() == 1 && access(path, F_OK) != 0 && access(other, F_OK) == 0)
            fprintf(stderr, "spikefield: %s was written by several processes (MPI, %s ...); "
                    "resume it under mpirun with as many processes\n", given, other);
        else if (sf_mpi_size() > 1 && access(path, F_OK) != 0 && access(given, F_OK) == 0)
            fprintf(stderr, "spikefield: %s was written by one process; resume it without "
                    "mpirun\n", given);
        else if (sf_mpi_size() > 1 && access(path, F_OK) != 0)
            fprintf(stderr, "spikefield: %s: no checkpoint of process %d; resume a checkpoint of "
                    "several processes on as many processes as wrote it\n", path,
                    sf_mpi_rank());
        else
            fprintf(stderr, "spikefield: %s\n", sf_context_errmsg(ctx));
        sf_context_destroy(ctx);
        return 1;
    }
    sf_context_destroy(ctx);
    /* the run's command line: NUL-terminated strings */
    size_t len;
    const char *meta = sf_checkpoint_meta(ck, &len);
    int argc = 0, rc = 1;
    char **argv = calloc(len + 2, sizeof(char *));
    if (!argv)
        goto done;
    for (size_t i = 0; i < len; i += strlen(meta + i) + 1)
        argv[argc++] = (char *)meta + i;
    if (!len || meta[len - 1] != '\0' || strcmp(argv[0], "run")) {
        fprintf(stderr, "spikefield: checkpoint %s holds no command line of a run; it was not "
                "written by spikefield run\n", path);
        goto done;
    }
    cli_opts ro;
    rc = cli_parse(argc, argv, "run", &ro);
    if (rc != 0) {
        fprintf(stderr, "spikefield: checkpoint %s: its command line cannot be read\n", path);
        cli_free(&ro);
        rc = 1;
        goto done;
    }
    ro.resume = ck;
    ro.threads = o->threads;
    ro.quiet = o->quiet;
    ro.replace = 1;
    if (o->out_dir)
        ro.out_dir = o->out_dir;
    if (!o->quiet && sf_mpi_rank() == 0)
        fprintf(stderr, "spikefield: resuming %s from t = %.1f ms (%s)\n", argv[1],
                sf_checkpoint_time(ck), path);
    rc = cmd_run(&ro);
    cli_free(&ro);
done:
    free(argv);
    sf_checkpoint_destroy(ck);
    return rc;
}
