/* Recorder spools (spool.h): heap blocks, or shared mappings of unlinked
 * files whose space is reserved before use. */

#include "engine/spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static size_t page_size(void)
{
    long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? (size_t)p : 4096;
}

/* An unlinked file in dir: O_TMPFILE where the file system has it, else a
 * named temporary file removed at once. */
static int tmpfile_in(const char *dir)
{
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
    char path[4200];
    if (snprintf(path, sizeof path, "%s/.spool-XXXXXX", dir) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0)
        unlink(path);
    return fd;
}

/* Maps (or remaps) a file spool to hold bytes, reserving the space first. */
static int map_file(sf_spool *s, size_t bytes)
{
    size_t pg = page_size();
    bytes = (bytes + pg - 1) / pg * pg;
    if (bytes <= s->mapped)
        return 0;
    int e = posix_fallocate(s->fd, 0, (off_t)bytes);
    if (e)
        return e;
    void *p = s->base ? mremap(s->base, s->mapped, bytes, MREMAP_MAYMOVE)
                      : mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
    if (p == MAP_FAILED)
        return errno ? errno : ENOMEM;
    s->base = p;
    s->mapped = bytes;
    return 0;
}

int sf_spool_open(sf_spool *s, size_t elem, size_t cap, const char *dir)
{
    *s = SF_SPOOL_NONE;
    s->elem = elem;
    cap = cap ? cap : 1;
    if (!dir) {
        if (!(s->base = calloc(cap, elem)))
            return ENOMEM;
        s->cap = cap;
        return 0;
    }
    if ((s->fd = tmpfile_in(dir)) < 0)
        return errno ? errno : EIO;
    int e = map_file(s, cap * elem);
    if (e) {
        sf_spool_close(s);
        return e;
    }
    s->cap = s->mapped / elem;
    return 0;
}

int sf_spool_reserve(sf_spool *s, size_t need)
{
    if (need <= s->cap)
        return 0;
    size_t cap = s->cap * 2 > need ? s->cap * 2 : need;
    if (cap > SIZE_MAX / s->elem)
        return ENOMEM;
    if (s->fd < 0) {
        void *p = realloc(s->base, cap * s->elem);
        if (!p)
            return ENOMEM;
        s->base = p;
        s->cap = cap;
        return 0;
    }
    int e = map_file(s, cap * s->elem);
    if (e)
        return e;
    s->cap = s->mapped / s->elem;
    return 0;
}

void sf_spool_release(sf_spool *s, size_t upto)
{
    if (s->fd < 0 || !s->base)
        return;
    size_t pg = page_size(), end = upto * s->elem / pg * pg;
    if (end > s->mapped)
        end = s->mapped / pg * pg;
    if (end >= s->released + ((size_t)1 << 20)) { /* in steps of at least 1 MiB */
        /* a shared file mapping keeps the data in the file (page cache) */
        madvise(s->base + s->released, end - s->released, MADV_DONTNEED);
        s->released = end;
    }
}

void sf_spool_close(sf_spool *s)
{
    if (s->fd >= 0) {
        if (s->base)
            munmap(s->base, s->mapped);
        close(s->fd);
    } else {
        free(s->base);
    }
    *s = SF_SPOOL_NONE;
}
