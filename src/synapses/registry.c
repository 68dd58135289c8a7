/* The registry of synapse models: adding one is one file in src/synapses/
 * and one line here. */
#include "model/model_impl.h"

#include <stdio.h>
#include <string.h>

SF_REGISTRY_DEFINE(sf_synapse_type, sf_synapse_type,
                   &sf_synapse_static,
                   &sf_synapse_stdp, &sf_synapse_stdp_hom, &sf_synapse_tsodyks, &sf_synapse_tsodyks2,
                   &sf_synapse_clopath, &sf_synapse_urbanczik)

int sf_synapse_param_index(const sf_synapse_type *t, const char *name)
{
    for (int i = 0; i < t->n_params; i++)
        if (!strcmp(t->params[i].name, name))
            return i;
    return -1;
}
