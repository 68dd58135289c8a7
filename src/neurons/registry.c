/* The registry of neuron types: adding a model is one file in src/neurons/
 * and one line here. */
#include "model/model_impl.h"
#include "neurons/rate.h"

#include <string.h>

static const sf_neuron_type *const registry[] = {
    &sf_iaf_psc_delta,
    &sf_iaf_psc_exp,
    &sf_pif_psc_delta,
    &sf_binary,
    &sf_hawkes,
    &sf_lin_rate,
    &sf_tanh_rate,
    &sf_erf_rate,
    &sf_iaf_psc_alpha,
    &sf_izhikevich,
    &sf_parrot_neuron,
    &sf_iaf_cond_exp,
    &sf_iaf_cond_alpha,
    &sf_aeif_cond_exp,
    &sf_aeif_cond_alpha,
    &sf_hh_psc_alpha,
    &sf_sde_poly,
    &sf_aeif_psc_delta_clopath,
    &sf_pp_cond_exp_mc_urbanczik,
};

const sf_receptor_port sf_port_single[1] = {
    {"input", -1, 0, "the model's one input: an event adds weight x amplitude (weight_unit)"},
};

int sf_receptor_find(const sf_neuron_type *t, const char *name)
{
    for (int i = 0; name && i < t->n_ports; i++)
        if (strcmp(t->ports[i].name, name) == 0)
            return i;
    return -1;
}

int sf_neuron_type_count(void)
{
    return (int)(sizeof registry / sizeof registry[0]);
}

const sf_neuron_type *sf_neuron_type_at(int i)
{
    return i >= 0 && i < sf_neuron_type_count() ? registry[i] : NULL;
}

const sf_neuron_type *sf_neuron_type_find(const char *name)
{
    for (int i = 0; i < sf_neuron_type_count(); i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

int sf_param_index(const sf_neuron_type *t, const char *name)
{
    for (int i = 0; i < t->n_params; i++)
        if (strcmp(t->params[i].name, name) == 0)
            return i;
    return -1;
}
