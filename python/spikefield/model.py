"""sf.Model: a model description, from a YAML file, a YAML string or calls.

A Model is the Python face of the C library's sf_model (immutable, validated)
and of its builder (include/spikefield/model.h). NEST's names and units
throughout: time in ms, potential in mV, current in pA, rates in Hz.

    m = sf.Model.load("examples/brunel.yaml", sets=["simulation.duration=500"])
    m = sf.Model(name="ei", resolution=0.1, duration=1000.0)
    m.population("E", "iaf_psc_delta", 800, V_th=20.0, V_reset=10.0, E_L=0.0)
    m.connect("E", "E", rule="fixed_indegree", indegree=80, weight=0.1, delay=1.5)
    m.poisson("ext", targets=["E"], rate=20000.0, weight=0.1)
    m.set("populations.E.params.V_th", 18)      # as `--set` does
    net = m.build(threads=2, seed=1)

Invariant: the Python object holds the recipe (file or text plus the `--set`
overrides, or the list of builder calls); the C model is made from it, and
made again after every change, so every model the C library sees went
through its one validator. Each mutating call is checked at once: an
assembly error (duplicate name, NULL) raises at the call, a validation error
(range, unknown key) raises at the call for loaded models and at the first
use (build, predict, an accessor) for built ones, with the key path the
call wrote.
"""
import math
import numbers

from . import _lib
from ._lib import ffi, lib, text
from .errors import SpikefieldValueError

_COUNT_KEYS = {"fixed_indegree": "indegree", "fixed_outdegree": "outdegree",
               "fixed_total_number": "number", "pairwise_bernoulli": "p",
               "one_to_one": None, "all_to_all": None,
               # spatial rules (docs/spatial.md): the profile= (and speed=) keys
               "spatial_fixed_indegree": "indegree", "spatial_fixed_outdegree": "outdegree",
               "spatial_pairwise_bernoulli": "p"}


