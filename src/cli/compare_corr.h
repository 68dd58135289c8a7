/* spikefield compare for the correlation models: binary, Hawkes and linear
 * rate (Ornstein-Uhlenbeck) networks and the perfect integrator (PIF) with
 * Poisson input. Theory: spikefield/theory_corr.h; analysis: the
 * population-resolved covariances of spikefield/analysis.h. */
#ifndef SF_CLI_COMPARE_CORR_H
#define SF_CLI_COMPARE_CORR_H

#include "cli/sim.h"

/* Non-zero when compare_corr handles m: every population binary, every one
 * hawkes, every one lin_rate, or a single pif_psc_delta population (whether
 * the theory accepts the details is decided by compare_corr, which then
 * says why not). */
int compare_corr_applies(const sf_model *m);

/* Compares the completed simulation r (sim_execute succeeded; summary.json
 * written) with the correlation theory of r->m: prints the table (per
 * population rate or mean activity; zero-lag covariances of every pair of
 * populations, of the population averages and of distinct pairs; spectra
 * at chosen frequencies; for the PIF the membrane-potential density near
 * threshold), each with its standard error, the predicted value, z and the
 * verdict ("agree" when |z| <= 3), and writes r->out_dir/compare.json and
 * compare.svg (covariance functions and spectra, or the PIF density,
 * simulation vs theory). Returns the exit status: 0, 1 (theory refused the
 * model, missing recordings, I/O), 130 (the run was interrupted; outputs
 * hold what was simulated). */
int compare_corr(cli_opts *o, sim_result *r);

#endif
