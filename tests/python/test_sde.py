"""The sde family (issue 16 part 1) from Python: the prediction's error
quantities are the differences of its own values (approximation - exact),
sf.plot.sde_errors draws one curve per method and error kind, and the
example examples/python/sde_errors.py runs (theory only: --no-sim)."""
import os
import subprocess
import sys

import spikefield as sf

TEXT = """
simulation: {resolution: 0.1, duration: 200.0, seed: 3}
analysis: {start: 50.0}
populations:
  A: {model: sde_poly, n: 50, params: {tau: 10.0, alpha: 0.5, beta: -1.0, D: 0.2}}
  B: {model: sde_poly, n: 50, params: {tau: 10.0, alpha: 0.5, beta: -1.0, D: 0.6}}
recorders:
  x: {kind: multimeter, record_from: [x], interval: 10.0}
"""


def test_sde_prediction_and_figure():
    m = sf.Model.from_string(TEXT)
    pred = sf.predict(m)
    for p in ("A", "B"):
        exact = float(pred.find("variance", p).value)
        for meth in ("one_loop", "gaussian", "frg"):
            v = float(pred.find("variance_" + meth, p).value)
            e = float(pred.find("variance_error_" + meth, p).value)
            assert abs(e - (v - exact)) <= 1e-9 * exact   # JSON keeps 10 digits
    rec = m.build().run()
    cmp = sf.compare(m, rec, pred)
    assert cmp.find("variance_frg", "A") is not None
    fig = sf.plot.sde_errors(pred, {p: m.param(p, "D") for p in ("A", "B")}, cmp=cmp)
    axes = fig.get_axes()
    assert len(axes) == 2
    assert len(axes[1].get_lines()) >= 3   # three methods (+ the simulation's error bars)


def test_sde_example(root, tmp_path):
    env = dict(os.environ, PYTHONPATH=os.path.join(root, "python"))
    r = subprocess.run([sys.executable, os.path.join(root, "examples/python/sde_errors.py"),
                        "--no-sim", "--out", str(tmp_path)], env=env, cwd=root,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert os.path.exists(tmp_path / "sde_errors.png")
