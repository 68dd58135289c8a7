/* Private layout of sf_network, shared by the builder (src/network), the
 * connection rules (src/network/rules), the synapse models (src/synapses) and
 * the engine (src/engine).
 *
 * Neurons: each population is cut into blocks (one thread's contiguous slice
 * of the population, further cut to at most 65536 neurons so that synapse
 * targets fit in 16 bits). A block holds structure-of-arrays state and its
 * ring buffer of input, ring[(slot * n_ports + c) * n + i] for receptor port
 * c, and its input sources (one per model input that targets it).
 *
 * Synapses: target side. For every (projection, block of its target
 * population) a table in compressed-row form over the source population:
 * row s (synapses row[s] .. row[s+1]-1) lists the synapses of source s onto
 * the block, in ascending target order (ties in draw order). The per-synapse
 * storage belongs to the projection's synapse type. A thread delivers only
 * into its own blocks, so delivery needs no locks.
 */
#ifndef SF_NETWORK_IMPL_H
#define SF_NETWORK_IMPL_H

#include "spikefield/network.h"
#include "model/model_impl.h"
#include "network/acc.h"

#include <math.h>

#define SF_MAX_STATE 16 /* state variables of a neuron type (hh_psc_alpha has 10) */
#define SF_BLOCK_MAX 65536u
#define SF_MAX_PORTS 8 /* receptor ports of a neuron type */
#define SF_MAX_ARCHIVES 4 /* postsynaptic archive types of one block */

/* A delay (ms) in whole steps of h, clamped to [1, 65535]. */
static inline uint16_t sf_delay_steps(double d, double h)
{
    double s = nearbyint(d / h);
    return (uint16_t)(s < 1 ? 1 : s > 65535 ? 65535 : s);
}

/* One input source of a block: model input `input` into port `port`, with
 * the input type's own state. */
struct sf_block_input {
    const sf_input_type *type;
    int input, port;
    void *state;
    /* nest-devices: the block's neurons this source drives: all b->n (sel
     * NULL, n_sel == b->n) or the ascending block-local indices sel[0..n_sel);
     * rank0: the rank of the block's first driven neuron among the input's
     * target neurons (target order: targets in model order, neurons
     * ascending), so driven neuron j has rank rank0 + j */
    uint32_t n_sel;
    uint32_t *sel;
    uint64_t rank0;
};

/* nest-devices: the source that block_init is initialising is
 * b->inputs[b->n_inputs] (its sel, n_sel and rank0 are set). */
#define sf_block_input_pending(b) (&(b)->inputs[(b)->n_inputs])

/* nest-devices: block-local index of the j-th neuron a source drives. */
static inline uint32_t sf_block_input_neuron(const struct sf_block_input *src, uint32_t j)
{
    return src->sel ? src->sel[j] : j;
}

typedef struct sf_block {
    int pop, thread;
    uint32_t first;       /* index of the block's first neuron in its population */
    uint32_t n;
    int n_ports;          /* of the population's neuron type                  */
    uint64_t first_gid;
    double *state[SF_MAX_STATE];
    sf_acc *ring;         /* network/acc.h                                     */
    uint32_t *spk;        /* scratch: spiking neurons of one step              */
    double *u;            /* scratch: one uniform per neuron                   */
    uint32_t *w;          /* scratch: one random word per neuron (inputs)      */
    int n_inputs;
    sf_block_input *inputs;
    /* Heterogeneous parameters (sf_population.param_dist): neurons
     * run[r] .. run[r+1]-1 share the parameter row run_params[r * n_params]
     * and the derived constants run_derived + r * derived_stride, and are
     * updated together. n_runs = 0: the population's params and derived
     * serve every neuron (the homogeneous path). */
    uint32_t n_runs;
    uint32_t *run;
    double *run_params;
    unsigned char *run_derived;
    size_t derived_stride;
    double *i_ext;        /* nest-devices: per-neuron current of the step
                             (sf_step.i_ext), for blocks that current inputs
                             drive; NULL otherwise                         */
    /* plasticity: the postsynaptic archives of the block, one per distinct
     * archive type of the synapse types projecting onto it */
    int n_archives;
    const sf_archive_type *arch_type[SF_MAX_ARCHIVES];
    void *arch[SF_MAX_ARCHIVES];
    /* the event queue of a large block (network/evq.h); NULL: delivery adds
     * into the ring buffer directly */
    struct sf_evq *q;
} sf_block;

typedef struct sf_ckpt_plan sf_ckpt_plan;

/* malloc(bytes), on 2 MiB pages where the system allows it (transparent
 * huge pages on request, MADV_HUGEPAGE) when bytes >= 2 MiB: aligned to
 * 2 MiB, so every whole 2 MiB range can be one page (memory is unchanged);
 * free() releases it. Fewer TLB misses on random access, and a fault maps
 * and zeroes 2 MiB at once (measured on the development VM: 20 GB/s against
 * 1.5 GB/s in 4 KiB faults, docs/benchmarks.md). */
void *sf_alloc_huge(size_t bytes);

/* A buffer the builder lends each of its threads' tables from create to
 * finish (sf_syn_table.lend), for the transients of a table's fill: its
 * pages, once touched, serve table after table of the thread, where a fresh
 * allocation per table would have the system map and zero new pages each
 * time (the full-scale microcircuit: 2.4 GB of them, docs/benchmarks.md). */
typedef struct sf_lend {
    void *p;
    size_t cap;
} sf_lend;

/* The lent buffer resized to `bytes` (its contents are not kept): shrunk in
 * place (the pages past it go back to the system, so the buffer follows the
 * tables, largest first, and the peak stays that of the tables), or
 * replaced when larger; NULL when out of memory. */
void *sf_lend_take(sf_lend *l, size_t bytes);

