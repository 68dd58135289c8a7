/* The engine's archives of the voltage-based rules (see varch_archive.h):
 * after every neuron update (step k, time t = k + 1) each neuron's M(t) is
 * computed from the block's state (Clopath: sf_clopath_post_step on V_m and
 * the u_bars, sparse; Urbanczik-Senn: sf_urbanczik_post_m on the dendritic
 * potential and the step's spikes, dense) and written to the schemes in use.
 * The neuron parameters are the population's (heterogeneous parameters of
 * these two types are not supported by the rules: the parser's tables are
 * read as the population means). */
#include "plasticity/varch_archive.h"
#include "engine/ckpt_io.h"
#include "neurons/aeif_psc_delta_clopath.h"
#include "neurons/pp_cond_exp_mc_urbanczik.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct sf_varch_block {
    bool urbanczik;
    uint32_t n;
    const double *np;        /* neuron parameters */
    double h;
    sf_varch_kernel ker;
    bool use[3];             /* schemes in use */
    sf_varch_full *full;     /* [n] */
    sf_varch_comp *comp;     /* [n] */
    sf_clopath_post *cp;     /* [n] (Clopath) */
    double *mring;           /* [n * mlen] */
    int64_t mlen, dmax, slice;
    uint32_t *count;         /* scratch: spikes per neuron of a step */
    uint32_t *n_comp;        /* compressed-scheme synapses onto each neuron */
    bool failed;             /* connect could not set up (memory, > SF_VARCH_MAX_TAU
                                time constants): the first step fails the run */
    int64_t comp_f0;         /* fold point of the compressed archives at creation */
};

static void destroy(void *arch)
{
    sf_varch_block *A = arch;
    if (!A)
        return;
    for (uint32_t i = 0; A->full && i < A->n; i++)
        sf_varch_full_free(&A->full[i]);
    for (uint32_t i = 0; A->comp && i < A->n; i++)
        sf_varch_comp_free(&A->comp[i]);
    for (uint32_t i = 0; A->cp && i < A->n; i++)
        sf_clopath_post_free(&A->cp[i]);
    free(A->full);
    free(A->comp);
    free(A->cp);
    free(A->mring);
    free(A->count);
    free(A->n_comp);
    free(A);
}

static void *create(const sf_network *net, const sf_block *b, bool urbanczik)
{
    sf_varch_block *A = calloc(1, sizeof *A);
    if (!A)
        return NULL;
    const sf_model *m = net->m;
    const size_t n = b->n ? b->n : 1;
    A->urbanczik = urbanczik;
    A->n = b->n;
    A->np = m->pops[b->pop].params;
    A->h = net->h;
    A->slice = net->slice;
    A->dmax = 1;
    for (int i = 0; i < m->n_proj; i++) {
        double lo, hi;
        sf_dist_range(&m->proj[i].delay, &lo, &hi);
        int64_t d = sf_delay_steps(hi, net->h);
        A->dmax = d > A->dmax ? d : A->dmax;
    }
    A->mlen = A->dmax + 2 * A->slice + 2;
    A->full = calloc(n, sizeof *A->full);
    A->comp = calloc(n, sizeof *A->comp);
    A->count = calloc(n, sizeof *A->count);
    A->n_comp = calloc(n, sizeof *A->n_comp);
    A->mring = calloc(n * (size_t)A->mlen, sizeof(double));
    if (!A->full || !A->comp || !A->count || !A->n_comp || !A->mring) {
        destroy(A);
        return NULL;
    }
    /* below every synapse's first read: t_last0 >= -1 ms, minus the delay */
    A->comp_f0 = -(int64_t)nearbyint(1.0 / net->h) - A->dmax - 1;
    for (uint32_t i = 0; i < b->n; i++)
        sf_varch_comp_init(&A->comp[i], A->comp_f0);
    if (urbanczik) {
        sf_urbanczik_kernel(&A->ker, A->np, net->h, 0.0);
    } else {
        sf_varch_kernel_init(&A->ker, net->h, 0, NULL, 0.0);
        if (!(A->cp = calloc(n, sizeof *A->cp))) {
            destroy(A);
            return NULL;
        }
        for (uint32_t i = 0; i < b->n; i++)
            if (!sf_clopath_post_init(&A->cp[i], A->np, net->h, (int)A->dmax)) {
                destroy(A);
                return NULL;
            }
    }
    return A;
}

