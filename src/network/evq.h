/* Event queues of a block: the two-pass delivery of large blocks.
 *
 * A block whose ring buffer is much larger than a core's cache (the
 * full-scale microcircuit: 128 slots x 2 ports x 10k neurons per block)
 * makes every synaptic event a random read-modify-write in memory. With a
 * queue, delivery appends each event (index port * n + target, value) to the
 * list of its arrival slot instead: sequential writes. At the update of step
 * k the list of slot k is added, in order, into one cache-resident buffer
 * (cur), which the neuron update then reads as its input.
 *
 * Lists are chains of fixed chunks from one pool per block. When the pool is
 * empty, the slot holding the most chunks is spilled: its list is added
 * into the slot's row of the ring buffer (which then holds the slot's input,
 * dense[s] set) and its chunks return to the pool; later events of a spilled
 * slot are queued again and added on top at its update. Spilling the
 * largest list (not the one being appended to) frees the most chunks per
 * spill and keeps the rows of slots with few events (the tails of the delay
 * distribution) out of memory: the ring buffer of a queued block is touched
 * only by spills, so its pages are resident only for slots that overflowed
 * (a burst, e.g. the first steps of the microcircuit). An event of an
 * amplitude other than +-1 (a rate unit's) is added to the ring row
 * directly, after a spill of its slot.
 *
 * Invariant (what keeps results bit-identical): every accumulator receives
 * its adds in delivery order, whatever is queued, spilled or added
 * directly, since a direct add or a spill of slot s always follows the add
 * of everything queued for s before it. So the sums are those of direct
 * delivery into the ring, for any pool size and any thread count. Queued
 * values are floats: the weight (a float) times an amplitude of +-1, which
 * is exact; the rows they are added into hold the ring's accumulators
 * (network/acc.h, float), so a drained list adds what direct delivery
 * would, in the same order.
 */
#ifndef SF_EVQ_H
#define SF_EVQ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "network/acc.h"

#define SF_EVQ_CHUNK 1024u    /* entries per chunk (8 KiB)                  */
#define SF_EVQ_NONE UINT32_MAX

typedef struct {
    uint32_t i;               /* port * n + block-local target              */
    float v;                  /* the value to add                           */
} sf_evq_ent;

typedef struct sf_evq {
    int ring_len;
    uint32_t stride;          /* n_ports * n: one slot's row of the ring    */
    uint32_t n_chunks, free;  /* the pool and its free list (chunk ids)     */
    uint32_t *next;           /* [n_chunks]: next chunk of the list         */
    uint32_t *head, *tail;    /* [ring_len]: each slot's list (NONE: empty) */
    uint32_t *fill;           /* [ring_len]: entries in its tail chunk      */
    uint32_t *nch;            /* [ring_len]: chunks on its list             */
    unsigned char *dense;     /* [ring_len]: the ring row holds slot input  */
    sf_evq_ent *ent;          /* [n_chunks * SF_EVQ_CHUNK]                  */
    sf_acc *cur;              /* [stride]: the input of the step being updated
                                 (zero between steps); shared by the queues
                                 of one thread, freed by the one owning it  */
    bool owns_cur;
} sf_evq;

/* A queue for a block with the given row (n_ports * n) and ring length and
 * a pool of about pool_entries entries, using the input row cur (at least
 * stride accumulators, zero) when not NULL, else one of its own; NULL when out
 * of memory. */
sf_evq *sf_evq_create(uint32_t stride, int ring_len, uint64_t pool_entries, sf_acc *cur);
void sf_evq_destroy(sf_evq *q);

/* Adds the list of slot s, in order, into base[] (stride accumulators) and
 * empties it. */
void sf_evq_drain(sf_evq *q, int s, sf_acc *restrict base);

/* Zeroes a row of n accumulators that a spill made resident (a slot of the ring
 * buffer after its update): its whole pages are handed back to the system
 * (they read as zero again, and are not resident until a later spill), the
 * partial pages at its ends are cleared. */
