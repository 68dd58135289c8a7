/* The registry of input types: adding one (a noise generator, ...) is one
 * file in src/engine/inputs/ and one line here. */
#include "model/model_impl.h"

#include <stdio.h>
#include <string.h>

SF_REGISTRY_DEFINE(sf_input_type, sf_input_type,
                   &sf_input_poisson_generator,
                   &sf_input_dc_generator,
                   &sf_input_spike_generator,
                   &sf_input_step_current_generator,
                   &sf_input_noise_generator,
                   &sf_input_inhomogeneous_poisson_generator,
                   &sf_input_mip_generator,
                   &sf_input_ac_generator,
                   &sf_input_sinusoidal_poisson_generator)