static void *create_clopath(const sf_network *net, const sf_block *b)
{
    return create(net, b, false);
}

static void *create_urbanczik(const sf_network *net, const sf_block *b)
{
    return create(net, b, true);
}

static void connect(void *arch, const sf_syn_table *T)
{
    sf_varch_block *A = arch;
    const sf_varch_reader r = A->urbanczik ? sf_urbanczik_synapse_reader(T)
                                           : sf_clopath_synapse_reader(T);
    A->use[r.archiving] = true;
    if (A->urbanczik) {
        /* one tau_Delta per target block: the first table's (the synapse
         * type's check keeps the others equal) */
        if (A->ker.tau_delta == 0)
            sf_urbanczik_kernel(&A->ker, A->np, A->h, r.tau);
    } else if (sf_varch_block_tau(A, r.tau) < 0) {
        if (A->ker.n_tau == SF_VARCH_MAX_TAU) {
            A->failed = true; /* docs/plasticity.md, Limits */
            return;
        }
        double tau[SF_VARCH_MAX_TAU];
        memcpy(tau, A->ker.tau, sizeof tau);
        tau[A->ker.n_tau] = r.tau;
        sf_varch_kernel_init(&A->ker, A->h, A->ker.n_tau + 1, tau, 0.0);
    }
    for (uint64_t x = 0; x < T->n_syn; x++) {
        uint16_t tgt, d;
        double w;
        T->syn->get(T, (uint32_t)x, &tgt, &w, &d);
        if (r.archiving == SF_VARCH_ARCHIVING_FULL)
            A->full[tgt].n_incoming++;
        else if (r.archiving == SF_VARCH_ARCHIVING_COMPRESSED)
            A->n_comp[tgt]++;
    }
    /* room for a cell per synapse: registrations and moves in the run never
     * allocate (cells <= references = synapses) */
    for (uint32_t i = 0; r.archiving == SF_VARCH_ARCHIVING_COMPRESSED && i < A->n; i++)
        A->failed |= !sf_varch_comp_reserve(&A->comp[i], A->n_comp[i]);
    for (uint64_t x = 0; r.archiving == SF_VARCH_ARCHIVING_COMPRESSED && x < T->n_syn; x++) {
        uint16_t tgt, d;
        double w;
        T->syn->get(T, (uint32_t)x, &tgt, &w, &d);
        A->failed |= !sf_varch_comp_register(&A->comp[tgt], r.t_last0 - d);
    }
}

static bool step(void *arch, const sf_network *net, const sf_block *b, int64_t k,
                 const uint32_t *spk, size_t ns)
{
    (void)net;
    sf_varch_block *A = arch;
    const int64_t t = k + 1;
    const bool dense = A->urbanczik;
    if (A->urbanczik)
        for (size_t q = 0; q < ns; q++)
            A->count[spk[q]]++;
    /* every later read is at >= (slice start) + 1 - dmax */
    const int64_t f = k - k % A->slice + 1 - A->dmax;
    bool ok = !A->failed;
    for (uint32_t i = 0; i < A->n; i++) {
        double mm;
        if (A->urbanczik) {
            mm = sf_urbanczik_post_m(A->np, b->state[SF_URB_V_D][i], (int)A->count[i], A->h);
            A->count[i] = 0;
        } else {
            mm = sf_clopath_post_step(&A->cp[i], A->np, A->h, t, b->state[SF_CLOPATH_S_V_M][i],
                                      b->state[SF_CLOPATH_S_U_BAR_PLUS][i],
                                      b->state[SF_CLOPATH_S_U_BAR_MINUS][i],
                                      b->state[SF_CLOPATH_S_U_BAR_BAR][i]);
        }
        if (mm != 0.0 || dense) {
            if (A->use[SF_VARCH_ARCHIVING_FULL] && A->full[i].n_incoming)
                ok &= sf_varch_full_append(&A->full[i], t, mm);
            if (A->use[SF_VARCH_ARCHIVING_COMPRESSED])
                ok &= sf_varch_comp_append(&A->comp[i], t, mm);
        }
        if (A->use[SF_VARCH_ARCHIVING_COMPRESSED] && f > A->comp[i].f)
            sf_varch_comp_advance(&A->comp[i], &A->ker, f);
        if (A->use[SF_VARCH_ARCHIVING_TIME])
            A->mring[(size_t)i * (size_t)A->mlen + (size_t)(t % A->mlen)] = mm;
    }
    return ok;
}

