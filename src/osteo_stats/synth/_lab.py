"""Synthetic laboratory values (ADLB) drawn around each simulated patient's history.

A separate random stream (``SeedSequence([seed, LAB_STREAM])``, one child per patient) is used,
so adding ADLB leaves every other synthetic dataset byte-identical. The values follow the
treatment each patient received:

- haematology (NEUT, PLAT, WBC) dips after each gemcitabine dose, with its nadir around days
  8-15 of a 21-day cycle and recovery by the next day 1; haemoglobin drifts down with the doses
  given and falls after surgery; lymphocytes fall after SBRT and recover over about two months;
- chemistry (ALT, AST, BILI, CREAT) and TSH stay near the patient's own normal level;
- every laboratory AE of the history has its value: a sample on the AE onset date (visit
  ``UNSCHEDULED``) and the scheduled samples while it lasts fall in the CTCAE v5.0 grade band of
  the AE's grade (neutropenia, thrombocytopenia, anaemia, leukopenia, ALT increased); immune
  hepatitis raises ALT, AST (and bilirubin when severe); hypothyroidism raises TSH; thyroiditis
  (hyperthyroidism) lowers TSH at onset and raises it one to four months later;
- a few patients have a transient creatinine rise after surgery.

Samples: screening (before the first dose), days 1, 8 and 15 of every gemcitabine cycle, each
maintenance penpulimab dose, before and 14 days after surgery, and 30 days after the last dose;
none after death, the end of study or the data cut-off.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np

from osteo_stats.derive.laboratory import grading_criteria
from osteo_stats.load.schemas import LAB_PARAMS, LAB_UNITS
from osteo_stats.synth._simulate import PatientHistory

#: Second entry of the lab stream's SeedSequence entropy (any constant; "AD1B").
LAB_STREAM = 0xAD1B

#: Normal ranges (LLN, ULN) by parameter; haemoglobin and creatinine by sex.
RANGES = {
    "NEUT": (1.8, 7.5),
    "PLAT": (150.0, 400.0),
    "WBC": (4.0, 11.0),
    "LYMPH": (1.0, 4.0),
    "ALT": (7.0, 40.0),
    "AST": (8.0, 40.0),
    "BILI": (3.0, 21.0),
    "TSH": (0.4, 4.0),
}
RANGES_BY_SEX = {"HGB": {"M": (130.0, 175.0), "F": (120.0, 155.0)},
                 "CREAT": {"M": (60.0, 110.0), "F": (45.0, 90.0)}}  # fmt: skip
#: A patient's own level, as a fraction of the way from LLN to ULN.
LEVEL = {"NEUT": 0.30, "PLAT": 0.40, "WBC": 0.30, "LYMPH": 0.30, "HGB": 0.45, "ALT": 0.35,
         "AST": 0.40, "BILI": 0.30, "CREAT": 0.45, "TSH": 0.30}  # fmt: skip
DECIMALS = {"NEUT": 2, "WBC": 2, "LYMPH": 2, "TSH": 2}  # others: whole numbers
NOISE = {"NEUT": 0.10, "PLAT": 0.08, "WBC": 0.08, "LYMPH": 0.10, "HGB": 0.03, "ALT": 0.15,
         "AST": 0.12, "BILI": 0.15, "CREAT": 0.06, "TSH": 0.20}  # fmt: skip
#: ADAE preferred terms whose grade the laboratory values carry: term -> (PARAMCD, grade shift).
AE_PARAMS = {
    "Neutrophil count decreased": (("NEUT", 0),),
    "Platelet count decreased": (("PLAT", 0),),
    "Anaemia": (("HGB", 0),),
    "White blood cell decreased": (("WBC", 0),),
    "Alanine aminotransferase increased": (("ALT", 0), ("AST", -1)),
    "Immune-mediated hepatitis": (("ALT", 0), ("AST", 0), ("BILI", -2)),
}
GEM_DEPTH = {"NEUT": (0.25, 0.70), "PLAT": (0.15, 0.55), "WBC": (0.20, 0.55)}
PANEL = tuple(LAB_PARAMS)


def _in_band(paramcd: str, grade: int, lo: float, hi: float, rng: np.random.Generator) -> float:
    """A value inside the CTCAE grade band (away from its edges)."""
    table = grading_criteria()
    rows = table.loc[table["PARAMCD"].eq(paramcd)].set_index("GRADE")
    grade = int(min(grade, rows.index.max()))

    def limit(g: int) -> float:
        row = rows.loc[g]
        ref = {"ABS": 1.0, "LLN": lo, "ULN": hi}[row["REFERENCE"]]
        return float(row["FACTOR"]) * ref

    top = limit(grade)
    if rows.loc[grade, "OPERATOR"] == "<":
        bottom = limit(grade + 1) if grade + 1 in rows.index else 0.35 * top
        return bottom + (top - bottom) * rng.uniform(0.2, 0.8)
    upper = limit(grade + 1) if grade + 1 in rows.index else 1.6 * top
    return top + (upper - top) * rng.uniform(0.2, 0.8)


def _schedule(h: PatientHistory) -> list[tuple[date, str]]:
    ex = h.ex
    first = min(r["EXSTDT"] for r in ex)
    last = max(r["EXSTDT"] for r in ex)
    rficdt = h.baseline["RFICDT"]
    visits = [(max(rficdt, first - timedelta(days=3)), "SCREENING")]
    cycles: dict[tuple[str, int], date] = {}
    for r in ex:
        if r["EXTRT"] == "GEMCITABINE":
            key = (r["APHASE"], r["CYCLE"])
            cycles[key] = min(cycles.get(key, r["EXSTDT"]), r["EXSTDT"])
    for (phase, cycle), d1 in sorted(cycles.items(), key=lambda kv: kv[1]):
        tag = "PRE-OP" if phase == "PRE-OPERATIVE" else "POST-OP"
        for day in (1, 8, 15):
            visits.append((d1 + timedelta(days=day - 1), f"{tag} C{cycle} D{day}"))
    maint = sorted(r["EXSTDT"] for r in ex if r["EXTRT"] == "PENPULIMAB"
                   and r["APHASE"] == "MAINTENANCE")  # fmt: skip
    visits += [(d, f"MAINTENANCE DOSE {i}") for i, d in enumerate(maint, 1)]
    if h.surgdt is not None:
        visits += [(h.surgdt - timedelta(days=3), "PRE-SURGERY"),
                   (h.surgdt + timedelta(days=14), "POST-SURGERY D14")]  # fmt: skip
    visits.append((last + timedelta(days=30), "END OF TREATMENT +30 DAYS"))
    return visits


def _usable(h: PatientHistory, d: date) -> bool:
    return (
        d >= h.baseline["RFICDT"]
        and d <= h.eosdt
        and (h.dthdt is None or d < h.dthdt)
        and (not h.contacts or d <= max(h.contacts))
    )


def simulate_labs(histories: list[PatientHistory], seed: int) -> dict[str, list[dict]]:
    """USUBJID -> ADLB rows (without STUDYID/USUBJID) over the whole history."""
    children = np.random.SeedSequence([seed, LAB_STREAM]).spawn(len(histories))
    return {
        h.usubjid: _patient_labs(h, np.random.default_rng(ss))
        for h, ss in zip(histories, children, strict=True)
        if h.ex
    }


def _patient_labs(h: PatientHistory, rng: np.random.Generator) -> list[dict]:
    sex = h.baseline["SEX"]
    ranges = {**RANGES, **{p: by_sex[sex] for p, by_sex in RANGES_BY_SEX.items()}}
    # The patient's own level; about one patient in twenty starts just outside the range.
    level = {
        p: lo + (hi - lo) * max(LEVEL[p] + rng.normal(0, 0.18), -0.25)
        for p, (lo, hi) in ranges.items()
    }
    depth = {p: rng.uniform(*bounds) for p, bounds in GEM_DEPTH.items()}
    lymph_depth = rng.uniform(0.35, 0.70)
    creat_rise = rng.random() < 0.10 and h.surgdt is not None
    gem = sorted(r["EXSTDT"] for r in h.ex if r["EXTRT"] == "GEMCITABINE")
    sbrt = sorted(r["EXSTDT"] for r in h.ex if r["EXTRT"] == "SBRT")
    visits = dict(_schedule(h))
    aes = [a for a in h.ae if a.get("_ast") is not None]
    for a in aes:
        if a["AEDECOD"] in AE_PARAMS or a["AEDECOD"] in ("Hypothyroidism", "Hyperthyroidism"):
            visits.setdefault(a["_ast"], "UNSCHEDULED")
    rows = []
    for d in sorted(v for v in visits if _usable(h, v)):
        values = {}
        for p in PANEL:
            lo, hi = ranges[p]
            v = level[p]
            if p in depth:
                dip = sum(math.exp(-(((d - g).days - 7) / 3.5) ** 2) for g in gem
                          if 0 <= (d - g).days <= 21)  # fmt: skip
                v *= max(0.12, 1 - depth[p] * min(dip, 1.3))
            if p == "LYMPH" and sbrt and d > sbrt[0]:  # sampled before the first fraction
                v *= 1 - lymph_depth * math.exp(-max((d - sbrt[-1]).days, 0) / 45)
            if p == "HGB":
                given = sum(g < d for g in gem)
                since = (d - gem[-1]).days if gem and d > gem[-1] else 0
                v -= max(0.0, 1.3 * given - 0.15 * since)
                if h.surgdt is not None and d >= h.surgdt:
                    v -= 14 * math.exp(-(d - h.surgdt).days / 25)
            if p == "CREAT" and creat_rise and 0 <= (d - h.surgdt).days <= 28:
                v = hi * rng.uniform(1.1, 1.6)
            values[p] = v * float(np.exp(rng.normal(0, NOISE[p])))
        for a in aes:
            start = a["_ast"]
            end = a["_aen"] or start + timedelta(days=21)
            grade = a["AETOXGR"] or 1
            if a["AEDECOD"] in AE_PARAMS and start <= d <= end:
                for p, shift in AE_PARAMS[a["AEDECOD"]]:
                    g = min(4, grade + shift - (0 if d == start else 1))
                    if g >= 1:
                        values[p] = _in_band(p, g, *ranges[p], rng)
            elif a["AEDECOD"] == "Hypothyroidism" and start <= d:
                values["TSH"] = ranges["TSH"][1] * rng.uniform(2.0, 6.0)
            elif a["AEDECOD"] == "Hyperthyroidism":
                if start <= d <= start + timedelta(days=30):
                    values["TSH"] = ranges["TSH"][0] * rng.uniform(0.05, 0.5)
                elif start + timedelta(days=35) <= d <= start + timedelta(days=120):
                    values["TSH"] = ranges["TSH"][1] * rng.uniform(1.5, 4.0)
        for p in PANEL:
            if p == "TSH" and not _tsh_visit(visits[d]):
                continue
            lo, hi = ranges[p]
            digits = DECIMALS.get(p, 0)
            rows.append({
                "PARAMCD": p, "PARAM": LAB_PARAMS[p], "AVISIT": visits[d], "ADT": d,
                "AVAL": max(round(values[p], digits), 10.0**-digits if digits else 1.0),
                "AVALU": LAB_UNITS[p], "ANRLO": lo, "ANRHI": hi,
            })  # fmt: skip
    return rows


def _tsh_visit(visit: str) -> bool:
    """TSH is measured at screening, on day 1 of a cycle, at maintenance doses, unscheduled
    samples and the end of treatment (not on days 8 and 15)."""
    return not visit.endswith((" D8", " D15", "PRE-SURGERY", "POST-SURGERY D14"))
