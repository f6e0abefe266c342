"""Every TLF builder, by analysis area, run in one pass in SAP 11 order.

Each analysis area exposes its TLFs as one list, ``<AREA>_TLFS``: the label(s) each entry builds
-> the builder (``build_<area>_tlfs(ad)`` runs that list). This module collects them, so the
reports and ``osteo-stats analyze`` see one list, and skips an entry before running it when every
TLF it builds needs a column the data do not hold (``NEEDS``). What each TLF is called is
:mod:`osteo_stats.tlf.catalogue`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace

import pandas as pd

from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.load.validate import TrialData
from osteo_stats.tlf.ard import ARD
from osteo_stats.tlf.biomarkers import BIOMARKER_TLFS
from osteo_stats.tlf.design import build_design_tlfs
from osteo_stats.tlf.disposition import DISPOSITION_TLFS
from osteo_stats.tlf.disposition.currency import CURRENCY_TLFS
from osteo_stats.tlf.efficacy import EFFICACY_TLFS
from osteo_stats.tlf.model import TLFOutput
from osteo_stats.tlf.monitoring import build_monitoring_tlfs
from osteo_stats.tlf.safety import SAFETY_TLFS
from osteo_stats.tlf.safety._common import COMPONENT_LABEL, COMPONENTS
from osteo_stats.tlf.safety.laboratory import LABORATORY_TLFS

Builder = Callable[[AnalysisData], list[TLFOutput]]

#: Every TLF, by analysis area: the label(s) an entry builds -> its builder. An entry listing
#: several labels builds them from one computation (the design and monitoring modules build
#: theirs together).
BUILDERS: dict[str, Mapping[tuple[str, ...], Builder]] = {
    "disposition": {**DISPOSITION_TLFS, **CURRENCY_TLFS},
    "design": {("Table 14.2.2", "Figure 14.2.5"): build_design_tlfs},
    "efficacy": EFFICACY_TLFS,
    "monitoring": {("Table 14.2.3", "Table 14.3.5", "Figure 14.3.1"): build_monitoring_tlfs},
    "safety": {**SAFETY_TLFS, **LABORATORY_TLFS},
    "biomarkers": BIOMARKER_TLFS,
}


_KIND_ORDER = ("Table", "Figure", "Listing")

# What a TLF needs from the data. A standard ADaM read through a mapping (--mapping) may not
# hold PROMIS-specific facts; the mapping declares them "not collected" and the TLFs built on
# them say "not available: <COL> not collected" instead of showing numbers computed on empty
# columns: an entry of BUILDERS whose TLFs all need a column not collected is not run, and the
# TLFs of an entry that builds several are dropped one by one. (Declared here, beside the
# registry, so the area builders stay as they are.)

#: The investigator's relatedness to SBRT, penpulimab and gemcitabine (SAP 9.2).
_RELATED = tuple(f"ADAE.{flag}" for flag in COMPONENTS.values())
#: What the four criteria of unacceptable toxicity read (SAP 9.4): 1 immune-related grade >= 3;
#: 2 treatment-related non-haematological (SOC, PT) grade >= 4; 3 treatment-related death;
#: 4 surgery delayed by toxicity.
_TOXICITY = (
    "ADAE.AEIRFL",
    "ADAE.AESDLYFL",
    "ADSL.SURGPLDT",
    "ADAE.AETOXGR",
    *_RELATED,
    "ADAE.AEBODSYS",
    "ADAE.AEDECOD",
    "ADSL.DTHCAUS",
    "ADSL.DTHDT",
)

#: TLF -> the model columns ("DATASET.COLUMN") without which it has no meaning at all.
NEEDS: dict[str, tuple[str, ...]] = {
    "Table 14.1.7": ("ADSL.SURGOUT",),
    "Table 14.2.1": ("ADSL.SURGOUT",),  # the primary endpoint counts surgical events (SAP 3.3)
    "Table 14.2.3": ("ADSL.SURGOUT",),
    "Table 14.2.4": ("ADSL.SURGOUT", "ADSL.PPROTFL"),
    "Table 14.2.7": ("ADSL.NECRPCT",),
    "Table 14.2.8": ("ADSL.SURGOUT",),
    "Table 14.2.9": ("ADSL.SURGOUT",),  # EFS events E2/E3 are surgical (SAP 7.3)
    "Table 14.2.10": ("ADSL.SURGOUT", "ADSL.PPROTFL"),
    "Table 14.2.12": ("ADSL.SURGOUT",),
    "Table 14.2.13": ("ADSL.SURGOUT", "ADSL.NNODULE", "ADSL.DFIMO", "ADSL.LATERAL"),
    "Table 14.2.14": ("ADSL.SURGOUT", "ADSL.NNODULE", "ADSL.DFIMO", "ADSL.LATERAL"),
    "Figure 14.2.1": ("ADSL.SURGOUT",),
    "Figure 14.2.4": ("ADSL.SURGOUT",),
    "Listing 16.2.6.1": ("ADSL.SURGOUT",),
    "Listing 16.2.6.2": ("ADSL.SURGOUT",),
    "Listing 16.2.6.3": ("ADSL.SURGOUT", "ADSL.NECRPCT"),
    # by maximum grade: without a grade (severity only, no declared grading) nothing to show
    "Table 14.3.3": ("ADAE.AETOXGR",),
    # treatment-related TEAEs, any and by component (SAP 9.2): "any" needs all three flags
    "Table 14.3.4.1": ("ADAE.AETOXGR", *_RELATED),
    "Table 14.3.4.3": ("ADAE.AETOXGR", "ADAE.AESER"),  # serious TEAEs (SAP 9.2)
    "Listing 16.2.7.1": ("ADAE.AESER",),  # an empty AESER would list no serious AE at all
    "Listing 16.2.7.7": ("ADAE.AESER",),  # serious AEs at any time (SAP 9.7): the same
    "Listing 16.2.7.2": ("ADAE.AETOXGR",),
    "Table 14.3.4.2": ("ADAE.AEIRFL", "ADAE.AETOXGR"),
    "Listing 16.2.7.3": ("ADAE.AEIRFL",),
    "Table 14.3.4.4": ("ADSL.SURGDT",),  # the AE phase is cut at the surgery date (SAP 9.2)
    "Table 14.3.4.6": ("ADAE.AECLAVDN",),
    "Listing 16.2.7.5": ("ADAE.AECLAVDN",),
    # unacceptable toxicity (SAP 9.4): without any column a criterion reads, the count is only
    # a lower bound and the boundary status cannot be assessed
    "Table 14.3.5": _TOXICITY,
    "Figure 14.3.1": _TOXICITY,
    "Listing 16.2.7.6": _TOXICITY,
    "Table 14.4.3": ("ADSL.NECRPCT",),
    "Table 14.4.4": ("ADSL.SURGOUT",),
    "Figure 14.4.3": ("ADSL.SURGOUT",),
}


#: Mixed tables: TLF -> column -> rows (first-column labels) that depend on it. ``"X"`` is row
#: X and the rows indented below it, ``"X/"`` only the rows below it, ``"=X"`` row X alone.
ROW_NEEDS: dict[str, dict[str, tuple[str, ...]]] = {
    "Table 14.1.1": {
        "ADSL.SURGOUT": (
            "Completed pre-operative therapy",
            "Operated",
            "Surgery not done",
            "Surgery pending at cut-off",
            "Started post-operative therapy",
        ),
        "ADSL.DCSREAS": ("Study status: discontinued/",),
    },
    "Table 14.1.2": {"ADSL.PPROTFL": ("Per-protocol set (PPS)",)},
    "Table 14.1.4": {
        "ADSL.PSSCORE": ("=Patients with any eligibility deviation", "ECOG > 2", "Lansky < 70"),
        "ADSL.PSTYPE": ("Performance-status scale inconsistent with age",),
        "ADSL.PPROTFL": (
            "In the per-protocol set despite an eligibility deviation",
            "Patients excluded from the per-protocol set",
        ),
    },
    "Table 14.1.5": {
        "ADSL.PSTYPE": ("Performance status",),
        "ADSL.NNODULE": ("Number of pulmonary nodules", "Number of pulmonary nodules, grouped"),
        "ADSL.LATERAL": ("Laterality",),
        "ADSL.DFIMO": ("Disease-free interval (months)",),
        "ADSL.PRIORLN": ("Prior lines of systemic therapy",),
    },
    "Table 14.1.6": {
        "ADEX.EXFRACN": ("Fractions delivered", "All 5 fractions delivered"),
        "ADEX.CYCLE": (
            "Pre-operative: cycles received",
            "Post-operative: cycles received",
            "Maintenance: cycles received",
            "Patients with >= 1 cycle delay",
        ),
    },
    "Table 14.3.4.5": {"ADAE.AETOXGR": ("=Patients with a fatal (grade 5) TEAE",)},
    "Table 14.1.8": {
        "ADSL.SURGOUT": ("Outstanding surgery outcome (window passed)",),
        "ADSL.NECRPCT": ("Outstanding pathology result (operated)",),
    },
    "Table 14.3.1": {
        "ADAE.AETOXGR": ("TEAE of grade >= 3", "TEAE of grade 4", "TEAE of grade 5 (fatal)"),
        "ADAE.AESER": ("Serious TEAE",),
        # "any component" needs every flag; each component row only its own
        **{
            f"ADAE.{flag}": ("=Treatment-related TEAE", f"Related to {COMPONENT_LABEL[c]}")
            for c, flag in COMPONENTS.items()
        },
        "ADAE.AEIRFL": ("Immune-related TEAE",),
        "ADAE.AEACN": ("TEAE leading to discontinuation (drug withdrawn)",),
        "ADAE.AESDLYFL": ("TEAE leading to surgery delay",),
        "ADAE.AECLAVDN": ("Surgical complication (any Clavien-Dindo grade)",),
    },
}

#: Mixed tables by column: TLF -> column -> the table columns (header prefixes) that depend on it.
COLUMN_NEEDS: dict[str, dict[str, tuple[str, ...]]] = {
    "Table 14.2.6": {"ADSL.PPROTFL": ("PPS",)},
    "Table 14.3.2": {"ADAE.AETOXGR": ("Grade >= 3",)},
    "Listing 16.2.9": {"ADSL.SURGOUT": ("Surgery",), "ADSL.NECRPCT": ("Pathology",)},
    # the AE listings show each record's term, seriousness, relatedness, action and outcome
    # (Listing 16.2.7.8's "AESI category" is not masked: a category whose criterion column is
    # not collected applies its other criteria and says so in a footnote, SAP 9.7)
    **{
        f"Listing 16.2.7.{i}": {
            "ADAE.AETERM": ("Verbatim term",),
            "ADAE.AESER": ("Serious",),
            **{column: ("Related to",) for column in _RELATED},
            "ADAE.AEIRFL": ("Immune-related",),
            "ADAE.AEACN": ("Action taken",),
            "ADAE.AEOUT": ("Outcome",),
        }
        for i in (1, 2, 3, 5, 7, 8, 9)
    },
}

#: The ARD rows behind those cells, as regular expressions on "<parameter>|<group>|<analysis
#: set>": dropped, so the ARD never records a count the table marks "not collected".
ARD_NEEDS: dict[str, dict[str, str]] = {
    "Table 14.2.6": {"ADSL.PPROTFL": r"\|PPS$"},
    "Table 14.1.1": {
        "ADSL.SURGOUT": r"CATEGORY=(COMPLETED PRE-OPERATIVE|OPERATED|SURGERY|STARTED POST)",
        "ADSL.DCSREAS": r"DCSREAS=",
    },
    "Table 14.1.2": {"ADSL.PPROTFL": r"SET=PPS"},
    "Table 14.1.4": {
        "ADSL.PSSCORE": r"CHECK=(ANY|ECOG|LANSKY)",
        "ADSL.PSTYPE": r"CHECK=PS SCALE",
        "ADSL.PPROTFL": r"^PPS EXCLUSION\||SET=PPS",
    },
    "Table 14.1.5": {
        "ADSL.PSTYPE": r"^PSTYPE\|",
        "ADSL.NNODULE": r"^NNODULE",
        "ADSL.LATERAL": r"^LATERAL\|",
        "ADSL.DFIMO": r"^DFIMO\|",
        "ADSL.PRIORLN": r"^PRIORLN\|",
    },
    "Table 14.1.6": {"ADEX.EXFRACN": r"^(ALL )?FRACTIONS\|", "ADEX.CYCLE": r"^(CYCLES|DELAYED)\|"},
    "Table 14.3.1": {
        "ADAE.AETOXGR": r"ROW=GRADE",
        "ADAE.AESER": r"ROW=SERIOUS",
        **{f"ADAE.{flag}": rf"ROW=RELATED (ANY|{c})\|" for c, flag in COMPONENTS.items()},
        "ADAE.AEIRFL": r"ROW=IMMUNE",
        "ADAE.AEACN": r"ROW=DISCONTINUATION",
        "ADAE.AESDLYFL": r"ROW=SURGERY DELAY",
        "ADAE.AECLAVDN": r"ROW=CLAVIEN",
    },
    "Table 14.3.2": {"ADAE.AETOXGR": r"GRADE=GE3"},
    "Table 14.3.4.5": {"ADAE.AETOXGR": r"ROW=GRADE 5"},
    "Table 14.1.8": {
        "ADSL.SURGOUT": r"OUTSTANDING=SURGERY",
        "ADSL.NECRPCT": r"OUTSTANDING=PATHOLOGY",
    },
}

#: Which TLFs show a dataset's values, for the mapping's footnotes (a grade derived from
#: severity, a recoded response): TLF label prefixes per dataset.
SHOWS: dict[str, tuple[str, ...]] = {
    "ADAE": ("Table 14.3.", "Listing 16.2.7.", "Figure 14.3."),
    "ADRS": ("Table 14.2.5", "Table 14.2.6", "Figure 14.2.3", "Listing 16.2.6.1"),
    "ADEX": ("Table 14.1.6", "Listing 16.2.5"),
}


#: TLF -> the optional dataset it is built from: without that file in the extract it says
#: "not available: <DATASET> not supplied" (an absent ADBM means no samples, shown as such).
DATASET_NEEDS: dict[str, str] = {
    "Table 14.3.6.1": "ADLB",
    "Table 14.3.6.2": "ADLB",
    "Listing 16.2.8.1": "ADLB",
}


def _not_available(columns: Collection[str]) -> str:
    names = ", ".join(dict.fromkeys(c.split(".")[1] for c in columns))
    return f"not available: {names} not collected"


def unavailable(trial: TrialData) -> dict[str, str]:
    """TLF label -> "not available: <COL> not collected" (or "<DATASET> not supplied") for the
    TLFs these data cannot give."""
    missing = _not_collected(trial)
    supplied = {source.dataset for source in trial.sources}
    reasons: dict[str, str] = {
        label: f"not available: {dataset} not supplied"
        for label, dataset in DATASET_NEEDS.items()
        if dataset not in supplied
    }
    for label, needs in NEEDS.items():
        absent = [c for c in needs if c in missing]
        if absent:
            reasons[label] = _not_available(absent)
    return reasons


def _not_collected(trial: TrialData) -> set[str]:
    return {f"{ds}.{col}" for ds, col in trial.not_collected}


def _mask_rows(
    body: pd.DataFrame, rows: Mapping[str, tuple[str, ...]], missing: set[str]
) -> pd.DataFrame:
    labels = body.iloc[:, 0].astype(str)
    depth = labels.str.len() - labels.str.lstrip().str.len()
    body = body.copy()
    for column, entries in rows.items():
        if column not in missing:
            continue
        text = f"not collected ({column.split('.')[1]})"
        for entry in entries:
            mode = "=" if entry.startswith("=") else "/" if entry.endswith("/") else ""
            name = entry.strip("=/")
            for pos in [i for i, lab in enumerate(labels) if lab.strip() == name]:
                hit = [pos] if mode != "/" else []
                if mode != "=":
                    end = pos + 1
                    while end < len(labels) and depth.iloc[end] > depth.iloc[pos]:
                        hit.append(end)
                        end += 1
                body.iloc[hit, 1:] = body.iloc[hit, 1:].map(lambda v, t=text: t if str(v) else v)
    return body


def _as_mapped(output: TLFOutput, trial: TrialData) -> TLFOutput:
    """Mask the rows built on not-collected columns and add the mapping's footnotes."""
    tlf = output.tlf
    missing = _not_collected(trial)
    rows = ROW_NEEDS.get(tlf.label, {})
    notes: list[str] = []
    body = tlf.body
    columns = COLUMN_NEEDS.get(tlf.label, {})
    if body is not None and any(c in missing for c in (*rows, *columns)):
        body = _mask_rows(body, rows, missing)
        for column, prefixes in columns.items():
            if column in missing:
                for header in [h for h in body.columns if str(h).startswith(prefixes)]:
                    body[header] = f"not collected ({column.split('.')[1]})"
        masked = ", ".join(c.split(".")[1] for c in (*rows, *columns) if c in missing)
        notes.append(
            f"Cells marked 'not collected' depend on {masked}, which these data do not hold "
            f"(mapping {trial.mapping.name if trial.mapping else ''}); no numbers are shown "
            "for them."
        )
    mapping = trial.mapping
    if mapping is not None:
        for dataset, prefixes in SHOWS.items():
            if not tlf.label.startswith(prefixes):
                continue
            spec = mapping.mapping.datasets.get(dataset)  # type: ignore[call-overload]
            if spec is None:
                continue
            columns = [*spec.footnotes, *(t for d in spec.derive for t in d.targets)]
            for column in dict.fromkeys(columns):
                note = mapping.footnote(dataset, column)
                if note and note not in notes:
                    notes.append(note)
    ard = output.ard
    patterns = [p for c, p in ARD_NEEDS.get(tlf.label, {}).items() if c in missing]
    if patterns:
        frame = ard.frame
        keys = (
            frame["parameter"].astype(str)
            + "|"
            + frame["group"].astype(str)
            + "|"
            + frame["analysis_set"].astype(str)
        )
        found = re.compile("|".join(f"(?:{p})" for p in patterns)).search
        gone = keys.map(lambda key: found(key) is not None).astype(bool)
        ard = ARD(frame.loc[~gone].reset_index(drop=True))
    if not notes and ard is output.ard:
        return output
    tlf = replace(tlf, body=body, footnotes=(*tlf.footnotes, *notes))
    return TLFOutput(tlf, ard)


