/* static_synapse (NEST's name): a fixed weight and delay per synapse. A spike
 * of amplitude a (1 for spikes) adds w * a to the target's port row of the
 * ring buffer slot of arrival step k + d.
 *
 * Storage per synapse: the block-local target (u16), and the weight (f32) and
 * delay (u16) only when the projection's values are not constant (w0 and d0
 * otherwise). Invariant: tgt, w, d have T->n_syn entries (w, d may be NULL);
 * the rows of a table list targets in ascending order. */
#include "network/network_impl.h"

#include <stdlib.h>

typedef struct {
    uint16_t *tgt;
    float *w;      /* NULL: all weights are w0 */
    uint16_t *d;   /* NULL: all delays are d0 (steps) */
    float w0;
    uint16_t d0;
} store;

static double bytes_per_synapse(const sf_projection *p)
{
    return 2.0 + (sf_dist_is_const(&p->weight) ? 0.0 : 4.0) + (sf_dist_is_const(&p->delay) ? 0.0 : 2.0);
}

static void destroy(sf_syn_table *T)
{
    store *S = T->store;
    if (!S)
        return;
    free(S->tgt);
    free(S->w);
    free(S->d);
    free(S);
    T->store = NULL;
}

static bool create(sf_syn_table *T, const sf_projection *p, double h)
{
    store *S = calloc(1, sizeof *S);
    if (!(T->store = S))
        return false;
    size_t n = T->n_syn ? T->n_syn : 1;
    S->w0 = (float)p->weight.a;
    S->d0 = sf_delay_steps(p->delay.a, h);
    S->tgt = malloc(sizeof(uint16_t) * n);
    bool hw = !sf_dist_is_const(&p->weight), hd = !sf_dist_is_const(&p->delay);
    S->w = hw ? malloc(sizeof(float) * n) : NULL;
    S->d = hd ? malloc(sizeof(uint16_t) * n) : NULL;
    return S->tgt && (!hw || S->w) && (!hd || S->d);
}

static void store_n(sf_syn_table *T, size_t n, const uint32_t *at, const uint16_t *tgt,
                    const double *w, const uint16_t *d)
{
    store *S = T->store;
    for (size_t j = 0; j < n; j++)
        S->tgt[at[j]] = tgt[j];
    if (S->w)
        for (size_t j = 0; j < n; j++)
            S->w[at[j]] = (float)w[j];
    if (S->d)
        for (size_t j = 0; j < n; j++)
            S->d[at[j]] = d[j];
}

static void get(const sf_syn_table *T, uint32_t at, uint16_t *tgt, double *w, uint16_t *d)
{
    const store *S = T->store;
    *tgt = S->tgt[at];
    *w = S->w ? S->w[at] : S->w0;
    *d = S->d ? S->d[at] : S->d0;
}

static void deliver(const sf_syn_table *T, const sf_block *b, int64_t k, int mask,
                    const uint32_t *src, const float *amp, uint32_t n)
{
    const store *S = T->store;
    const uint32_t *restrict row = T->row;
    const uint16_t *restrict tg = S->tgt;
    const size_t nb = b->n, np = (size_t)b->n_ports, port = (size_t)T->port;
    if (!S->d) {
        double *restrict dst = b->ring + ((size_t)((k + S->d0) & mask) * np + port) * nb;
        if (!S->w) {
            for (uint32_t a = 0; a < n; a++) {
                const double w = S->w0 * (double)amp[a];
                for (uint32_t x = row[src[a]], x1 = row[src[a] + 1]; x < x1; x++)
                    dst[tg[x]] += w;
            }
        } else {
            const float *restrict wv = S->w;
            for (uint32_t a = 0; a < n; a++) {
                const double am = amp[a];
                for (uint32_t x = row[src[a]], x1 = row[src[a] + 1]; x < x1; x++)
                    dst[tg[x]] += (double)wv[x] * am;
            }
        }
    } else {
        double *restrict ring = b->ring + port * nb;
        const size_t stride = np * nb;
        const uint16_t *restrict dv = S->d;
        for (uint32_t a = 0; a < n; a++) {
            const double am = amp[a];
            for (uint32_t x = row[src[a]], x1 = row[src[a] + 1]; x < x1; x++) {
                size_t slot = (size_t)((k + dv[x]) & mask);
                ring[slot * stride + tg[x]] += (S->w ? (double)S->w[x] : (double)S->w0) * am;
            }
        }
    }
}

const sf_synapse_type sf_synapse_static = {
    .name = "static_synapse",
    .doc = "fixed weight and delay per synapse (NEST static_synapse)",
    .bytes_per_synapse = bytes_per_synapse,
    .create = create,
    .store = store_n,
    .get = get,
    .deliver = deliver,
    .destroy = destroy,
};
