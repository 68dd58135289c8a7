/* Append-only arrays of the recorders, in memory or in an unlinked file.
 *
 * A spool holds cap elements of elem bytes at base. In memory (fd < 0) it
 * is a heap block grown by realloc. With a folder (the command passes its
 * output folder) it is a shared mapping of an unlinked file in that folder:
 * space is reserved with posix_fallocate before it is used, so a full disk
 * is an error when growing, never a SIGBUS when writing; and the part
 * already written can be dropped from the process's memory
 * (sf_spool_release), so what a long run records costs disk, not memory.
 * Readers see one contiguous array either way (the pages come back from
 * the file when read).
 *
 * Invariant: base holds cap * elem usable bytes; bytes below `released`
 * were written before they were released.
 */
#ifndef SF_ENGINE_SPOOL_H
#define SF_ENGINE_SPOOL_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    unsigned char *base;
    size_t elem, cap;          /* element size in bytes; capacity in elements */
    size_t mapped;             /* bytes mapped (file spools)                  */
    size_t released;           /* bytes [0, released) dropped from memory     */
    int fd;                    /* -1: in memory                               */
} sf_spool;

/* An empty spool; all of it zero except fd = -1 (sf_spool_close-safe). */
#define SF_SPOOL_NONE ((sf_spool){.fd = -1})

/* Opens a spool of cap elements (at least 1) in memory (dir NULL) or in an
 * unlinked file in dir; 0 or the errno value. Element contents are zero. */
int sf_spool_open(sf_spool *s, size_t elem, size_t cap, const char *dir);
/* Makes room for need elements (doubling); 0 or the errno value (ENOMEM,
 * ENOSPC, ...), the spool unchanged on failure. base may move. */
int sf_spool_reserve(sf_spool *s, size_t need);
/* Drops the whole pages below element `upto` from memory once they make at
 * least 1 MiB (file spools only; they stay in the file). */
void sf_spool_release(sf_spool *s, size_t upto);
void sf_spool_close(sf_spool *s);

#endif
