"""Reading the output folders of the spikefield command.

`load(outdir)` reads what `spikefield run` / `compare` write into one folder
(src/cli/run.c, src/engine/sonata.c) into a Recording:

    summary.json    model file, seed, t_end_ms, analysis window, populations
                    in model order with their statistics, outputs
    spikes.h5       SONATA spikes: /spikes/<population>/timestamps (float64,
                    ms) and node_ids (uint64), one group per recorded
                    population, sorted by time
    <recorder>.h5   SONATA report per voltmeter (listed under "outputs" of
                    the summary): /report/<population>/data (float32,
                    n_times x n_nodes, attributes units and variable) and
                    /report/<population>/mapping/{node_ids, time = [start,
                    stop, step]}

`load_quantities(path)` reads a quantity list (compare.json,
prediction.json, `spikefield predict --json`; docs/predict-compare.md).

Invariant: every failure is a SpikefieldError naming the file (a missing
folder, a missing or unreadable file, a folder another run is still writing
or a killed run left half-written: the command writes `.NAME.part` and
renames it when complete, so a `.part` file means an incomplete write).
"""
import contextlib
import json
import os

import numpy as np

from .errors import SpikefieldError
from .quantities import Quantities
from .recording import Recording, Trace, WeightLog, Weights


def _part_files(outdir):
    return sorted(f for f in os.listdir(outdir) if f.startswith(".") and f.endswith(".part"))


def _check_folder(outdir):
    if not os.path.exists(outdir):
        raise SpikefieldError(f"no output folder {outdir} (run `spikefield run MODEL.yaml "
                              f"--out {outdir}` first)", file=outdir)
    if not os.path.isdir(outdir):
        raise SpikefieldError(f"{outdir} is not a folder (expected a spikefield output folder)",
                              file=outdir)
    part = _part_files(outdir)
    if part:
        raise SpikefieldError(
            f"{outdir} is half-written: {', '.join(part)} (a run is still writing it, or was "
            f"killed while writing; run it again)", file=os.path.join(outdir, part[0]))


def _read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise SpikefieldError(f"missing {path}", file=path) from None
    except OSError as e:
        raise SpikefieldError(f"cannot read {path}: {e.strerror}", file=path) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise SpikefieldError(f"{path}:{e.lineno}:{e.colno}: not valid JSON: {e.msg}", file=path,
                              line=e.lineno, column=e.colno) from None


def _h5(path):
    import h5py
    if not os.path.exists(path):
        raise SpikefieldError(f"missing {path}", file=path)
    try:
        return h5py.File(path, "r")
    except OSError as e:
        raise SpikefieldError(f"cannot read {path}: not an HDF5 file ({e})", file=path) from None


def _group(f, path, name, what):
    """The /name group of the open file f (path); a SpikefieldError saying
    the file is not `what` when it has none."""
    g = f.get(name)
    if g is None:
        raise SpikefieldError(f"{path} has no /{name} group (not {what})", file=path)
    return g


@contextlib.contextmanager
def _member(path, where, what):
    """A dataset missing (KeyError) inside the block: a SpikefieldError
    naming the file and the member `where` that lacks it."""
    try:
        yield
    except KeyError as e:
        raise SpikefieldError(f"{path}: {where} lacks {e} (not {what})", file=path) from None


def _text(attr, default=""):
    if attr is None:
        return default
    if isinstance(attr, bytes):
        return attr.decode("utf-8", "replace")
    return str(attr)


def _sorted_spikes(t, i):
    """Times and ids sorted by time, then id (the Recording invariant)."""
    if t.size > 1:
        dt = np.diff(t)
        if np.any(dt < 0) or np.any((dt == 0) & (np.diff(i.astype(np.int64)) < 0)):
            o = np.lexsort((i, t))
            t, i = t[o], i[o]
    return t, i


