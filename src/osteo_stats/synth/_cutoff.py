"""Apply a data cut-off to the simulated histories: only what was known on that date survives.

- Patients enrolled after the cut-off do not exist.
- Doses, assessments, measurements, biomarker samples, AE onsets, surgery, new therapy, second
  malignancy and death dated after the cut-off are removed.
- An AE ongoing at the cut-off has no AENDT and is NOT RECOVERED/NOT RESOLVED, or
  RECOVERING/RESOLVING when more than half of its eventual duration has passed; an AE that
  will later be fatal is, at the cut-off, a grade 4 event that has not resolved.
- A surgical outcome not yet known is ``PENDING``; a planned surgery date after the cut-off is
  left empty (nothing is dated after DCUTDT).
- TRTSDT/TRTEDT come from the doses given by then, LSTALVDT is the last contact on or before
  the cut-off, EOSSTT is ``ONGOING`` while the end of study lies after it.
"""

from __future__ import annotations

import math
from calendar import monthrange
from collections.abc import Mapping
from datetime import date, timedelta

import pandas as pd

from osteo_stats.load.schemas import LAB_PARAMS
from osteo_stats.sap import SAP
from osteo_stats.synth._simulate import PatientHistory
from osteo_stats.synth._spec import COLUMNS, DATASETS

RESOLVED = ("RECOVERED/RESOLVED", "RECOVERED/RESOLVED WITH SEQUELAE", "FATAL")
_EXTRT_ORDER = {"SBRT": 0, "GEMCITABINE": 1, "PENPULIMAB": 2}
_ATPT_ORDER = {"PRE-SBRT": 0, "POST-SBRT": 1}
_LAB_ORDER = {p: i for i, p in enumerate(LAB_PARAMS)}


def final_cutoff(histories: list[PatientHistory], sap: SAP) -> date:
    """Last enrollment + the primary landmark + about two months, at a month end."""
    last = max(h.baseline["ENRLDT"] for h in histories)
    landmark_days = math.ceil(sap.primary_endpoint.landmark_months * sap.time.days_per_month)
    d = last + timedelta(days=landmark_days + 61)
    return d.replace(day=monthrange(d.year, d.month)[1])


def datasets_at(
    histories: list[PatientHistory],
    sap: SAP,
    cutoff: date,
    labs: Mapping[str, list[dict]] | None = None,
) -> dict[str, pd.DataFrame]:
    """The analysis datasets as they would be extracted on ``cutoff`` (ADLB from ``labs``,
    USUBJID -> rows over the whole history; without it ADLB has no rows)."""
    rows: dict[str, list[dict]] = {name: [] for name in DATASETS}
    common = {"STUDYID": sap.study.studyid}
    for h in histories:
        if h.baseline["ENRLDT"] > cutoff:
            continue
        ids = {**common, "USUBJID": h.usubjid}
        ex = [r for r in h.ex if r["EXSTDT"] <= cutoff]
        rows["ADSL"].append({**ids, **_adsl_at(h, ex, cutoff)})
        rows["ADEX"] += [{**ids, **r} for r in ex]
        rows["ADAE"] += [{**ids, **a} for a in _aes_at(h.ae, cutoff)]
        rows["ADRS"] += [{**ids, **r} for r in h.rs if r["ADT"] <= cutoff]
        rows["ADTR"] += [{**ids, **r} for r in h.tr if r["ADT"] <= cutoff]
        rows["ADBM"] += [
            {**ids, **r} for r in h.bm if r["_known"] is not None and r["_known"] <= cutoff
        ]
        lab = (labs or {}).get(h.usubjid, [])
        rows["ADLB"] += [{**ids, **r} for r in lab if r["ADT"] <= cutoff]
    markers = {m: i for i, m in enumerate(sap.biomarkers.markers)}
    sort_keys = {
        "ADSL": lambda r: r["USUBJID"],
        "ADAE": lambda r: (r["USUBJID"], r["AESEQ"]),
        "ADRS": lambda r: (r["USUBJID"], r["ADT"]),
        "ADTR": lambda r: (r["USUBJID"], r["ADT"]),
        "ADEX": lambda r: (r["USUBJID"], r["EXSTDT"], _EXTRT_ORDER[r["EXTRT"]], r["EXFRACN"] or 0),
        "ADBM": lambda r: (r["USUBJID"], markers.get(r["PARAMCD"], 99), _ATPT_ORDER[r["ATPT"]]),
        "ADLB": lambda r: (r["USUBJID"], r["ADT"], _LAB_ORDER[r["PARAMCD"]]),
    }
    partial = sap.date_imputation.partial_allowed
    return {
        name: _frame(name, sorted(rows[name], key=sort_keys[name]), set(partial.get(name, ())))
        for name in DATASETS
    }


