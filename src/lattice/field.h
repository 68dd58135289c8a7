/* The stochastic Wilson-Cowan neural field on a periodic lattice (issue 16,
 * part 2; Tiberi et al., PRL 128, 168301 (2022); docs/rg.md): the model's
 * `field:` section (sf_field_spec, filled by src/model/parse.c), the
 * simulator (wilson_cowan.c) and the statistics of a run (field_stats.c).
 *
 * The equation, in lattice units (spacing 1) and the model's time unit
 * (tau = 1), with lambda(k) the coupling operator of the kernel
 * (lambda(0) = 0, lambda(k) = k^2 + O(k^4)):
 *
 *     d phi_k = [ -lambda(k) g[phi]_k - mass phi_k ] dt + sqrt(D) dW_k,
 *     g(phi) = kappa phi + c2 phi^2 + c3 phi^3,
 *
 * integrated by Euler-Maruyama with the coupling applied in Fourier space
 * (FFTW, r2c/c2r, FFTW_ESTIMATE plans: the same arithmetic every run).
 * With mass = 0 the noise is projected onto zero spatial mean, so the mean of
 * the field stays at its initial value (the k = 0 mode is conserved).
 *
 * Invariant: a run depends only on (spec, h, seed), never on the number of
 * threads: noise value (step, site) is Philox block `step` of the stream of
 * the site (purpose SF_RNG_NEURON, sub SF_FIELD_RNG_SUB), the pointwise loops
 * are per site, and every reduction runs in a fixed order on one thread.
 */
#ifndef SF_LATTICE_FIELD_H
#define SF_LATTICE_FIELD_H

#include "spikefield/core.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SF_FIELD_MAX_DIM 3
#define SF_FIELD_RNG_SUB 0x57C0u /* stream family of the field noise */
#define SF_FIELD_MAX_LEVELS 16   /* block sizes 1, 2, 4, ... */

typedef enum { SF_FIELD_NEAREST = 0, SF_FIELD_GAUSSIAN = 1 } sf_field_kernel;

typedef struct sf_field_spec {
    int dim;                 /* 1, 2 or 3                                    */
    int size;                /* sites per side (even, >= 4)                  */
    sf_field_kernel kernel;
    double sigma;            /* gaussian: width in lattice units             */
    double kappa, c2, c3;    /* g(phi) = kappa phi + c2 phi^2 + c3 phi^3     */
    double D;                /* noise intensity per site                     */
    double mass;             /* local decay (>= 0); 0: conserved mean        */
    double init;             /* initial value of every site (the mean)       */
    double t_start;          /* statistics from this time on (ms)            */
    double interval;         /* statistics sampled every interval (ms)       */
    int snapshots;           /* field snapshots written at the end (<= 64)   */
} sf_field_spec;

/* Sites (size^dim) and modes of the r2c half spectrum (size^(dim-1) (size/2+1)). */
size_t sf_field_sites(const sf_field_spec *s);
size_t sf_field_modes(const sf_field_spec *s);

/* The coupling operator at every mode of the half spectrum into lambda
 * [sf_field_modes], and the wave vector of mode j into k[j * dim + i]
 * (k NULL: not wanted). Gaussian kernels are transformed by FFTW. */
sf_status sf_field_lambda(sf_context *ctx, const sf_field_spec *s, double *lambda, double *k);

/* The exact stationary power of mode k of the linear field (c2 = c3 = 0)
 * under Euler-Maruyama with step h, per site: <|phi_k|^2> / N =
 * D / (a (2 - h a)), a = kappa lambda + mass (the AR(1) recursion
 * phi' = (1 - h a) phi + sqrt(D h) xi); the continuous-time D / (2 a) as
 * h -> 0. NaN when a <= 0 or h a >= 2 (no stationary state). */
double sf_field_free_power(double D, double a, double h);

typedef struct sf_field_sim sf_field_sim;

/* A simulator at phi = spec->init everywhere, step h, seed. threads >= 1. */
sf_status sf_field_sim_create(sf_context *ctx, const sf_field_spec *s, double h, uint64_t seed,
                              int threads, sf_field_sim **out);
void sf_field_sim_destroy(sf_field_sim *sim);
/* Advances one step (step index sf_field_sim_steps(sim) -> +1). */
void sf_field_sim_step(sf_field_sim *sim);
int64_t sf_field_sim_steps(const sf_field_sim *sim);
/* The field [sites], row-major (last index fastest). */
const double *sf_field_sim_state(const sf_field_sim *sim);
double *sf_field_sim_state_mut(sf_field_sim *sim);
/* The r2c transform of the current field into out [modes] (unnormalised:
 * phi_k = sum_r phi_r e^{-ikr}); out is sim's own buffer. */
const double _Complex *sf_field_sim_transform(sf_field_sim *sim);
/* The coupling operator of sim's modes [modes]. */
const double *sf_field_sim_lambda(const sf_field_sim *sim);
/* False when the field is no longer finite (the step is unstable). */
bool sf_field_sim_finite(const sf_field_sim *sim);

/* Statistics of a run (field_stats.c): per-mode power, block moments,
 * snapshots, with batch means for the standard errors. */
#define SF_FIELD_BATCHES 16
typedef struct sf_field_stats {
    sf_field_spec spec;
    double h;
    size_t modes, sites;
    double *lambda;          /* [modes]                                      */
    double *kvec;            /* [modes * dim]                                */
    double *power;           /* [modes] mean |phi_k|^2 / N                   */
    double *power_batch;     /* [SF_FIELD_BATCHES * modes] batch sums        */
    int n_levels;            /* block sizes L = 2^0 .. 2^(n_levels-1)        */
    int L[SF_FIELD_MAX_LEVELS];
    double m[SF_FIELD_MAX_LEVELS][3];  /* sums of X^2, X^3, X^4 per block    */
    double mb[SF_FIELD_BATCHES][SF_FIELD_MAX_LEVELS][3];
    double nb_blocks[SF_FIELD_BATCHES]; /* samples per batch (blocks counted per level) */
    int64_t n_samples, planned;
    double mean_first, mean_last;  /* spatial mean at start and end         */
    int n_snap;
    float *snap;             /* [n_snap * sites]                             */
    double *snap_t;
    bool unstable;
    double t_end;            /* time simulated (ms)                          */
    double wall_s;           /* seconds of the time loop                     */
} sf_field_stats;

/* Runs spec for duration (ms) with step h and seed on threads, sampling the
 * statistics; *out is allocated (free with sf_field_stats_free). stop: polled
 * once per step, non-zero interrupts (NULL: never). */
sf_status sf_field_simulate(sf_context *ctx, const sf_field_spec *s, double h, double duration,
                            uint64_t seed, int threads, const volatile int *stop,
                            sf_field_stats **out);
void sf_field_stats_free(sf_field_stats *st);
/* Excess kurtosis and skewness of the block sums of level l, and the
 * standard errors of the kurtosis from the batch means. */
void sf_field_stats_blocks(const sf_field_stats *st, int l, double *kurt, double *kurt_se,
                           double *skew, double *var);
/* Writes the statistics to path (HDF5, docs/rg.md "Output"). */
sf_status sf_field_stats_write(sf_context *ctx, const sf_field_stats *st, const char *path);
/* Writes dir/field.h5 (sf_recording_write of a field run). */
sf_status sf_field_write(sf_context *ctx, const sf_field_stats *st, const char *dir);

/* The statistics of a field run's recording (field_run.c); NULL for a
 * network's recording. */
struct sf_recording;
const sf_field_stats *sf_recording_field(const struct sf_recording *rec);

#endif
