/* Storage shared by the plastic synapse types (stdp_synapse, tsodyks*):
 * per synapse the block-local target (u16), the weight in double precision
 * (always when `per_synapse_w`, else only when the projection's weights
 * vary; w0 otherwise) and the delay (u16) only when the delays vary (d0
 * otherwise); per source (row) `row_bytes` of the type's own state, zeroed.
 * Invariant: tgt, w, d have T->n_syn entries, rows T->n_src entries. */
#ifndef SF_SYN_STORE_H
#define SF_SYN_STORE_H

#include "network/network_impl.h"
#include "synapses/decay.h"

#include <stdlib.h>

typedef struct {
    uint16_t *tgt;
    double *w;      /* NULL: all weights are w0 */
    uint16_t *d;    /* NULL: all delays are d0 (steps) */
    double w0;
    uint16_t d0;
    void *rows;     /* n_src entries of the type's per-source state */
    const double *sp; /* the projection's synapse parameters */
    double h;
    bool w_drawn;   /* the builder's w[] holds drawn weights (else w0) */
    sf_decay dec;   /* a type's decay table (stdp: tau_plus), v NULL if none */
    int64_t dmax;   /* the longest delay the projection can draw, steps */
} sf_syn_store;

static inline double sf_syn_store_bytes(const sf_projection *p, bool per_synapse_w)
{
    return 2.0 + (per_synapse_w || !sf_dist_is_const(&p->weight) ? 8.0 : 0.0) +
           (sf_dist_is_const(&p->delay) ? 0.0 : 2.0);
}

static inline void sf_syn_store_destroy(sf_syn_table *T)
{
    sf_syn_store *S = T->store;
    if (!S)
        return;
    free(S->tgt);
    free(S->w);
    free(S->d);
    free(S->rows);
    free(S->dec.v);
    free(S);
    T->store = NULL;
}

static inline bool sf_syn_store_create(sf_syn_table *T, const sf_projection *p, double h,
                                       bool per_synapse_w, size_t row_bytes)
{
    sf_syn_store *S = calloc(1, sizeof *S);
    if (!(T->store = S))
        return false;
    size_t n = T->n_syn ? T->n_syn : 1;
    S->w0 = p->weight.a;
    S->d0 = sf_delay_steps(p->delay.a, h);
    double dlo, dhi;
    sf_dist_range(&p->delay, &dlo, &dhi);
    S->dmax = sf_delay_steps(dhi, h);
    S->sp = p->syn_params;
    S->h = h;
    S->tgt = malloc(sizeof(uint16_t) * n);
    bool hw = per_synapse_w || !sf_dist_is_const(&p->weight), hd = !sf_dist_is_const(&p->delay);
    S->w_drawn = !sf_dist_is_const(&p->weight);
    S->w = hw ? malloc(sizeof(double) * n) : NULL;
    S->d = hd ? malloc(sizeof(uint16_t) * n) : NULL;
    S->rows = calloc((size_t)T->n_src + 1, row_bytes);
    return S->tgt && (!hw || S->w) && (!hd || S->d) && S->rows;
}

static inline void sf_syn_store_put(sf_syn_table *T, size_t n, const uint32_t *at,
                                    const uint16_t *tgt, const double *w, const uint16_t *d)
{
    sf_syn_store *S = T->store;
    for (size_t j = 0; j < n; j++) {
        S->tgt[at[j]] = tgt[j];
        if (S->w)
            S->w[at[j]] = S->w_drawn ? w[j] : S->w0;
        if (S->d)
            S->d[at[j]] = d[j];
    }
}

static inline void sf_syn_store_get(const sf_syn_table *T, uint32_t at, uint16_t *tgt, double *w,
                                    uint16_t *d)
{
    const sf_syn_store *S = T->store;
    *tgt = S->tgt[at];
    *w = S->w ? S->w[at] : S->w0;
    *d = S->d ? S->d[at] : S->d0;
}

/* Checkpoints (sf_synapse_type.ckpt_state): the weights when they change
 * (w_mutable) and the per-source rows of row_size bytes. */
static inline void sf_syn_store_state(const sf_syn_table *T, sf_syn_state *st, bool w_mutable,
                                      size_t row_size)
{
    const sf_syn_store *S = T->store;
    st->n_syn = 0;
    if (w_mutable && S->w) {
        st->syn[st->n_syn] = S->w;
        st->syn_size[st->n_syn++] = sizeof(double);
    }
    st->rows = row_size ? S->rows : NULL;
    st->row_size = row_size;
}

/* The sum of the amplitudes of one event's entries (its multiplicity). */
static inline double sf_syn_event_amp(const float *amp, uint32_t a, uint32_t m)
{
    double s = 0;
    for (uint32_t q = a; q < a + m; q++)
        s += amp[q];
    return s;
}

#endif
