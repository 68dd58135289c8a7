#!/bin/sh
# Output sets: a folder holding an earlier run's outputs is refused unless
# --replace, which replaces the whole set (no stale voltmeter file of the
# earlier model survives); a folder with other files is never touched; a
# failed command leaves no temporary folder; the provenance of every file.
# usage: tests/cli/test_outputs.sh path/to/spikefield
SF=${1:-build/spikefield}
. "$(dirname "$0")/lib.sh"
cat > "$T/a.yaml" <<'YAML'
simulation: {resolution: 0.1, duration: 100.0, seed: 5}
populations:
  E: {model: iaf_psc_delta, n: 50, params: {V_th: 20.0}}
inputs:
  bg: {kind: poisson_generator, targets: E, rate: 20000.0, weight: 0.2}
recorders:
  spikes: {kind: spike_recorder}
  vmold: {kind: voltmeter, populations: E, n: 2}
YAML
sed 's/vmold/vmnew/' "$T/a.yaml" > "$T/b.yaml"

"$SF" run "$T/a.yaml" --out "$T/out" -q --set populations.E.params.V_th=19 > /dev/null || fail "first run"
[ -f "$T/out/vmold.h5" ] && ok "first run" || fail "first run wrote no vmold.h5"
before=$(ls -l --time-style=full-iso "$T/out" | md5sum)
"$SF" run "$T/b.yaml" --out "$T/out" -q > /dev/null 2> "$T/err"; rc=$?
if [ $rc = 1 ] && grep -q "holds the outputs of an earlier run; add --replace" "$T/err" &&
   [ "$(ls -l --time-style=full-iso "$T/out" | md5sum)" = "$before" ]; then ok "earlier run kept: $(cat "$T/err")"
else fail "reuse without --replace: exit $rc $(cat "$T/err")"; fi
"$SF" run "$T/b.yaml" --out "$T/out" -q --replace > /dev/null || fail "run --replace"
if [ -f "$T/out/vmnew.h5" ] && [ ! -e "$T/out/vmold.h5" ]; then ok "--replace removed the stale vmold.h5"
else fail "--replace: $(ls "$T/out")"; fi
ls -A "$T" | grep -q part && fail "temporary folder left: $(ls -A "$T")"

mkdir "$T/mine" && echo notes > "$T/mine/notes.txt"
"$SF" run "$T/a.yaml" --out "$T/mine" -q --replace > /dev/null 2> "$T/err"; rc=$?
if [ $rc = 1 ] && grep -q "not spikefield outputs" "$T/err" && [ "$(ls "$T/mine")" = notes.txt ]; then
  ok "a folder of other files is never replaced"
else fail "other files: exit $rc, $(ls "$T/mine"), $(cat "$T/err")"; fi

# a failure after the set was begun (a read-only parent) leaves nothing
mkdir "$T/ro" && chmod 555 "$T/ro"
if [ "$(id -u)" != 0 ]; then
  "$SF" run "$T/a.yaml" --out "$T/ro/x" -q > /dev/null 2> "$T/err" && fail "wrote into a read-only folder"
  [ -z "$(ls -A "$T/ro")" ] && ok "read-only parent: $(cat "$T/err")" || fail "left: $(ls -A "$T/ro")"
fi
chmod 755 "$T/ro"

# provenance in summary.json and in the HDF5 root attributes
/usr/bin/python3 - "$T/out" "$SF" <<'PY' || fail "provenance"
import json, subprocess, sys, h5py
d, sf = sys.argv[1], sys.argv[2]
s = json.load(open(d + "/summary.json"))
p = s["provenance"]
version = subprocess.run([sf, "version"], capture_output=True, text=True).stdout.split()[1]
assert p["spikefield"] == version, (p["spikefield"], version)
assert p["started"].endswith("Z") and p["finished"] >= p["started"] and p["host"]
assert p["overrides"] == [], p["overrides"]
r = p["model_resolved"]
assert r["populations"]["E"]["params"]["tau_m"] == 10.0   # a default written in
assert r["simulation"]["resolution"] == 0.1 and "vmnew" in r["recorders"]
def txt(v):  # fixed-length HDF5 strings come back as bytes
    return v.decode() if isinstance(v, bytes) else str(v)
for f in ("spikes.h5", "vmnew.h5"):
    with h5py.File(d + "/" + f, "r") as h:
        a = h.attrs
        assert txt(a["spikefield_version"]) == version and txt(a["seed"]) == "5"
        assert json.loads(txt(a["model_resolved"])) == r
print("ok   provenance: version %s, commit %r, %s .. %s" % (version, p["git_commit"], p["started"], p["finished"]))
PY
# a model whose resolved form is longer than an HDF5 attribute in an object
# header may be (64 KiB: 3 inputs of 4000 spike times each) is written with
# its provenance in full (it failed with "HDF5 error" before)
/usr/bin/python3 - "$T/big.yaml" <<'PY'
import sys
times = ", ".join(f"{1 + i * 0.01:.2f}" for i in range(4000))
with open(sys.argv[1], "w") as f:
    f.write("simulation: {duration: 50, resolution: 0.01, seed: 1}\n"
            "populations:\n  E: {model: iaf_psc_alpha, n: 2}\ninputs:\n")
    for j in range(3):
        f.write(f"  sg{j}: {{kind: spike_generator, targets: E, weight: 10.0, times: [{times}]}}\n")
    f.write("recorders:\n  vm: {kind: voltmeter, populations: E, n: 1}\n")
PY
if "$SF" run "$T/big.yaml" --out "$T/big" -q > /dev/null 2> "$T/err" &&
   /usr/bin/python3 - "$T/big" <<'PY'
import json, sys, h5py
for name in ("spikes.h5", "vm.h5"):
    with h5py.File(f"{sys.argv[1]}/{name}", "r") as f:
        r = f.attrs["model_resolved"]
        r = r.decode() if isinstance(r, bytes) else r
        assert len(r) > 65536, len(r)
        assert len(json.loads(r)["inputs"]["sg2"]["times"]) == 4000
PY
then ok "a 64 KiB+ resolved model written in the provenance of spikes.h5 and vm.h5"
else fail "large resolved model: $(cat "$T/err")"; fi
[ "$fails" = 0 ]
