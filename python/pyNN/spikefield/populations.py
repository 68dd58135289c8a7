"""Population, PopulationView and Assembly of pyNN.spikefield.

A Population of a neuron type is one spikefield population (parameters and
initial values per population: a value, or for initial values a
RandomDistribution); a Population of a spike source becomes inputs of the
populations it projects to (standardmodels.py).
"""
import numpy as np
from pyNN import common
from pyNN.parameters import ParameterSpace, simplify
from pyNN.standardmodels import StandardCellType

from . import simulator
from .recording import Recorder
from .simulator import homogeneous, scale_distribution, unsupported


class Assembly(common.Assembly):
    _simulator = simulator


class PopulationView(common.PopulationView):
    _assembly_class = Assembly
    _simulator = simulator

    def _get_parameters(self, *names):
        return ParameterSpace({n: simplify(self.parent._parameters[n]) for n in names},
                              shape=(self.size,))

    def _set_parameters(self, parameter_space):
        raise unsupported("setting parameters of part of a population (a PopulationView)")

    def _set_initial_value_array(self, variable, initial_values):
        raise unsupported("setting initial values of part of a population (a PopulationView)")

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)


class Population(common.Population):
    __doc__ = common.Population.__doc__
    _simulator = simulator
    _recorder_class = Recorder
    _assembly_class = Assembly

    def _create_cells(self):
        if not isinstance(self.celltype, StandardCellType) or not (
                hasattr(self.celltype, "sf_model") or hasattr(self.celltype, "sf_source")):
            raise unsupported(f"the cell type {type(self.celltype).__name__} (spikefield has "
                              "IF_curr_exp, IF_curr_delta, SpikeSourcePoisson, SpikeSourceArray)")
        st = simulator.state
        ids = np.arange(st.id_counter, st.id_counter + self.size)
        self.all_cells = np.array([simulator.ID(i) for i in ids], dtype=simulator.ID)
        self._mask_local = np.ones(self.size, dtype=bool)
        for c in self.all_cells:
            c.parent = self
        st.id_counter += self.size
        ps = self.celltype.native_parameters
        ps.shape = (self.size,)
        self._parameters = dict(ps.items())
        self._initial = {}
        self._is_neuron = hasattr(self.celltype, "sf_model")
        self._is_source = not self._is_neuron
        self._sf_name = st.unique_name(self.label, "pop")
        st.populations.append(self)
        st.changed()

    def _set_initial_value_array(self, variable, initial_values):
        if self._is_source:
            return
        if variable not in self.celltype.sf_initial:
            raise unsupported(f"the initial value of {variable} of {type(self.celltype).__name__}")
        self._initial[variable] = initial_values
        simulator.state.changed()

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)

    def _get_parameters(self, *names):
        return ParameterSpace({n: simplify(self._parameters[n]) for n in names},
                              shape=(self.local_size,))

    def _set_parameters(self, parameter_space):
        parameter_space.shape = (self.size,)
        for name, value in parameter_space.items():
            self._parameters[name] = value
        simulator.state.changed()

    # ---- translation ------------------------------------------------------------
    def _param(self, name):
        return homogeneous(self._parameters[name], f"{name} of {self.label}")

    def _add_to(self, m):
        if not self._is_neuron:
            return
        ct = self.celltype
        params = {}
        for pynn_name, (nest_name, scale) in ct.sf_params.items():
            v = self._param(pynn_name)
            if not isinstance(v, float):
                raise unsupported(f"a RandomDistribution for the parameter {pynn_name} "
                                  f"of {self.label} (parameters are per population)")
            params[nest_name] = v * scale
        initial = {}
        for var, value in self._initial.items():
            nest_name, scale = ct.sf_initial[var]
            v = homogeneous(value, f"the initial value of {var} of {self.label}")
            initial[nest_name] = scale_distribution(v, scale, f"the initial {var}")
        m.population(self._sf_name, ct.sf_model, self.size, initial=initial, **params)
