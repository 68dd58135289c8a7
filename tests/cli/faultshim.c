/* An LD_PRELOAD shim that makes one I/O call fail, for test_io_faults.sh.
 *
 * SF_FAULT=FUNC:N makes the N-th call (from 1) of FUNC fail with ENOSPC
 * ("No space left on device"), as a full disk does. FUNC is one of write
 * (write, pwrite and pwrite64 on regular files, counted together: what HDF5's
 * file driver calls), fclose (of a stream opened for writing: it is closed,
 * then EOF is returned, as when the last buffered write fails), fsync, rename and H5Fclose (returns -1
 * with ENOSPC without closing, the case in which the caller must not touch HDF5 again).
 * SF_FAULT_COUNT=PATH appends "FUNC COUNT" lines at exit: how many calls a
 * run makes, so the test can fail every one of them in turn.
 *
 * Invariant: apart from the one chosen call, every call is passed to the
 * real function unchanged.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

enum { F_WRITE, F_FCLOSE, F_FSYNC, F_RENAME, F_H5FCLOSE, F_COUNT };
static const char *const names[F_COUNT] = {"write", "fclose", "fsync", "rename", "H5Fclose"};
static long calls[F_COUNT];

/* true when this call of function f is the one to fail. */
static int fail_now(int f)
{
    long n = ++calls[f];
    const char *spec = getenv("SF_FAULT");
    if (!spec)
        return 0;
    size_t len = strlen(names[f]);
    if (strncmp(spec, names[f], len) != 0 || spec[len] != ':')
        return 0;
    return atol(spec + len + 1) == n;
}

static int regular(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

static void *real(const char *name)
{
    void *p = dlsym(RTLD_NEXT, name);
    if (!p) {
        fprintf(stderr, "faultshim: no %s\n", name);
        _exit(99);
    }
    return p;
}

ssize_t write(int fd, const void *buf, size_t n)
{
    static ssize_t (*w)(int, const void *, size_t);
    if (!w)
        w = (ssize_t (*)(int, const void *, size_t))real("write");
    if (regular(fd) && fail_now(F_WRITE)) {
        errno = ENOSPC;
        return -1;
    }
    return w(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    static ssize_t (*w)(int, const void *, size_t, off_t);
    if (!w)
        w = (ssize_t (*)(int, const void *, size_t, off_t))real("pwrite");
    if (regular(fd) && fail_now(F_WRITE)) {
        errno = ENOSPC;
        return -1;
    }
    return w(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    static ssize_t (*w)(int, const void *, size_t, off_t);
    if (!w)
        w = (ssize_t (*)(int, const void *, size_t, off_t))real("pwrite64");
    if (regular(fd) && fail_now(F_WRITE)) {
        errno = ENOSPC;
        return -1;
    }
    return w(fd, buf, n, off);
}

int fclose(FILE *f)
{
    static int (*c)(FILE *);
    if (!c)
        c = (int (*)(FILE *))real("fclose");
    int fd = fileno(f), mode = fcntl(fd, F_GETFL);
    int reg = f != stdout && f != stderr && regular(fd) && mode >= 0 &&
              (mode & O_ACCMODE) != O_RDONLY; /* streams that were written */
    int r = c(f);
    if (reg && fail_now(F_FCLOSE)) {
        errno = ENOSPC;
        return EOF;
    }
    return r;
}

int fsync(int fd)
{
    static int (*s)(int);
    if (!s)
        s = (int (*)(int))real("fsync");
    if (fail_now(F_FSYNC)) {
        errno = EIO;
        return -1;
    }
    return s(fd);
}

int rename(const char *a, const char *b)
{
    static int (*r)(const char *, const char *);
    if (!r)
        r = (int (*)(const char *, const char *))real("rename");
    if (fail_now(F_RENAME)) {
        errno = ENOSPC;
        return -1;
    }
    return r(a, b);
}

typedef long long hid_like;
int H5Fclose(hid_like id)
{
    static int (*c)(hid_like);
    if (!c)
        c = (int (*)(hid_like))real("H5Fclose");
    if (fail_now(F_H5FCLOSE)) {
        errno = ENOSPC; /* a close fails when its final writes fail */
        return -1;
    }
    return c(id);
}

__attribute__((destructor)) static void report(void)
{
    const char *path = getenv("SF_FAULT_COUNT");
    if (!path)
        return;
    FILE *f = fopen(path, "a");
    if (!f)
        return;
    for (int i = 0; i < F_COUNT; i++)
        fprintf(f, "%s %ld\n", names[i], calls[i]);
    static int (*c)(FILE *);
    c = (int (*)(FILE *))dlsym(RTLD_NEXT, "fclose");
    if (c)
        c(f);
}
