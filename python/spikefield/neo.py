"""Recording.to_neo(): a recording as a Neo Block, for Elephant and the other
Neo tools (Debian python3-neo).

One Block (name: the model) with one Segment; per recorded population and
neuron a SpikeTrain (ms, t_start 0, t_stop the end of the run) annotated
with population and node_id (population-local); per voltmeter trace an
AnalogSignal (mV or the variable's unit, n_times x n_nodes) annotated with
population, recorder and variable, the node ids as the array annotation
"node_id" (also "channel_index", as PyNN writes it).
"""
import numpy as np


def _units(u):
    import quantities as pq
    try:
        return pq.Quantity(1.0, u) if u else pq.dimensionless
    except (LookupError, ValueError):
        return pq.dimensionless


def to_neo(rec, populations=None):
    """The recording as neo.Block (populations: names to include, default all)."""
    import neo
    import quantities as pq
    block = neo.Block(name=rec.model_name, interrupted=bool(rec.interrupted))
    seg = neo.Segment(name=rec.model_name, index=0)
    block.segments.append(seg)
    t_stop = rec.t_stop * pq.ms
    for pop, n in rec.populations.items():
        if populations is not None and pop not in populations:
            continue
        if pop not in rec.spikes:
            continue
        times, ids = rec.spikes[pop]
        order = np.argsort(ids, kind="stable")    # times stay sorted per neuron
        counts = np.bincount(np.asarray(ids, dtype=np.int64), minlength=n)
        per = np.split(np.asarray(times)[order], np.cumsum(counts)[:-1])
        for i in range(n):
            seg.spiketrains.append(neo.SpikeTrain(per[i], units="ms", t_start=0.0 * pq.ms,
                                                  t_stop=t_stop, name=f"{pop}[{i}]",
                                                  population=pop, node_id=i))
    for tr in rec.traces:
        if populations is not None and tr.population not in populations:
            continue
        if len(tr.times) == 0:
            continue
        dt = tr.times[1] - tr.times[0] if len(tr.times) > 1 else rec.resolution
        ids = np.asarray(tr.node_ids, dtype=np.int64)
        seg.analogsignals.append(neo.AnalogSignal(
            np.asarray(tr.data), units=_units(tr.unit), sampling_period=dt * pq.ms,
            t_start=tr.times[0] * pq.ms, name=tr.variable, population=tr.population,
            recorder=tr.recorder, variable=tr.variable,
            array_annotations={"node_id": ids, "channel_index": ids}))
    return block
