/* spikefield core: status codes, the context (last error message), counter-based
 * random streams and a few numeric helpers shared by every module.
 *
 * Invariant: no global mutable state. Everything that can fail reports an
 * sf_status; the detailed message of the last failure lives on the sf_context
 * that was passed in (never in a global), so one context per thread is safe.
 */
#ifndef SPIKEFIELD_CORE_H
#define SPIKEFIELD_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* SF_API marks the functions of the public interface: the library is built
 * with -fvisibility=hidden, so only these are exported from libspikefield.so
 * (tests/cli/test_symbols.sh checks the list against the headers). */
#if defined(SF_BUILDING_LIBRARY) && defined(__GNUC__)
#define SF_API __attribute__((visibility("default")))
#else
#define SF_API
#endif

/* Version of this header; sf_version() gives that of the library linked
 * (they differ when a program runs against another installed copy). The
 * shared library's SONAME carries the major version: libspikefield.so.0. */
#define SF_VERSION_MAJOR 0
#define SF_VERSION_MINOR 1
#define SF_VERSION_PATCH 0
#define SF_VERSION_STRING "0.1.0"
/* "MAJOR.MINOR.PATCH" of the library. Static, never NULL. Thread-safe. */
SF_API const char *sf_version(void);
/* The same as one number, MAJOR * 10000 + MINOR * 100 + PATCH. */
SF_API int sf_version_number(void);
/* The git commit the library was built from (12 hex digits, with "+dirty"
 * when the tree had uncommitted changes), or "" when it was not built from
 * a git checkout. Static, never NULL. */
SF_API const char *sf_version_commit(void);

/* One list gives the enum and the messages (X-macro). */
#define SF_STATUS_LIST(X)                                                   \
    X(SF_OK, "success")                                                     \
    X(SF_ERR_NOMEM, "out of memory")                                        \
    X(SF_ERR_IO, "input/output error")                                      \
    X(SF_ERR_PARSE, "model file syntax error")                              \
    X(SF_ERR_MODEL, "invalid model description")                            \
    X(SF_ERR_ARG, "invalid argument")                                       \
    X(SF_ERR_RANGE, "value out of range")                                   \
    X(SF_ERR_TOO_BIG, "network does not fit into memory")                   \
    X(SF_ERR_NOCONV, "iteration did not converge")                          \
    X(SF_ERR_NUMERIC, "numerical failure")                                  \
    X(SF_ERR_INTERRUPTED, "interrupted")

typedef enum {
#define SF_X_ENUM(code, msg) code,
    SF_STATUS_LIST(SF_X_ENUM)
#undef SF_X_ENUM
    SF_STATUS_COUNT
} sf_status;

/* Static description of a status code. Never NULL. Thread-safe. */
SF_API const char *sf_strerror(sf_status code);

/* The context carries the last error message. Create one per thread: every
 * function taking a ctx may be called concurrently with others that use
 * other contexts (and other handles). sf_context_create returns NULL only
 * when out of memory. sf_context_destroy(NULL) is a no-op.
 *
 * Process-wide state: sf_context_create is the only function of the library
 * that changes state of the process, and it changes exactly two things, each
 * time it is called (idempotent):
 *   - GSL's error handler is turned off (gsl_set_error_handler_off), so that
 *     GSL reports failures through status codes instead of calling abort();
 *     spikefield turns each into an sf_status with a message on ctx;
 *   - OpenBLAS is set to one thread (openblas_set_num_threads(1)): the theory
 *     solves many small matrices, for which OpenBLAS's thread pool is slower
 *     and competes with the simulation's threads.
 * A program that wants other settings makes its own calls after creating its
 * contexts. Nothing else (signal handlers, locale, HDF5 error printing,
 * environment) is changed, or it is restored before the call returns. */
typedef struct sf_context sf_context;
SF_API sf_context *sf_context_create(void);
SF_API void sf_context_destroy(sf_context *ctx);

/* Message of the last failure on ctx ("" if none). Owned by ctx, valid until
 * the next call that fails on ctx. */
SF_API const char *sf_context_errmsg(const sf_context *ctx);
SF_API sf_status sf_context_status(const sf_context *ctx);
SF_API void sf_context_clear(sf_context *ctx);

