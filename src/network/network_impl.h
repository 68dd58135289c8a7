/* Private layout of sf_network, shared by the builder (src/network) and the
 * engine (src/engine).
 *
 * Neurons: each population is cut into blocks (one thread's contiguous slice
 * of the population, further cut to at most 65536 neurons so that synapse
 * targets fit in 16 bits). A block holds structure-of-arrays state and its
 * ring buffer of input, ring[(slot * n_channels + c) * n + i].
 *
 * Synapses: target side. For every (projection, block of its target
 * population) a table in compressed-row form over the source population:
 * row s lists the block-local targets of source s in ascending order (ties in
 * draw order), with per-synapse weight and delay only when the projection's
 * values are not constant. A thread delivers only into its own blocks, so
 * delivery needs no locks.
 */
#ifndef SF_NETWORK_IMPL_H
#define SF_NETWORK_IMPL_H

#include "spikefield/network.h"
#include "model/model_impl.h"

#define SF_MAX_STATE 8
#define SF_BLOCK_MAX 65536u

typedef struct {
    double lambda;        /* expected events per step                          */
    double weight;
    int channel;
    int input;            /* model input index (stream purpose offset)          */
    int64_t first, last;  /* active for steps first <= k < last                 */
    int n_cdf, k0;        /* counts k0 .. k0 + n_cdf - 1                       */
    double *cdf;          /* cumulative Poisson probabilities, cdf[n_cdf-1] = 1 */
} sf_poisson_src;

typedef struct {
    int64_t step;         /* update step in which the event arrives            */
    double weight;
    int channel;
} sf_gen_event;

typedef struct {
    int pop, thread;
    uint32_t first;       /* index of the block's first neuron in its population */
    uint32_t n;
    uint64_t first_gid;
    double *state[SF_MAX_STATE];
    double *ring;
    uint32_t *spk;        /* scratch: spiking neurons of one step              */
    double *u;            /* scratch: one uniform per neuron                   */
    int n_poisson;
    sf_poisson_src *poisson;
    size_t n_gen, gen_pos;
    sf_gen_event *gen;    /* spike-generator events, by step                   */
} sf_block;

typedef struct {
    int proj, block, channel;
    uint32_t n_src;
    uint32_t *row;        /* n_src + 1 offsets                                 */
    uint16_t *tgt;
    float *w;             /* NULL: all weights are w0                          */
    uint16_t *d;          /* NULL: all delays are d0 (steps)                    */
    float w0;
    uint16_t d0;
    uint64_t n_syn;
} sf_syn_table;

struct sf_network {
    const sf_model *m;
    int threads;
    double h;
    int64_t n_steps;
    int slice;            /* steps per communication interval (min delay)      */
    int ring_len;         /* power of two                                      */
    int n_blocks;
    sf_block *blocks;     /* ordered by population, then thread, then first    */
    int n_tables;
    sf_syn_table *tables;
    /* tables a thread delivers for a source population:
     * by_src[(t * n_pops + pop)] -> list of table indices */
    int **by_src;
    int *by_src_n;
    void **derived;       /* per population, type->derived_size bytes          */
    uint64_t n_syn, syn_bytes;
    uint64_t *proj_syn;
    double build_s;
    int ran;
};

#endif