typedef struct sf_syn_table {
    int proj, block, port;
    const sf_synapse_type *syn;
    uint32_t n_src;
    uint32_t *row;        /* n_src + 1 offsets                                 */
    uint64_t n_syn;
    void *store;          /* the synapse type's per-synapse storage            */
    void *arch;           /* plasticity: the block's archive of syn->archive   */
    struct sf_wlog *wlog; /* plasticity: the weight log of a weight recorder,
                             NULL when not recorded                          */
    sf_lend *lend;        /* while the table is filled (create .. finish), a
                             buffer its type may use (sf_lend_take); NULL
                             after                                           */
} sf_syn_table;

/* checkpoints: where a table's mutable synaptic state lives
 * (sf_synapse_type.ckpt_state): n_syn arrays of T->n_syn elements of
 * syn_size[a] bytes, indexed by the synapse slot (row order), and T->n_src
 * per-source rows of row_size bytes (rows NULL: none). The rows must
 * depend only on the source's spikes, so that every table of a projection
 * holds the same ones (the checkpoint stores them once). */
#define SF_SYN_STATE_MAX 4
typedef struct sf_syn_state {
    int n_syn;
    void *syn[SF_SYN_STATE_MAX];
    size_t syn_size[SF_SYN_STATE_MAX];
    void *rows;
    size_t row_size;
} sf_syn_state;

/* plasticity: one weight update, as the weight recorder logs it. */
typedef struct {
    int64_t step;         /* of the presynaptic spike: time (step + 1) h       */
    uint32_t src, tgt;    /* population-local ids                              */
    uint32_t proj, seq;   /* projection; order of logging within the thread    */
    double w;
} sf_wlog_entry;

/* A thread's weight log for one weight recorder: grows by doubling in the
 * delivery phase (the one allocation there, like the spike recorder's in the
 * record phase); failed: out of memory (the run reports it). */
typedef struct sf_wlog {
    sf_wlog_entry *e;
    size_t n, cap;
    bool failed;
} sf_wlog;

bool sf_wlog_grow(sf_wlog *L);
static inline void sf_wlog_add(sf_wlog *L, int proj, int64_t k, uint32_t src, uint32_t tgt,
                               double w)
{
    if (L->n == L->cap && !sf_wlog_grow(L))
        return;
    L->e[L->n] = (sf_wlog_entry){k, src, tgt, (uint32_t)proj, (uint32_t)L->n, w};
    L->n++;
}

/* plasticity: the length of the run of equal sources starting at src[a]
 * (NEST's multiplicity: one event of that many spikes). */
static inline uint32_t sf_syn_event_run(const uint32_t *src, uint32_t a, uint32_t n)
{
    uint32_t e = a + 1;
    while (e < n && src[e] == src[a])
        e++;
    return e - a;
}

/* Per-thread scratch of connection generation. */
struct sf_conn_scratch {
    uint32_t *list;       /* drawn partners                                     */
    double *wv, *dv;      /* their weights and delays                           */
    uint32_t *at;         /* synapse slots and block-local targets of the ones  */
    uint16_t *tl, *ds;    /* in the block, their delays in steps                */
    uint64_t cap;
    uint64_t *bitmap;     /* for drawing without repetition                     */
    size_t bitmap_words;
    void *ws;             /* the rules' workspace, rule->scratch_bytes          */
    size_t ws_bytes;
    const void *ws_plan;  /* the plan whose data ws holds (NULL: none; a rule
                             writing ws sets it), for reuse between entities  */
    uint64_t ws_key;
};

/* Draws K partners from [0, n) except skip (UINT32_MAX: none) into S->list:
 * with repetition (multapses), else K distinct ones in draw order. */
void sf_conn_draw_fixed(sf_rng *r, uint64_t K, uint32_t n, uint32_t skip, bool multapses,
                        sf_conn_scratch *S);

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
    /* checkpoints (src/engine/checkpoint.c): the plan of the run (NULL:
     * none), the step it starts from (0, or a restored checkpoint's) and
     * the recording restored with it, which the run loads into its own
     * recording (spooled like a fresh run's; NULL: nothing restored) */
    struct sf_ckpt_plan *ckpt;
    int64_t step0;
    struct sf_ckpt_resume *resumed;
    /* processes (MPI, src/engine/mpi.c): this is rank `rank` of `ranks`;
     * the blocks are cut for vthreads = ranks * threads threads (b->thread
     * is one of those), this process owns threads rank * threads ..
     * (rank + 1) * threads - 1 and only their blocks have state and tables */
    int rank, ranks, vthreads;
    struct sf_mpi_buf *mpi;  /* the exchange's buffers during a run       */
    /* processes: the final weights of each plastic projection of all
     * processes, gathered onto rank 0 at the end of a run in the canonical
     * order (sf_network_weights reads them there); NULL elsewhere */
    struct sf_weights_all *gathered; /* [n_proj]                          */
};

/* One projection's synapses of every process (sf_network.gathered). */
typedef struct sf_weights_all {
    bool valid;
    uint64_t n;
    uint32_t *src, *tgt, *d;
    double *w;
} sf_weights_all;

/* Is block b this process's? */
static inline bool sf_block_local(const sf_network *net, const sf_block *b)
{
    return b->thread / net->threads == net->rank;
}
/* Sums v[0..n) over the processes (MPI; nothing with one). */
void sf_mpi_sum_u64(const sf_network *net, uint64_t *v, int n);
/* The maxima of v[0..n) over the processes (collective; nothing with one). */
void sf_mpi_max_u64(const sf_network *net, uint64_t *v, int n);

/* Frees what checkpoints attached to net (sf_network_destroy calls it). */
void sf_network_ckpt_free(sf_network *net);

#endif