def _resolution(summary, spikes):
    """The time step: from the summary when it says, else the smallest gap
    between distinct spike times (spike times are multiples of it), NaN
    without spikes enough to tell."""
    h = summary.get("resolution_ms")
    if isinstance(h, (int, float)):
        return float(h)
    best = np.inf
    for t, _ in spikes.values():
        u = np.unique(t)
        if u.size > 1:
            best = min(best, float(np.diff(u).min()))
    return float(f"{best:.6g}") if np.isfinite(best) else float("nan")


def _positions(f):
    """The node positions of the spatial populations (/nodes/<pop>/0/x, y,
    mm) and their spaces: geometry from /nodes/<pop>, extent from the
    resolved model (the file's model_resolved attribute)."""
    nodes = f.get("nodes")
    if nodes is None:
        return {}, {}
    try:
        resolved = json.loads(_text(f.attrs.get("model_resolved"), "{}"))
    except ValueError:
        resolved = {}
    positions, spaces = {}, {}
    for pop in nodes:
        g = nodes[pop].get("0")
        if g is None or "x" not in g:
            continue
        cols = [np.asarray(g["x"][()], dtype=np.float64)]
        if "y" in g:
            cols.append(np.asarray(g["y"][()], dtype=np.float64))
        positions[pop] = np.stack(cols, axis=1)
        sp = (resolved.get("populations", {}).get(pop, {}) or {}).get("space", {}) or {}
        ext = sp.get("extent")
        dim = len(cols)
        if ext is None:       # not recorded: the positions' range
            ext = [float(c.max()) if c.size else 0.0 for c in cols]
        ext = [float(e) for e in (ext if isinstance(ext, list) else [ext] * dim)][:dim]
        spaces[pop] = {"geometry": _text(nodes[pop].attrs.get("geometry"), sp.get("geometry", "")),
                       "extent": ext}
    return positions, spaces


def _weight_logs(outdir, skip):
    """The weight recorders' files of a folder: every <name>.h5 with a
    /weights group (docs/plasticity.md)."""
    logs = []
    for fname in sorted(os.listdir(outdir)):
        if not fname.endswith(".h5") or fname in skip:
            continue
        path = os.path.join(outdir, fname)
        with _h5(path) as f:
            g = f.get("weights")
            if g is None:
                continue
            for proj in g:
                e = g[proj]
                with _member(path, f"/weights/{proj}", "a weight recorder file"):
                    logs.append(WeightLog(
                        recorder=fname[:-3], projection=proj,
                        times=np.asarray(e["timestamps"][()], dtype=np.float64),
                        source=np.asarray(e["source_node_id"][()], dtype=np.uint32),
                        target=np.asarray(e["target_node_id"][()], dtype=np.uint32),
                        weight=np.asarray(e["weight"][()], dtype=np.float64)))
    return logs


def load_weights(path):
    """The weights of weights.h5 (what `spikefield run` writes for the
    plastic projections; sf_network_write_weights): {projection: sf.Weights}."""
    path = os.fspath(path)
    out = {}
    with _h5(path) as f:
        g = _group(f, path, "edges", "a spikefield weight file")
        for proj in g:
            e = g[proj]
            with _member(path, f"/edges/{proj}", "a spikefield weight file"):
                out[proj] = Weights(
                    projection=proj,
                    source=np.asarray(e["source_node_id"][()], dtype=np.uint32),
                    target=np.asarray(e["target_node_id"][()], dtype=np.uint32),
                    weight=np.asarray(e["weight"][()], dtype=np.float64),
                    delay=np.asarray(e["delay"][()], dtype=np.float64))
    return out


