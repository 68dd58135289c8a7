/* The storage of the voltage-based synapse types (clopath_synapse,
 * urbanczik_synapse): plast-a's sf_syn_store (targets, double weights,
 * delays, per-source rows) as the first member, so that its put/get serve,
 * plus per synapse the type's own state (`syn_bytes`) and, for the
 * time-driven scheme (archiving = 2), the accumulator of the archive sums
 * with the number of steps it has folded. Private to src/synapses. */
#ifndef SF_SYNAPSES_VOLTAGE_STORE_H
#define SF_SYNAPSES_VOLTAGE_STORE_H

#include "plasticity/varch_archive.h"
#include "synapses/syn_store.h"

typedef struct {
    sf_varch_acc acc;
    int64_t folded;
} sf_vstore_td;

typedef struct {
    sf_syn_store s;    /* first: sf_syn_store_put / _get / _destroy work on it */
    void *syn;         /* n_syn * syn_bytes of the type's per-synapse state */
    sf_vstore_td *td;  /* n_syn accumulators (time-driven), else NULL */
    int archiving;
} sf_vstore;

static inline void sf_vstore_destroy(sf_syn_table *T)
{
    sf_vstore *V = T->store;
    if (V) {
        free(V->syn);
        free(V->td);
    }
    sf_syn_store_destroy(T); /* frees V itself: the same pointer */
}

static inline bool sf_vstore_create(sf_syn_table *T, const sf_projection *p, double h,
                                    size_t row_bytes, size_t syn_bytes, int archiving)
{
    bool ok = sf_syn_store_create(T, p, h, true, row_bytes);
    sf_syn_store *S = T->store;
    if (!S)
        return false;
    sf_vstore *V = realloc(S, sizeof *V);
    if (!V) {
        sf_syn_store_destroy(T);
        return false;
    }
    T->store = V;
    V->syn = NULL;
    V->td = NULL;
    V->archiving = archiving;
    const size_t n = T->n_syn ? T->n_syn : 1;
    if (syn_bytes && !(V->syn = calloc(n, syn_bytes)))
        return false;
    if (archiving == SF_VARCH_ARCHIVING_TIME) {
        if (!(V->td = malloc(n * sizeof *V->td)))
            return false;
        for (size_t x = 0; x < n; x++)
            V->td[x].folded = -1; /* reset at the first fold (the kernel is known then) */
    }
    return ok;
}

/* Checkpoints: the weights, the type's per-synapse state, the time-driven
 * accumulators and the rows (row_size bytes per source). */
static inline void sf_vstore_state(const sf_syn_table *T, sf_syn_state *st, size_t syn_bytes,
                                   size_t row_size)
{
    const sf_vstore *V = T->store;
    sf_syn_store_state(T, st, true, row_size);
    if (syn_bytes) {
        st->syn[st->n_syn] = V->syn;
        st->syn_size[st->n_syn++] = syn_bytes;
    }
    if (V->td) {
        st->syn[st->n_syn] = V->td;
        st->syn_size[st->n_syn++] = sizeof *V->td;
    }
}

/* The sums of synapse x (target j, delay D) for its spike at archive time
 * t_r, its last at t_l, in the table's scheme. */
static inline void sf_vstore_sums(const sf_syn_table *T, uint32_t x, uint32_t j, int64_t t_l,
                                  int64_t t_r, sf_varch_sums *out)
{
    sf_vstore *V = T->store;
    sf_varch_block *A = T->arch;
    if (V->archiving != SF_VARCH_ARCHIVING_TIME) {
        sf_varch_block_read(A, V->archiving, j, t_l, t_r, out);
        return;
    }
    sf_vstore_td *td = &V->td[x];
    if (td->folded < 0) {
        sf_varch_acc_reset(&td->acc, sf_varch_block_kernel(A), t_l);
        td->folded = 0;
    }
    sf_varch_block_fold(A, j, &td->acc, &td->folded, t_r);
    *out = td->acc.s;
    sf_varch_acc_reset(&td->acc, sf_varch_block_kernel(A), t_r);
    td->folded = 0;
}

/* Time-driven: after the slice [s0, s1), every synapse of the table folds
 * the steps up to its view of s1 (s1 - D); t_last0(x) gives the archive
 * time of the last spike of a synapse not yet started. */
static inline void sf_vstore_slice_update(const sf_syn_table *T, int64_t s1,
                                          int64_t (*t_l_of)(const sf_syn_table *T, uint32_t s,
                                                            uint32_t x))
{
    sf_vstore *V = T->store;
    if (V->archiving != SF_VARCH_ARCHIVING_TIME)
        return;
    sf_varch_block *A = T->arch;
    for (uint32_t s = 0; s < T->n_src; s++)
        for (uint32_t x = T->row[s]; x < T->row[s + 1]; x++) {
            sf_vstore_td *td = &V->td[x];
            const int64_t D = V->s.d ? V->s.d[x] : V->s.d0;
            if (td->folded < 0) {
                sf_varch_acc_reset(&td->acc, sf_varch_block_kernel(A), t_l_of(T, s, x));
                td->folded = 0;
            }
            sf_varch_block_fold(A, V->s.tgt[x], &td->acc, &td->folded, s1 - D);
        }
}

#endif
