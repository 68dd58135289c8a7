/* The serialisation of checkpoints (src/engine/checkpoint.c) as the
 * pluggable parts see it: one function per piece of state serves counting,
 * writing and reading. A hook (sf_archive_type.ckpt, sf_recorder_type.ckpt)
 * passes each piece of its state, in a fixed order, to sf_ckpt_io_data;
 * counting adds its size, writing appends its bytes, reading copies the
 * checkpoint's bytes back into the same place. A piece of variable length
 * goes through sf_ckpt_io_len first (on reading it then holds the stored
 * length: make room for it, then pass the data).
 *
 * Invariant: once a read fails (the checkpoint ends early, a length
 * exceeds its bound, or a hook reports a failure) every later call does
 * nothing and sf_ckpt_io_ok is false; the restore then refuses the
 * checkpoint. Nothing is ever read past the checkpoint's section.
 */
#ifndef SF_ENGINE_CKPT_IO_H
#define SF_ENGINE_CKPT_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sf_ckpt_io sf_ckpt_io;

/* Is this the reading pass (the hook must make room before the data)? */
bool sf_ckpt_io_reading(const sf_ckpt_io *io);
/* n bytes at p: counted, written or read; false once the io has failed. */
bool sf_ckpt_io_data(sf_ckpt_io *io, void *p, size_t n);
/* A length (element count): written as u64; read back into *n and checked
 * against max (larger: corrupt, the io fails). */
bool sf_ckpt_io_len(sf_ckpt_io *io, uint64_t *n, uint64_t max);
/* A hook's own failure while reading (out of memory, inconsistent data). */
void sf_ckpt_io_fail(sf_ckpt_io *io);
bool sf_ckpt_io_ok(const sf_ckpt_io *io);

#endif
