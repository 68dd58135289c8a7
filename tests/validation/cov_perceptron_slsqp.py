# Independent check of the covariance-perceptron capacity (n = 2; used by
# val_learning.sh; docs/learning.md): an implementation that shares nothing
# with src/learning/. The smallest margin zeta_r w1^T (1 + chi^r) w2 (chi
# symmetric, zero diagonal, entries +-1, so the field has s = 1) is
# maximised jointly over the unit rows w1, w2 by SLSQP (a local solver of
# the quadratically constrained problem) from `restarts` random starts;
# bisection on p finds the largest p whose first p patterns reach margin
# kappa. Also counted: the constraints within 1e-5 (relative) of the
# smallest margin at p*, against the 2(m - 1) degrees of freedom.
# usage: cov_perceptron_slsqp.py M INSTANCES RESTARTS [KAPPA]
# prints one line per instance and a last line of JSON:
#   {"m":, "mean":, "se":, "contacts_per_dof":}
import numpy as np, sys
from scipy.optimize import minimize
def instance(m, pmax, rng):
    X = rng.choice([-1.0, 1.0], size=(pmax, m, m))
    X = np.triu(X, 1); X = X + np.transpose(X, (0, 2, 1))
    z = rng.choice([-1.0, 1.0], size=pmax)
    return X, z
def maxmargin(X, z, m, restarts, rng, w0=None):
    p = len(z)
    P = X + np.eye(m)[None]
    def cons(x):
        w1, w2, t = x[:m], x[m:2*m], x[-1]
        return z * np.einsum('i,rij,j->r', w1, P, w2) - t
    def jac(x):
        w1, w2 = x[:m], x[m:2*m]
        a = np.einsum('rij,j->ri', P, w2) * z[:, None]
        b = np.einsum('i,rij->rj', w1, P) * z[:, None]
        return np.hstack([a, b, -np.ones((p, 1))])
    eq = lambda x: np.array([x[:m] @ x[:m] - 1, x[m:2*m] @ x[m:2*m] - 1])
    eqj = lambda x: np.vstack([np.r_[2*x[:m], np.zeros(m), 0], np.r_[np.zeros(m), 2*x[m:2*m], 0]])
    best, bx = -np.inf, None
    for s in range(restarts):
        if s == 0 and w0 is not None: w = w0.copy()
        else:
            w = rng.normal(size=2*m); w[:m] /= np.linalg.norm(w[:m]); w[m:] /= np.linalg.norm(w[m:])
        t0 = np.min(z * np.einsum('i,rij,j->r', w[:m], P, w[m:]))
        r = minimize(lambda x: -x[-1], np.r_[w, t0], jac=lambda x: np.r_[np.zeros(2*m), -1.0],
                     constraints=[{'type': 'ineq', 'fun': cons, 'jac': jac}, {'type': 'eq', 'fun': eq, 'jac': eqj}],
                     method='SLSQP', options={'maxiter': 500, 'ftol': 1e-10})
        x = r.x.copy(); x[:m] /= np.linalg.norm(x[:m]); x[m:2*m] /= np.linalg.norm(x[m:2*m])
        mu = z * np.einsum('i,rij,j->r', x[:m], P, x[m:2*m])
        if mu.min() > best: best, bx, bmu = mu.min(), x, mu
        if best > 0 and w0 is not None: break
    return best, bx, bmu
if __name__ == '__main__':
    m, inst, restarts = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]); kap = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
    res, cont = [], []
    for s in range(inst):
        rng = np.random.default_rng(1000 + s)
        pmax = 10 * m
        X, z = instance(m, pmax, rng)
        lo, hi, wbest = 0, pmax + 1, None
        while hi - lo > 1:
            mid = (lo + hi) // 2
            t, x, mu = maxmargin(X[:mid], z[:mid], m, restarts, rng)
            if t > kap + 1e-9: lo, wbest, mub = mid, x, mu
            else: hi = mid
        contacts = np.sum(mub < mub.min() + 1e-5 * np.abs(mub).max())
        res.append(lo / m)
        cont.append(contacts / (2 * m - 2))
        print(f"m={m} inst={s} p*/m={lo/m:.3f} contacts_at_p*={contacts} (dof {2*m-2})", flush=True)
    res = np.array(res)
    import json
    print(json.dumps({"m": m, "mean": res.mean(), "se": res.std(ddof=1) / np.sqrt(len(res)),
                      "contacts_per_dof": float(np.mean(cont))}))