/* Records a failure on ctx (printf-style message) and returns code, so that
 * callers can write `return sf_fail(ctx, SF_ERR_ARG, "...", ...)`.
 * ctx may be NULL (the message is then dropped). */
SF_API sf_status sf_fail(sf_context *ctx, sf_status code, const char *fmt, ...)
           __attribute__((format(printf, 3, 4)));

/* ---------------------------------------------------------------------------
 * Counter-based random streams (Philox4x32-10, Random123).
 *
 * A stream is keyed by (seed, purpose, entity): the same triple gives the same
 * numbers whichever thread or process draws them. Purposes are fixed below so
 * that adding a new one never changes existing streams.
 */
typedef enum {
    SF_RNG_CONNECT = 1,   /* entity: target neuron (or projection) id    */
    SF_RNG_WEIGHT = 2,    /* entity: target neuron id                     */
    SF_RNG_DELAY = 3,     /* entity: target neuron id                     */
    SF_RNG_INIT = 4,      /* entity: neuron id, initial state             */
    SF_RNG_POISSON = 5,   /* entity: neuron id, background Poisson drive  */
    SF_RNG_ANALYSIS = 6,  /* entity: population id, pair sampling         */
    SF_RNG_NEURON = 7,    /* entity: neuron id, intrinsic stochasticity   */
    SF_RNG_PARAM = 8,     /* entity: neuron id, heterogeneous parameters;
                             (input + 1) << 32 | neuron id, per-neuron input
                             rates                                        */
    SF_RNG_LEARN = 9,     /* entity: instance << 32 | stream, learning
                             experiments (src/learning/)                  */
    SF_RNG_POSITION = 10, /* entity: neuron id, position in space (spatial
                             populations with layout random)             */
    SF_RNG_TEST = 99
} sf_rng_purpose;

typedef struct {
    uint32_t key[2];      /* seed                                          */
    uint32_t ctr[4];      /* [0] entity lo, [1] entity hi|purpose, [2..3] block */
    uint32_t buf[4];      /* last block of output                          */
    unsigned used;        /* words of buf consumed (4 = empty)             */
} sf_rng;

/* Positions the stream at block 0 of (seed, purpose, entity). */
SF_API void sf_rng_init(sf_rng *r, uint64_t seed, sf_rng_purpose purpose, uint64_t entity);
/* Jumps to block `block` (each block is 4 x 32 bits) of the same stream. */
SF_API void sf_rng_seek(sf_rng *r, uint64_t block);
SF_API uint32_t sf_rng_u32(sf_rng *r);
/* The next n words of the stream, exactly as n calls of sf_rng_u32 would
 * give them (and leaving r where they would), vectorised over blocks. */
SF_API void sf_rng_fill_u32(sf_rng *r, uint32_t *out, size_t n);
/* Uniform in [0,1) with 53 random bits. */
SF_API double sf_rng_uniform(sf_rng *r);
/* Uniform in (0,1), never 0: safe for log(). */
SF_API double sf_rng_uniform_pos(sf_rng *r);
/* Uniform integer in [0, n), n >= 1, unbiased (Lemire's method). */
SF_API uint64_t sf_rng_below(sf_rng *r, uint64_t n);
SF_API double sf_rng_normal(sf_rng *r);
SF_API double sf_rng_exponential(sf_rng *r, double mean);

/* One Philox4x32-10 block: the raw bijection, for hot loops that address
 * their own counters (out may alias nothing). */
SF_API void sf_philox(const uint32_t key[2], const uint32_t ctr[4], uint32_t out[4]);

/* Vector forms for hot loops, one value per entity: out[i] is drawn from
 * block `block` of the stream (seed, purpose, (sub << 32) | (entity0 + i)),
 * i < n. sf_rng_uniforms gives the 53-bit uniform in [0,1) of words 0-1
 * (the value sf_rng_uniform would return first); sf_rng_normals a standard
 * normal by Box-Muller from words 0-1 and 2-3. Vectorised over i. */
SF_API void sf_rng_uniforms(uint64_t seed, sf_rng_purpose purpose, uint32_t sub, uint64_t block,
                            uint64_t entity0, uint32_t n, double *out);