def load(outdir):
    """The Recording of a spikefield output folder (spikes, traces, summary)."""
    outdir = os.fspath(outdir)
    _check_folder(outdir)
    summary = _read_json(os.path.join(outdir, "summary.json"))
    pops = summary.get("populations")
    if not isinstance(pops, dict):
        raise SpikefieldError(f"{outdir}/summary.json has no populations (not written by "
                              f"spikefield run?)", file=os.path.join(outdir, "summary.json"))
    populations = {name: int(p.get("n", 0)) for name, p in pops.items()}
    outputs = summary.get("outputs", {"spikes": "spikes.h5"})

    spikes = {}
    path = os.path.join(outdir, outputs.get("spikes", "spikes.h5"))
    with _h5(path) as f:
        g = _group(f, path, "spikes", "a SONATA spike file")
        for name in list(populations) + [n for n in g if n not in populations]:
            if name not in g:
                continue
            with _member(path, f"/spikes/{name}", "a SONATA spike file"):
                t = np.asarray(g[name]["timestamps"][()], dtype=np.float64)
                i = np.asarray(g[name]["node_ids"][()], dtype=np.uint64)
            spikes[name] = _sorted_spikes(t, i)
        positions, spaces = _positions(f)

    traces = []
    for rec_name, fname in outputs.items():
        if rec_name == "spikes":
            continue
        path = os.path.join(outdir, fname)
        with _h5(path) as f:
            rep = _group(f, path, "report", "a SONATA report")
            for pop in rep:
                g = rep[pop]
                with _member(path, f"/report/{pop}", "a SONATA report"):
                    data = np.asarray(g["data"][()])
                    t0, _, step = (float(x) for x in g["mapping/time"][()])
                    ids = np.asarray(g["mapping/node_ids"][()], dtype=np.uint64)
                data = data.reshape(data.shape[0], -1) if data.ndim else data.reshape(0, 0)
                nt = data.shape[0]
                traces.append(Trace(recorder=rec_name, population=pop,
                                    variable=_text(g["data"].attrs.get("variable"), "V_m"),
                                    unit=_text(g["data"].attrs.get("units")),
                                    times=t0 + step * np.arange(nt), node_ids=ids, data=data))

    model = summary.get("model", "")
    stem = os.path.splitext(os.path.basename(model))[0] if model else os.path.basename(
        os.path.normpath(outdir))
    analysis = summary.get("analysis", {})
    t_stop = float(summary.get("t_end_ms", analysis.get("stop_ms", 0.0)) or 0.0)
    return Recording(model_name=stem, resolution=_resolution(summary, spikes), t_start=0.0,
                     t_stop=t_stop, t_analysis=float(analysis.get("start_ms", 0.0) or 0.0),
                     populations=populations, spikes=spikes, traces=traces,
                     weight_logs=_weight_logs(outdir, {"weights.h5"} | set(outputs.values())),
                     summary=summary, interrupted=bool(summary.get("interrupted", False)),
                     positions=positions, spaces=spaces, _folder=outdir)


def load_quantities(path):
    """The Quantities of a quantity-list JSON file, or of the compare.json
    (else prediction.json) of an output folder."""
    path = os.fspath(path)
    if os.path.isdir(path):
        part = _part_files(path)
        for name in ("compare.json", "prediction.json"):
            p = os.path.join(path, name)
            if f".{name}.part" in part:
                raise SpikefieldError(f"{p} is half-written (.{name}.part is there: a run is "
                                      f"still writing it, or was killed)", file=p)
            if os.path.exists(p):
                path = p
                break
        else:
            raise SpikefieldError(f"{path} holds neither compare.json nor prediction.json "
                                  f"(run `spikefield compare` or `spikefield predict --out`)",
                                  file=path)
    d = _read_json(path)
    if not isinstance(d, dict) or not isinstance(d.get("quantities"), list):
        raise SpikefieldError(f"{path} is not a quantity list (no \"quantities\" array; see "
                              f"docs/predict-compare.md)", file=path)
    try:
        return Quantities.from_dict(d)
    except (KeyError, TypeError, ValueError) as e:
        raise SpikefieldError(f"{path}: malformed quantity ({e!r})", file=path) from None
