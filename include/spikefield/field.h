/* Field models: the stochastic Wilson-Cowan neural field on a periodic
 * lattice (the model file's `field:` section, docs/rg.md). A field model has
 * no populations; it is simulated by sf_field_run instead of a network, and
 * its recording holds the field statistics (written by sf_recording_write as
 * field.h5; compared by the `rg` theory family).
 */
#ifndef SPIKEFIELD_FIELD_H
#define SPIKEFIELD_FIELD_H

#include "spikefield/network.h"

#ifdef __cplusplus
extern "C" {
#endif

/* True when m is a field model (has a `field:` section). */
SF_API bool sf_model_has_field(const sf_model *m);

/* Simulates the field model m (simulation.duration, resolution, seed,
 * threads) into a new recording *out (free with sf_recording_destroy).
 * stop: polled once per step; non-zero stops the run, which is then marked
 * interrupted (NULL: never). */
SF_API sf_status sf_field_run(sf_context *ctx, const sf_model *m, const volatile int *stop,
                              sf_recording **out);

/* Sites of the lattice of a field model (0 for other models). */
SF_API uint64_t sf_model_field_sites(const sf_model *m);

#ifdef __cplusplus
}
#endif
#endif
