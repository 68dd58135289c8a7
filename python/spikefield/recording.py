"""What a run recorded, as numpy arrays: the one result type of spikefield.

A Recording comes from a live run (``Network.run``, which wraps the C
library's arrays) or from an output folder (``spikefield.load``, which reads
spikes.h5, the voltmeter/multimeter reports and summary.json). Both fill the
same fields, so every analysis and figure takes either.

Invariant: spike arrays of a population are sorted by time, then by id;
times are in ms (a spike of the update from t to t+h carries time t+h, as in
NEST); ids are population-local (0 .. n-1).
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np


@dataclass
class Trace:
    """One recorder's samples of one population."""
    recorder: str                 # recorder name in the model
    population: str
    variable: str                 # state variable, e.g. "V_m"
    unit: str                     # e.g. "mV"
    times: np.ndarray             # [n_times] ms
    node_ids: np.ndarray          # [n_nodes] population-local ids
    data: np.ndarray              # [n_times, n_nodes]


@dataclass
class Recording:
    model_name: str
    resolution: float             # ms
    t_start: float                # ms (0)
    t_stop: float                 # ms simulated (less than the duration if interrupted)
    t_analysis: float             # ms: statistics are taken from here on
    populations: Dict[str, int]   # name -> number of neurons, model order
    spikes: Dict[str, Tuple[np.ndarray, np.ndarray]]  # name -> (times ms, ids); recorded pops only
    traces: List[Trace] = field(default_factory=list)
    summary: dict = field(default_factory=dict)       # the content of summary.json
    interrupted: bool = False
    # spatial populations (docs/spatial.md), from an output folder's
    # spikes.h5: name -> [n, dim] positions (mm, node i in row i), and
    # name -> {"geometry": ring|torus|sheet, "extent": [mm per dimension]}
    positions: Dict[str, np.ndarray] = field(default_factory=dict)
    spaces: Dict[str, dict] = field(default_factory=dict)
    # why an interrupted run stopped: "stopped" (a stop or a signal), or
    # "out of memory ..." / "no room for more spikes ..." while recording
    stop_reason: str = ""
    # keeps the C recording alive while numpy views into its memory exist
    _owner: Optional[object] = field(default=None, repr=False, compare=False)

    def spike_times(self, pop: str) -> np.ndarray:
        return self.spikes[pop][0]

    def spike_ids(self, pop: str) -> np.ndarray:
        return self.spikes[pop][1]

    def trace(self, population: str, variable: str = "V_m") -> Trace:
        for t in self.traces:
            if t.population == population and t.variable == variable:
                return t
        raise KeyError(f"no recorded {variable} of population {population!r}")

    def write(self, folder, replace=False) -> str:
        """Writes spikes.h5, <voltmeter>.h5 and summary.json into folder (made
        if missing), exactly as `spikefield run --out folder` does: the set
        appears as a whole (written into a temporary sibling folder, renamed
        into place), a folder holding an earlier run's outputs is replaced
        only with replace=True, one holding other files never. Only a
        recording of Network.run can be written (it holds the C recording)."""
        if self._owner is None or not hasattr(self._owner, "write"):
            raise TypeError("spikefield: only a recording of Network.run can be written; "
                            "this one was read from files")
        return self._owner.write(folder, replace)

    def to_neo(self, populations=None):
        """The recording as a neo.Block (spikefield/neo.py)."""
        from .neo import to_neo
        return to_neo(self, populations)