void sf_evq_release_row(sf_acc *row, size_t n);

/* Spills slot s into its ring row (ring = the block's ring buffer). */
static inline void sf_evq_spill(sf_evq *q, int s, sf_acc *ring)
{
    if (q->head[s] != SF_EVQ_NONE)
        sf_evq_drain(q, s, ring + (size_t)s * q->stride);
    q->dense[s] = 1;
}

/* Spills the slot holding the most chunks (the first of equals), which
 * refills the pool (evq.c). */
void sf_evq_spill_largest(sf_evq *q, sf_acc *ring);

/* Room for appending to slot s: a pointer to the next free entry and, in
 * *room, how many follow contiguously (>= 1); NULL when the pool is empty
 * even after a spill (then s is spilled: add into the ring row). */
static inline sf_evq_ent *sf_evq_room(sf_evq *q, int s, sf_acc *ring, uint32_t *room)
{
    uint32_t t = q->tail[s];
    if (t != SF_EVQ_NONE && q->fill[s] < SF_EVQ_CHUNK) {
        *room = SF_EVQ_CHUNK - q->fill[s];
        return q->ent + (size_t)t * SF_EVQ_CHUNK + q->fill[s];
    }
    if (q->free == SF_EVQ_NONE) {
        sf_evq_spill_largest(q, ring);
        if (q->free == SF_EVQ_NONE) {
            sf_evq_spill(q, s, ring);
            return NULL;
        }
    }
    uint32_t c = q->free;
    q->free = q->next[c];
    q->next[c] = SF_EVQ_NONE;
    if (q->tail[s] == SF_EVQ_NONE)
        q->head[s] = c;
    else
        q->next[q->tail[s]] = c;
    q->tail[s] = c;
    q->fill[s] = 0;
    q->nch[s]++;
    *room = SF_EVQ_CHUNK;
    return q->ent + (size_t)c * SF_EVQ_CHUNK;
}

/* Writes the m entries {pb + tg[j], wv[j] * am} (wv NULL: {pb + tg[j], w})
 * at e: with AVX2 eight at a time (the same float products), else one by
 * one. */
#ifdef __AVX2__
#include <immintrin.h>
#endif
static inline void sf_evq_fill(sf_evq_ent *restrict e, const uint16_t *restrict tg,
                               const float *restrict wv, float am, float w, uint32_t pb,
                               uint32_t m)
{
    uint32_t j = 0;
#ifdef __AVX2__
    const __m256i pbv = _mm256_set1_epi32((int)pb);
    const __m256 amv = _mm256_set1_ps(am), wc = _mm256_set1_ps(w);
    for (; j + 8 <= m; j += 8) {
        const __m256i t = _mm256_add_epi32(
            _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(tg + j))), pbv);
        const __m256 v = wv ? _mm256_mul_ps(_mm256_loadu_ps(wv + j), amv) : wc;
        const __m256 lo = _mm256_unpacklo_ps(_mm256_castsi256_ps(t), v); /* 0 1 | 4 5 */
        const __m256 hi = _mm256_unpackhi_ps(_mm256_castsi256_ps(t), v); /* 2 3 | 6 7 */
        _mm256_storeu_ps((float *)(e + j), _mm256_permute2f128_ps(lo, hi, 0x20));
        _mm256_storeu_ps((float *)(e + j + 4), _mm256_permute2f128_ps(lo, hi, 0x31));
    }
#endif
    if (wv)
        for (; j < m; j++)
            e[j] = (sf_evq_ent){pb + tg[j], wv[j] * am};
    else
        for (; j < m; j++)
            e[j] = (sf_evq_ent){pb + tg[j], w};
}

/* Records that m entries were written at the pointer sf_evq_room gave. */
static inline void sf_evq_commit(sf_evq *q, int s, uint32_t m)
{
    q->fill[s] += m;
}

#endif
