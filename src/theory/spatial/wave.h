/* Waves in a simulated spatial population (issue 14; docs/spatial.md):
 * the activity binned in space (along x on a ring, along x and y on a
 * torus or sheet) and time, its (k, f) power spectrum averaged over
 * segments (FFTW), the dominant mode, its phase velocity, and a wave /
 * no-wave verdict.
 *
 * Verdict: under the null of activity without space-time structure beyond
 * k = 0, every cell (k != 0, f > 0) of the segment-averaged power is the
 * background times a Gamma(M, 1/M) variable (M segments; chi-square with
 * 2M degrees of freedom over 2M). The background is the median cell over
 * the median of Gamma(M, 1/M); the peak's p-value is
 * 1 - (1 - Q(M, M snr))^N over the N cells (Q the regularised upper
 * incomplete gamma function). The dominant mode is the largest cell with
 * f > 0 over all k, k = 0 included: "wave" when it lies at k != 0 and
 * p < 1e-3 (a global oscillation, however strong, has it at k = 0), and
 * it modulates the rate by at least SF_WAVE_MIN_MODULATION (a sustained
 * wave, not noise-driven fluctuations of a damped mode).
 */
#ifndef SF_THEORY_SPATIAL_WAVE_H
#define SF_THEORY_SPATIAL_WAVE_H

#include "model/model_impl.h"
#include "spikefield/network.h"

typedef struct {
    size_t n_x, n_t, n_seg;  /* space bins, time bins per segment, segments */
    size_t n_y;              /* space bins along y (1 on a ring)            */
    double dx, dt;           /* mm, ms                                      */
    double k_peak;           /* 1/mm, >= 0, of the dominant mode (power-
                                weighted over the 3 x 3 (x 3) cells around
                                it): |(kx, ky)|                              */
    double kx, ky;           /* 1/mm: the wave vector, pointing where the
                                wave travels                                */
    double f_peak;           /* Hz                                           */
    double direction;        /* +1: travels towards +x, -1: towards -x (2-D:
                                the sign of kx, of ky when kx = 0)          */
    double velocity;         /* mm/s, 2 pi f / k, signed by direction       */
    double snr, p_value;     /* peak power over the background; p of the max */
    double asymmetry;        /* P(peak) / P(mirror in k): 1 standing, >> 1
                                travelling                                  */
    double modulation;       /* depth m of the mode: rate (1 + m cos(...))  */
    bool wave;
} sf_wave_result;

/* A sustained wave modulates the rate macroscopically; a damped mode driven
 * by the finite-size noise of N neurons gives m ~ 1/sqrt(N spikes) (the E-I
 * ring of examples/senk2020_ring.yaml: 1.15 unstable at mu = sigma = 10 mV;
 * 0.32 (E, 4000) and 0.40 (I, 1000) at the stable 8 mV). A criterion of
 * size, not a test: small populations near the boundary can pass it. */
#define SF_WAVE_MIN_MODULATION 0.5

/* The analysis of spikes (ids[i], steps[i]; ascending steps) of n neurons
 * whose neuron j lies in space bin xbin[j] < n_x of a ring of length L
 * (mm), over steps [k0, k1) of h ms, in bins of w steps. */
sf_status sf_wave_spectrum(sf_context *ctx, const uint32_t *ids, const int64_t *steps, size_t ns,
                           const uint32_t *xbin, size_t n_x, double L, int64_t k0, int64_t k1,
                           int64_t w, double h, size_t n_t, sf_wave_result *out);
/* The same in 2-D: neuron j in bin (xbin[j], ybin[j]) of n_x x n_y bins of
 * a torus Lx x Ly (mm); the spectrum over (kx, ky, f). */
sf_status sf_wave_spectrum_2d(sf_context *ctx, const uint32_t *ids, const int64_t *steps,
                              size_t ns, const uint32_t *xbin, size_t n_x, double Lx,
                              const uint32_t *ybin, size_t n_y, double Ly, int64_t k0, int64_t k1,
                              int64_t w, double h, size_t n_t, sf_wave_result *out);

/* The analysis of population pop (with a space) of m over the recording's
 * analysis window (simulation.t_analysis to the end): bins dt_ms (a whole
 * number of steps), n_t per segment (power of two), n_x space bins (2-D:
 * n_x / 2 along each dimension). */
sf_status sf_wave_analyse(sf_context *ctx, const sf_model *m, const sf_recording *rec, int pop,
                          double dt_ms, size_t n_t, size_t n_x, sf_wave_result *out);

#endif
