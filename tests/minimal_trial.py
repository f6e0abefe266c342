"""A minimal valid 3-patient PROMIS trial, as tables of strings, and writers for it.

Tests take :func:`minimal_trial`, corrupt it in one way, write it with :func:`write_trial` and
check the loader's message. Every cell is a string, exactly as a CSV file holds it.

The three patients:

- PROMIS-001: adult (ECOG), resected R0, alive, ongoing.
- PROMIS-002: adolescent aged 14 (Lansky), resected R1, died of disease, discontinued.
- PROMIS-003: adult, surgery NOT DONE (progression), new anticancer therapy, ongoing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyreadstat

CUTOFF = "2026-06-30"

ADSL_ROWS = [
    dict(
        STUDYID="PROMIS",
        USUBJID="PROMIS-001",
        SITEID="01",
        AGE="34",
        SEX="M",
        PSTYPE="ECOG",
        PSSCORE="1",
        NNODULE="2",
        LATERAL="UNILATERAL",
        DFIMO="18.5",
        PRIORLN="1",
        RFICDT="2025-01-06",
        ENRLDT="2025-01-10",
        TRTSDT="2025-01-13",
        TRTEDT="2025-09-01",
        SURGPLDT="2025-03-07",
        SURGDT="2025-03-10",
        SURGOUT="R0",
        SURGNDRS="",
        NECRPCT="95",
        NACTDT="",
        SMDT="",
        DTHDT="",
        DTHCAUS="",
        LSTALVDT="2026-06-15",
        EOSSTT="ONGOING",
        DCSREAS="",
        EOSDT="",
        FASFL="Y",
        SAFFL="Y",
        PPROTFL="Y",
        DCUTDT=CUTOFF,
    ),
    dict(
        STUDYID="PROMIS",
        USUBJID="PROMIS-002",
        SITEID="01",
        AGE="14",
        SEX="F",
        PSTYPE="LANSKY",
        PSSCORE="90",
        NNODULE="1",
        LATERAL="UNILATERAL",
        DFIMO="9",
        PRIORLN="2",
        RFICDT="2025-02-03",
        ENRLDT="2025-02-07",
        TRTSDT="2025-02-10",
        TRTEDT="2025-06-20",
        SURGPLDT="2025-04-04",
        SURGDT="2025-04-08",
        SURGOUT="R1",
        SURGNDRS="",
        NECRPCT="60",
        NACTDT="",
        SMDT="",
        DTHDT="2025-12-05",
        DTHCAUS="DISEASE PROGRESSION",
        LSTALVDT="2025-12-01",
        EOSSTT="DISCONTINUED",
        DCSREAS="DEATH",
        EOSDT="2025-12-05",
        FASFL="Y",
        SAFFL="Y",
        PPROTFL="N",
        DCUTDT=CUTOFF,
    ),
    dict(
        STUDYID="PROMIS",
        USUBJID="PROMIS-003",
        SITEID="02",
        AGE="22",
        SEX="M",
        PSTYPE="ECOG",
        PSSCORE="0",
        NNODULE="4",
        LATERAL="BILATERAL",
        DFIMO="30.25",
        PRIORLN="1",
        RFICDT="2025-03-03",
        ENRLDT="2025-03-05",
        TRTSDT="2025-03-10",
        TRTEDT="2025-04-14",
        SURGPLDT="2025-05-01",
        SURGDT="",
        SURGOUT="NOT DONE",
        SURGNDRS="PROGRESSION",
        NECRPCT="",
        NACTDT="2025-05-10",
        SMDT="",
        DTHDT="",
        DTHCAUS="",
        LSTALVDT="2026-06-20",
        EOSSTT="ONGOING",
        DCSREAS="",
        EOSDT="",
        FASFL="Y",
        SAFFL="Y",
        PPROTFL="N",
        DCUTDT=CUTOFF,
    ),
]


def _ae(usubjid, seq, term, decod, soc, grade, start, end, **kw):
    row = dict(
        STUDYID="PROMIS",
        USUBJID=usubjid,
        AESEQ=str(seq),
        AETERM=term,
        AEDECOD=decod,
        AEBODSYS=soc,
        AETOXGR=grade,
        AESER="N",
        AERELSB="N",
        AERELPD="N",
        AERELGM="N",
        AEIRFL="N",
        ASTDT=start,
        AENDT=end,
        AEACN="DOSE NOT CHANGED",
        AEOUT="RECOVERED/RESOLVED",
        AECLAVDN="",
        AESDLYFL="N",
    )
    row.update(kw)
    return row


ADAE_ROWS = [
    _ae(
        "PROMIS-001",
        1,
        "tiredness",
        "Fatigue",
        "General disorders and administration site conditions",
        "1",
        "2025-01-20",
        "2025-02-10",
        AERELGM="Y",
    ),
    _ae(
        "PROMIS-001",
        2,
        "pneumonitis",
        "Pneumonitis",
        "Respiratory, thoracic and mediastinal disorders",
        "3",
        "2025-05-02",
        "2025-06-01",
        AERELPD="Y",
        AEIRFL="Y",
        AESER="Y",
        AEACN="DRUG INTERRUPTED",
    ),
    _ae(
        "PROMIS-002",
        1,
        "low neutrophils",
        "Neutrophil count decreased",
        "Investigations",
        "4",
        "2025-02-20",
        "2025-03-01",
        AERELGM="Y",
        AEACN="DOSE REDUCED",
    ),
    _ae(
        "PROMIS-003",
        1,
        "air leak after surgery",
        "Air leak",
        "Injury, poisoning and procedural complications",
        "2",
        "2025-03-20",
        "",
        AEOUT="NOT RECOVERED/NOT RESOLVED",
        AECLAVDN="II",
    ),
]


def _rs(usubjid, visit, adt, phase, avalc, recur="", newl="N"):
    return dict(
        STUDYID="PROMIS",
        USUBJID=usubjid,
        PARAMCD="OVRLRESP",
        AVISIT=visit,
        ADT=adt,
        APHASE=phase,
        AVALC=avalc,
        RECURFL=recur,
        NEWLFL=newl,
    )


ADRS_ROWS = [
    _rs("PROMIS-001", "SCREENING", "2025-01-08", "PRE-OPERATIVE", "NE"),
    _rs("PROMIS-001", "PRE-OP WEEK 6", "2025-02-21", "PRE-OPERATIVE", "PR"),
    _rs("PROMIS-001", "POST-OP MONTH 3", "2025-06-10", "POST-OPERATIVE", "NED", recur="N"),
    _rs("PROMIS-002", "SCREENING", "2025-02-05", "PRE-OPERATIVE", "NE"),
    _rs("PROMIS-002", "PRE-OP WEEK 6", "2025-03-21", "PRE-OPERATIVE", "SD"),
    _rs("PROMIS-002", "POST-OP MONTH 3", "2025-07-10", "POST-OPERATIVE", "PD", recur="Y", newl="Y"),
    _rs("PROMIS-003", "SCREENING", "2025-03-04", "PRE-OPERATIVE", "NE"),
    _rs("PROMIS-003", "PRE-OP WEEK 6", "2025-04-15", "PRE-OPERATIVE", "PD", newl="Y"),
]


def _tr(usubjid, visit, adt, aval, ablfl="N"):
    return dict(
        STUDYID="PROMIS",
        USUBJID=usubjid,
        PARAMCD="SUMDIAM",
        AVISIT=visit,
        ADT=adt,
        AVAL=aval,
        ABLFL=ablfl,
    )


ADTR_ROWS = [
    _tr("PROMIS-001", "SCREENING", "2025-01-08", "32", "Y"),
    _tr("PROMIS-001", "PRE-OP WEEK 6", "2025-02-21", "18.5"),
    _tr("PROMIS-002", "SCREENING", "2025-02-05", "15", "Y"),
    _tr("PROMIS-002", "PRE-OP WEEK 6", "2025-03-21", "14"),
    _tr("PROMIS-003", "SCREENING", "2025-03-04", "41", "Y"),
    _tr("PROMIS-003", "PRE-OP WEEK 6", "2025-04-15", "52"),
]


def _ex(usubjid, trt, phase, cycle, frac, stdt, pl, dose):
    unit = {"SBRT": "Gy", "PENPULIMAB": "mg", "GEMCITABINE": "mg/m2"}[trt]
    return dict(
        STUDYID="PROMIS",
        USUBJID=usubjid,
        EXTRT=trt,
        APHASE=phase,
        CYCLE=cycle,
        EXFRACN=frac,
        EXSTDT=stdt,
        EXPLDOS=pl,
        EXDOSE=dose,
        EXDOSU=unit,
    )


ADEX_ROWS = [
    _ex("PROMIS-001", "SBRT", "PRE-OPERATIVE", "", "1", "2025-01-13", "8", "8"),
    _ex("PROMIS-001", "GEMCITABINE", "PRE-OPERATIVE", "1", "", "2025-01-14", "1000", "1000"),
    _ex("PROMIS-001", "PENPULIMAB", "PRE-OPERATIVE", "1", "", "2025-01-21", "200", "200"),
    _ex("PROMIS-001", "PENPULIMAB", "MAINTENANCE", "7", "", "2025-09-01", "200", "200"),
    _ex("PROMIS-002", "SBRT", "PRE-OPERATIVE", "", "1", "2025-02-10", "8", "8"),
    _ex("PROMIS-002", "GEMCITABINE", "PRE-OPERATIVE", "1", "", "2025-02-11", "1000", "750"),
    _ex("PROMIS-002", "PENPULIMAB", "POST-OPERATIVE", "3", "", "2025-06-20", "200", "200"),
    _ex("PROMIS-003", "SBRT", "PRE-OPERATIVE", "", "1", "2025-03-10", "8", "8"),
    _ex("PROMIS-003", "PENPULIMAB", "PRE-OPERATIVE", "2", "", "2025-04-14", "200", "200"),
]


def _bm(usubjid, paramcd, atpt, adt, aval, stat="DONE", reason=""):
    return dict(
        STUDYID="PROMIS",
        USUBJID=usubjid,
        PARAMCD=paramcd,
        ATPT=atpt,
        ADT=adt,
        AVAL=aval,
        BMSTAT=stat,
        BMREASND=reason,
    )


ADBM_ROWS = [
    _bm("PROMIS-001", "CD8DENS", "PRE-SBRT", "2024-12-20", "120.5"),
    _bm("PROMIS-001", "CD8DENS", "POST-SBRT", "2025-03-10", "310"),
    _bm("PROMIS-003", "CD8DENS", "PRE-SBRT", "2025-02-25", "80"),
    _bm("PROMIS-003", "CD8DENS", "POST-SBRT", "", "", "NOT DONE", "NO SURGERY"),
]


def minimal_trial() -> dict[str, pd.DataFrame]:
    """A fresh copy of the valid trial: dataset name -> DataFrame of strings."""
    rows = {
        "ADSL": ADSL_ROWS,
        "ADAE": ADAE_ROWS,
        "ADRS": ADRS_ROWS,
        "ADTR": ADTR_ROWS,
        "ADEX": ADEX_ROWS,
        "ADBM": ADBM_ROWS,
    }
    return {
        name: pd.DataFrame([dict(r) for r in table]).astype(str) for name, table in rows.items()
    }


def write_trial(tables: dict[str, pd.DataFrame], directory: Path, fmt: str = "csv") -> Path:
    """Write each table as ``<name lower>.<fmt>`` (CSV as UTF-8, no index); return the folder."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        path = directory / f"{name.lower()}.{fmt}"
        if fmt == "csv":
            frame.to_csv(path, index=False, encoding="utf-8")
        elif fmt == "xpt":
            pyreadstat.write_xport(
                _as_sas(name, frame), str(path), table_name=name, file_format_version=5
            )
        else:
            raise ValueError(f"unknown format {fmt!r}; allowed: csv, xpt")
    return directory


