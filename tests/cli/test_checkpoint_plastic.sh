#!/bin/sh
# Checkpoints of plastic networks (issue 18): a run interrupted at a
# checkpoint and resumed gives spikes, weights.h5 (the final weights) and
# the weight recorder's file byte-identical to the uninterrupted run, at
# several checkpoint times, checkpointed on 2 threads (and 1) and resumed
# on 1, 2 and 3, for
#   stdp     stdp_synapse (multiplicative, drawn delays) and stdp_synapse_hom
#            (additive) onto two populations: the spike archive
#   tsodyks  tsodyks_synapse (facilitating, drawn weights) and
#            tsodyks2_synapse: per-source state
#   clopathAB, urbanczikAB  clopath_synapse / urbanczik_synapse on two
#            projections onto one population with the archiving schemes A
#            and B (0 full history, 1 compressed, 2 time-driven): every
#            scheme alone and next to another in one archive
# Every model is small (a few hundred ms, a few hundred neurons).
# usage: tests/cli/test_checkpoint_plastic.sh path/to/spikefield
SF=${1:-build/spikefield}
H5SAME="/usr/bin/python3 $(dirname "$0")/h5same.py"
. "$(dirname "$0")/lib.sh"

cat > "$T/stdp.yaml" <<'YAML'
simulation: {resolution: 0.1, duration: 200.0, seed: 5, threads: 2}
populations:
  E: {model: iaf_psc_delta, n: 320, params: &lif {E_L: 0.0, V_th: 20.0, V_reset: 10.0, tau_m: 20.0, t_ref: 2.0, tau_minus: 15.0},
      initial: &v0 {V_m: {distribution: uniform, low: 0.0, high: 20.0}}}
  I: {model: iaf_psc_delta, n: 80, params: *lif, initial: *v0}
projections:
  EE: {source: E, target: E, rule: fixed_indegree, indegree: 32, weight: 0.2, delay: {distribution: uniform, low: 1.0, high: 3.0},
       synapse: {model: stdp_synapse, lambda: 0.05, alpha: 1.1, Wmax: 0.4}}
  EI: {source: E, target: I, rule: fixed_indegree, indegree: 32, weight: 0.2, delay: 1.0,
       synapse: {model: stdp_synapse_hom, lambda: 0.02, mu_plus: 0.0, mu_minus: 0.0, Wmax: 0.4}}
  IE: {source: I, target: E, rule: fixed_indegree, indegree: 8, weight: -0.8, delay: 1.0}
  II: {source: I, target: I, rule: fixed_indegree, indegree: 8, weight: -0.8, delay: 1.0}
inputs:
  bg: {kind: poisson_generator, targets: [E, I], rate: 18000.0, weight: 0.1}
recorders:
  spikes: {kind: spike_recorder}
  wr: {kind: weight_recorder, projections: [EE, EI]}
YAML
cat > "$T/tsodyks.yaml" <<'YAML'
simulation: {resolution: 0.1, duration: 200.0, seed: 6, threads: 2}
populations:
  E: {model: iaf_psc_exp, n: 320, initial: {V_m: {distribution: uniform, low: -70.0, high: -55.0}}}
  I: {model: iaf_psc_exp, n: 80}
projections:
  EE: {source: E, target: E, rule: fixed_indegree, indegree: 32, weight: {distribution: normal, mean: 60.0, std: 10.0, min: 0.0},
       delay: {distribution: uniform, low: 1.0, high: 2.0}, synapse: {model: tsodyks_synapse, U: 0.2, tau_fac: 200.0, tau_rec: 150.0}}
  EI: {source: E, target: I, rule: fixed_indegree, indegree: 32, weight: 60.0, delay: 1.0,
       synapse: {model: tsodyks2_synapse, U: 0.4, u: 0.4, tau_rec: 300.0, tau_fac: 50.0}}
  IE: {source: I, target: E, rule: fixed_indegree, indegree: 8, weight: -100.0, delay: 1.0}
inputs:
  bg: {kind: poisson_generator, targets: [E, I], rate: 9000.0, weight: 80.0}
recorders:
  spikes: {kind: spike_recorder}
  wr: {kind: weight_recorder, projections: [EE, EI]}