def _adsl_at(h: PatientHistory, ex: list[dict], cut: date) -> dict:
    doses = sorted(r["EXSTDT"] for r in ex)
    known = h.surg_known is not None and h.surg_known <= cut
    operated = known and h.surgdt is not None
    dead = h.dthdt is not None and h.dthdt <= cut
    ended = h.eosdt <= cut
    return {
        **h.baseline,
        "TRTSDT": doses[0] if doses else None,
        "TRTEDT": doses[-1] if doses else None,
        "SURGPLDT": h.surgpldt if h.surgpldt and h.surgpldt <= cut else None,
        "SURGDT": h.surgdt if operated else None,
        "SURGOUT": h.surgout if known else "PENDING",
        "SURGNDRS": h.surgndrs if known and not operated else None,
        "NECRPCT": h.necrpct if operated else None,
        "NACTDT": (h.nact_text or h.nactdt) if h.nactdt and h.nactdt <= cut else None,
        "SMDT": h.smdt if h.smdt and h.smdt <= cut else None,
        "DTHDT": h.dthdt if dead else None,
        "DTHCAUS": h.dthcaus if dead else None,
        "LSTALVDT": max(c for c in h.contacts if c <= cut),
        "EOSSTT": h.eosstt if ended else "ONGOING",
        "DCSREAS": h.dcsreas if ended else None,
        "EOSDT": h.eosdt if ended else None,
        "FASFL": "Y",
        "SAFFL": "Y" if doses else "N",
        "PPROTFL": h.pprotfl if operated else "N",
        "DCUTDT": cut,
    }


def _aes_at(aes: list[dict], cut: date) -> list[dict]:
    out = []
    for a in aes:
        if a["_ast"] > cut:
            continue
        row = dict(a)
        end = a["_aen"]
        if end is None or end > cut:
            row["AENDT"] = None
            if a["AEOUT"] in RESOLVED:
                # Resolves (or is fatal) later: at the cut-off the event is still going on.
                elapsed = (cut - a["_ast"]).days
                recovering = a["AEOUT"] != "FATAL" and elapsed >= 0.5 * (end - a["_ast"]).days
                row["AEOUT"] = (
                    "RECOVERING/RESOLVING" if recovering else "NOT RECOVERED/NOT RESOLVED"
                )
                if a["AEOUT"] == "FATAL":
                    row["AETOXGR"] = 4  # alive at the cut-off: the worst grade so far
        out.append(row)
    return out


def _frame(name: str, rows: list[dict], partial: set[str]) -> pd.DataFrame:
    """Rows -> DataFrame with the data-model column order and types.

    Complete dates are ``datetime64[ns]``; columns that may hold partial dates are ISO text;
    integers are nullable ``Int64``; flags and text are ``object`` with ``None`` for missing.
    """
    data = {}
    for col in COLUMNS[name]:
        values = [r.get(col.name) for r in rows]
        if col.kind == "date" and col.name in partial:
            data[col.name] = pd.Series(
                [v if v is None or isinstance(v, str) else v.isoformat() for v in values],
                dtype=object,
            )
        elif col.kind == "date":
            data[col.name] = pd.Series(pd.to_datetime(values), dtype="datetime64[ns]")
        elif col.kind == "int":
            data[col.name] = pd.Series(pd.array(values, dtype="Int64"))
        elif col.kind == "num":
            data[col.name] = pd.Series(
                [math.nan if v is None else float(v) for v in values], dtype="float64"
            )
        else:
            data[col.name] = pd.Series(values, dtype=object)
    return pd.DataFrame(data, columns=[c.name for c in COLUMNS[name]])
