"""Recording for pyNN.spikefield: record("spikes") becomes a spike recorder
of the population, record("v") a voltmeter of V_m over the first cells up
to the highest recorded index; get_data() reads the spikefield recording of
the last run (spike arrays in bulk, no per-cell calls into the simulator).
"""
import numpy as np
import quantities as pq
from pyNN import recording

from . import simulator
from .simulator import unsupported


class Recorder(recording.Recorder):
    _simulator = simulator

    def _record(self, variable, new_ids, sampling_interval=None):
        if variable not in ("spikes", "v"):
            raise unsupported(f"recording {variable!r} (spikefield records spikes and v)")
        if sampling_interval is not None:
            k = sampling_interval / self._simulator.state.dt
            if abs(k - round(k)) > 1e-9 or round(k) < 1:
                raise ValueError(f"pyNN.spikefield: sampling_interval {sampling_interval} ms is "
                                 "not a multiple of the time step")
        self._simulator.state.changed()

    def _add_voltmeter(self, m):
        ids = self.recorded.get("v")
        if not ids:
            return
        pop = self.population
        n = int(max(pop.id_to_index(int(i)) for i in ids)) + 1
        m.voltmeter(f"v_{pop._sf_name}", [pop._sf_name], n=n, variable="V_m",
                    interval=self.sampling_interval)

    def _recording(self):
        rec = self._simulator.state.recording
        if rec is None:
            raise RuntimeError("pyNN.spikefield: nothing recorded yet: call run() first")
        return rec

    def _get_spiketimes(self, ids, clear=False):
        rec = self._recording()
        pop = self.population
        times, local = rec.spikes[pop._sf_name]
        gids = np.asarray(local, dtype=np.int64) + int(pop.first_id)
        want = np.asarray(sorted(int(i) for i in ids), dtype=np.int64)
        keep = np.isin(gids, want)
        return gids[keep], np.array(times[keep])

    def _get_all_signals(self, variable, ids, clear=False):
        rec = self._recording()
        pop = self.population
        tr = rec.trace(pop._sf_name, "V_m")
        idx = np.array([pop.id_to_index(int(i)) for i in ids], dtype=np.int64)
        return np.asarray(tr.data, dtype=float)[:, idx], None

    def _get_current_segment(self, filter_ids=None, variables='all', clear=False):
        seg = super()._get_current_segment(filter_ids, variables, clear)
        # spikefield samples at t = interval, 2 interval, ... (after each
        # update), not at t = 0: put the signals where their samples are
        for sig in seg.analogsignals:
            rec = self._recording()
            tr = rec.trace(self.population._sf_name, "V_m")
            sig.t_start = tr.times[0] * pq.ms
        return seg

    def _local_count(self, variable, filter_ids=None):
        if variable != "spikes":
            raise unsupported(f"counting {variable}")
        gids, _ = self._get_spiketimes(self.filter_recorded("spikes", filter_ids))
        ids = sorted(int(i) for i in self.filter_recorded("spikes", filter_ids))
        counts = dict.fromkeys(ids, 0)
        u, c = np.unique(gids, return_counts=True)
        counts.update(zip(u.tolist(), c.tolist()))
        return counts

    def _clear_simulator(self):
        pass

    def _reset(self):
        pass