const sf_varch_kernel *sf_varch_block_kernel(const sf_varch_block *A)
{
    return &A->ker;
}

int sf_varch_block_tau(const sf_varch_block *A, double tau)
{
    for (int i = 0; i < A->ker.n_tau; i++)
        if (A->ker.tau[i] == tau)
            return i;
    return -1;
}

void sf_varch_block_read(sf_varch_block *A, int archiving, uint32_t j, int64_t t_l, int64_t t_r,
                         sf_varch_sums *out)
{
    if (archiving == SF_VARCH_ARCHIVING_FULL) {
        sf_varch_full_read(&A->full[j], &A->ker, t_l, t_r, out);
    } else {
        sf_varch_comp_read(&A->comp[j], &A->ker, t_l, t_r, out);
        (void)sf_varch_comp_move(&A->comp[j], t_l, t_r); /* room reserved at connect */
    }
}

void sf_varch_block_fold(const sf_varch_block *A, uint32_t j, sf_varch_acc *acc,
                         int64_t *folded, int64_t t)
{
    const double *ring = A->mring + (size_t)j * (size_t)A->mlen;
    for (int64_t u = acc->t_l + *folded + 1; u <= t; u++) {
        sf_varch_acc_step(acc, &A->ker, u >= 1 ? ring[u % A->mlen] : 0.0);
        (*folded)++;
    }
}

double sf_varch_block_ltd(const sf_varch_block *A, uint32_t j, int64_t t)
{
    return sf_clopath_post_ltd(&A->cp[j], t);
}

const double *sf_varch_block_params(const sf_varch_block *A)
{
    return A->np;
}

void sf_varch_block_sizes(const sf_varch_block *A, size_t *full, size_t *cells)
{
    *full = *cells = 0;
    for (uint32_t i = 0; i < A->n; i++) {
        *full += A->full[i].len;
        *cells += A->comp[i].n;
    }
}

/* Checkpoints: neuron i's full history, compressed archive, Clopath
 * rings and recent M values (all per neuron: any blocks read them). */
static bool ckpt(void *arch, uint32_t i, sf_ckpt_io *io)
{
    sf_varch_block *A = arch;
    if (!sf_varch_full_ckpt(&A->full[i], io) || !sf_varch_comp_ckpt(&A->comp[i], io))
        return false;
    if (A->cp && !sf_clopath_post_ckpt(&A->cp[i], io))
        return false;
    return sf_ckpt_io_data(io, A->mring + (size_t)i * (size_t)A->mlen,
                           sizeof(double) * (size_t)A->mlen);
}

const sf_archive_type sf_archive_clopath = {
    .name = "clopath",
    .create = create_clopath,
    .connect = connect,
    .step = step,
    .destroy = destroy,
    .ckpt = ckpt,
};

const sf_archive_type sf_archive_urbanczik = {
    .name = "urbanczik",
    .create = create_urbanczik,
    .connect = connect,
    .step = step,
    .destroy = destroy,
    .ckpt = ckpt,
};