SF_API void sf_rng_normals(uint64_t seed, sf_rng_purpose purpose, uint32_t sub, uint64_t block,
                           uint64_t entity0, uint32_t n, double *out);

/* sf_rng_normals and the other half of each Box-Muller pair: cs[i] is
 * sf_rng_normals' out[i], sn[i] the independent sine partner (cs, sn
 * distinct arrays of n). */
SF_API void sf_rng_normal_pairs(uint64_t seed, sf_rng_purpose purpose, uint32_t sub,
                                uint64_t block, uint64_t entity0, uint32_t n, double *cs,
                                double *sn);

/* All 128 bits of each block, four entities per block: out[i] is word
 * e % 4 of block `block` of the stream (seed, purpose, (sub << 32) | e / 4),
 * e = entity0 + i, i < n. A value depends only on (e, block), not on
 * entity0 or n. Vectorised over the blocks. */
SF_API void sf_rng_words(uint64_t seed, sf_rng_purpose purpose, uint32_t sub, uint64_t block,
                         uint64_t entity0, uint32_t n, uint32_t *out);

/* Many values of a single stream (seed, purpose, entity), vectorised:
 * sf_rng_uniforms_blocks: out[i] is the uniform of block block0 + i (as in
 * sf_rng_uniforms); sf_rng_normals_blocks: out[i] is normal number idx0 + i
 * of the stream, where normal v is element v % 2 of the Box-Muller pair
 * (r cos t, r sin t) of block v / 2. A value depends only on its index. */
SF_API void sf_rng_uniforms_blocks(uint64_t seed, sf_rng_purpose purpose, uint64_t entity,
                                   uint64_t block0, uint64_t n, double *out);
SF_API void sf_rng_normals_blocks(uint64_t seed, sf_rng_purpose purpose, uint64_t entity,
                                  uint64_t idx0, uint64_t n, double *out);

/* The same values at any indices, in any order: out[i] is the uniform of
 * block blk[i] (sf_rng_uniforms_blocks), or normal number idx[i] of the
 * stream (sf_rng_normals_blocks), for a list of scattered indices (the
 * redraws of sf_dist_draw_n). */
SF_API void sf_rng_uniforms_at(uint64_t seed, sf_rng_purpose purpose, uint64_t entity,
                               const uint64_t *blk, uint64_t n, double *out);
SF_API void sf_rng_normals_at(uint64_t seed, sf_rng_purpose purpose, uint64_t entity,
                              const uint64_t *idx, uint64_t n, double *out);

/* A gsl_rng backed by a stream, for GSL's samplers (binomial, poisson, ...).
 * The returned pointer is a gsl_rng*; free it with sf_rng_gsl_free. */
struct gsl_rng_struct;
SF_API void *sf_rng_gsl_alloc(uint64_t seed, sf_rng_purpose purpose, uint64_t entity);
SF_API void sf_rng_gsl_reset(void *gsl_rng, uint64_t seed, sf_rng_purpose purpose, uint64_t entity);
SF_API void sf_rng_gsl_free(void *gsl_rng);

/* ---------------------------------------------------------------------------
 * Barrier that sleeps (futex via pthread condition) instead of spinning, so
 * idle threads leave the core to others on a shared machine.
 */
typedef struct sf_barrier sf_barrier;
SF_API sf_barrier *sf_barrier_create(unsigned nthreads);
SF_API void sf_barrier_destroy(sf_barrier *b);
SF_API void sf_barrier_wait(sf_barrier *b);

/* ---------------------------------------------------------------------------
 * Memory helpers. */
/* Available memory in bytes (MemAvailable of /proc/meminfo, or the cgroup
 * limit, or what is left of the address-space limit RLIMIT_AS, whichever
 * is lowest); 0 if unknown. */
SF_API uint64_t sf_mem_available(void);
/* Peak resident set size of this process in bytes (0 if unknown). */
SF_API uint64_t sf_mem_peak_rss(void);
/* Seconds on a monotonic clock. */
SF_API double sf_wall_time(void);
/* Calendar time: seconds since 1970-01-01 UTC (provenance of outputs). */
SF_API double sf_epoch_time(void);
/* CPU seconds used by this process (all threads). */
SF_API double sf_cpu_time(void);

#ifdef __cplusplus
}
#endif
#endif
