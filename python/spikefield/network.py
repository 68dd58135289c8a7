"""sf.Network: a built network, run once into an sf.Recording.

    net = m.build(threads=2, seed=1)
    rec = net.run(progress=True)     # True: a bar on a terminal; False; or callable(t, T, wall)
    rec.spikes["E"]                  # (times ms, ids) as numpy arrays
    rec.write("out/brunel")          # spikes.h5, <voltmeter>.h5, summary.json, as the CLI

Ctrl-C (SIGINT) and SIGTERM during run() are handled as `spikefield run`
handles them: the run stops at the next slice (the C loop polls
sf_run_options.stop), the recording keeps what was simulated and says
rec.interrupted. A progress callback can stop the run the same way by
calling net.stop().

Invariant: the spike ids and voltmeter data of a Recording are numpy views
of the C recording's arrays (no copy); Recording._owner holds the C
recording, the network and the model, so they live as long as any view.
Spike times are steps * resolution, the same double product the SONATA
writer stores.
"""
import json
import math
import os
import shutil
import signal
import sys
import threading
import time

import numpy as np

from . import _lib
from ._lib import ffi, lib, text
from .errors import SpikefieldError
from .recording import Recording, Trace, WeightLog, Weights


class _Memory:
    """n C values at ptr as a numpy array interface, holding owner (the
    C recording's Python handle), so that an array made from it keeps the
    C memory alive however long it lives (the array's .base is this)."""

    def __init__(self, owner, ptr, shape, dtype):
        self.owner = owner
        self.__array_interface__ = {"shape": shape, "typestr": np.dtype(dtype).str,
                                    "data": (int(ffi.cast("uintptr_t", ptr)), True),
                                    "version": 3}


def _view(owner, ptr, shape, dtype):
    """Read-only numpy view of C values at ptr, without a copy."""
    if int(np.prod(shape)) == 0 or ptr == ffi.NULL:
        return np.empty(shape, dtype=dtype)
    return np.asarray(_Memory(owner, ptr, shape, dtype))


class _Bar:
    """A one-line progress bar on stderr (tqdm-style)."""

    def __init__(self, stream):
        self.stream = stream

    def __call__(self, t, T, wall):
        frac = min(1.0, t / T) if T > 0 else 1.0
        n = int(30 * frac)
        left = wall * (T - t) / t if t > 0 else float("nan")
        rtf = wall / (t * 1e-3) if t > 0 else float("nan")
        self.stream.write(f"\r{100 * frac:5.1f}% |{'#' * n}{' ' * (30 - n)}| {t:.1f}/{T:.1f} ms "
                          f"[{wall:.1f} s, left {left:.1f} s, real-time factor {rtf:.2f}] ")
        if t >= T:
            self.stream.write("\n")
        self.stream.flush()

    def close(self):
        self.stream.write("\n")
        self.stream.flush()


