/* The registry of recorder types: adding one is one file in
 * src/engine/recorders/ and one line here. */
#include "model/model_impl.h"

#include <stdio.h>
#include <string.h>

SF_REGISTRY_DEFINE(sf_recorder_type, sf_recorder_type,
                   &sf_recorder_spike_recorder,
                   &sf_recorder_voltmeter,
                   &sf_recorder_multimeter,
                   &sf_recorder_weight_recorder)
