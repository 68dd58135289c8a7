/* Output sets: the files of one `run` or `compare` appear together or not at
 * all, and never mix with an earlier run's.
 *
 * A command writes its whole set into a temporary sibling folder
 * (PARENT/.NAME.part-PID) and renames it into place at the end (rename(2) of
 * a folder is atomic on one file system). An output folder that already
 * holds the outputs of an earlier run is refused unless --replace; then the
 * earlier folder is moved aside, the new one renamed in, and the old one
 * removed, so no stale file (a voltmeter the model no longer has) survives.
 * A folder holding anything else is never replaced. Signals during writing
 * only set the stop flag (run.c), so a second Ctrl-C cannot leave half a
 * set; a failure removes the temporary folder.
 */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The files that mark a folder as a spikefield output folder. */
static const char *const markers[] = {"summary.json", "spikes.h5", "compare.json",
                                      "prediction.json", "learning.json", "ising.json", NULL};

/* 0: dir is missing or empty; 1: it holds an earlier run's outputs; 2: it
 * holds other files (or is not a folder). */
static int classify(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0)
        return 0;
    if (!S_ISDIR(st.st_mode))
        return 2;
    DIR *d = opendir(dir);
    if (!d)
        return 2;
    int empty = 1, ours = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        empty = 0;
        for (int i = 0; markers[i]; i++)
            ours |= !strcmp(e->d_name, markers[i]);
    }
    closedir(d);
    return empty ? 0 : ours ? 1 : 2;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_tree(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int cli_outset_begin(cli_outset *s, const char *dir, int replace)
{
    memset(s, 0, sizeof *s);
    s->dir = dir;
    s->replace = replace;
    int kind = classify(dir);
    if (kind == 2) {
        fprintf(stderr, "spikefield: --out %s holds files that are not spikefield outputs; choose a "
                        "new or empty folder\n", dir);
        return 1;
    }
    if (kind == 1 && !replace) {
        fprintf(stderr, "spikefield: %s holds the outputs of an earlier run; add --replace to "
                        "replace them, or choose another --out\n", dir);
        return 1;
    }
    /* the parent must exist: the temporary folder lives next to dir */
    char parent[4096];
    snprintf(parent, sizeof parent, "%s", dir);
    char *slash = strrchr(parent, '/');
    while (slash && slash > parent && slash[1] == '\0') { /* "out/x/" */
        *slash = '\0';
        slash = strrchr(parent, '/');
    }
    const char *base = slash ? slash + 1 : parent;
    int created;
    if (slash && slash != parent) {
        *slash = '\0';
        if (cli_mkdirs(parent, &created) != 0) {
            fprintf(stderr, "spikefield: cannot create the folder %s: %s\n", parent,
                    strerror(errno));
            return 1;
        }
        snprintf(s->tmp, sizeof s->tmp, "%s/.%s.part-%ld", parent, base, (long)getpid());
    } else {
        snprintf(s->tmp, sizeof s->tmp, "%s.%s.part-%ld", slash ? "/" : "", base,
                 (long)getpid());
    }
    remove_tree(s->tmp); /* a leftover of a killed process with our pid */
    if (mkdir(s->tmp, 0777) != 0) {
        fprintf(stderr, "spikefield: cannot create the folder %s: %s\n", s->tmp, strerror(errno));
        s->tmp[0] = '\0';
        return 1;
    }
    return 0;
}

int cli_outset_commit(cli_outset *s)
{
    char old[4200] = "";
    if (classify(s->dir) == 1) { /* --replace: the earlier outputs go */
        snprintf(old, sizeof old, "%s.old-%ld", s->tmp, (long)getpid());
        if (rename(s->dir, old) != 0) {
            fprintf(stderr, "spikefield: cannot move the earlier outputs %s aside: %s; the new "
                            "outputs are in %s\n", s->dir, strerror(errno), s->tmp);
            s->tmp[0] = '\0'; /* kept for the user: abort must not remove it */
            return 1;
        }
    } else {
        rmdir(s->dir); /* an empty folder: rename(2) replaces it anyway */
    }
    if (rename(s->tmp, s->dir) != 0) {
        int e = errno;
        if (old[0])
            rename(old, s->dir);
        fprintf(stderr, "spikefield: cannot move the outputs into %s: %s; they are in %s\n",
                s->dir, strerror(e), s->tmp);
        s->tmp[0] = '\0'; /* kept for the user: abort must not remove it */
        return 1;
    }
    if (old[0])
        remove_tree(old);
    s->tmp[0] = '\0';
    return 0;
}

void cli_outset_abort(cli_outset *s)
{
    if (s->tmp[0])
        remove_tree(s->tmp);
    s->tmp[0] = '\0';
}

void cli_outset_error(const cli_outset *s, const char *msg)
{
    fputs("spikefield: ", stderr);
    size_t n = strlen(s->tmp);
    for (const char *at; n && (at = strstr(msg, s->tmp)); msg = at + n)
        fprintf(stderr, "%.*s%s", (int)(at - msg), msg, s->dir);
    fprintf(stderr, "%s\n", msg);
}
