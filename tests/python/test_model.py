"""sf.Model: loading with sets, the builder, m.set as --set, accessors, and
errors: a YAML syntax error, an unknown key (key path, line, column), a bad
--set, a bad built model (key path, builder name), bad Python arguments. No
bad input crashes the interpreter: each raises."""
import os

import numpy as np
import pytest

import spikefield as sf

BAD_KEY = """simulation: {duration: 10}
populations:
  E: {model: iaf_psc_delta, n: 10, params: {V_thx: 1}}
"""


def brunel_by_calls(n_e=1000, n_i=250, k_e=100, k_i=25):
    """examples/brunel.yaml at a tenth of its size and in-degree, by calls."""
    m = sf.Model(name="brunel", resolution=0.1, duration=300.0, seed=1, threads=2)
    m.set("analysis", {"start": 100.0, "bin": 10.0, "pairs": 500})
    lif = dict(E_L=0.0, V_th=20.0, V_reset=10.0, tau_m=20.0, t_ref=2.0, C_m=250.0)
    v0 = {"V_m": {"distribution": "uniform", "low": 0.0, "high": 20.0}}
    m.population("E", "iaf_psc_delta", n_e, initial=v0, **lif)
    m.population("I", "iaf_psc_delta", n_i, initial=v0, **lif)
    for s, t, k, w in (("E", "E", k_e, 0.1), ("E", "I", k_e, 0.1), ("I", "E", k_i, -0.5),
                       ("I", "I", k_i, -0.5)):
        m.connect(s, t, rule="fixed_indegree", indegree=k, weight=w, delay=1.5)
    m.poisson("background", targets=["E", "I"], rate=20000.0, weight=0.1)
    m.record_spikes("spikes", ["E", "I"])
    m.voltmeter("vm", ["E"], n=10, interval=0.1)
    return m


def test_load_accessors(root):
    m = sf.Model.load(os.path.join(root, "examples", "brunel.yaml"),
                      sets=["scale.neurons=0.1", "simulation.duration=200"])
    assert m.name == "brunel" and m.file.endswith("examples/brunel.yaml")
    assert m.populations == {"E": 1000, "I": 250}
    assert list(m.projections) == ["EE", "EI", "IE", "II"]
    assert m.projections["IE"] == ("I", "E", "fixed_indegree")
    assert m.recorders == {"spikes": "spike_recorder", "vm": "voltmeter"}
    assert m.param("E", "V_th") == 20.0 and m.param("I", "V_min") == -np.inf
    assert m.param("E", "I_e") == 0.0          # a default from the parameter table
    assert (m.resolution, m.duration, m.seed, m.threads) == (0.1, 200.0, 1, 2)
    assert m.neuron_model("E") == "iaf_psc_delta" and m.neurons == 1250


def test_set_as_cli(root):
    m = sf.Model.load(os.path.join(root, "examples", "brunel.yaml"))
    m.set("populations.E.params.V_th", 18)
    m.set("scale.neurons", 0.5).set("inputs.background.targets", ["E"])
    assert m.param("E", "V_th") == 18.0 and m.populations["E"] == 5000
    # a set that fails leaves the model as it was
    with pytest.raises(sf.SpikefieldError) as e:
        m.set("populations.E.params.tau_m", -1)
    assert e.value.key == "populations.E.params.tau_m"
    assert e.value.file.startswith("--set populations.E.params.tau_m=-1")
    assert m.param("E", "tau_m") == 20.0


def test_from_string_and_builder_equal_file(root, small_sets):
    text = open(os.path.join(root, "examples", "brunel.yaml")).read()
    a = sf.Model.from_string(text, name="brunel", sets=small_sets)
    b = brunel_by_calls()
    assert b.populations == a.populations and b.projections == a.projections
    for p in ("E", "I"):
        for k in ("E_L", "V_th", "V_reset", "tau_m", "t_ref", "C_m", "I_e"):
            assert a.param(p, k) == b.param(p, k)
    ra = a.build(seed=9).run(progress=False)
    rb = b.build(seed=9).run(progress=False)
    for p in ("E", "I"):
        np.testing.assert_array_equal(ra.spikes[p][0], rb.spikes[p][0])
        np.testing.assert_array_equal(ra.spikes[p][1], rb.spikes[p][1])