YAML
# Clopath: NEST's small network, shortened (h = 0.1 ms, delays 1 ms)
cat > "$T/clopath.tmpl" <<'YAML'
simulation: {resolution: 0.1, duration: 200.0, seed: 7, threads: 2}
populations:
  X: {model: parrot_neuron, n: 120}
  E:
    model: aeif_psc_delta_clopath
    n: 10
    params: &clo {g_L: 30.0, tau_w: 144.0, a: 4.0, C_m: 281.0, Delta_T: 2.0, V_peak: 20.0, t_clamp: 2.0,
                  A_LTP: 8.0e-4, A_LTD: 14.0e-4, A_LTD_const: 0, b: 0.0805, u_ref_squared: 3600.0}
    initial: &v0 {V_m: {distribution: normal, mean: -60.0, std: 10.0}}
  I: {model: aeif_psc_delta_clopath, n: 3, params: *clo, initial: *v0}
projections:
  XE: {source: X, target: E, rule: all_to_all, weight: {distribution: uniform, low: 0.5, high: 2.0}, delay: {distribution: uniform, low: 1.0, high: 2.0},
       synapse: {model: clopath_synapse, Wmax: 3.0, archiving: SCHEME_A}}
  XI: {source: X, target: I, rule: all_to_all, weight: {distribution: uniform, low: 0.0, high: 0.5}, delay: 1.0}
  EE: {source: E, target: E, rule: all_to_all, autapses: false, weight: 0.25, delay: 1.0,
       synapse: {model: clopath_synapse, tau_x: 10.0, Wmax: 0.75, archiving: SCHEME_B}}
  EI: {source: E, target: I, rule: fixed_indegree, indegree: 8, weight: 1.0, delay: 1.0}
  IE: {source: I, target: E, rule: fixed_outdegree, outdegree: 6, weight: 1.0, delay: 1.0}
inputs:
  bg: {kind: poisson_generator, targets: [X], rate: 15.0, weight: 1.0}
recorders:
  spikes: {kind: spike_recorder}
  wr: {kind: weight_recorder, projections: [XE, EE]}
YAML
# Urbanczik-Senn: NEST's example neuron (two of them), two input groups
cat > "$T/urbanczik.tmpl" <<'YAML'
simulation: {resolution: 0.1, duration: 200.0, seed: 8, threads: 2}
populations:
  X: {model: parrot_neuron, n: 60}
  Y: {model: parrot_neuron, n: 40}
  N:
    model: pp_cond_exp_mc_urbanczik
    n: 3
    params: {t_ref: 3.0, g_sp: 600.0, soma_C_m: 300.0, soma_E_L: -70.0, soma_g_L: 30.0,
             soma_E_ex: 0.0, soma_E_in: -75.0, soma_tau_syn_ex: 3.0, soma_tau_syn_in: 3.0,
             dendritic_C_m: 300.0, dendritic_E_L: -70.0, dendritic_g_L: 30.0,
             dendritic_tau_syn_ex: 3.0, dendritic_tau_syn_in: 3.0,
             phi_max: 0.15, rate_slope: 0.5, beta: 0.3333333333333333, theta: -55.0}
inputs:
  px: {kind: poisson_generator, targets: [X, Y], rate: 20.0, weight: 1.0}
  teacher_exc: {kind: sinusoidal_poisson_generator, targets: [N], receptor: soma_exc,
                rate: 100000.0, amplitude: 88888.889, frequency: 10.0, phase: 0.0, weight: 0.54}
  teacher_inh: {kind: poisson_generator, targets: [N], receptor: soma_inh, rate: 100000.0, weight: 1.8}
projections:
  XN: {source: X, target: N, rule: all_to_all, weight: 90.0, delay: {distribution: uniform, low: 1.0, high: 2.0}, receptor: dendritic_exc,
       synapse: {model: urbanczik_synapse, eta: 5.0, tau_Delta: 100.0, Wmin: 0.0, Wmax: 1350.0, archiving: SCHEME_A}}
  YN: {source: Y, target: N, rule: all_to_all, weight: 90.0, delay: 1.0, receptor: dendritic_exc,
       synapse: {model: urbanczik_synapse, eta: 5.0, tau_Delta: 100.0, Wmin: 0.0, Wmax: 1350.0, archiving: SCHEME_B}}
