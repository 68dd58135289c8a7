/* The response of a population's rate to a sinusoidal modulation
 * (sf_analysis_response, analysis.h): the complex Fourier amplitude of the
 * spike trains at the modulation frequency, with standard errors from the
 * spread over independent neurons.
 *
 * Estimator. Over T = whole periods, for a rate r_j(t) = r_0 + Im(X e^{i w t})
 * (w = 2 pi f, w T = 2 pi m),
 *     E[(2/T) sum_s e^{-i w t_s}] = (2/T) int_0^T r_j(t) e^{-i w t} dt
 *                                  = (2/T) (X/(2i)) T = -i X,
 * because the constant r_0 and the e^{-2 i w t} term integrate to zero over
 * whole periods. Hence Z_j = i (2/T) sum_s e^{-i w t_s} has mean X for every
 * neuron, and X^ = mean_j Z_j is unbiased.
 *
 * Standard error. The neurons are independent samples (separate input
 * trains, no coupling), so Var(Re X^) = s_rr / N, Var(Im X^) = s_ii / N,
 * Cov = s_ri / N with the sample (co)variances of (Re Z_j, Im Z_j) over the
 * N neurons; this holds whatever the spike-train statistics (Poisson or
 * regular), since it uses the empirical spread. For an inhomogeneous
 * Poisson train the spread is known in closed form,
 * Var(Re Z_j) = Var(Im Z_j) = (4/T^2) int r cos^2 ~ 2 r_0 / T, which the unit
 * test checks against this estimate.
 *
 * Amplitude and phase by the delta method: with X = x + i y and V the 2 x 2
 * covariance, Var|X| = (x^2 V_rr + 2 x y V_ri + y^2 V_ii)/|X|^2 (the variance
 * along X) and Var arg X = (y^2 V_rr - 2 x y V_ri + x^2 V_ii)/|X|^4 (across
 * X, over |X|^2). |X^| is biased upwards by the noise across X:
 * E|X^| = |X| + V_perp / (2 |X|) + ..., V_perp = |X|^2 Var arg X; the
 * amplitude subtracts that first-order term (a bias of 1/(2 SNR) SE, 0.05 SE
 * at a signal-to-noise ratio of 10).
 */
#include "spikefield/analysis.h"

#include <math.h>
#include <stdlib.h>

sf_status sf_analysis_response(sf_context *ctx, const sf_spikes *sp, uint32_t first,
                               uint32_t count, double t_start_ms, double t_stop_ms, double f_Hz,
                               sf_response *out)
{
    if (!sp || !out || (sp->n_spikes && (!sp->node_ids || !sp->steps)) || !(sp->h_ms > 0))
        return sf_fail(ctx, SF_ERR_ARG, "response: no spikes, output or resolution");
    if (!(f_Hz > 0) || !isfinite(f_Hz))
        return sf_fail(ctx, SF_ERR_ARG, "response: frequency %g Hz must be > 0", f_Hz);
    if (count < 2 || (uint64_t)first + count > sp->n_neurons)
        return sf_fail(ctx, SF_ERR_RANGE,
                       "response: needs at least 2 neurons within the population (%u from %u, "
                       "of %u)",
                       count, first, sp->n_neurons);
    const double h = sp->h_ms, period = 1e3 / f_Hz;
    const int64_t k0 = (int64_t)ceil(t_start_ms / h - 1e-9);
    const int64_t kend = (int64_t)ceil(t_stop_ms / h - 1e-9);
    const double m = floor(((double)(kend - k0) * h) / period + 1e-9);
    if (!(m >= 1))
        return sf_fail(ctx, SF_ERR_RANGE,
                       "response at %g Hz: the analysis window of %g ms holds no whole period "
                       "(%g ms): run for at least %g ms after the analysis start",
                       f_Hz, (double)(kend - k0) * h, period, period);
    const double T = m * period, t0 = (double)k0 * h, t1 = t0 + T;
    double *z = calloc(2 * (size_t)count, sizeof *z);
    if (!z)
        return sf_fail(ctx, SF_ERR_NOMEM, "out of memory");
    for (size_t s = 0; s < sp->n_spikes; s++) {
        uint32_t j = sp->node_ids[s];
        double t = (double)sp->steps[s] * h;
        if (j < first || j - first >= count || t < t0 - 1e-9 * h || t >= t1 - 1e-9 * h)
            continue;
        /* the phase w t reduced to one period: f t / 1000 cycles */
        double cyc = f_Hz * t * 1e-3, ph = 2 * M_PI * (cyc - floor(cyc));
        z[2 * (size_t)(j - first)] += cos(ph);
        z[2 * (size_t)(j - first) + 1] -= sin(ph);
    }
    /* Z_j = i (2/T_s) (c - i s') with T in s: i (a + i b) = -b + i a */
    const double sc = 2.0 / (T * 1e-3);
    double mr = 0, mi = 0;
    for (uint32_t j = 0; j < count; j++) {
        double a = z[2 * j] * sc, b = z[2 * j + 1] * sc;
        z[2 * j] = -b;
        z[2 * j + 1] = a;
        mr += z[2 * j];
        mi += z[2 * j + 1];
    }
    const double N = count;
    mr /= N;
    mi /= N;
    double srr = 0, sii = 0, sri = 0;
    for (uint32_t j = 0; j < count; j++) {
        double dr = z[2 * j] - mr, di = z[2 * j + 1] - mi;
        srr += dr * dr;
        sii += di * di;
        sri += dr * di;
    }
    free(z);
    const double Vrr = srr / (N - 1) / N, Vii = sii / (N - 1) / N, Vri = sri / (N - 1) / N;
    const double a2 = mr * mr + mi * mi, a = sqrt(a2);
    out->re = mr;
    out->im = mi;
    out->var_re = Vrr;
    out->var_im = Vii;
    out->cov = Vri;
    out->t_used_ms = T;
    out->n_neurons = count;
    out->phase = atan2(mi, mr);
    if (a2 > 0) {
        double v_par = (mr * mr * Vrr + 2 * mr * mi * Vri + mi * mi * Vii) / a2;
        double v_perp = (mi * mi * Vrr - 2 * mr * mi * Vri + mr * mr * Vii) / a2;
        out->amplitude = a - v_perp / (2 * a);
        out->amplitude_se = sqrt(fmax(v_par, 0));
        out->phase_se = sqrt(fmax(v_perp, 0)) / a;
    } else {
        out->amplitude = 0;
        out->amplitude_se = sqrt(0.5 * (Vrr + Vii));
        out->phase_se = NAN;
    }
    return SF_OK;
}
