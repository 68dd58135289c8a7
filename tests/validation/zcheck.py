"""Shared part of the correlation validations: every quantity that compare.json
reports with a simulated value, its standard error and a prediction must agree
within Z standard errors (Z = 4; the false-alarm rate per check is 6e-5)."""
import json

Z = 4.0


def load(path, theory):
    d = json.load(open(path))
    assert d["theory"].startswith(theory), d["theory"]
    return d


def collect(d, mean_key, mean_label, cov_label, pair=True):
    """(name, quantity) for the means, the zero-lag covariances and the
    spectra at the chosen frequencies."""
    checks = [(mean_label + " " + p, v[mean_key]) for p, v in d["populations"].items()]
    for k, v in d["covariances"].items():
        if k == "unit":
            continue
        checks.append((cov_label + " pop " + k, v["pop"]))
        if pair:
            checks.append((cov_label + " pair " + k, v["pair"]))
    f = d["spectra"]["freq_Hz"]
    for k, v in d["spectra"].items():
        if k in ("quantity", "freq_Hz"):
            continue
        for fk, q in zip(f, v):
            checks.append(("Re S_%s(%g Hz)" % (k, fk), q))
    return checks


def report(checks):
    """Prints every check; returns the number that failed."""
    bad = 0
    for name, q in checks:
        ok = q["sem"] is not None and q["sem"] > 0 and q["z"] is not None and abs(q["z"]) <= Z
        print("%-4s %-28s sim %.5g +- %.3g  theory %.5g  z %s" % ("ok" if ok else "FAIL", name,
              q["simulated"], q["sem"] or float("nan"), q["predicted"], q["z"]))
        bad += not ok
    return bad


def powerful(q, what):
    """The check has power: the SE is below 10 % of the predicted value."""
    if q["sem"] < 0.1 * abs(q["predicted"]):
        return 0
    print("FAIL: %s SE %.3g too large for a meaningful test" % (what, q["sem"]))
    return 1