recorders:
  spikes: {kind: spike_recorder}
  wr: {kind: weight_recorder, projections: [XN, YN]}
YAML
for ab in 01 12 20; do
  a=${ab%?}; b=${ab#?}
  sed "s/SCHEME_A/$a/; s/SCHEME_B/$b/" "$T/clopath.tmpl" > "$T/clopath$ab.yaml"
  sed "s/SCHEME_A/$a/; s/SCHEME_B/$b/" "$T/urbanczik.tmpl" > "$T/urbanczik$ab.yaml"
done

# Runs first, comparisons after, in one Python process (h5same.py): each
# line of $T/pairs is "label|reference folder|folder".
: > "$T/pairs"
: > "$T/refs"
# model, model-time interval, threads of the checkpointing run, then the
# checkpoints (steps) to resume and the thread counts to resume with
check_model() {
  m=$1; every=$2; th=$3; shift 3
  if [ ! -d "$T/$m.full" ]; then
    "$SF" run "$T/$m.yaml" --out "$T/$m.full" --quiet > /dev/null 2> "$T/err" \
      || { fail "$m: full run ($(cat "$T/err"))"; return; }
    echo "$T/$m.full" >> "$T/refs"
  fi
  ckpt_run $m $every $th || return
  echo "$m: outputs of a checkpointing run ($th threads) unchanged|$T/$m.full|$T/$m.o$th" >> "$T/pairs"
  for step in $1; do
    for rt in $2; do
      ckpt_resume $m $th $step $rt || continue
      echo "$m: checkpoint at step $step ($th threads) resumed on $rt: identical|$T/$m.full|$T/$m.r$th.$step.$rt" >> "$T/pairs"
    done
  done
}

# slices of 10 steps (minimum delay 1 ms); checkpoints every 50 ms
check_model stdp 50 2 "500 1000 1500" "1 2 3"
check_model stdp 50 1 "1000" "2"
check_model tsodyks 50 2 "500 1000 1500" "1 2 3"
check_model tsodyks 50 1 "1000" "3"
for ab in 01 12 20; do
  check_model clopath$ab 50 2 "500 1500" "1 3"
  check_model urbanczik$ab 50 2 "500 1500" "1 3"
done
check_model clopath01 50 1 "1000" "2"
check_model urbanczik12 50 1 "1000" "2"

# the comparisons mean something: in every reference run the weights
# change, both plastic projections are written, two populations spike
/usr/bin/python3 - "$(dirname "$0")" "$T/refs" "$T/pairs" > "$T/cmp" 2>&1 <<'PY'
import sys, h5py, numpy as np
sys.path.insert(0, sys.argv[1])
import h5same
for d in open(sys.argv[2]).read().split():
    try:
        with h5py.File(d + "/spikes.h5") as f:
            assert sum(len(f["spikes"][p]["timestamps"]) > 0 for p in f["spikes"]) >= 2, "spikes"
        with h5py.File(d + "/wr.h5") as g:
            assert len(g["weights"]) == 2, "weight recorder"
            for p in g["weights"]:
                w = g["weights"][p]["weight"][:]
                assert len(w) > 100 and np.unique(w).size > 10, p
        with h5py.File(d + "/weights.h5") as f:
            assert len(f["edges"]) == 2, "weights.h5"
        print(f"ok   {d}: the reference run has spikes and changing weights")
    except AssertionError as e:
        print(f"FAIL {d}: the reference run tests nothing ({e})")
for line in open(sys.argv[3]):
    label, ref, d = line.rstrip("\n").split("|")
    why = h5same.same_folders(ref, d)
    print(("FAIL " if why else "ok   ") + label + (": " + why if why else ""))
PY
cat "$T/cmp"
fails=$((fails + $(grep -c '^FAIL' "$T/cmp")))
[ "$(grep -c '^ok' "$T/cmp")" -ge 50 ] || fail "too few comparisons ($(grep -c '^ok' "$T/cmp"))"

[ $fails = 0 ] && echo "all passed" || { echo "$fails failed"; exit 1; }
