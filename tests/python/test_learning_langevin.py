"""The langevin task through sf.learning: a small run is deterministic for
a seed whatever the thread count, predict gives the self-consistent curve
for eps = 0 only (and the renormalised kernel's residuals at every eps), and
sf.learning.langevin_figure draws the deviations."""
import math

import pytest

import spikefield as sf

SETS = ["learning.seeds=2", "learning.modes=8", "learning.P=[6,12]", "learning.width=[8]",
        "learning.time=2", "learning.burn=0.5", "learning.test=50"]


def test_langevin_run_predict_figure(root, tmp_path):
    m = sf.Model.load(f"{root}/examples/langevin_ensembles.yaml", sets=SETS)
    assert sf.learning.task(m) == "langevin"
    a, b = sf.learning.run(m, threads=1), sf.learning.run(m, threads=2)
    va = {q.name: q.value for q in a}
    assert va == {q.name: q.value for q in b}
    # 15 values per (eps, N, P); the renormalised kernel's (u, E_*_rk, res_*, dev_*_rk)
    # exist at every eps since the O(eps) theory (None would be NaN)
    assert len(va) == 2 * 2 * 15
    assert all(v is not None and math.isfinite(v) for v in va.values())
    assert all(f"{k}[eps={e},N=8,P=12]" in va for k in ("dev_ens_rk", "dev_mean_rk") for e in ("0", "0.1"))
    pred = {q.name: q.value for q in sf.learning.predict(m)}
    assert "E_ens[eps=0,N=8,P=12]" in pred and "E_ens[eps=0.1,N=8,P=12]" not in pred
    assert pred["dev_ens[eps=0.1,N=8,P=12]"] == 0
    assert pred["res_ens[eps=0,N=8,P=12]"] == 0 and pred["res_ens[eps=0.1,N=8,P=12]"] == 0
    pytest.importorskip("spikefield.plot")
    cmp = sf.learning.compare(m, a)
    for what in ("dev_ens", "dev_mean"):
        sf.learning.langevin_figure(cmp, what).savefig(tmp_path / f"{what}.png")
    assert len(list(tmp_path.glob("*.png"))) == 2
    with pytest.raises(ValueError):
        sf.learning.langevin_figure(cmp, "E_g")
