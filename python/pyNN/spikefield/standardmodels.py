"""PyNN's standard cell types, synapse and current source on spikefield.

Each cell type names the spikefield (NEST) model it maps to and, per PyNN
parameter, the NEST parameter and the factor from PyNN's units (nF, nA, mV,
ms) to NEST's (pF, pA, mV, ms), as PyNN's own NEST backend translates them:

    IF_curr_exp    -> iaf_psc_exp     weights nA -> pA (x 1000); sign picks the
                                      receptor port, as in NEST (w >= 0: ex)
    IF_curr_delta  -> iaf_psc_delta   weights in mV (jumps of V_m)
    SpikeSourcePoisson -> a poisson_generator input (one independent train per
                          target neuron: OneToOneConnector only)
    SpikeSourceArray   -> a spike_generator input (the same times for every
                          source cell; AllToAllConnector, or OneToOne of one cell)
    DCSource       -> a dc_generator input (nA -> pA)

The parameters are stored in PyNN's names and units (identity translations)
and converted once, when the spikefield model is assembled.
"""
from pyNN.standardmodels import build_translations, cells, electrodes, synapses

from .simulator import state, unsupported


def _identity(cls):
    return build_translations(*[(n, n) for n in cls.default_parameters])


class IF_curr_exp(cells.IF_curr_exp):
    __doc__ = cells.IF_curr_exp.__doc__
    translations = _identity(cells.IF_curr_exp)
    sf_model = "iaf_psc_exp"
    sf_params = {"v_rest": ("E_L", 1.0), "cm": ("C_m", 1000.0), "tau_m": ("tau_m", 1.0),
                 "tau_refrac": ("t_ref", 1.0), "tau_syn_E": ("tau_syn_ex", 1.0),
                 "tau_syn_I": ("tau_syn_in", 1.0), "v_thresh": ("V_th", 1.0),
                 "i_offset": ("I_e", 1000.0), "v_reset": ("V_reset", 1.0)}
    sf_initial = {"v": ("V_m", 1.0), "isyn_exc": ("I_syn_ex", 1000.0),
                  "isyn_inh": ("I_syn_in", 1000.0)}
    sf_weight_scale = 1000.0          # nA -> pA


class IF_curr_delta(cells.IF_curr_delta):
    __doc__ = cells.IF_curr_delta.__doc__
    translations = _identity(cells.IF_curr_delta)
    sf_model = "iaf_psc_delta"
    sf_params = {"v_rest": ("E_L", 1.0), "cm": ("C_m", 1000.0), "tau_m": ("tau_m", 1.0),
                 "tau_refrac": ("t_ref", 1.0), "v_thresh": ("V_th", 1.0),
                 "i_offset": ("I_e", 1000.0), "v_reset": ("V_reset", 1.0)}
    sf_initial = {"v": ("V_m", 1.0)}
    sf_weight_scale = 1.0             # mV


class SpikeSourcePoisson(cells.SpikeSourcePoisson):
    __doc__ = cells.SpikeSourcePoisson.__doc__
    translations = _identity(cells.SpikeSourcePoisson)
    sf_source = "poisson"


class SpikeSourceArray(cells.SpikeSourceArray):
    __doc__ = cells.SpikeSourceArray.__doc__
    translations = _identity(cells.SpikeSourceArray)
    sf_source = "array"


class StaticSynapse(synapses.StaticSynapse):
    __doc__ = synapses.StaticSynapse.__doc__
    translations = build_translations(("weight", "weight"), ("delay", "delay"))

    def _get_minimum_delay(self):
        d = state.min_delay
        return state.dt if d == "auto" else d


class DCSource(electrodes.DCSource):
    __doc__ = electrodes.DCSource.__doc__
    translations = _identity(electrodes.DCSource)

    def inject_into(self, cells):
        from .populations import Population
        if not isinstance(cells, Population):
            raise unsupported("a DCSource injected into part of a population (a "
                              "PopulationView, Assembly or list of cells); inject into the "
                              "whole Population")
        if not cells._is_neuron:
            raise TypeError("Can't inject current into a spike source.")
        state.current_sources.append((self, cells))
        state.changed()

    def _add_to(self, m, name, pop):
        from .simulator import homogeneous
        ps = self.parameter_space
        ps.shape = (1,)
        amp = homogeneous(ps["amplitude"], "DCSource amplitude")
        start = homogeneous(ps["start"], "DCSource start")
        stop = homogeneous(ps["stop"], "DCSource stop")
        keys = {"start": start} if start > 0 else {}
        if stop < 1e11:
            keys["stop"] = stop
        m.dc(name, [pop._sf_name], amp * 1000.0, **keys)


def list_standard_models():
    return ["IF_curr_exp", "IF_curr_delta", "SpikeSourcePoisson", "SpikeSourceArray"]
