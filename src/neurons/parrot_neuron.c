/* parrot_neuron: repeats every incoming spike (NEST 3.x parrot_neuron).
 *
 * A spike that arrives in step k is sent on in the same step, with its
 * multiplicity: n spikes arriving in one step leave as n spikes of that
 * step. So poisson_generator -> parrot_neuron -> targets gives every
 * target the explicit, recordable spike trains of the parrots (shared input
 * when parrots project to many targets), as in NEST.
 *
 * The number of spikes arriving in a step is the sum of the weights of its
 * input events, rounded to the nearest whole number: weights onto a parrot
 * are the number of spikes an event stands for, 1 as a rule (NEST ignores
 * the weight and counts events; weight 1 gives exactly that). Negative sums
 * send nothing.
 *
 * Output: up to PARROT_MAX spike entries per step; a step with more
 * arriving spikes sends PARROT_MAX entries of which the last carries the
 * remaining multiplicity as its event amplitude, so every target receives
 * weight x (number of spikes) exactly; the spike recorder then lists
 * PARROT_MAX spikes for that neuron and step (NEST lists the multiplicity).
 *
 * State: [0] n_spikes, the spikes sent in the last step. */
#include "model/model_impl.h"
#include "neurons/parrot_neuron.h"

#include <math.h>

#define PARROT_MAX 8

static const char *const state_names[] = {"n_spikes"};
static const char *const state_units[] = {""};

static void prepare(const double *p, double h, void *out)
{
}

static void init_state(const double *p, double *const *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s[0][i] = 0.0;
}

static size_t update(const double *p, const void *dv, double *const *s, size_t n,
                     double *const *input, double i_dc, uint32_t *spikes, const sf_step *step)
{
    double *restrict c = s[0];
    const double *restrict in = input[0];
    size_t ns = 0;
    for (size_t i = 0; i < n; i++) {
        double k = nearbyint(in[i]);
        c[i] = k > 0 ? k : 0.0;
        for (int j = 0; j < PARROT_MAX && j < c[i]; j++)
            spikes[ns++] = (uint32_t)i;
    }
    return ns;
}

/* Amplitude 1 per spike entry; the last entry of a step with more than
 * PARROT_MAX spikes carries the rest. */
static void event_amplitudes(const double *p, const void *dv, double *const *s,
                             const uint32_t *events, size_t n_events, float *amp)
{
    const double *c = s[0];
    for (size_t j = 0; j < n_events; j++) {
        bool last = j + 1 == n_events || events[j + 1] != events[j];
        amp[j] = last && c[events[j]] > PARROT_MAX ? (float)(c[events[j]] - (PARROT_MAX - 1)) : 1.0f;
    }
}

static const sf_receptor_port ports[] = {
    {"input", -1, 0, "incoming spikes: an event adds its weight (1 per spike) to the count"},
};

const sf_neuron_type sf_parrot_neuron = {
    .name = "parrot_neuron",
    .doc = "Repeats every incoming spike in the step it arrives, with its multiplicity "
           "(n spikes in, n spikes out), so that poisson_generator -> parrot_neuron gives "
           "explicit, recordable input spike trains. Weights onto a parrot count spikes "
           "(use 1; NEST ignores them); no parameters. A step with more than 8 arriving "
           "spikes delivers all of them (the 8th event carries the rest as its amplitude) "
           "but lists 8 in spike recordings. As NEST 3.x parrot_neuron.",
    .params = NULL,
    .n_params = 0,
    .state_names = state_names,
    .state_units = state_units,
    .n_state = 1,
    .ports = ports,
    .n_ports = 1,
    .v_offset_param = -1,
    .weight_unit = "spikes",
    .no_current = true,
    .max_spikes_per_step = PARROT_MAX,
    .derived_size = 0,
    .prepare = prepare,
    .init_state = init_state,
    .update = update,
    .event_amplitudes = event_amplitudes,
};
