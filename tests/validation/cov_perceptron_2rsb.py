# Two-step RSB capacity of the covariance perceptron (n = 2; prototype used
# by val_learning.sh; docs/learning.md, "Beyond replica symmetry"). Written
# from the equations there, independently of src/learning/capacity.c.
#
# Limit q2 = 1 - eps, Parisi parameters m1 = y1 eps <= m2 = y2 eps, eps -> 0,
# overlaps 0 <= q0 <= q1 < 1, field overlaps Q = q^2. Times eps, the entropy
# per row is
#   S2 = (1/2) [ln A / y2 + ln(B/A) / y1 + q0 / B],
#   A = 1 + y2 (1 - q1), B = A + y1 (q1 - q0),
# and the energy per constraint
#   E2 = (1/y1) int Dz0 ln int Dz1 exp((y1/y2) L(q0 z0 + sqrt(q1^2 - q0^2) z1)),
#   L(h) = ln int Dz exp(-(y2/4) [kappa - h - sqrt(1 - q1^2) z]_+^2) (closed form).
# alpha = -2 S2 / E2, minimised over (q0, q1, y1, y2) by Nelder-Mead from
# `starts` starts (the first at the 1RSB optimum). y1 = y2 or q1 = q0 is
# 1RSB; the script checks both reductions against its own 1RSB.
# usage: cov_perceptron_2rsb.py KAPPA [STARTS]; prints JSON
#   {"kappa":, "alpha_1rsb":, "alpha_2rsb":, "q0":, "q1":, "y1":, "y2":, "reduction_error":}
import json, sys
import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy.optimize import minimize
from scipy.special import log_ndtr

zs, ws = hermegauss(100)  # 60 and 200 nodes give the same alpha to 1e-10
ws = ws / ws.sum()


def L(h, k, b, c):
    a = k - h
    g = 1 + c * b * b
    return np.logaddexp(log_ndtr(-a / b), -c * a * a / (2 * g) - 0.5 * np.log(g) + log_ndtr(a / (b * np.sqrt(g))))


def alpha2(q0, q1, y1, y2, k):
    A = 1 + y2 * (1 - q1)
    B = A + y1 * (q1 - q0)
    S = 0.5 * (np.log(A) / y2 + np.log(B / A) / y1 + q0 / B)
    h = q0 * zs[:, None] + np.sqrt(q1 * q1 - q0 * q0) * zs[None, :]
    inner = np.log(np.sum(ws[None, :] * np.exp((y1 / y2) * L(h, k, np.sqrt(1 - q1 * q1), y2 / 2)), axis=1))
    E = np.sum(ws * inner) / y1
    return -2 * S / E


def alpha1(q0, y, k):
    S = 0.5 * (np.log1p(y * (1 - q0)) / y + q0 / (1 + y * (1 - q0)))
    E = np.sum(ws * L(q0 * zs, k, np.sqrt(1 - q0 * q0), y / 2)) / y
    return -2 * S / E


sig = lambda v: 1 / (1 + np.exp(-v))


def unpack2(v):
    q1 = 0.999 * sig(v[0])
    y2 = np.exp(v[2])
    return q1 * sig(v[1]), q1, y2 * sig(v[3]), y2


def safe(f):
    def g(v, *a):
        x = f(v, *a)
        return x if np.isfinite(x) else 1e9
    return g


def main():
    k = float(sys.argv[1])
    starts = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    opt = dict(method="Nelder-Mead", options={"xatol": 1e-6, "fatol": 1e-9, "maxiter": 4000})
    r1 = min((minimize(safe(lambda v: alpha1(0.999 * sig(v[0]), np.exp(v[1]), k)), x0, **opt)
              for x0 in ((-1.0, 1.0), (0.0, 2.0), (-2.0, 0.0))), key=lambda r: r.fun)
    q0s, ys = 0.999 * sig(r1.x[0]), np.exp(r1.x[1])
    red = max(abs(alpha2(q0s, 0.7, ys, ys, k) / r1.fun - 1), abs(alpha2(q0s, q0s, 0.5 * ys, ys, k) / r1.fun - 1))
    rng = np.random.default_rng(1)
    x0s = [np.array([np.log(0.6 / 0.4), np.log(q0s / 0.6 / (1 - q0s / 0.6)) if q0s < 0.6 else 0.0, np.log(ys), 0.0])]
    x0s += [rng.normal([0.5, -0.5, np.log(ys), 0], [1, 1, 0.7, 1.5]) for _ in range(starts - 1)]
    r2 = min((minimize(safe(lambda v: alpha2(*unpack2(v), k)), x0, **opt) for x0 in x0s), key=lambda r: r.fun)
    q0, q1, y1, y2 = unpack2(r2.x)
    print(json.dumps({"kappa": k, "alpha_1rsb": r1.fun, "alpha_2rsb": r2.fun, "q0": q0, "q1": q1, "y1": y1,
                      "y2": y2, "reduction_error": red}))


if __name__ == "__main__":
    main()
