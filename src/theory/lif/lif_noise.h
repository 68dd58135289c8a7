/* The noise channel of the LIF linear response (private to the theory):
 * see lif_noise.c. */
#ifndef SF_THEORY_LIF_NOISE_H
#define SF_THEORY_LIF_NOISE_H

#include "spikefield/theory.h"

#include <complex.h>

/* H_D(f) = d rate / d D (Hz/mV^2) for a modulation of the noise intensity
 * D = sigma^2/2, D(t) = D + eps e^{i 2 pi f t}, white noise (tau_s == 0,
 * else SF_ERR_ARG), at n_freq frequencies (Hz, >= 0). H_D(0) = d rate/d D. */
sf_status sf_theory_lif_transfer_noise(sf_context *ctx, const sf_theory_pop *p, double mu,
                                       double sigma, const double *freq, size_t n_freq,
                                       sf_theory_workspace *ws, double complex *H);

#endif