class _Run:
    """Owns the C objects behind a Recording: recording, network, model."""

    def __init__(self, network, hrec):
        self.network = network
        self.hrec = hrec
        self.crec = hrec.ptr
        self.hmodel = network._hmodel
        self.cmodel = network._cmodel
        self.ctx = _lib.Context()

    def write(self, folder, replace=False):
        # the command's output-set protocol (src/cli/outset.c): the whole set
        # is written into a temporary sibling folder and renamed into place,
        # so the files appear together or not at all and never mix with an
        # earlier run's
        folder = os.path.abspath(os.fspath(folder))
        kind = _folder_kind(folder)
        if kind == "other":
            raise SpikefieldError(f"spikefield: {folder} holds files that are not spikefield "
                                  "outputs; choose a new or empty folder", "SF_ERR_IO")
        if kind == "ours" and not replace:
            raise SpikefieldError(f"spikefield: {folder} holds the outputs of an earlier run; "
                                  "pass replace=True to replace them", "SF_ERR_IO")
        parent, name = os.path.split(folder)
        os.makedirs(parent, exist_ok=True)
        tmp = os.path.join(parent, f".{name}.part-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        os.mkdir(tmp)
        try:
            self.ctx.check(lib.sf_recording_write(self.ctx.ptr, self.crec, self.cmodel,
                                                  os.fsencode(tmp)))
            self.ctx.check(lib.sf_recording_write_summary(
                self.ctx.ptr, self.crec, self.network._cnet, ffi.NULL,
                os.fsencode(os.path.join(tmp, "summary.json"))))
        except BaseException as e:
            shutil.rmtree(tmp, ignore_errors=True)
            if isinstance(e, SpikefieldError):   # name the folder, not the temporary one
                raise SpikefieldError(str(e).replace(tmp, folder), e.status) from None
            raise
        old = None
        if kind == "ours":
            old = tmp + ".old"
            os.rename(folder, old)
        elif kind == "empty" and os.path.isdir(folder):
            os.rmdir(folder)
        try:
            os.rename(tmp, folder)
        except OSError:
            if old:
                os.rename(old, folder)
            raise
        if old:
            shutil.rmtree(old, ignore_errors=True)
        return folder

    def weights(self, projection):
        return self.network.weights(projection)

    def summary(self):
        out = ffi.new("char **")
        self.ctx.check(lib.sf_recording_summary_json(self.ctx.ptr, self.crec, self.network._cnet,
                                                     ffi.NULL, out))
        return json.loads(_lib.take_string(out))


_MARKERS = ("summary.json", "spikes.h5", "compare.json", "prediction.json")


def _folder_kind(folder):
    """'empty' (missing or empty), 'ours' (an earlier run's outputs) or
    'other', as the command classifies --out folders."""
    if not os.path.lexists(folder):
        return "empty"
    if not os.path.isdir(folder):
        return "other"
    names = os.listdir(folder)
    if not names:
        return "empty"
    return "ours" if any(n in _MARKERS for n in names) else "other"


class Network:
    """The network of a model, built (connections drawn) and ready to run once."""

    def __init__(self, model, threads=None, seed=None):
        sets = []
        if threads is not None:
            if isinstance(threads, bool) or not isinstance(threads, int) or not 1 <= threads <= 1024:
                raise ValueError(f"spikefield: threads must be a whole number in 1..1024, not {threads!r}")
            sets.append(f"simulation.threads={threads}")
        if seed is not None:
            if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0 or seed >= 2**63:
                raise ValueError(f"spikefield: seed must be a whole number >= 0, not {seed!r}")
            sets.append(f"simulation.seed={seed}")
        self.model = model
        self._sets = sets
        self._ctx = _lib.Context()
        self._set_model(model._variant(sets))
        self._build()
        self._stop = ffi.new("int *")
        self._ran = False

    def _set_model(self, handle):
        self._hmodel = handle
        self._cmodel = handle.ptr

    def _build(self):
        out = ffi.new("sf_network **")
        self._ctx.check(lib.sf_network_build(self._ctx.ptr, self._cmodel,
                                             lib.sf_model_threads(self._cmodel), out))
        # the network reads its model until it is destroyed
        self._hnet = _lib.Handle(out[0], lib.sf_network_destroy, [self._hmodel])
        self._cnet = self._hnet.ptr

    threads = property(lambda self: int(lib.sf_model_threads(self._cmodel)))
    seed = property(lambda self: int(lib.sf_model_seed(self._cmodel)))
    duration = property(lambda self: lib.sf_model_duration(self._cmodel), doc="ms")
    synapses = property(lambda self: int(lib.sf_network_synapses(self._cnet)))

    def projection_synapses(self, name):
        m = self._cmodel
        for i in range(lib.sf_model_projection_count(m)):
            if text(lib.sf_model_projection_name(m, i)) == name:
                return int(lib.sf_network_projection_synapses(self._cnet, i))
        raise KeyError(f"no projection {name!r}")

    def _projection_index(self, name):
        m = self._cmodel
        for i in range(lib.sf_model_projection_count(m)):
            if text(lib.sf_model_projection_name(m, i)) == name:
                return i
        raise KeyError(f"no projection {name!r}")

    def weights(self, projection):
        """The current weights of a projection as sf.Weights (numpy arrays;
        after run, the learned ones), in storage order."""
        i = self._projection_index(projection)
        n = int(lib.sf_network_projection_synapses(self._cnet, i))
        src = np.empty(n, np.uint32)
        tgt = np.empty(n, np.uint32)
        w = np.empty(n, np.float64)
        d = np.empty(n, np.uint32)
        p = lambda a, t: ffi.cast(t, ffi.from_buffer(a))
        got = lib.sf_network_weights(self._cnet, i, p(src, "uint32_t *"), p(tgt, "uint32_t *"),
                                     p(w, "double *"), p(d, "uint32_t *"), n)
        assert got == n
        return Weights(projection=projection, source=src, target=tgt, weight=w,
                       delay=d * lib.sf_model_resolution(self._cmodel))

    def stop(self):
        """Asks a running simulation to stop at the next slice (from a
        progress callback or another thread)."""
        self._stop[0] = 1

    def run(self, duration=None, progress=True, progress_interval=0.5, spool_dir=None):
        """Simulates the model's duration (or duration ms: the same network,
        built again for that duration) and returns the sf.Recording.
        progress: True (a bar on stderr when it is a terminal), False, or
        callable(t_ms, t_end_ms, wall_s), called about every
        progress_interval seconds and at the end (progress_interval=0: after
        every slice of the minimum delay, whatever the wall time).
        spool_dir: a folder (on disk, not tmpfs) where spikes and traces are
        kept in unlinked files during the run, so memory stays bounded for
        long runs; None keeps them in memory. A run that runs out of memory
        or disk space while recording stops early and keeps what was
        simulated (rec.interrupted, rec.stop_reason)."""
        if self._ran:
            raise SpikefieldError("spikefield: a network runs once; build it again "
                                  "(m.build(...)) for another run", "SF_ERR_ARG")
        if duration is not None:
            d = float(duration)
            if not math.isclose(d, self.duration, rel_tol=0, abs_tol=1e-9):
                self._set_model(self.model._variant(self._sets + [f"simulation.duration={d!r}"]))
                self._build()
        if progress is True:
            show = _Bar(sys.stderr) if sys.stderr is not None and sys.stderr.isatty() else None
        elif progress is False or progress is None:
            show = None
        elif callable(progress):
            show = progress
        else:
            raise TypeError("spikefield: progress is True, False or a callable(t_ms, t_end_ms, wall_s)")
        state = {"last": -math.inf, "error": None}

        def on_progress(user, t, T, wall):
            # runs on the calling thread, between slices: pending Python
            # signal handlers (Ctrl-C) run here too
            try:
                now = time.monotonic()
                if show is not None and (now - state["last"] >= progress_interval or t >= T):
                    state["last"] = now
                    show(t, T, wall)
            except BaseException as e:   # stop the run, raise after it
                state["error"] = e
                self._stop[0] = 1

        cb = ffi.callback("void(void *, double, double, double)", on_progress)
        opts = ffi.new("sf_run_options *")
        opts.stop = self._stop
        opts.progress = cb
        # the C side calls back about every 0.2 s (then the interval above
        # applies), or after every slice for progress_interval = 0
        opts.progress_interval = min(0.2, progress_interval) if progress_interval > 0 else 1e-9
        spool = None
        if spool_dir is not None:
            spool = ffi.new("char[]", os.fsencode(spool_dir))
            opts.spool_dir = spool
        self._stop[0] = 0
        old = {}
        if threading.current_thread() is threading.main_thread():
            def on_signal(sig, frame):
                self._stop[0] = 1
            for s in (signal.SIGINT, signal.SIGTERM):
                old[s] = signal.signal(s, on_signal)
        out = ffi.new("sf_recording **")
        try:
            self._ran = True
            st = lib.sf_engine_run(self._ctx.ptr, self._cnet, opts, out)
        finally:
            for s, h in old.items():
                signal.signal(s, h)
        self._ctx.check(st)
        # a recording reads its model until it is destroyed
        hrec = _lib.Handle(out[0], lib.sf_recording_destroy, [self._hmodel])
        if isinstance(show, _Bar) and lib.sf_recording_interrupted(hrec.ptr):
            show.close()
        if state["error"] is not None:
            raise state["error"]
        return self._recording(_Run(self, hrec))

    def _recording(self, run):
        m, crec = self._cmodel, run.crec
        h = lib.sf_model_resolution(m)
        pops = {}
        spikes = {}
        ids_p = ffi.new("const uint32_t **")
        steps_p = ffi.new("const int64_t **")
        n_p = ffi.new("size_t *")
        for p in range(lib.sf_model_population_count(m)):
            name = text(lib.sf_model_population_name(m, p))
            pops[name] = int(lib.sf_model_population_size(m, p))
            if lib.sf_recording_spikes(crec, p, ids_p, steps_p, n_p):
                n = int(n_p[0])
                ids = _view(run, ids_p[0], (n,), np.uint32)
                steps = _view(run, steps_p[0], (n,), np.int64)
                spikes[name] = (steps.astype(np.float64) * h, ids)
        traces = []
        data_p = ffi.new("const float **")
        nt_p = ffi.new("size_t *")
        nn_p = ffi.new("uint32_t *")
        t0_p = ffi.new("double *")
        dt_p = ffi.new("double *")
        for r in range(lib.sf_model_recorder_count(m)):
            if text(lib.sf_model_recorder_kind(m, r)) != "voltmeter":
                continue
            var = text(lib.sf_model_recorder_variable(m, r))
            for k in range(lib.sf_model_recorder_population_count(m, r)):
                p = lib.sf_model_recorder_population(m, r, k)
                if not lib.sf_recording_trace(crec, r, k, data_p, nt_p, nn_p, t0_p, dt_p):
                    continue
                nt, nn = int(nt_p[0]), int(nn_p[0])
                data = _view(run, data_p[0], (nt, nn), np.float32)
                traces.append(Trace(recorder=text(lib.sf_model_recorder_name(m, r)),
                                    population=text(lib.sf_model_population_name(m, p)),
                                    variable=var, unit=_state_unit(m, p, var),
                                    times=t0_p[0] + np.arange(nt) * dt_p[0],
                                    node_ids=np.arange(nn, dtype=np.uint64), data=data))
        logs = []
        proj_p = ffi.new("const uint32_t **")
        src_p = ffi.new("const uint32_t **")
        tgt_p = ffi.new("const uint32_t **")
        w_p = ffi.new("const double **")
        names = [text(lib.sf_model_projection_name(m, i))
                 for i in range(lib.sf_model_projection_count(m))]
        for r in range(lib.sf_model_recorder_count(m)):
            if not lib.sf_recording_weights(crec, r, n_p, steps_p, proj_p, src_p, tgt_p, w_p):
                continue
            n = int(n_p[0])
            arr = lambda ptr, dt: (_view(run, ptr, (n,), dt) if n else np.empty(0, dt))
            steps, pj = arr(steps_p[0], np.int64), arr(proj_p[0], np.uint32)
            src, tgt, w = arr(src_p[0], np.uint32), arr(tgt_p[0], np.uint32), arr(w_p[0], np.float64)
            rname = text(lib.sf_model_recorder_name(m, r))
            for i in np.unique(pj):
                sel = pj == i
                logs.append(WeightLog(recorder=rname, projection=names[int(i)],
                                      times=steps[sel].astype(np.float64) * h, source=src[sel],
                                      target=tgt[sel], weight=w[sel]))
        return Recording(model_name=self.model.name, resolution=h, t_start=0.0,
                         t_stop=lib.sf_recording_t_end(crec),
                         t_analysis=lib.sf_model_analysis_start(m), populations=pops,
                         spikes=spikes, traces=traces, weight_logs=logs, summary=run.summary(),
                         interrupted=bool(lib.sf_recording_interrupted(crec)),
                         stop_reason=text(lib.sf_recording_stop_reason(crec)), _owner=run)


def _state_unit(m, p, var):
    i = lib.sf_neuron_model_find(lib.sf_model_population_model(m, p))
    for k in range(lib.sf_neuron_model_state_count(i)):
        if text(lib.sf_neuron_model_state_name(i, k)) == var:
            return text(lib.sf_neuron_model_state_unit(i, k))
    return ""