def yaml_value(v):
    """A Python value in YAML flow syntax, as `--set path=value` reads it:
    numbers with 17 significant digits, True/False, lists, dicts; a str is
    taken as YAML text already (a name, "[E, I]", "{distribution: ...}")."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, numbers.Integral):
        return str(int(v))
    if isinstance(v, numbers.Real):
        v = float(v)
        if math.isnan(v):
            return ".nan"
        if math.isinf(v):
            return ".inf" if v > 0 else "-.inf"
        return repr(v)   # shortest repr that round-trips exactly
    if isinstance(v, str):
        return v
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {yaml_value(x)}" for k, x in v.items()) + "}"
    if hasattr(v, "tolist"):
        v = v.tolist()
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(yaml_value(x) for x in v) + "]"
    raise TypeError(f"spikefield: cannot write a value of type {type(v).__name__} "
                    "into a model (numbers, str, bool, lists and dicts only)")


def _name(v, what):
    if not isinstance(v, str) or not v:
        raise TypeError(f"spikefield: {what} must be a non-empty str, not {v!r}")
    return v


def _names(v, what):
    if isinstance(v, str):
        v = [v]
    v = list(v)
    for x in v:
        _name(x, what)
    return v


def _number(v, what):
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise TypeError(f"spikefield: {what} must be a number, not {v!r}")
    return float(v)


def _count(v, what):
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 0 or v > 0xffffffff:
        raise TypeError(f"spikefield: {what} must be a whole number >= 0, not {v!r}")
    return int(v)


class Model:
    """A network model. Model(...) starts an empty one built by calls;
    Model.load(path) and Model.from_string(text) read YAML."""

    def __init__(self, name="model", resolution=None, duration=None, seed=None, threads=None):
        self.name = _name(name, "name")
        self._source = None          # ("file", path) / ("string", text) for loaded models
        self._sets = []              # --set overrides of a loaded model
        self._ops = []               # builder calls of a built model, in order
        self._builder = None         # live, unfinished builder (built models)
        self._cmodel = None          # the C model (cached until the next change)
        self._ctx = _lib.Context()
        for key, v in (("resolution", resolution), ("duration", duration), ("seed", seed),
                       ("threads", threads)):
            if v is not None:
                self.set("simulation." + key, v)

    # ---- loading -----------------------------------------------------------------
    @classmethod
    def load(cls, path, sets=None):
        """The model file at path, with `--set` overrides ["path=value", ...]."""
        import os
        m = cls.__new__(cls)
        m.name = os.path.splitext(os.path.basename(os.fspath(path)))[0]
        m.__init_loaded(("file", os.fspath(path)), sets)
        return m

    @classmethod
    def from_string(cls, yaml_text, name="string", sets=None):
        """A model from YAML text; name is used in error messages."""
        if not isinstance(yaml_text, str):
            raise TypeError("spikefield: Model.from_string needs the YAML text as a str")
        m = cls.__new__(cls)
        m.name = _name(name, "name")
        m.__init_loaded(("string", yaml_text), sets)
        return m

    def __init_loaded(self, source, sets):
        self._source = source
        self._sets = []
        self._ops = []
        self._builder = None
        self._cmodel = None
        self._ctx = _lib.Context()
        for s in sets or []:
            if not isinstance(s, str) or "=" not in s:
                raise ValueError(f"spikefield: a set is 'path=value', e.g. "
                                 f"'populations.E.params.V_th=18', not {s!r}")
            self._sets.append(s)
        self._cmodel = self._load(self._sets)

    def _load(self, sets):
        keep, arr = _lib.strings(sets)
        out = ffi.new("sf_model **")
        if self._source[0] == "file":
            st = lib.sf_model_load(self._ctx.ptr, self._source[1].encode(), arr, len(sets), out)
        else:
            st = lib.sf_model_load_string(self._ctx.ptr, self._source[1].encode(),
                                          self.name.encode(), arr, len(sets), out)
        self._ctx.check(st)
        return _lib.Handle(out[0], lib.sf_model_destroy)

    # ---- the builder -------------------------------------------------------------
    def _replay(self, extra=()):
        """A fresh builder with every recorded call (and extra sets) applied."""
        out = ffi.new("sf_model_builder **")
        self._ctx.check(lib.sf_model_builder_create(self._ctx.ptr, self.name.encode(), out))
        b = ffi.gc(out[0], lib.sf_model_builder_destroy)
        for fn, args in list(self._ops) + [("sf_model_builder_set", a) for a in extra]:
            self._ctx.check(getattr(lib, fn)(self._ctx.ptr, b, *args))
        return b

    def _call(self, fn, *args):
        """Applies one builder call (checked now) and records it."""
        if self._source is not None:
            raise TypeError(f"spikefield: {self.name} was loaded from YAML; change it with "
                            "m.set(path, value), or build a model by calls with sf.Model()")
        if self._builder is None:
            self._builder = self._replay()
        self._ctx.check(getattr(lib, fn)(self._ctx.ptr, self._builder, *args))
        self._ops.append((fn, args))
        self._cmodel = None

    def _h(self):
        """The Handle of the C model, made and validated if needed."""
        if self._cmodel is None:
            if self._builder is None:
                self._builder = self._replay()
            out = ffi.new("sf_model **")
            self._ctx.check(lib.sf_model_builder_finish(self._ctx.ptr, self._builder, out))
            self._cmodel = _lib.Handle(out[0], lib.sf_model_destroy)
            self._builder = None     # a finished builder makes no second model
        return self._cmodel

    def _c(self):
        """The C model (sf_model *), valid while this Model holds it."""
        return self._h().ptr

    def _variant(self, sets):
        """The Handle of a C model of this recipe with extra `path=value` sets
        (seed, threads)."""
        if not sets:
            return self._h()
        if self._source is not None:
            return self._load(self._sets + list(sets))
        self._c()   # validation errors of the model itself come first
        b = self._replay([(p.encode(), v.encode()) for p, v in (s.split("=", 1) for s in sets)])
        out = ffi.new("sf_model **")
        self._ctx.check(lib.sf_model_builder_finish(self._ctx.ptr, b, out))
        return _lib.Handle(out[0], lib.sf_model_destroy)

    def set(self, path, value):
        """Sets the value at a dotted key path, as `--set path=value` does
        (value: a number, bool, str in YAML syntax, list or dict)."""
        path = _name(path, "path")
        v = yaml_value(value)
        if self._source is not None:
            s = f"{path}={v}"
            self._cmodel = self._load(self._sets + [s])
            self._sets.append(s)
        else:
            self._call("sf_model_builder_set", path.encode(), v.encode())
        return self

    def population(self, name, model, n, initial=None, space=None, **params):
        """populations.NAME: {model, n, params: {...}, initial: {...}}; params
        by NEST name (E_L, V_th, tau_m, C_m, ...), initial values by state
        variable, each a number or a distribution dict; space: positions
        (docs/spatial.md), e.g. {"geometry": "ring", "extent": 1.0}."""
        _name(name, "population name")
        _name(model, "neuron model")
        self._call("sf_model_builder_add_population", name.encode(), model.encode(),
                   _count(n, "n"))
        if space is not None:
            self.set(f"populations.{name}.space", space)
        for k, v in params.items():
            self._call("sf_model_builder_set_param", name.encode(), k.encode(),
                       _number(v, f"parameter {k}"))
        for k, v in (initial or {}).items():
            self.set(f"populations.{name}.initial.{k}", v)
        return self

    def connect(self, source, target, rule="fixed_indegree", weight=None, delay=None,
                name=None, **keys):
        """projections.NAME (default SOURCE+TARGET): the rule's count key
        (indegree, outdegree, number, p), weight in the target's weight unit
        (mV or pA) and delay in ms, each a number or a distribution dict
        ({"distribution": "normal", "mean": 1, "std": 0.1, "min": 0}); more
        keys (autapses, multapses, receptor, synapse; for the spatial rules
        profile={"kind": ..., "width": mm} and speed=mm/ms) as keyword
        arguments."""
        _name(source, "source")
        _name(target, "target")
        _name(rule, "rule")
        if weight is None:
            raise TypeError("spikefield: connect needs a weight")
        name = _name(name, "projection name") if name is not None else self._free_name(
            source + target, "projections")
        count_key = _COUNT_KEYS.get(rule)
        count = 0.0
        if count_key is not None:
            if count_key not in keys:
                raise TypeError(f"spikefield: rule {rule} needs {count_key}=")
            count = _number(keys.pop(count_key), count_key)
        w = _number(weight, "weight") if not isinstance(weight, dict) else 0.0
        d = math.nan if delay is None or isinstance(delay, dict) else _number(delay, "delay")
        self._call("sf_model_builder_add_projection", name.encode(), source.encode(),
                   target.encode(), rule.encode(), count, w, d)
        if isinstance(weight, dict):
            self.set(f"projections.{name}.weight", weight)
        if isinstance(delay, dict):
            self.set(f"projections.{name}.delay", delay)
        for k, v in keys.items():
            self.set(f"projections.{name}.{k}", v)
        return self

    def poisson(self, name, targets, rate, weight, **keys):
        """inputs.NAME: an independent Poisson train of rate Hz per target
        neuron, events of weight; more keys (receptor, start, stop)."""
        keep, arr = _lib.strings(_names(targets, "target"))
        self._call("sf_model_builder_add_poisson_input", _name(name, "input name").encode(),
                   arr, len(keep), _number(rate, "rate"), _number(weight, "weight"))
        self._keep(keep)
        for k, v in keys.items():
            self.set(f"inputs.{name}.{k}", v)
        return self

    def dc(self, name, targets, amplitude, **keys):
        """inputs.NAME: a constant current (pA) into every target neuron;
        more keys (start, stop)."""
        keep, arr = _lib.strings(_names(targets, "target"))
        self._call("sf_model_builder_add_dc_input", _name(name, "input name").encode(),
                   arr, len(keep), _number(amplitude, "amplitude"))
        self._keep(keep)
        for k, v in keys.items():
            self.set(f"inputs.{name}.{k}", v)
        return self

    def spike_generator(self, name, targets, times, weight, **keys):
        """inputs.NAME: every target neuron receives events of weight at the
        given times (ms, ascending, on the grid); more keys (delay, receptor)."""
        spec = {"kind": "spike_generator", "targets": _names(targets, "target"),
                "times": [_number(t, "time") for t in times], "weight": _number(weight, "weight")}
        spec.update(keys)
        return self.set(f"inputs.{_name(name, 'input name')}", spec)

    def record_spikes(self, name="spikes", populations=None):
        """recorders.NAME: the spikes of populations (None: every one)."""
        keep, arr = _lib.strings(_names(populations or [], "population"))
        self._call("sf_model_builder_add_spike_recorder", _name(name, "recorder name").encode(),
                   arr, len(keep))
        self._keep(keep)
        return self

    def voltmeter(self, name, populations=None, n=1, variable=None, interval=None):
        """recorders.NAME: state variable (default the model's first, V_m) of
        the first n neurons of each population, every interval ms (default
        every step)."""
        keep, arr = _lib.strings(_names(populations or [], "population"))
        var = ffi.new("char[]", _name(variable, "variable").encode()) if variable else ffi.NULL
        self._call("sf_model_builder_add_voltmeter", _name(name, "recorder name").encode(),
                   arr, len(keep), _count(n, "n"), var,
                   math.nan if interval is None else _number(interval, "interval"))
        self._keep(keep + ([var] if variable else []))
        return self

    def _keep(self, objs):
        # a recorded call's string arrays point into these: they must live as
        # long as the call can be replayed
        self.__dict__.setdefault("_alive", []).append(objs)

    def _free_name(self, base, section):
        used = set()
        if section == "projections" and (self._source is None):
            used = {a[0].decode() for fn, a in self._ops if fn == "sf_model_builder_add_projection"}
        name, i = base, 2
        while name in used:
            name, i = f"{base}_{i}", i + 1
        return name

    # ---- queries -----------------------------------------------------------------
    @property
    def populations(self):
        """{name: number of neurons} in model order."""
        m = self._c()
        return {text(lib.sf_model_population_name(m, p)): int(lib.sf_model_population_size(m, p))
                for p in range(lib.sf_model_population_count(m))}

    def _pop(self, pop):
        m = self._c()
        i = lib.sf_model_find_pop(m, _name(pop, "population").encode())
        if i < 0:
            raise SpikefieldValueError(f"spikefield: no population {pop!r} in {self.name} "
                                       f"(populations: {', '.join(self.populations)})",
                                       "SF_ERR_ARG")
        return i

    def neuron_model(self, pop):
        """The neuron model of population pop ("iaf_psc_delta", ...)."""
        return text(lib.sf_model_population_model(self._c(), self._pop(pop)))

    def param(self, pop, name):
        """Value of parameter name of population pop (defaults filled in)."""
        i = self._pop(pop)
        v = ffi.new("double *")
        self._ctx.check(lib.sf_model_get_param(self._ctx.ptr, self._c(), i,
                                               _name(name, "parameter").encode(), v))
        return v[0]

    @property
    def projections(self):
        """{name: (source, target, rule)} in model order."""
        m = self._c()
        pn = lambda p: text(lib.sf_model_population_name(m, p))
        return {text(lib.sf_model_projection_name(m, i)):
                (pn(lib.sf_model_projection_source(m, i)), pn(lib.sf_model_projection_target(m, i)),
                 text(lib.sf_model_projection_rule(m, i)))
                for i in range(lib.sf_model_projection_count(m))}

    @property
    def recorders(self):
        """{name: kind} in model order ("spike_recorder", "voltmeter")."""
        m = self._c()
        return {text(lib.sf_model_recorder_name(m, r)): text(lib.sf_model_recorder_kind(m, r))
                for r in range(lib.sf_model_recorder_count(m))}

    @property
    def file(self):
        return text(lib.sf_model_file(self._c()))

    resolution = property(lambda self: lib.sf_model_resolution(self._c()), doc="time step, ms")
    duration = property(lambda self: lib.sf_model_duration(self._c()), doc="simulated time, ms")
    seed = property(lambda self: int(lib.sf_model_seed(self._c())))
    threads = property(lambda self: int(lib.sf_model_threads(self._c())))
    neurons = property(lambda self: int(lib.sf_model_neurons(self._c())))

    def validate(self):
        """Validates the model now (raises SpikefieldError as build would)."""
        self._c()
        return self

    def build(self, threads=None, seed=None):
        """The network of this model (sf.Network): connections drawn, state
        initialised. threads and seed override simulation.threads/seed, as
        `--threads` and `--seed` do; results do not depend on threads."""
        from .network import Network
        return Network(self, threads=threads, seed=seed)

    def __repr__(self):
        try:
            pops = ", ".join(f"{k}: {v}" for k, v in self.populations.items())
        except Exception:   # not valid yet
            pops = "not validated"
        return f"<spikefield.Model {self.name!r} ({pops})>"
