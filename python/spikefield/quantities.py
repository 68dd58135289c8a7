"""Named quantities: predictions, simulated estimates and comparisons.

One class for all three kinds, built from the JSON the C library writes
(sf_quantities_json, the layout documented in docs/predict-compare.md), so a
live prediction and a compare.json read from an output folder are the same
object. Scalars are Python floats; vectors are numpy arrays over the axis
(complex when the quantity is complex); None where the C side writes null.
"""
from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np


def _arr(v, is_complex):
    if v is None:
        return None
    if not isinstance(v, list):
        return v
    a = np.array([np.nan if x is None else x for x in _flat(v)], dtype=float)
    if is_complex:
        a = a[0::2] + 1j * a[1::2]
    return a


def _flat(v):
    for x in v:
        if isinstance(x, list):
            yield from _flat(x)
        else:
            yield x


@dataclass
class Quantity:
    name: str
    populations: List[str]
    unit: str
    axis: str                     # "none", "frequency_Hz", "lag_ms", "potential_mV"
    shape: List[int]
    is_complex: bool
    axis_values: Optional[np.ndarray]
    value: object                 # float or ndarray (simulated value in a comparison)
    se: object = None
    predicted: object = None
    z: object = None
    median_abs_z: Optional[float] = None
    fraction_abs_z_above_3: Optional[float] = None
    z_count: int = 0
    rel_diff: Optional[float] = None
    verdict: Optional[str] = None  # "agree", "agree within theory accuracy", "differ", "n/a"
    band: Optional[List[Optional[float]]] = None
    accuracy: Optional[float] = None
    accuracy_source: str = ""    # where the stated accuracy comes from
    assumptions: str = ""
    notes: str = ""
    raw: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, d):
        c = bool(d.get("complex", False))
        return cls(name=d["name"], populations=list(d.get("populations", [])),
                   unit=d.get("unit", ""), axis=d.get("axis", "none"),
                   shape=list(d.get("shape", [1, 1])), is_complex=c,
                   axis_values=_arr(d.get("axis_values"), False),
                   value=_arr(d.get("value", d.get("values")), c),
                   se=_arr(d.get("se"), c), predicted=_arr(d.get("predicted"), c),
                   z=_arr(d.get("z"), c), median_abs_z=d.get("median_abs_z"),
                   fraction_abs_z_above_3=d.get("fraction_abs_z_above_3"),
                   z_count=d.get("z_count", 0), rel_diff=d.get("rel_diff"),
                   verdict=d.get("verdict"), band=d.get("band"),
                   accuracy=d.get("accuracy"), accuracy_source=d.get("accuracy_source") or "",
                   assumptions=d.get("assumptions", ""),
                   notes=d.get("notes", ""), raw=d)

    def to_dict(self):
        return dict(self.raw)


@dataclass
class Quantities:
    kind: str                     # "prediction", "estimate", "comparison"
    family: str
    notes: str
    quantities: List[Quantity]
    raw: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, d):
        return cls(kind=d.get("kind", ""), family=d.get("family", ""),
                   notes=d.get("notes", ""),
                   quantities=[Quantity.from_dict(q) for q in d.get("quantities", [])], raw=d)

    def __iter__(self):
        return iter(self.quantities)

    def __len__(self):
        return len(self.quantities)

    def find(self, name, *populations):
        """The quantity `name` of the given populations (none, one or a pair), or None."""
        for q in self.quantities:
            if q.name == name and tuple(q.populations) == tuple(populations):
                return q
        return None

    def to_dict(self):
        return dict(self.raw)
