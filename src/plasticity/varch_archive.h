/* The engine's archives of the voltage-based rules (sf_archive_clopath,
 * sf_archive_urbanczik; plast-a's sf_archive_type interface): per block of
 * target neurons, per neuron, the postsynaptic factor M(t) of the rule in
 * the schemes its incoming projections ask for (the synapse parameter
 * `archiving`: 0 full history, NEST's; 1 compressed; 2 time-driven), and for
 * Clopath the LTD values. The synapse types (src/synapses/clopath_synapse.c,
 * urbanczik_synapse.c) read it through the functions below, on the block's
 * own thread. Invariants: the compressed archives' fold point is at most
 * the lowest archive time a later read can ask for (the slice start + 1 -
 * the longest delay); the ring of recent M values covers what the
 * time-driven synapses fold (longest delay + two slices). */
#ifndef SF_PLASTICITY_VARCH_ARCHIVE_H
#define SF_PLASTICITY_VARCH_ARCHIVE_H

#include "network/network_impl.h"
#include "plasticity/archive.h"
#include "plasticity/voltage.h"

enum { SF_VARCH_ARCHIVING_FULL, SF_VARCH_ARCHIVING_COMPRESSED, SF_VARCH_ARCHIVING_TIME };

typedef struct sf_varch_block sf_varch_block;

/* The archive's kernel (all time constants of the tables onto the block). */
const sf_varch_kernel *sf_varch_block_kernel(const sf_varch_block *A);
/* Index of time constant tau in the kernel (added by the table's connect). */
int sf_varch_block_tau(const sf_varch_block *A, double tau);
/* Sums of neuron j for a synapse with last archive time t_l, read at t_r, in
 * scheme `archiving` (full or compressed; the compressed cell moves to t_r). */
void sf_varch_block_read(sf_varch_block *A, int archiving, uint32_t j, int64_t t_l, int64_t t_r,
                         sf_varch_sums *out);
/* Time-driven: folds M of neuron j at times acc->t_l + folded + 1 .. t into
 * the accumulator (*folded counts the steps folded since acc's reset). */
void sf_varch_block_fold(const sf_varch_block *A, uint32_t j, sf_varch_acc *acc,
                         int64_t *folded, int64_t t);
/* Clopath: the LTD value of neuron j at time t. */
double sf_varch_block_ltd(const sf_varch_block *A, uint32_t j, int64_t t);
/* The neuron parameters of the block's population. */
const double *sf_varch_block_params(const sf_varch_block *A);
/* Memory figures: entries of the full histories and cells of the compressed
 * archives now, summed over the block's neurons. */
void sf_varch_block_sizes(const sf_varch_block *A, size_t *full, size_t *cells);

/* What a synapse type tells the archive at connect: its archiving scheme,
 * its time constants (Clopath: tau_x; Urbanczik: tau_Delta) and the virtual
 * last spike time of every synapse (steps). */
typedef struct {
    int archiving;
    double tau;
    int64_t t_last0;
} sf_varch_reader;

/* Implemented by each synapse type (its parameters live in its store). */
sf_varch_reader sf_clopath_synapse_reader(const sf_syn_table *T);
sf_varch_reader sf_urbanczik_synapse_reader(const sf_syn_table *T);

#endif
