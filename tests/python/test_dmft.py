"""The dmft family (issue 15) through the Python package: sf.predict of a
random tanh rate network gives the DMFT of the family "dmft" (Delta(0) of
the science notes' table, theory.md 1c, computed there independently), and
sf.compare of a simulated network sets the estimates beside it."""
import math

import spikefield as sf

SCS = """
simulation: {{resolution: 0.05, duration: 60.0, seed: 2}}
analysis: {{start: 20.0}}
populations:
  X: {{model: tanh_rate, n: 200, params: {{tau: 1.0, sigma: {sigma}, linear_summation: 0}},
      initial: {{rate: {{distribution: normal, mean: 0.0, std: 1.0}}}}}}
projections:
  J: {{source: X, target: X, rule: all_to_all, autapses: true,
      weight: {{distribution: normal, mean: 0.0, std: {std}}}, delay: 0.05}}
recorders:
  x: {{kind: voltmeter, populations: [X], n: 200, variable: rate, interval: 0.1}}
"""


def model(g, sigma):
    return sf.Model.from_string(SCS.format(sigma=sigma, std=g / math.sqrt(200)))


def test_dmft_prediction():
    # notes' table: g = 2, D = 0: Delta0 = 1.92481; g = 1, D = 1: 0.68356
    # (D = sigma^2 with the family's convention <xi xi'> = D delta)
    for g, sigma, ref in ((2.0, 0.0, 1.92481), (1.0, 1.0, 0.68356)):
        pred = sf.predict(model(g, sigma))
        assert pred.family == "dmft"
        d0 = float(pred.find("delta0", "X").value)
        assert abs(d0 - ref) < 2e-5 * ref, (g, sigma, d0)
    lam = float(sf.predict(model(2.0, 0.0)).find("lyapunov", "X").value)
    assert lam > 0.05          # chaos at g = 2 (DMFT: 0.1125 / tau)
    lam = float(sf.predict(model(0.5, 0.0)).find("lyapunov", "X").value)
    assert abs(lam - (-1 + 0.5)) < 1e-6   # fixed point: -1 + g


def test_dmft_compare():
    m = model(1.0, 1.0)
    rec = m.build().run()
    cmp = sf.compare(m, rec)
    q = cmp.find("delta0", "X")
    assert q is not None and q.se is not None
    # N = 200, 40 tau: the estimate within 5 SE or 10 % (finite size) of the DMFT
    v, se, p = float(q.value), float(q.se), float(q.predicted)
    assert abs(v - p) < max(5 * se, 0.1 * p), (v, se, p)
