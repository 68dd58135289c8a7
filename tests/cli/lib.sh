# The common set-up of the command's shell tests, sourced by each (after
# it sets SF from its $1; every test stays runnable alone):
#   . "$(dirname "$0")/lib.sh"
# T: a temporary folder, removed on exit. fail WHAT / ok WHAT: print
# "FAIL WHAT" / "ok   WHAT"; fail counts in $fails. model_brunel,
# model_binary, model_hawkes THREADS: the small networks the checkpoint
# and MPI tests run (tests/cli/test_checkpoint.sh, tests/mpi/test_mpi.sh),
# as YAML on stdout with THREADS threads. ckpt_run, ckpt_resume: the
# checkpointing run and the resumes of the checkpoint tests.
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL $1"; fails=$((fails+1)); }
ok() { echo "ok   $1"; }

# Brunel's network A (iaf_psc_delta, Poisson drive); the voltmeter records
# the populations VM_POPS (a YAML list): model_brunel THREADS VM_POPS
model_brunel() {
  cat <<YAML
simulation: {resolution: 0.1, duration: 300.0, seed: 1, threads: $1}
populations:
  E: {model: iaf_psc_delta, n: 1600, params: &lif {E_L: 0.0, V_th: 20.0, V_reset: 10.0, tau_m: 20.0, t_ref: 2.0},
      initial: &v0 {V_m: {distribution: uniform, low: 0.0, high: 20.0}}}
  I: {model: iaf_psc_delta, n: 400, params: *lif, initial: *v0}
projections:
  EE: {source: E, target: E, rule: fixed_indegree, indegree: 160, weight: 0.1, delay: 1.5}
  EI: {source: E, target: I, rule: fixed_indegree, indegree: 160, weight: 0.1, delay: 1.5}
  IE: {source: I, target: E, rule: fixed_indegree, indegree: 40, weight: -0.5, delay: 1.5}
  II: {source: I, target: I, rule: fixed_indegree, indegree: 40, weight: -0.5, delay: {distribution: uniform, low: 1.5, high: 4.0}}
inputs:
  background: {kind: poisson_generator, targets: [E, I], rate: 20000.0, weight: 0.1}
recorders:
  spikes: {kind: spike_recorder, populations: [E, I]}
  vm: {kind: voltmeter, populations: $2, n: 10, interval: 0.1}
YAML
}

model_binary() {
  cat <<YAML
simulation: {resolution: 0.1, duration: 300.0, seed: 7, threads: $1}
populations:
  E: {model: binary, n: 800, params: {tau_m: 10.0, theta: 0.0, sigma: 1.0, p_init: 0.2}}
  I: {model: binary, n: 200, params: {tau_m: 10.0, theta: 0.0, sigma: 1.0, p_init: 0.3}}
projections:
  EE: {source: E, target: E, rule: fixed_indegree, indegree: 80, weight: 0.05, delay: 1.0}
  IE: {source: E, target: I, rule: fixed_indegree, indegree: 80, weight: 0.05, delay: 1.0}
  EI: {source: I, target: E, rule: fixed_indegree, indegree: 20, weight: -0.2, delay: 1.0}
  II: {source: I, target: I, rule: fixed_indegree, indegree: 20, weight: -0.2, delay: 2.0}
recorders:
  spikes: {kind: spike_recorder}
YAML
}

model_hawkes() {
  cat <<YAML
simulation: {resolution: 0.1, duration: 300.0, seed: 9, threads: $1}
populations:
  E: {model: hawkes, n: 800, params: {nu0: 14.0, tau: 10.0}}
  I: {model: hawkes, n: 200, params: {nu0: 14.0, tau: 10.0}}
projections:
  EE: {source: E, target: E, rule: fixed_outdegree, outdegree: 80, weight: 0.01, delay: 2.0}
  IE: {source: E, target: I, rule: fixed_outdegree, outdegree: 20, weight: 0.01, delay: 2.0}
  EI: {source: I, target: E, rule: fixed_outdegree, outdegree: 80, weight: -0.06, delay: 2.0}
  II: {source: I, target: I, rule: fixed_outdegree, outdegree: 20, weight: -0.06, delay: 2.0}
recorders:
  spikes: {kind: spike_recorder}
YAML
}

# ckpt_run M EVERY TH: $T/M.yaml on TH threads into $T/M.oTH, checkpointing
# every EVERY ms of model time into $T/M.ckTH (all kept); 1 (and a fail)
# when the run fails.
ckpt_run() {
  "$SF" run "$T/$1.yaml" --threads $3 --out "$T/$1.o$3" --quiet --checkpoint-dir "$T/$1.ck$3" \
      --checkpoint-model-every "$2" --checkpoint-keep > /dev/null 2> "$T/err" \
    || { fail "$1: checkpointing run ($(cat "$T/err"))"; return 1; }
}

# ckpt_resume M TH STEP RT: the checkpoint of `ckpt_run M EVERY TH` at STEP
# resumed on RT threads into $T/M.rTH.STEP.RT, each resume from its own
# copy (a resumed run checkpoints too); 1 (and a fail) when the checkpoint
# is missing or the resume fails.
ckpt_resume() {
  c="$T/$1.c$2.$3.$4"; mkdir -p "$c"
  cp "$T/$1.ck$2/checkpoint-$(printf %012d "$3").sfck" "$c/checkpoint.sfck" \
    || { fail "$1: no checkpoint at step $3"; return 1; }
  "$SF" resume "$c" --threads "$4" --out "$T/$1.r$2.$3.$4" --quiet > /dev/null 2> "$T/err" \
    || { fail "$1: checkpoint at step $3 ($2 threads) resumed on $4: $(cat "$T/err")"; return 1; }
}
