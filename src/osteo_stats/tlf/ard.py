"""The analysis results dataset (ARD), SAP 12: one long-format row per reported number."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from osteo_stats.safe_csv import csv_text

ARD_COLUMNS: tuple[str, ...] = (
    "analysis_id",
    "tlf",
    "analysis_set",
    "parameter",
    "group",
    "statistic",
    "value",
)

STATISTICS: frozenset[str] = frozenset(
    """n N pct mean sd median q1 q3 min max est lcl ucl conf_level p_value p_value_adj statistic
    df events censored n_risk surv std_err hr coef se observed expected z umvue alpha_attained
    power pet en boundary crossed reached time""".split()
)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace("=", "\\=")


def group_label(pairs: Mapping[str, object] | None = None) -> str:
    """Encode a row/column identity as ``KEY=value; KEY=value`` (SAP 12.1); ``ALL`` if empty.

    ``;``, ``=`` and ``\\`` inside keys or values are escaped with ``\\`` so the label can
    always be split back into its pairs.
    """
    if not pairs:
        return "ALL"
    return "; ".join(f"{_escape(str(k))}={_escape(str(v))}" for k, v in pairs.items())


def _as_value(value: object) -> float:
    if value is None:
        return math.nan
    if isinstance(value, bool | np.bool_):
        return float(value)
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else math.nan


@dataclass
class ARDBuilder:
    """Collects the rows of one analysis (one analysis id, TLF and analysis set)."""

    analysis_id: str
    tlf: str
    analysis_set: str
    rows: list[tuple[str, str, str, str, str, str, float]] = field(default_factory=list)

    def add(
        self,
        statistic: str,
        value: object,
        *,
        parameter: str,
        group: Mapping[str, object] | None = None,
        analysis_set: str | None = None,
    ) -> float:
        """Record one number and return it (as float; NaN for missing / not estimable)."""
        if statistic not in STATISTICS:
            raise ValueError(
                f"ARD statistic {statistic!r} is not in the SAP 12.2 vocabulary: "
                f"{', '.join(sorted(STATISTICS))}"
            )
        number = _as_value(value)
        self.rows.append(
            (
                self.analysis_id,
                self.tlf,
                analysis_set or self.analysis_set,
                parameter,
                group_label(group),
                statistic,
                number,
            )
        )
        return number

    def add_ci(
        self,
        est: object,
        lcl: object,
        ucl: object,
        conf_level: float,
        *,
        parameter: str,
        group: Mapping[str, object] | None = None,
        analysis_set: str | None = None,
    ) -> None:
        """Record an estimate with its CI as the SAP 12.2 triple plus ``conf_level``."""
        for name, value in (("est", est), ("lcl", lcl), ("ucl", ucl), ("conf_level", conf_level)):
            self.add(name, value, parameter=parameter, group=group, analysis_set=analysis_set)

    def build(self) -> ARD:
        return ARD(pd.DataFrame(self.rows, columns=list(ARD_COLUMNS)))


@dataclass(frozen=True)
class ARD:
    """An analysis results dataset: a DataFrame with exactly :data:`ARD_COLUMNS`."""

    frame: pd.DataFrame

    def __post_init__(self) -> None:
        if tuple(self.frame.columns) != ARD_COLUMNS:
            raise ValueError(f"ARD columns must be {ARD_COLUMNS}, got {tuple(self.frame.columns)}")

    @classmethod
    def concat(cls, parts: Iterable[ARD]) -> ARD:
        frames = [part.frame for part in parts if len(part.frame)]
        if not frames:
            return cls(pd.DataFrame(columns=list(ARD_COLUMNS)))
        return cls(pd.concat(frames, ignore_index=True))

    def value(
        self,
        analysis_id: str,
        statistic: str,
        *,
        parameter: str | None = None,
        group: Mapping[str, object] | None = None,
        analysis_set: str | None = None,
    ) -> float:
        """The single value matching the keys; raises KeyError unless exactly one row matches."""
        candidates = self._index.get((analysis_id, statistic, group_label(group)), [])
        hits = [
            value
            for row_parameter, row_set, value in candidates
            if (parameter is None or row_parameter == parameter)
            and (analysis_set is None or row_set == analysis_set)
        ]
        if len(hits) != 1:
            raise KeyError(
                f"ARD lookup {analysis_id}/{parameter}/{group_label(group)}/{statistic} "
                f"matched {len(hits)} rows"
            )
        return hits[0]

    @functools.cached_property
    def _index(self) -> dict[tuple[str, str, str], list[tuple[str, str, float]]]:
        # TLF bodies read hundreds of values back; a dict keeps that linear in the ARD size.
        index: dict[tuple[str, str, str], list[tuple[str, str, float]]] = {}
        columns = ("analysis_id", "statistic", "group", "parameter", "analysis_set", "value")
        for aid, stat, group, parameter, aset, value in zip(
            *(self.frame[c].tolist() for c in columns), strict=True
        ):
            index.setdefault((aid, stat, group), []).append((parameter, aset, float(value)))
        return index

    def to_csv_text(self, analysis_type: str | None = None) -> str:
        """Spreadsheet-safe CSV, floats at full precision (``repr``), missing values empty.

        With ``analysis_type`` (``interim`` or ``final``, SAP 12.1) every row starts with an
        ``analysis_type`` column, so rows of several analyses stay distinguishable when stacked.
        Text cells go through :func:`osteo_stats.safe_csv.neutralise_cell`, so data text that
        could start a formula or carries control characters (an AE term in a group label) is
        changed as documented there. ``ard.json`` is the exact record: :meth:`to_json_text` /
        :meth:`from_json_text` round-trip every row; the CSV round-trips exactly whenever no text
        needed neutralising, which holds for everything the package itself writes.
        """
        text = self.frame[list(ARD_COLUMNS[:-1])].astype(str)
        values = ["" if math.isnan(v) else repr(float(v)) for v in self.frame["value"]]
        rows = zip(*(text[column] for column in ARD_COLUMNS[:-1]), values, strict=True)
        if analysis_type is None:
            return csv_text([ARD_COLUMNS, *rows])
        return csv_text([("analysis_type", *ARD_COLUMNS), *((analysis_type, *r) for r in rows)])

    def to_json_text(self, analysis_type: str | None = None) -> str:
        """JSON records, the exact ARD (text as recorded); missing values are ``null``;
        ``analysis_type``: see :meth:`to_csv_text`."""
        stamp = {} if analysis_type is None else {"analysis_type": analysis_type}
        records = [
            {
                **stamp,
                **{column: row[column] for column in ARD_COLUMNS[:-1]},
                "value": None if math.isnan(row["value"]) else float(row["value"]),
            }
            for row in self.frame.to_dict(orient="records")
        ]
        return json.dumps(records, indent=1, ensure_ascii=False) + "\n"

    @classmethod
    def from_json_text(cls, text: str) -> ARD:
        records = json.loads(text)
        frame = pd.DataFrame(records, columns=list(ARD_COLUMNS))
        frame["value"] = [math.nan if v is None else float(v) for v in frame["value"]]
        return cls(frame)

    @classmethod
    def from_csv_text(cls, text: str) -> ARD:
        import io

        frame = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            float_precision="round_trip",
        )
        frame["value"] = [float(v) if v != "" else math.nan for v in frame["value"].astype(str)]
        return cls(frame[list(ARD_COLUMNS)])


@dataclass(frozen=True)
class ARDView:
    """The values of one analysis id, read back by parameter, statistic and group.

    Table bodies are formatted from these reads, so every number shown is an ARD number.
    """

    ard: ARD
    analysis_id: str

    def get(
        self, parameter: str, statistic: str, group: Mapping[str, object] | None = None
    ) -> float:
        return self.ard.value(self.analysis_id, statistic, parameter=parameter, group=group)

    def count(
        self, parameter: str, group: Mapping[str, object] | None = None, statistic: str = "n"
    ) -> int:
        return int(self.get(parameter, statistic, group))