def load_not_collected(
    tables: dict[str, pd.DataFrame], sap: object, directory: Path, columns: dict[str, list[str]]
) -> object:
    """``tables`` without ``columns`` (dataset -> model columns), loaded through a mapping that
    declares them not collected, as a generic ADaM without them would be: the ``TrialData``."""
    from osteo_stats.load import load_trial

    lines = ["name: not-collected", "datasets:"]
    for dataset, names in columns.items():
        tables[dataset] = tables[dataset].drop(columns=names)
        lines += [f"  {dataset}:", f"    not_collected: [{', '.join(names)}]"]
    data = write_trial(tables, directory / "data")
    mapping = directory / "map.yaml"
    mapping.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_trial(data, sap, mapping)  # type: ignore[arg-type]


# Columns stored as SAS numerics / SAS dates in the transport round trip. Partial-date columns
# (ASTDT, AENDT, DTHDT, NACTDT) stay character, as DATA_MODEL.md allows.
SAS_NUMERIC = {
    "AGE",
    "PSSCORE",
    "NNODULE",
    "DFIMO",
    "PRIORLN",
    "NECRPCT",
    "AESEQ",
    "AETOXGR",
    "AVAL",
    "CYCLE",
    "EXFRACN",
    "EXPLDOS",
    "EXDOSE",
}
SAS_DATES = {
    "RFICDT",
    "ENRLDT",
    "TRTSDT",
    "TRTEDT",
    "SURGPLDT",
    "SURGDT",
    "SMDT",
    "LSTALVDT",
    "EOSDT",
    "DCUTDT",
    "ADT",
    "EXSTDT",
}


def _as_sas(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if column in SAS_NUMERIC:
            out[column] = pd.to_numeric(out[column].replace("", None)).astype(float)
        elif column in SAS_DATES:
            out[column] = [dt.date.fromisoformat(v) if v else None for v in out[column]]
    return out
