/* The postsynaptic archive of the voltage-based plasticity rules (Clopath,
 * Urbanczik-Senn) in the three schemes of Stapmanns et al. 2021 (Front.
 * Neuroinform. 15:609147), per neuron:
 *
 *  - time-driven (sf_varch_acc): every synapse folds the postsynaptic factor
 *    M(t) into its own sums in every step;
 *  - event-driven, full history (sf_varch_full, NEST's scheme): one entry
 *    (t, M, access count) per archived step, read by a synapse at its next
 *    presynaptic spike, pruned from the front once every incoming synapse has
 *    read it;
 *  - event-driven, compressed (sf_varch_comp): one cell per distinct last
 *    presynaptic spike time t_l among the incoming synapses, holding the
 *    sums pre-integrated since t_l, plus the raw steps not yet folded in.
 *
 * What a synapse reads, for its last spike at archive time t_l (the spike
 * time minus the dendritic delay, in steps) and its new one at t_r, is the
 * same in all three: over the archived steps t with t_l < t <= t_r,
 *
 *   I_k = sum_t exp(-(t - t_l) h / tau_k) M(t)
 *   J_k = sum_t exp(-(t - t_l) h / tau_k) exp(-(t_r - t) h / tau_delta) M(t)
 *
 * for the kernel's time constants tau_k (k < n_tau) and, when tau_delta > 0,
 * the J sums (Urbanczik-Senn's low-pass filtered weight). Invariants: I of
 * the full and the compressed archive are the same floating-point sums
 * (same terms, same order); the time-driven sums and all J differ from them
 * only by reassociation of the exponential factors (decays multiplied step
 * by step), so the three agree to rounding (tests/unit/test_plasticity_voltage.c:
 * 1e-10 relative). Times are integer steps; nothing here allocates except
 * the growth of the archives' own arrays (amortised, reported as false on
 * out of memory). */
#ifndef SF_PLASTICITY_ARCHIVE_H
#define SF_PLASTICITY_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SF_VARCH_MAX_TAU 4
#define SF_VARCH_TAB 4096 /* steps of the kernel's exponential tables */

typedef enum { SF_VARCH_TD, SF_VARCH_ED, SF_VARCH_EDC } sf_varch_scheme;

/* The time constants of the sums, with their per-step decays. */
typedef struct {
    int n_tau;
    double h;                         /* ms */
    double tau[SF_VARCH_MAX_TAU];     /* ms */
    double tau_delta;                 /* ms; 0: no J sums */
    double decay[SF_VARCH_MAX_TAU];   /* exp(-h / tau_k) */
    double decay_delta;               /* exp(-h / tau_delta) (1 if none) */
    /* exp(-d h / tau_k) for d < SF_VARCH_TAB, row SF_VARCH_MAX_TAU for
     * tau_delta (0 if none): the values exp() gives, looked up by the
     * archives' reads and folds instead of computed (bit-identical) */
    double tab[SF_VARCH_MAX_TAU + 1][SF_VARCH_TAB];
} sf_varch_kernel;

typedef struct {
    double I[SF_VARCH_MAX_TAU], J[SF_VARCH_MAX_TAU];
} sf_varch_sums;

void sf_varch_kernel_init(sf_varch_kernel *k, double h, int n_tau, const double *tau,
                          double tau_delta);

/* --- time-driven: one accumulator per synapse ------------------------- */
typedef struct {
    int64_t t_l, n;             /* steps folded since t_l */
    double e[SF_VARCH_MAX_TAU]; /* exp(-(t - t_l) h / tau_k): by products, exact
                                   every SF_VARCH_RESYNC steps (so its error
                                   stays within that many roundings) */
    sf_varch_sums s;
} sf_varch_acc;

#define SF_VARCH_RESYNC 64

/* Starts the sums at t_l (nothing read yet). */
void sf_varch_acc_reset(sf_varch_acc *a, const sf_varch_kernel *k, int64_t t_l);
/* Folds step t = (last step folded) + 1 with factor m (0 when nothing is
 * archived in that step). */
void sf_varch_acc_step(sf_varch_acc *a, const sf_varch_kernel *k, double m);

/* --- event-driven, full history ---------------------------------------- */
typedef struct {
    int64_t t;
    double m;
    uint32_t count; /* synapses that have read the entry */
} sf_varch_entry;

typedef struct {
    sf_varch_entry *e; /* ring of cap entries, len from head */
    size_t head, len, cap;
    uint32_t n_incoming; /* synapses that read this archive */
} sf_varch_full;

/* Appends (t, m), t above every entry's; first drops the front entries that
 * every incoming synapse has read. false: out of memory. */
bool sf_varch_full_append(sf_varch_full *a, int64_t t, double m);
/* The sums over the entries with t_l < t <= t_r; counts them as read. */
void sf_varch_full_read(sf_varch_full *a, const sf_varch_kernel *k, int64_t t_l, int64_t t_r,
                        sf_varch_sums *out);
void sf_varch_full_free(sf_varch_full *a);

/* --- event-driven, compressed -------------------------------------------- */
typedef struct {
    int64_t t_l;
    uint32_t refs; /* synapses whose last spike is at t_l */
    sf_varch_sums s; /* I: over folded steps in (t_l, f]; J: referred to f */
} sf_varch_cell;

typedef struct {
    sf_varch_cell *c; /* ascending t_l */
    size_t n, cap;
    int64_t f;        /* fold point: every raw step <= f is folded into the cells */
    int64_t *rt;      /* raw steps t > f (ring of rcap, rlen from rhead) */
    double *rm;
    size_t rhead, rlen, rcap;
} sf_varch_comp;

/* Starts an empty archive with fold point f (below every later read). */
void sf_varch_comp_init(sf_varch_comp *a, int64_t f);
/* Room for n cells (the number of synapses that will register), so that
 * later registrations and moves never allocate. false: out of memory. */
bool sf_varch_comp_reserve(sf_varch_comp *a, size_t n);
/* A synapse's last spike is at t_l >= f: one more reference of its cell. */
bool sf_varch_comp_register(sf_varch_comp *a, int64_t t_l);
/* The synapse with last spike t_l moves to t_new (its cell's reference
 * dropped, the cell deleted at zero references). */
bool sf_varch_comp_move(sf_varch_comp *a, int64_t t_l, int64_t t_new);
/* Appends raw step (t, m), t above every raw step's and above f. */
bool sf_varch_comp_append(sf_varch_comp *a, int64_t t, double m);
/* Folds the raw steps <= f_new (>= f; every later read has t_r >= f_new)
 * into every cell and frees them: O(cells x raw steps). */
void sf_varch_comp_advance(sf_varch_comp *a, const sf_varch_kernel *k, int64_t f_new);
/* The sums of the synapse whose last spike is t_l (a registered cell), up to
 * t_r >= f: the cell plus the raw steps in (t_l, t_r]. */
void sf_varch_comp_read(const sf_varch_comp *a, const sf_varch_kernel *k, int64_t t_l,
                        int64_t t_r, sf_varch_sums *out);
void sf_varch_comp_free(sf_varch_comp *a);

/* --- checkpoints (src/engine/ckpt_io.h) ---------------------------------
 * The state of one archive through io (counted, written or read back; on
 * reading the archive must be freshly made: init, reserve, register);
 * false when reading fails. */
struct sf_ckpt_io;
bool sf_varch_full_ckpt(sf_varch_full *a, struct sf_ckpt_io *io);
bool sf_varch_comp_ckpt(sf_varch_comp *a, struct sf_ckpt_io *io);

#endif
