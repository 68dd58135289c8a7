"""Diagnostic for docs/learning.md section 4 (not a check; not run by make
validate): the mean over 16 NumPy-drawn data sets (seed 7; D = 32,
a = b = 2, T = 0.1, var_a = var_w = 1, 1000 test points; the data of
examples/langevin_ensembles.yaml, not the same draws) of the relative
deviation from the GP of K_phi of two finite-width recipes for
phi(h) = h + eps h^3:
  ks: the GP of u K_phi, u the minimum of S(u) (the theory of langevin.c,
      exact to O(eps); an independent re-implementation of it);
  wv: the GP of K_phi evaluated at the weight variance s var_w, s the
      minimum of the same S with K_phi(s var_w) in place of u K_phi
      (a heuristic: the entropy term N (s - log s) / 2 is borrowed from
      the linear network, not derived).
usage: /usr/bin/python3 tests/validation/langevin_kernel_heuristics.py EPS
"""
import numpy as np, sys
from scipy.optimize import minimize_scalar
D=32; T=0.1; lam=np.arange(1,D+1)**-2.0
def kphi(A,B,eps,vw):
    su=vw*np.sum(A*A,1)[:,None]; sv=vw*np.sum(B*B,1)[None,:]; c=vw*A@B.T
    return c*(1+3*eps*(su+sv)+9*eps**2*su*sv)+6*eps**2*c**3
def kdiag(A,eps,vw):
    s=vw*np.sum(A*A,1); return s*(1+6*eps*s+9*eps**2*s*s)+6*eps**2*s**3
def gp(K,Kx,kd,y,yt):
    L=np.linalg.cholesky(K+T*np.eye(len(y))); al=np.linalg.solve(L.T,np.linalg.solve(L,y))
    f=Kx@al; V=np.linalg.solve(L,Kx.T); var=kd-np.sum(V*V,0)
    em=np.mean((f-yt)**2); return em, em+np.mean(var)
def S(K,y,N,u):
    C=u*K+T*np.eye(len(y)); L=np.linalg.cholesky(C)
    return N*(u-np.log(u))/2+np.sum(np.log(np.diag(L)))+0.5*y@np.linalg.solve(C,y)
rng=np.random.default_rng(7)
eps=float(sys.argv[1]); cells=[(16,16),(16,128),(64,16),(64,128),(256,64),(256,128)]
res={c:[] for c in cells}
for inst in range(16):
    sg=rng.choice([-1,1],D)/np.arange(1,D+1)
    Z=rng.standard_normal((128,D)); Zt=rng.standard_normal((1000,D))
    X=Z*np.sqrt(lam); y=Z@sg; Xt=Zt*np.sqrt(lam); yt=Zt@sg
    for (N,P) in cells:
        Xp,yp=X[:P],y[:P]
        K=kphi(Xp,Xp,eps,1); Kx=kphi(Xt,Xp,eps,1); kd=kdiag(Xt,eps,1)
        e0=gp(K,Kx,kd,yp,yt)
        # kernel scaling
        r=minimize_scalar(lambda lu:S(K,yp,N,np.exp(lu)),bounds=(-7,3),method='bounded',options={'xatol':1e-9}); u=np.exp(r.x)
        eks=gp(u*K,u*Kx,u*kd,yp,yt)
        # weight-variance scaling (heuristic)
        def Sw(ls):
            s=np.exp(ls); C=kphi(Xp,Xp,eps,s)+T*np.eye(P); L=np.linalg.cholesky(C)
            return N*(s-np.log(s))/2+np.sum(np.log(np.diag(L)))+0.5*yp@np.linalg.solve(C,yp)
        r=minimize_scalar(Sw,bounds=(-7,3),method='bounded',options={'xatol':1e-9}); s=np.exp(r.x)
        ew=gp(kphi(Xp,Xp,eps,s),kphi(Xt,Xp,eps,s),kdiag(Xt,eps,s),yp,yt)
        res[(N,P)].append([u,(eks[1]-e0[1])/e0[1],(eks[0]-e0[0])/e0[0],s,(ew[1]-e0[1])/e0[1],(ew[0]-e0[0])/e0[0]])
for c in cells:
    a=np.array(res[c]); m=a.mean(0); se=a.std(0,ddof=1)/4
    print(f"eps={eps} N={c[0]} P={c[1]}: ks u={m[0]:.3f} dev_ens={m[1]:+.3f}({se[1]:.3f}) dev_mean={m[2]:+.3f}({se[2]:.3f}) | wv s={m[3]:.3f} dev_ens={m[4]:+.3f}({se[4]:.3f}) dev_mean={m[5]:+.3f}({se[5]:.3f})")