def _ich_order(output: TLFOutput) -> tuple[int, tuple[int, ...]]:
    tlf = output.tlf
    return _KIND_ORDER.index(tlf.kind), tuple(int(part) for part in tlf.number.split("."))


def build_tlfs(ad: AnalysisData, areas: Collection[str] | None = None) -> list[TLFOutput]:
    """The TLFs of ``areas`` (all by default) at this cut-off: tables, figures, listings, by number.

    A report builds only the areas it shows, so the DMC report does not wait for efficacy
    analyses it must not display (SAP 10.1).
    """
    wanted = list(BUILDERS) if areas is None else list(areas)
    unknown = [area for area in wanted if area not in BUILDERS]
    if unknown:
        raise ValueError(f"unknown TLF area(s) {unknown}; allowed: {', '.join(BUILDERS)}")
    trial = ad.trial
    gone = unavailable(trial)
    outputs: list[TLFOutput] = []
    for area in wanted:
        for labels, build in BUILDERS[area].items():
            if labels and all(label in gone for label in labels):
                continue  # the data do not hold what any of them needs: not run at all
            outputs.extend(build(ad))
    if trial.mapping is not None:
        outputs = [_as_mapped(o, trial) for o in outputs if o.tlf.label not in gone]
    return sorted(outputs, key=_ich_order)


def combined_ard(outputs: list[TLFOutput]) -> ARD:
    """The one ARD behind all the TLFs (SAP 12)."""
    return ARD.concat(output.ard for output in outputs)
