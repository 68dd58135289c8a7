#!/bin/sh
# Validation of the spatial family (issue 14; docs/spatial.md): Senk et al.
# 2020's E-I ring of LIF neurons (examples/senk2020_ring.yaml).
# usage: val_spatial.sh SPIKEFIELD
#
# Asserts:
#  1. at mu = sigma = 10 mV the theory predicts a wave-train instability
#     (wave_instability 4) with k* in the tens of 1/mm and f* in 170-330 Hz
#     (science notes 4c), the rate-model and LIF-continued roots agree with
#     the continuation ODE (mismatch < 1e-6);
#  2. the LIF simulation shows a wave in E and I whose (k, f) peak lies
#     within 10 % of the predicted (k*, f*) (the issue's criterion);
#  3. the sweep's stable point mu = sigma = 8 mV (predicted stable) shows no
#     wave in the simulation;
#  4. a single inhibitory population on the ring (predicted: a global
#     oscillation, never a wave train) shows no wave train in simulation;
#  5. the effective rate network (examples/senk2020_rate.yaml, tanh units,
#     300 ms): the (k, f) peak of the recorded rates, computed here with
#     numpy, lies within 10 % of the rate model's predicted mode;
#  6. the paper's g = 6 (inhibitory PSC -526.8 pA, external rates for
#     mu = sigma = 10 mV solved here in closed form): a predicted wave train,
#     the simulated peak within 10 % of it;
#  7. distance-dependent delays d = 1.5 ms + r / v on all projections,
#     v = 0.25 mm/ms: the predicted LIF frequency drops by more than 10 %
#     from the constant-delay one, and the simulated peak lies within 10 %
#     of the distance-delay prediction;
#  8. the same run's onset (docs/spatial.md, "Where the 6 % at v = 0.25
#     mm/ms comes from"): the mode k* of E over 0-40 ms, while it grows out
#     of the stationary state, has its frequency within 5 % of the linear
#     prediction (the saturated wave of the analysis window is 6 % below
#     it: the linear theory describes the onset). A fixed-seed check of that
#     explanation: 5 % is half the issue's 10 %, the onset measured 2.3 %.
set -eu
SF=${1:-build/spikefield}
PY=/usr/bin/python3
OUT=$(mktemp -d "${TMPDIR:-/tmp}/val_spatial.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
EX=examples/senk2020_ring.yaml
"$SF" predict $EX --json > "$OUT/pred10.json"
"$SF" compare $EX --out "$OUT/c10" --quiet
"$SF" predict $EX --set inputs.ext_E.rate=65654.87 --set inputs.ext_I.rate=10752.51 --json > "$OUT/pred8.json"
"$SF" compare $EX --set inputs.ext_E.rate=65654.87 --set inputs.ext_I.rate=10752.51 --out "$OUT/c8" --quiet
cat > "$OUT/single.yaml" <<'YEOF'
simulation: {resolution: 0.1, duration: 1000.0, seed: 2, threads: 2}
analysis: {start: 200.0}
populations:
  A:
    model: iaf_psc_exp
    n: 5000
    params: {E_L: -65.0, C_m: 250.0, tau_m: 5.0, tau_syn_ex: 0.5, tau_syn_in: 0.5, t_ref: 0.0,
             V_th: -50.0, V_reset: -65.0}
    space: {geometry: ring, extent: 1.0, layout: grid}
projections:
  AA: {source: A, target: A, rule: spatial_fixed_indegree, indegree: 500,
       profile: {kind: boxcar, width: 0.1}, weight: -300.0, delay: 1.5}
inputs:
  ext: {kind: poisson, targets: [A], rate: 150000.0, weight: 87.8}
recorders:
  spikes: {kind: spikes, populations: [A]}
YEOF
"$SF" predict "$OUT/single.yaml" --json > "$OUT/pred1.json"
"$SF" compare "$OUT/single.yaml" --out "$OUT/c1" --quiet
"$SF" run examples/senk2020_rate.yaml --set simulation.duration=300 --out "$OUT/rate" --quiet
# g = 6: J_E = 87.8 * 0.5 / 250, J_I = -6 J_E mV, rate 55.2195 Hz at mu = sigma = 10 mV;
# mu / tau_m = J_E X + J_I Y, sigma^2 / tau_m = J_E^2 X + J_I^2 Y with
# X = 400 nu + nu_ext_E, Y = 100 nu + nu_ext_I
G6=$("$PY" -c "
nu=55.21949597; JE=87.8*0.5/250; JI=-6*JE
Y=(100/0.005-JE*10/0.005)/(JI**2-JE*JI); X=(10/0.005-JI*Y)/JE
print('--set projections.IE.weight=-526.8 --set projections.II.weight=-526.8 --set inputs.ext_I.weight=-526.8 --set inputs.ext_E.rate=%.2f --set inputs.ext_I.rate=%.2f' % (X-400*nu, Y-100*nu))")
"$SF" predict $EX $G6 --json > "$OUT/pred_g6.json"
"$SF" compare $EX $G6 --out "$OUT/c_g6" --quiet
V="--set projections.EE.speed=0.25 --set projections.EI.speed=0.25 --set projections.IE.speed=0.25 --set projections.II.speed=0.25"
"$SF" predict $EX $V --json > "$OUT/pred_v.json"
"$SF" compare $EX $V --out "$OUT/c_v" --quiet
"$PY" - "$OUT" <<'PYEOF'
import json, sys
import h5py, numpy as np
o = sys.argv[1]
bad = 0
def check(ok, msg):
    global bad
    print(("ok   " if ok else "FAIL ") + msg)
    bad += not ok
def q(d, name, pop=None):
    hits = [x for x in d["quantities"] if x["name"] == name and (pop is None or x["populations"] == [pop])]
    return hits[0] if hits else None
p10 = json.load(open(o + "/pred10.json"))
kind = q(p10, "wave_instability")["value"]
k_pred = q(p10, "leading_wavenumber")["value"]
f_lif = q(p10, "lif_frequency")["value"]
f_rate = q(p10, "leading_frequency")["value"]
check(p10["family"] == "spatial" and kind == 4, "mu = sigma = 10 mV: predicted wave train (kind %g)" % kind)
check(10 <= k_pred <= 100 and 170 <= f_lif <= 330, "k* = %.4g /mm, f* = %.4g Hz (LIF), %.4g Hz (rate model)" % (k_pred, f_lif, f_rate))
check(q(p10, "lif_continuation_mismatch")["value"] < 1e-6, "continuation: root finding = ODE (%.2g)" % q(p10, "lif_continuation_mismatch")["value"])
c10 = json.load(open(o + "/c10/compare.json"))
for pop in ("E", "I"):
    w = q(c10, "wave_present", pop)
    check(w is not None and w["value"] == 1, "simulation %s: wave present" % pop)
    f = q(c10, "wave_frequency", pop); k = q(c10, "wave_wavenumber", pop)
    if f and k:
        check(abs(f["value"] - f_lif) <= 0.1 * f_lif, "%s: f %.4g Hz vs predicted %.4g Hz (%.1f %%)" % (pop, f["value"], f_lif, 100 * abs(f["value"] / f_lif - 1)))
        check(abs(k["value"] - k_pred) <= 0.1 * k_pred, "%s: k %.4g /mm vs predicted %.4g /mm (%.1f %%)" % (pop, k["value"], k_pred, 100 * abs(k["value"] / k_pred - 1)))
p8 = json.load(open(o + "/pred8.json"))
check(q(p8, "wave_instability")["value"] == 0, "mu = sigma = 8 mV: predicted stable (growth %.4g /s)" % q(p8, "leading_growth_rate")["value"])
c8 = json.load(open(o + "/c8/compare.json"))
for pop in ("E", "I"):
    check(q(c8, "wave_present", pop)["value"] == 0, "mu = sigma = 8 mV, simulation %s: no wave" % pop)
p1 = json.load(open(o + "/pred1.json"))
check(q(p1, "wave_instability")["value"] != 4, "single population: predicted kind %g (not a wave train)" % q(p1, "wave_instability")["value"])
c1 = json.load(open(o + "/c1/compare.json"))
check(q(c1, "wave_present", "A")["value"] == 0, "single population, simulation: no wave train")
# the rate network: numpy's 2-D FFT of the recorded rates (after 100 ms)
d = h5py.File(o + "/rate/rates.h5")["report/E/data"][:]
x = d[200:] - d[200:].mean()
n_t, n_x = x.shape
P = np.abs(np.fft.rfft2(x.T)) ** 2
P[:, 0] = 0
i, j = np.unravel_index(np.argmax(P), P.shape)
k_r = 2 * np.pi * abs(i if i <= n_x // 2 else i - n_x) / 1.0
f_r = j / (n_t * 0.5e-3)
check(abs(k_r - k_pred) <= 0.1 * k_pred and abs(f_r - f_rate) <= 0.1 * f_rate,
      "rate network: peak k %.4g /mm, f %.4g Hz vs rate model %.4g /mm, %.4g Hz" % (k_r, f_r, k_pred, f_rate))
for tag, what in (("g6", "g = 6"), ("v", "distance delays (v = 0.25 mm/ms)")):
    pr = json.load(open(o + "/pred_%s.json" % tag))
    kp, fp = q(pr, "leading_wavenumber")["value"], q(pr, "lif_frequency")["value"]
    check(q(pr, "wave_instability")["value"] == 4, "%s: predicted wave train at %.4g /mm, %.4g Hz (LIF)" % (what, kp, fp))
    if tag == "v":
        check(fp < 0.9 * f_lif, "%s: the prediction moves from %.4g Hz to %.4g Hz" % (what, f_lif, fp))
    cc = json.load(open(o + "/c_%s/compare.json" % tag))
    for pop in ("E", "I"):
        f = q(cc, "wave_frequency", pop); k = q(cc, "wave_wavenumber", pop)
        check(f is not None and k is not None and abs(f["value"] - fp) <= 0.1 * fp and abs(k["value"] - kp) <= 0.1 * kp,
              "%s, simulation %s: f %s Hz, k %s /mm" % (what, pop, f and "%.4g" % f["value"], k and "%.4g" % k["value"]))
# 8. the onset of the v = 0.25 run: the complex amplitude of E's mode k*
pr = json.load(open(o + "/pred_v.json"))
kp, fp = q(pr, "leading_wavenumber")["value"], q(pr, "lif_frequency")["value"]
h5 = h5py.File(o + "/c_v/spikes.h5")
ts, ids = h5["spikes/E/timestamps"][:], h5["spikes/E/node_ids"][:].astype(np.int64)
xs = h5["nodes/E/0/x"][:][ids]
b = np.floor(ts / 0.5).astype(np.int64)
m = b < 80  # 0-40 ms in bins of 0.5 ms
A = np.bincount(b[m], weights=np.cos(kp * xs[m]), minlength=80) + 1j * np.bincount(b[m], weights=np.sin(kp * xs[m]), minlength=80)
F = np.fft.fft((A - A.mean()) * np.hanning(80), 1 << 16)
f_on = abs(np.fft.fftfreq(1 << 16, d=0.5e-3)[np.argmax(np.abs(F))])
check(abs(f_on - fp) <= 0.05 * fp, "distance delays (v = 0.25 mm/ms), onset 0-40 ms of E: f %.4g Hz vs the linear prediction %.4g Hz (%.1f %%)" % (f_on, fp, 100 * abs(f_on / fp - 1)))
print("%d failed" % bad)
sys.exit(1 if bad else 0)
PYEOF
