"""The Python binding of learning.h (sf.learning) and its figures.

References are independent of the library: Hartigan's dip from a linear
program over unimodal distribution functions (below), the capacities from
SciPy's normal distribution, the dip test's null checked by its p-values on
uniform samples (the binomial SE of a rejection rate). The JSON path
prints 10 significant digits, hence rel=1e-9."""
import math

import numpy as np
import pytest
from scipy.optimize import linprog
from scipy.stats import norm

import spikefield as sf


def dip_lp(x):
    """The dip as min t over unimodal CDFs G, piecewise linear between the
    sorted sample points (enough: F_n is constant in between), with
    |G(x_i) - i/n| <= t and |G(x_i) - (i-1)/n| <= t, slopes >= 0 rising up
    to a mode segment k and falling after it; the minimum over k."""
    x = np.sort(np.asarray(x, float))
    n = len(x)
    dx = np.diff(x)
    best = np.inf
    for k in range(n - 1):
        A, b = [], []
        for i in range(n):
            for f in ((i + 1) / n, i / n):
                r = np.zeros(n + 1); r[i], r[-1] = 1, -1; A.append(r); b.append(f)
                r = np.zeros(n + 1); r[i], r[-1] = -1, -1; A.append(r); b.append(-f)
        for i in range(n - 1):
            r = np.zeros(n + 1); r[i], r[i + 1] = 1, -1; A.append(r); b.append(0)
        for i in range(n - 2):   # r.g = slope_i - slope_{i+1}
            r = np.zeros(n + 1)
            r[i] -= 1 / dx[i]; r[i + 1] += 1 / dx[i] + 1 / dx[i + 1]; r[i + 2] -= 1 / dx[i + 1]
            A.append(r if i + 1 <= k else -r); b.append(0)
        c = np.zeros(n + 1); c[-1] = 1
        res = linprog(c, A_ub=np.array(A), b_ub=np.array(b), bounds=[(0, 1)] * (n + 1),
                      method="highs")
        if res.status == 0:
            best = min(best, res.fun)
    return best


def test_dip_against_linear_programming():
    rng = np.random.default_rng(3)
    for trial in range(18):
        n = int(rng.integers(5, 26))
        kind = trial % 3
        if kind == 0:
            x = rng.normal(size=n)
        elif kind == 1:
            x = np.r_[rng.normal(-2, 0.5, n // 2), rng.normal(2, 0.5, n - n // 2)]
        else:
            x = rng.uniform(size=n)
        d, p = sf.learning.dip_test(x, reps=0)
        assert d == pytest.approx(dip_lp(x), abs=1e-9), (trial, n, kind)
        assert math.isnan(p)


def test_dip_small_cases():
    # two points: every G within 1/(2n) of F_n is unimodal; all equal: a point mass
    assert sf.learning.dip_test([0.0, 1.0], reps=0)[0] == pytest.approx(0.25)
    assert sf.learning.dip_test([2.0, 2.0, 2.0], reps=0)[0] == 0.0
    with pytest.raises(sf.SpikefieldError):
        sf.learning.dip_test([1.0], reps=0)
    with pytest.raises(sf.SpikefieldError):
        sf.learning.dip_test([1.0, float("nan")], reps=0)


def test_dip_pvalue_null_and_power():
    # on uniform samples (the null) the rejection rate at 0.1 is 0.1 within
    # 3 binomial SE over 300 samples; two separated normals are rejected
    rng = np.random.default_rng(11)
    rej = sum(sf.learning.dip_test(rng.uniform(size=60), reps=200, seed=5)[1] <= 0.1
              for _ in range(300))
    assert abs(rej / 300 - 0.1) <= 3 * math.sqrt(0.1 * 0.9 / 300), rej
    x = np.r_[rng.normal(-3, 1, 150), rng.normal(3, 1, 150)]
    assert sf.learning.dip_test(x, reps=500)[1] < 0.01
    # same seed, same p-value
    y = rng.normal(size=80)
    assert sf.learning.dip_test(y, 100, 7) == sf.learning.dip_test(y, 100, 7)


def _I(k):
    return (1 + k * k) * norm.cdf(k) + k * norm.pdf(k)


def test_covariance_perceptron_predict_and_run(root):
    m = sf.Model.load(f"{root}/examples/covariance_perceptron.yaml",
                      sets=["learning.m=[10]", "learning.seeds=2", "learning.kappa=0.5"])
    assert sf.learning.is_learning(m) and sf.learning.task(m) == "covariance_perceptron"
    pred = sf.learning.predict(m)
    assert pred.kind == "prediction"
    assert pred.find("alpha_c_cov").value == pytest.approx(4 / _I(0.5), rel=1e-9)
    assert pred.find("alpha_c_mean").value == pytest.approx(1 / _I(0.5), rel=1e-9)
    assert pred.find("rs_contacts_per_dof").value == pytest.approx(2 * norm.cdf(0.5) / _I(0.5),
                                                                   rel=1e-9)
    done = []
    est = sf.learning.run(m, threads=1, progress=lambda d, t, w: done.append((d, t)))
    assert est.kind == "estimate" and done[-1] == (2, 2)
    cov = est.find("capacity_cov[m=10]")
    assert 0 < cov.value < pred.find("alpha_c_cov").value and cov.se is not None
    cmp = sf.learning.compare(m, est, pred)
    assert cmp.kind == "comparison"
    assert cmp.find("capacity_cov[m=10]").predicted == pytest.approx(4 / _I(0.5), rel=1e-9)


def test_not_a_learning_model(root):
    m = sf.Model.load(f"{root}/examples/brunel.yaml")
    assert not sf.learning.is_learning(m)
    with pytest.raises(ValueError):
        sf.learning.predict(m)
    with pytest.raises(TypeError):
        sf.learning.run("examples/brunel.yaml")


def test_learning_figures(root, tmp_path):
    lc = sf.Model.load(f"{root}/examples/scaling_laws.yaml",
                       sets=["learning.seeds=2", "learning.P=[50,100]", "learning.modes=200"])
    fig = sf.plot.learning_curve(sf.learning.compare(lc))
    fig.savefig(tmp_path / "lc.png")
    cp = sf.Model.load(f"{root}/examples/covariance_perceptron.yaml",
                       sets=["learning.m=[6,10]", "learning.seeds=2"])
    fig = sf.plot.capacity(sf.learning.compare(cp))
    fig.savefig(tmp_path / "cap.png")
    og = sf.Model.load(f"{root}/examples/poker_origami.yaml",
                       sets=["learning.seeds=1", "learning.train=500", "learning.test=300",
                             "learning.epochs=1", "learning.measure=[0,1]",
                             "learning.layers=[20,20]"])
    est = sf.learning.run(og, threads=1)
    for what in ("dip", "tuning", "bimodal"):
        sf.plot.bimodality(est, what).savefig(tmp_path / f"bim_{what}.png")
    assert len(list(tmp_path.glob("*.png"))) == 5
    with pytest.raises(ValueError):
        sf.plot.bimodality(sf.learning.predict(lc))
