/* The public face of the neuron model registry (model.h): what
 * `spikefield models` and programs list, read from the constant type
 * descriptors of src/neurons/ by index, so no caller needs sf_neuron_type.
 *
 * Invariant: an index out of range gives NULL or 0, never a crash. */
#include "model/model_impl.h"

static const sf_neuron_type *at(int i)
{
    return sf_neuron_type_at(i);
}

int sf_neuron_model_count(void)
{
    return sf_neuron_type_count();
}

int sf_neuron_model_find(const char *name)
{
    for (int i = 0; name && i < sf_neuron_type_count(); i++)
        if (sf_neuron_type_find(name) == at(i))
            return i;
    return -1;
}

const char *sf_neuron_model_name(int i)
{
    return at(i) ? at(i)->name : NULL;
}

const char *sf_neuron_model_doc(int i)
{
    return at(i) ? at(i)->doc : NULL;
}

const char *sf_neuron_model_weight_unit(int i)
{
    return at(i) ? at(i)->weight_unit : NULL;
}

int sf_neuron_model_param_count(int i)
{
    return at(i) ? at(i)->n_params : 0;
}

const sf_param_spec *sf_neuron_model_param(int i, int k)
{
    return at(i) && k >= 0 && k < at(i)->n_params ? &at(i)->params[k] : NULL;
}

int sf_neuron_model_state_count(int i)
{
    return at(i) ? at(i)->n_state : 0;
}

const char *sf_neuron_model_state_name(int i, int k)
{
    return at(i) && k >= 0 && k < at(i)->n_state ? at(i)->state_names[k] : NULL;
}

const char *sf_neuron_model_state_unit(int i, int k)
{
    return at(i) && k >= 0 && k < at(i)->n_state ? at(i)->state_units[k] : NULL;
}

int sf_neuron_model_port_count(int i)
{
    return at(i) ? at(i)->n_ports : 0;
}

static const sf_receptor_port *port_at(int i, int k)
{
    return at(i) && k >= 0 && k < at(i)->n_ports ? &at(i)->ports[k] : NULL;
}

const char *sf_neuron_model_port_name(int i, int k)
{
    return port_at(i, k) ? port_at(i, k)->name : NULL;
}

const char *sf_neuron_model_port_doc(int i, int k)
{
    return port_at(i, k) ? port_at(i, k)->doc : NULL;
}

int sf_neuron_model_port_sign(int i, int k)
{
    return port_at(i, k) ? port_at(i, k)->sign : 0;
}

/* nest-devices: the device registry (inputs, then recorders). */
int sf_device_count(void)
{
    return sf_input_type_count() + sf_recorder_type_count();
}

#define DEV_FIELD(i, f)                                                                    \
    ((i) < 0 ? NULL                                                                        \
     : (i) < sf_input_type_count() ? sf_input_type_at(i)->f                                \
     : (i) < sf_device_count()     ? sf_recorder_type_at((i) - sf_input_type_count())->f   \
                                   : NULL)

const char *sf_device_name(int i)
{
    return DEV_FIELD(i, name);
}

const char *sf_device_alias(int i)
{
    return DEV_FIELD(i, alias);
}

const char *sf_device_doc(int i)
{
    return DEV_FIELD(i, doc);
}

int sf_device_is_recorder(int i)
{
    return i < 0 || i >= sf_device_count() ? -1 : i >= sf_input_type_count();
}

/* plasticity: the synapse models */
int sf_synapse_model_count(void)
{
    return sf_synapse_type_count();
}

const char *sf_synapse_model_name(int i)
{
    return sf_synapse_type_at(i) ? sf_synapse_type_at(i)->name : NULL;
}

const char *sf_synapse_model_doc(int i)
{
    return sf_synapse_type_at(i) ? sf_synapse_type_at(i)->doc : NULL;
}

int sf_synapse_model_plastic(int i)
{
    return sf_synapse_type_at(i) ? sf_synapse_type_at(i)->plastic : -1;
}

int sf_synapse_model_param_count(int i)
{
    return sf_synapse_type_at(i) ? sf_synapse_type_at(i)->n_params : -1;
}

const sf_param_spec *sf_synapse_model_param(int i, int k)
{
    const sf_synapse_type *t = sf_synapse_type_at(i);
    return t && k >= 0 && k < t->n_params ? &t->params[k] : NULL;
}