def test_builder_after_build_and_distributions():
    m = sf.Model(name="x", duration=50.0)
    m.population("A", "iaf_psc_exp", 30, I_e=400.0)
    m.connect("A", "A", rule="pairwise_bernoulli", p=0.2,
              weight={"distribution": "normal", "mean": 20.0, "std": 2.0, "min": 0.0},
              delay={"distribution": "uniform", "low": 1.0, "high": 2.0}, autapses=False)
    net = m.build(seed=3)
    assert 0.1 * 30 * 29 < net.synapses < 0.3 * 30 * 29   # p = 0.2 of 870 pairs
    # a built model can still change (the calls are replayed into a new builder)
    m.population("B", "iaf_psc_delta", 5)
    assert m.populations == {"A": 30, "B": 5}
    m.dc("bias", ["B"], 100.0)
    m.spike_generator("kick", ["B"], times=[5.0, 10.0], weight=20.0)
    rec = m.build().run(progress=False)
    assert set(rec.spikes) == {"A", "B"}      # no recorder: every population


def test_yaml_syntax_error(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("simulation: {duration: 10}\npopulations: [1, 2\n")
    with pytest.raises(sf.SpikefieldError) as e:
        sf.Model.load(p)
    err = e.value
    assert err.file == str(p) and err.line == 3 and err.column == 1 and err.key is None
    assert err.status == "SF_ERR_PARSE" and isinstance(err, ValueError)
    assert str(p) in err.message


def test_unknown_key_has_path_and_position(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text(BAD_KEY)
    with pytest.raises(sf.SpikefieldError) as e:
        sf.Model.load(p)
    assert e.value.key == "populations.E.params.V_thx"
    assert (e.value.line, e.value.column) == (3, 45)
    assert "expected one of" in e.value.message and "V_th" in e.value.message
    with pytest.raises(sf.SpikefieldError) as e:
        sf.Model.from_string(BAD_KEY, name="inline")
    assert (e.value.file, e.value.line, e.value.key) == ("inline", 3, "populations.E.params.V_thx")


def test_missing_file():
    with pytest.raises(sf.SpikefieldError) as e:
        sf.Model.load("/nonexistent/model.yaml")
    assert isinstance(e.value, OSError) and "cannot open" in e.value.message


def test_builder_validation_error():
    m = sf.Model(name="net", duration=100.0)
    m.population("E", "iaf_psc_delta", 10, tau_m=-1.0)
    with pytest.raises(sf.SpikefieldError) as e:
        m.build()
    assert e.value.key == "populations.E.params.tau_m" and e.value.file == "net (builder)"
    m2 = sf.Model(name="net2", duration=100.0)
    m2.population("E", "no_such_model", 10)
    with pytest.raises(sf.SpikefieldError, match="no_such_model"):
        m2.populations
    m3 = sf.Model(name="net3", duration=100.0)
    m3.population("E", "iaf_psc_delta", 10)
    with pytest.raises(sf.SpikefieldError, match="E"):   # an assembly error: at the call
        m3.population("E", "iaf_psc_delta", 10)
    assert m3.populations == {"E": 10}
    m3.connect("E", "X", rule="fixed_indegree", indegree=2, weight=0.1)
    with pytest.raises(sf.SpikefieldError) as e:
        m3.build()
    assert e.value.key is not None and e.value.key.startswith("projections.EX")


def test_bad_python_arguments(root):
    m = sf.Model(name="args", duration=10.0)
    with pytest.raises(TypeError):
        m.population("E", "iaf_psc_delta", "ten")
    with pytest.raises(TypeError):
        m.population("E", "iaf_psc_delta", -3)
    with pytest.raises(TypeError):
        m.population(5, "iaf_psc_delta", 3)
    m.population("E", "iaf_psc_delta", 3)
    with pytest.raises(TypeError):
        m.connect("E", "E", rule="fixed_indegree", indegree=1, weight="heavy")
    with pytest.raises(TypeError, match="indegree"):
        m.connect("E", "E", rule="fixed_indegree", weight=0.1)
    with pytest.raises(TypeError):
        m.set("simulation.duration", object())
    with pytest.raises(ValueError, match="no population 'X'"):
        m.param("X", "V_th")
    with pytest.raises(sf.SpikefieldError, match="V_thx"):
        m.param("E", "V_thx")
    with pytest.raises(ValueError):
        m.build(threads=0)
    with pytest.raises(ValueError):
        m.build(seed=-1)
    with pytest.raises(ValueError):
        sf.Model.load(os.path.join(root, "examples", "brunel.yaml"), sets=["no equals sign"])
    loaded = sf.Model.load(os.path.join(root, "examples", "brunel.yaml"))
    with pytest.raises(TypeError, match="m.set"):
        loaded.population("X", "iaf_psc_delta", 1)
    with pytest.raises(TypeError):
        sf.Model.from_string(b"bytes")
    with pytest.raises(TypeError):
        sf.predict("examples/brunel.yaml")
