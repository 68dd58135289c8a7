/* The registry of synapse models: adding one is one file in src/synapses/
 * and one line here. */
#include "model/model_impl.h"

#include <stdio.h>
#include <string.h>

SF_REGISTRY_DEFINE(sf_synapse_type, sf_synapse_type,
                   &sf_synapse_static)
