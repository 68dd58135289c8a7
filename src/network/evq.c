/* Event queues of a block (evq.h): the pool, its chunk lists and the drain
 * that adds a slot's list, in order, into a row. Invariant: every chunk is
 * on exactly one list (a slot's or the free list). */
#include "network/evq.h"

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void sf_evq_destroy(sf_evq *q)
{
    if (!q)
        return;
    free(q->next);
    free(q->head);
    free(q->tail);
    free(q->fill);
    free(q->nch);
    free(q->dense);
    free(q->ent);
    if (q->owns_cur)
        free(q->cur);
    free(q);
}

sf_evq *sf_evq_create(uint32_t stride, int ring_len, uint64_t pool_entries, sf_acc *cur)
{
    sf_evq *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    uint64_t nc = (pool_entries + SF_EVQ_CHUNK - 1) / SF_EVQ_CHUNK;
    nc = nc < 4 ? 4 : nc > UINT32_MAX / 2 ? UINT32_MAX / 2 : nc;
    q->ring_len = ring_len;
    q->stride = stride;
    q->n_chunks = (uint32_t)nc;
    q->next = malloc(sizeof(uint32_t) * nc);
    q->head = malloc(sizeof(uint32_t) * (size_t)ring_len);
    q->tail = malloc(sizeof(uint32_t) * (size_t)ring_len);
    q->fill = calloc((size_t)ring_len, sizeof(uint32_t));
    q->nch = calloc((size_t)ring_len, sizeof(uint32_t));
    q->dense = calloc((size_t)ring_len, 1);
    q->ent = malloc(sizeof(sf_evq_ent) * SF_EVQ_CHUNK * nc);
    q->owns_cur = !cur;
    q->cur = cur ? cur : calloc(stride ? stride : 1, sizeof(sf_acc));
    if (!q->next || !q->head || !q->tail || !q->fill || !q->nch || !q->dense || !q->ent || !q->cur) {
        sf_evq_destroy(q);
        return NULL;
    }
    for (uint32_t c = 0; c < q->n_chunks; c++)
        q->next[c] = c + 1 < q->n_chunks ? c + 1 : SF_EVQ_NONE;
    q->free = 0;
    for (int s = 0; s < ring_len; s++)
        q->head[s] = q->tail[s] = SF_EVQ_NONE;
    return q;
}

void sf_evq_drain(sf_evq *q, int s, sf_acc *restrict base)
{
    uint32_t c = q->head[s];
    if (c == SF_EVQ_NONE)
        return;
    for (;;) {
        const uint32_t m = c == q->tail[s] ? q->fill[s] : SF_EVQ_CHUNK;
        const sf_evq_ent *restrict e = q->ent + (size_t)c * SF_EVQ_CHUNK;
        for (uint32_t j = 0; j < m; j++)
            base[e[j].i] += e[j].v;
        if (c == q->tail[s])
            break;
        c = q->next[c];
    }
    q->next[q->tail[s]] = q->free;
    q->free = q->head[s];
    q->head[s] = q->tail[s] = SF_EVQ_NONE;
    q->fill[s] = 0;
    q->nch[s] = 0;
}

void sf_evq_spill_largest(sf_evq *q, sf_acc *ring)
{
    int best = 0;
    for (int s = 1; s < q->ring_len; s++)
        if (q->nch[s] > q->nch[best])
            best = s;
    if (q->nch[best])
        sf_evq_spill(q, best, ring);
}

void sf_evq_release_row(sf_acc *row, size_t n)
{
    static size_t page;
    if (!page) {
        long ps = sysconf(_SC_PAGESIZE);
        page = ps > 0 ? (size_t)ps : 4096;
    }
    const uintptr_t a = (uintptr_t)row, e = (uintptr_t)(row + n);
    const uintptr_t lo = (a + page - 1) & ~(uintptr_t)(page - 1), hi = e & ~(uintptr_t)(page - 1);
    if (hi <= lo || madvise((void *)lo, hi - lo, MADV_DONTNEED) != 0) {
        memset(row, 0, sizeof(sf_acc) * n);
        return;
    }
    memset(row, 0, lo - a);
    memset((void *)hi, 0, e - hi);
}
