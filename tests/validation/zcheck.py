"""Shared part of the correlation validations: every quantity that compare.json
reports with a simulated value, its standard error and a prediction must agree
within Z standard errors (Z = 4; the false-alarm rate per check is 6e-5).
compare.json is a quantity list (docs/predict-compare.md)."""
import json

Z = 4.0


def load(path, theory):
    d = json.load(open(path))
    assert d["family"].startswith(theory) or d["theory"].startswith(theory), (d["family"], d["theory"])
    return d


def check_of(q, k=None):
    """{simulated, sem, predicted, z} of a scalar quantity, or of value k of a vector."""
    if k is None:
        return {"simulated": q["value"], "sem": q["se"], "predicted": q["predicted"], "z": q["z"]}
    return {"simulated": q["values"][k], "sem": q["se"][k], "predicted": q["predicted"][k], "z": q["z"][k]}


def find(d, name, *pops):
    """The quantity (name, populations) of the list d."""
    hits = [q for q in d["quantities"] if q["name"] == name and q["populations"] == list(pops)]
    assert len(hits) == 1, (name, pops, len(hits))
    return hits[0]


def get(d, name, *pops):
    """check_of the scalar quantity (name, populations)."""
    return check_of(find(d, name, *pops))


def collect(d, mean_key, mean_label, cov_label, pair=True):
    """(name, quantity) for the means, the zero-lag covariances and the
    spectra at the chosen frequencies."""
    qs = d["quantities"]
    checks = [(mean_label + " " + q["populations"][0], check_of(q)) for q in qs
              if q["name"] == mean_key and len(q["populations"]) == 1]
    pairs = []
    for q in qs:
        if len(q["populations"]) == 2 and q["populations"] not in pairs:
            pairs.append(q["populations"])
    for p in pairs:
        k = "-".join(p)
        checks.append((cov_label + " pop " + k, get(d, "cov_pop", *p)))
        if pair:
            checks.append((cov_label + " pair " + k, get(d, "cov_pair", *p)))
    for p in pairs:
        s = find(d, "spectrum_re_band", *p)
        for i, fk in enumerate(s["axis_values"]):
            checks.append(("Re S_%s(%g Hz)" % ("-".join(p), fk), check_of(s, i)))
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


# The learning validations (val_learning.sh, val_langevin.sh): named
# quantities of OUT/RUN/compare.json and a tally of pass/fail lines.
_runs = {}


def quantity(out, run, name):
    """The quantity `name` of OUT/RUN/compare.json (each file read once)."""
    path = f"{out}/{run}/compare.json"
    if path not in _runs:
        _runs[path] = json.load(open(path))["quantities"]
    return next(x for x in _runs[path] if x["name"] == name)


class Tally:
    """check(ok, what) prints 'ok   what' or 'FAIL what'; finish() prints
    the number that failed and exits 1 if any did."""

    def __init__(self):
        self.bad = []

    def check(self, ok, what):
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            self.bad.append(what)

    def finish(self):
        import sys
        print(f"{len(self.bad)} failed")
        sys.exit(1 if self.bad else 0)
