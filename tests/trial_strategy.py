"""Hypothesis strategies for whole PROMIS trials, valid by the data model (sap/DATA_MODEL.md).

A trial is drawn as the complete history of each patient (:class:`PatientHistory`, the synthetic
generator's own record, ``osteo_stats.synth``), and the extract at a data cut-off is taken with
the generator's :func:`~osteo_stats.synth._cutoff.datasets_at`: what was known on that date, with
surgery ``PENDING`` when its outcome was not yet known. The files are written with the
generator's CSV and XPT writers. So the strategy only decides *what happens* to each patient;
every rule of the data model about how it is recorded is the generator's.

Each patient takes one of the paths SAP 3-4 name: withdrawal before the first dose (SBRT), death
before surgery, surgery not done (progression, toxicity, withdrawal, other), or an R0/R1/R2
resection; then imaging every 12 weeks with misses, recurrence, new therapy, a second
malignancy, death or the end of study at dates drawn around the 24-month landmark (LMDT - 15,
LMDT - 14, LMDT, ...), so that every primary-endpoint rule (S1, S2, F1, F2, F3, N1, N2) is
reached at and just past its limit. Responses before surgery come as single or repeated CR/PR
(confirmed or not, SAP 3.3), SD before and after day 35. AE dates and the dates of death and new
therapy may be partial (SAP 8.3); ADBM and ADLB may be absent; verbatim terms run up to the
200-byte limit of a SAS transport v5 text value and use any script; identifiers are non-ASCII
in some trials.

Profiles: the tests take ``examples(ci, thorough)``: with ``HYPOTHESIS_PROFILE=thorough`` the
thorough count (random, new examples each run, no shrinking), otherwise the CI count,
derandomized (the same examples on every run, no example database). ``GENERATIVE_EXAMPLES=N``
bounds a thorough run to N examples per test.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from osteo_stats.sap import SAP
from osteo_stats.synth._cutoff import datasets_at
from osteo_stats.synth._lab import simulate_labs
from osteo_stats.synth._simulate import PatientHistory
from osteo_stats.synth._spec import DATASETS
from osteo_stats.synth._write import csv_bytes, write_xpt, xpt_timestamp

THOROUGH = os.environ.get("HYPOTHESIS_PROFILE", "") == "thorough"


def examples(ci: int, thorough: int) -> settings:
    """Settings of a generative test: ``ci`` derandomized examples, or ``thorough`` random ones."""
    common = dict(
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.function_scoped_fixture,
        ],
        print_blob=True,
    )
    if THOROUGH:
        # No shrinking: a whole trial takes many minutes to shrink; the failing trial is printed.
        phases = (Phase.explicit, Phase.reuse, Phase.generate)
        count = int(os.environ.get("GENERATIVE_EXAMPLES", thorough))  # a bounded thorough run
        return settings(max_examples=count, phases=phases, **common)
    return settings(max_examples=ci, derandomize=True, database=None, **common)


TRIAL_START = date(2023, 1, 2)
LANDMARK = 730  # LMDT = ENRLDT + 730 days (SAP 3.1)
INTERVAL = 84  # imaging every 12 weeks (SAP 3.2.4)
MARKERS = ("CD8DENS", "TLSCNT", "PDL1TPS")
FAR = 20_000  # "never" within any cut-off drawn here

# (AEDECOD, AEBODSYS) pairs; verbatim terms are drawn freely.
TERMS = (
    ("Fatigue", "General disorders and administration site conditions"),
    ("Pneumonitis", "Respiratory, thoracic and mediastinal disorders"),
    ("Neutrophil count decreased", "Investigations"),
    ("Air leak", "Injury, poisoning and procedural complications"),
    ("Nausea", "Gastrointestinal disorders"),
    ("Hypothyroidism", "Endocrine disorders"),
    ("Éruption cutanée", "Affections de la peau et du tissu sous-cutané"),
    ("肺炎", "呼吸器、胸郭および縦隔障害"),
)
AEACN = (
    "DOSE NOT CHANGED",
    "DRUG INTERRUPTED",
    "DOSE REDUCED",
    "DRUG WITHDRAWN",
    "NOT APPLICABLE",
    "UNKNOWN",
)
CLAVIEN = ("I", "II", "IIIa", "IIIb", "IVa", "IVb", "V")
PATHS = ("withdrawal before SBRT", "death before surgery", "no surgery", "operated")
NOT_DONE_REASONS = ("PROGRESSION", "TOXICITY", "WITHDRAWAL", "OTHER")
ENDINGS = ("ongoing", "completed", "lost", "withdrew", "death")
# Days from enrollment around the landmark (LMDT = day 730 after ENRLDT): the S2 window opens at
# LMDT - 14; F1/S1 split at an event on LMDT - 1 (AVAL 730 days) / LMDT.
NEAR_LANDMARK = (LANDMARK - 15, LANDMARK - 14, LANDMARK - 1, LANDMARK, LANDMARK + 1)

_TEXT_CHARS = st.characters(categories=("L", "N", "P", "S", "Zs"), codec="utf-8")


def _max_bytes(text: str, limit: int = 200) -> str:
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


#: Verbatim text up to the XPT v5 limit of 200 bytes, any script (AETERM is kept as recorded).
verbatim = st.one_of(
    st.sampled_from(["tiredness", "air leak after surgery", "pneumonitis", "naïve höhe"]),
    st.text(_TEXT_CHARS, min_size=1, max_size=200).map(_max_bytes),
    st.just("x" * 200),
    st.just("é" * 100),
).filter(lambda s: s.strip() != "")


@dataclass(frozen=True)
class Trial:
    """Histories of the patients, the extract's cut-off and what the files include."""

    histories: tuple[PatientHistory, ...]
    cutoff: date
    with_adbm: bool
    with_adlb: bool
    lab_seed: int
    partial_death: dict[str, str]  # USUBJID -> partial DTHDT as recorded

    def datasets(self, sap: SAP, cutoff: date | None = None) -> dict[str, pd.DataFrame]:
        """The datasets extracted at ``cutoff`` (default: the trial's), in data-model form."""
        cut = self.cutoff if cutoff is None else cutoff
        histories = list(self.histories)
        labs = simulate_labs(histories, self.lab_seed) if self.with_adlb else None
        frames = datasets_at(histories, sap, cut, labs)
        adsl = frames["ADSL"]
        for usubjid, text in self.partial_death.items():
            at = adsl["USUBJID"].eq(usubjid) & adsl["DTHDT"].notna()
            adsl.loc[at, "DTHDT"] = text
        if not self.with_adbm:
            del frames["ADBM"]
        if not self.with_adlb:
            del frames["ADLB"]
        return frames

    @property
    def first_enrollment(self) -> date:
        return min(h.baseline["ENRLDT"] for h in self.histories)


def write_datasets(frames: dict[str, pd.DataFrame], directory: Path, fmt: str = "csv") -> Path:
    """Write each dataset as ``<name>.csv`` or ``<name>.xpt`` with the generator's writers."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = xpt_timestamp(pd.Timestamp(frames["ADSL"]["DCUTDT"].iloc[0]).date())
    for name in DATASETS:
        if name not in frames:
            continue
        if fmt == "csv":
            (directory / f"{name.lower()}.csv").write_bytes(csv_bytes(name, frames[name]))
        elif fmt == "xpt":
            write_xpt(name, frames[name], directory / f"{name.lower()}.xpt", stamp)
        else:
            raise ValueError(f"unknown format {fmt!r}")
    return directory


def _partial(day: date, kind: str) -> str | date:
    if kind == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if kind == "year":
        return f"{day.year:04d}"
    return day


@st.composite
def patient(draw: st.DrawFn, usubjid: str, site: str) -> PatientHistory:  # noqa: C901
    """One patient's complete history (dates are days from enrollment, ``d(n)``)."""
    enrl = TRIAL_START + timedelta(days=draw(st.integers(0, 900)))

    def d(n: int) -> date:
        return enrl + timedelta(days=n)

    rfic = d(-draw(st.integers(0, 21)))
    age = draw(st.one_of(st.integers(10, 65), st.sampled_from([0, 9, 15, 16, 66, 120])))
    if age >= 16:
        pstype, psscore = "ECOG", draw(st.integers(0, 5))
    else:
        pstype, psscore = "LANSKY", 10 * draw(st.integers(0, 10))
    baseline = {
        "SITEID": site,
        "AGE": age,
        "SEX": draw(st.sampled_from(["M", "F"])),
        "PSTYPE": pstype,
        "PSSCORE": psscore,
        "NNODULE": draw(st.integers(1, 12)),
        "LATERAL": draw(st.sampled_from(["UNILATERAL", "BILATERAL"])),
        "DFIMO": draw(st.integers(0, 600)) / 10,
        "PRIORLN": draw(st.integers(1, 4)),
        "RFICDT": rfic,
        "ENRLDT": enrl,
    }
    path = draw(st.sampled_from(PATHS))
    ex: list[dict] = []
    rs: list[dict] = []
    tr: list[dict] = []
    bm: list[dict] = []
    ae: list[dict] = []
    contacts = {rfic, enrl}

    def assess(visit: str, day: date, phase: str, avalc: str, recur=None, new="N") -> None:
        if any(r["ADT"] == day for r in rs):
            return  # ADRS key is (USUBJID, ADT)
        recur = None if phase == "PRE-OPERATIVE" else recur
        rs.append(
            dict(
                PARAMCD="OVRLRESP",
                AVISIT=visit,
                ADT=day,
                APHASE=phase,
                AVALC=avalc,
                RECURFL=recur,
                NEWLFL=new,
            )
        )
        tr.append(
            dict(
                PARAMCD="SUMDIAM",
                AVISIT=visit,
                ADT=day,
                AVAL=float(draw(st.integers(0, 150))),
                ABLFL="N",
            )
        )

    screening = d(-draw(st.integers(0, (enrl - rfic).days)))
    rs.append(
        dict(
            PARAMCD="OVRLRESP",
            AVISIT="SCREENING",
            ADT=screening,
            APHASE="PRE-OPERATIVE",
            AVALC="NE",
            RECURFL=None,
            NEWLFL="N",
        )
    )
    base = float(draw(st.one_of(st.integers(1, 150), st.just(0))))
    tr.append(dict(PARAMCD="SUMDIAM", AVISIT="SCREENING", ADT=screening, AVAL=base, ABLFL="Y"))

    surgpldt = d(56) if draw(st.integers(0, 4)) else None
    surgdt = None
    surgout = "NOT DONE"
    surgndrs = None
    surg_known = None
    necrpct = None
    nactdt = None
    nact_text = None
    smdt = None
    dthdt = None
    dthcaus = None
    dcsreas = None

    def causes() -> str:
        return draw(st.sampled_from(["DISEASE PROGRESSION", "TREATMENT-RELATED", "OTHER"]))

    if path == "withdrawal before SBRT":
        eos = d(draw(st.integers(1, 20)))
        surgndrs, surg_known = "WITHDRAWAL", eos
        eosstt, dcsreas = "DISCONTINUED", "WITHDRAWAL BY SUBJECT"
        contacts.add(eos)
        end_info = eos
    else:
        # Pre-operative treatment: SBRT fractions from day 3, gemcitabine and penpulimab.
        death_pre = d(draw(st.integers(8, 55))) if path == "death before surgery" else None
        fractions = draw(st.integers(1, 5))
        for i in range(fractions):
            day = d(3 + i)
            if death_pre is None or day <= death_pre:
                ex.append(
                    dict(
                        EXTRT="SBRT",
                        APHASE="PRE-OPERATIVE",
                        CYCLE=None,
                        EXFRACN=i + 1,
                        EXSTDT=day,
                        EXPLDOS=8.0,
                        EXDOSE=float(draw(st.sampled_from([8, 8, 6, 0]))),
                        EXDOSU="Gy",
                    )
                )
        for cycle, day in ((1, 3 + fractions), (2, 24 + fractions)):
            for trt, unit, planned in (
                ("GEMCITABINE", "mg/m2", 1000.0),
                ("PENPULIMAB", "mg", 200.0),
            ):
                when = d(day + (1 if trt == "PENPULIMAB" else 0))
                if draw(st.integers(0, 5)) and (death_pre is None or when <= death_pre):
                    ex.append(
                        dict(
                            EXTRT=trt,
                            APHASE="PRE-OPERATIVE",
                            CYCLE=cycle,
                            EXFRACN=None,
                            EXSTDT=when,
                            EXPLDOS=planned,
                            EXDOSE=planned * draw(st.sampled_from([1.0, 1.0, 0.75])),
                            EXDOSU=unit,
                        )
                    )
        # Pre-operative assessments: single or repeated responses, SD before/after day 35.
        pre_days = draw(
            st.lists(st.sampled_from([14, 20, 34, 35, 42, 48, 50]), max_size=3, unique=True)
        )
        for n in sorted(pre_days):
            if death_pre is None or d(n) <= death_pre:
                avalc = draw(st.sampled_from(["CR", "PR", "SD", "PD", "NE"]))
                assess("PRE-OP", d(n), "PRE-OPERATIVE", avalc, new=draw(st.sampled_from("NY")))
        if path == "death before surgery":
            dthdt, dthcaus = death_pre, causes()
            surgndrs, surg_known = "DEATH", death_pre
            eosstt, dcsreas = "DISCONTINUED", "DEATH"
            eos = end_info = death_pre
        else:
            if path == "operated":
                surgdt = d(draw(st.integers(50, 70)))
                surgout = draw(st.sampled_from(["R0", "R1", "R2"]))
                surg_known = surgdt
                necrpct = float(draw(st.sampled_from([0, 49, 50, 89, 90, 99, 100, 73])))
                contacts.add(surgdt)
                start = surgdt
            else:
                surgndrs = draw(st.sampled_from(NOT_DONE_REASONS))
                surg_known = d(draw(st.integers(45, 70)))
                start = enrl
                if surgndrs == "PROGRESSION" and draw(st.booleans()):
                    assess("PRE-OP PD", surg_known, "PRE-OPERATIVE", "PD", new="Y")
            ending = draw(st.sampled_from(ENDINGS))
            if ending == "ongoing":
                eos = d(FAR)
            elif ending == "completed":
                eos = d(draw(st.sampled_from([*NEAR_LANDMARK, LANDMARK + 60])))
            else:
                eos = d(draw(st.one_of(st.integers(80, 900), st.sampled_from(NEAR_LANDMARK))))
            eosstt, dcsreas = {
                "ongoing": ("COMPLETED", None),
                "completed": ("COMPLETED", None),
                "lost": ("DISCONTINUED", "LOST TO FOLLOW-UP"),
                "withdrew": (
                    "DISCONTINUED",
                    draw(
                        st.sampled_from(
                            [
                                "WITHDRAWAL BY SUBJECT",
                                "PHYSICIAN DECISION",
                                "OTHER",
                                "ADVERSE EVENT",
                            ]
                        )
                    ),
                ),
                "death": ("DISCONTINUED", "DEATH"),
            }[ending]
            if ending == "death":
                dthdt = d(draw(st.one_of(st.integers(75, 1000), st.sampled_from(NEAR_LANDMARK))))
                dthcaus = causes()
                eos = dthdt
            end_info = min(eos, dthdt or eos)
            # Imaging every 12 weeks from surgery (or enrollment), some missed, one near LMDT.
            phase = (
                "POST-OPERATIVE"
                if path == "operated"
                else draw(st.sampled_from(["POST-OPERATIVE", "PRE-OPERATIVE"]))
            )
            visits = [start + timedelta(days=INTERVAL * k) for k in range(1, 13)]
            extra = draw(st.sampled_from([None, *NEAR_LANDMARK]))
            if extra is not None:
                visits.append(d(extra))
            recur_at = draw(st.one_of(st.none(), st.integers(0, len(visits) - 1)))
            for k, day in enumerate(sorted(visits)):
                if day > end_info or (dthdt is not None and day > dthdt):
                    break
                if day in (surgdt,) or draw(st.integers(0, 6)) == 0:
                    continue  # missed scan
                if k == recur_at:
                    kind = draw(st.sampled_from(["recur", "new", "pd"]))
                    assess(
                        "FOLLOW-UP",
                        day,
                        phase,
                        "PD" if kind == "pd" else draw(st.sampled_from(["NED", "SD", "PD"])),
                        recur="Y" if kind == "recur" else "N",
                        new="Y" if kind == "new" else "N",
                    )
                else:
                    avalc = draw(st.sampled_from(["NED", "NED", "CR", "SD", "NE"]))
                    assess("FOLLOW-UP", day, phase, avalc, recur="N")
            if draw(st.integers(0, 4)) == 0:
                nact = d(draw(st.integers(60, 800)))
                if nact <= end_info:
                    nactdt = nact
                    kind = draw(st.sampled_from(["day", "month", "year"]))
                    nact_text = None if kind == "day" else _partial(nact, kind)
            if draw(st.integers(0, 6)) == 0:
                sm = d(draw(st.integers(100, 900)))
                if sm <= end_info:
                    smdt = sm
        # Survival follow-up contacts every 12 weeks, before death and the end of study.
        for k in range(1, 40):
            call = d(k * INTERVAL - draw(st.integers(0, 3)))
            if call > end_info or (dthdt is not None and call >= dthdt):
                break
            contacts.add(call)
        # Adverse events between consent and the end of information.
        for seq in range(draw(st.integers(0, 3))):
            span = max((min(end_info, d(900)) - rfic).days, 0)
            onset = rfic + timedelta(days=draw(st.integers(0, span)))
            if dthdt is not None and onset > dthdt:
                continue
            fatal = dthdt is not None and draw(st.integers(0, 3)) == 0
            grade = 5 if fatal else draw(st.one_of(st.integers(1, 4), st.none()))
            end = None if fatal else onset + timedelta(days=draw(st.integers(0, 200)))
            if fatal:
                end = dthdt
            elif end > end_info or draw(st.integers(0, 5)) == 0:
                end = None
            if dthdt is not None and end is not None and end > dthdt:
                end = None
            decod, soc = draw(st.sampled_from(TERMS))
            onset_kind = draw(st.sampled_from(["day", "day", "month", "year", "missing"]))
            end_kind = draw(st.sampled_from(["day", "day", "month", "year"]))
            surgical = surgdt is not None and onset > surgdt and draw(st.booleans())
            outcome = (
                "FATAL"
                if fatal
                else "NOT RECOVERED/NOT RESOLVED"
                if end is None
                else draw(
                    st.sampled_from(["RECOVERED/RESOLVED", "RECOVERED/RESOLVED WITH SEQUELAE"])
                )
            )
            ae.append(
                dict(
                    AESEQ=seq + 1,
                    AETERM=draw(verbatim),
                    AEDECOD=decod,
                    AEBODSYS=soc,
                    AETOXGR=grade,
                    AESER=draw(st.sampled_from("NY")) if not fatal else "Y",
                    AERELSB=draw(st.sampled_from("NY")),
                    AERELPD=draw(st.sampled_from("NY")),
                    AERELGM=draw(st.sampled_from("NY")),
                    AEIRFL=draw(st.sampled_from("NY")),
                    ASTDT=None if onset_kind == "missing" else _partial(onset, onset_kind),
                    AENDT=None if end is None else _partial(end, end_kind),
                    AEACN=draw(st.sampled_from(AEACN)),
                    AEOUT=outcome,
                    AECLAVDN=draw(st.sampled_from(CLAVIEN)) if surgical else None,
                    AESDLYFL=draw(st.sampled_from("NY")),
                    _ast=onset,
                    _aen=end,
                )
            )
            contacts.add(onset)
            if end is not None and (dthdt is None or end < dthdt):
                contacts.add(end)
    # Biomarkers: the diagnostic biopsy before SBRT and the resected specimen.
    for marker in MARKERS:
        if draw(st.integers(0, 3)):
            done = draw(st.integers(0, 5)) > 0
            value = float(draw(st.integers(0, 500)))
            bm.append(
                dict(
                    PARAMCD=marker,
                    ATPT="PRE-SBRT",
                    ADT=screening,
                    AVAL=value if done else None,
                    BMSTAT="DONE" if done else "NOT EVALUABLE",
                    BMREASND=None if done else "INSUFFICIENT TISSUE",
                    _known=screening,
                )
            )
        if surgdt is not None:
            bm.append(
                dict(
                    PARAMCD=marker,
                    ATPT="POST-SBRT",
                    ADT=surgdt,
                    AVAL=float(draw(st.integers(0, 500))),
                    BMSTAT="DONE",
                    BMREASND=None,
                    _known=surgdt,
                )
            )
        elif surg_known is not None and draw(st.booleans()):
            bm.append(
                dict(
                    PARAMCD=marker,
                    ATPT="POST-SBRT",
                    ADT=None,
                    AVAL=None,
                    BMSTAT="NOT DONE",
                    BMREASND="NO SURGERY",
                    _known=surg_known,
                )
            )
    contacts |= {r["EXSTDT"] for r in ex} | {r["ADT"] for r in rs}
    contacts = {c for c in contacts if c <= end_info and (dthdt is None or c <= dthdt)}
    if dthdt is not None:
        contacts = {c for c in contacts if c < dthdt} or {rfic}
    ae.sort(key=lambda a: (a["_ast"], a["AEDECOD"]))
    for i, a in enumerate(ae, start=1):
        a["AESEQ"] = i
    return PatientHistory(
        usubjid=usubjid,
        baseline=baseline,
        surgpldt=surgpldt,
        surgdt=surgdt,
        surgout=surgout,
        surgndrs=surgndrs,
        surg_known=surg_known,
        necrpct=necrpct,
        nactdt=nactdt,
        nact_text=nact_text,
        smdt=smdt,
        dthdt=dthdt,
        dthcaus=dthcaus,
        eosstt=eosstt,
        dcsreas=dcsreas,
        eosdt=eos,
        pprotfl="Y" if surgdt is not None and draw(st.integers(0, 4)) else "N",
        contacts=sorted(contacts),
        ex=sorted(ex, key=lambda r: r["EXSTDT"]),
        ae=ae,
        rs=rs,
        tr=tr,
        bm=bm,
    )


PREFIXES = ("PROMIS", "PRØMIS", "ПРОМИС", "試験")
SITES = ("01", "02", "Ñuñoa", "東京", "Site 3")


@st.composite
def trials(draw: st.DrawFn, min_patients: int = 1, max_patients: int = 60) -> Trial:
    """A valid trial of ``min_patients``-``max_patients`` patients at an extract cut-off drawn
    from the first enrollment to after the last follow-up."""
    n = draw(st.integers(min_patients, max_patients))
    prefix = draw(st.sampled_from(PREFIXES))
    histories = [
        draw(patient(f"{prefix}-{i:03d}", draw(st.sampled_from(SITES)))) for i in range(1, n + 1)
    ]
    first = min(h.baseline["ENRLDT"] for h in histories)
    last = max(h.baseline["ENRLDT"] for h in histories)
    cutoff = first + timedelta(
        days=draw(
            st.one_of(
                st.integers(0, (last - first).days + 1000),
                st.sampled_from([0, (last - first).days + LANDMARK, (last - first).days + 1200]),
            )
        )
    )
    partial_death = {}
    for h in histories:
        if h.dthdt is not None and draw(st.integers(0, 4)) == 0:
            partial_death[h.usubjid] = _partial(h.dthdt, draw(st.sampled_from(["month", "year"])))
    return Trial(
        histories=tuple(histories),
        cutoff=cutoff,
        with_adbm=draw(st.booleans()),
        with_adlb=draw(st.booleans()),
        lab_seed=draw(st.integers(0, 2**32 - 1)),
        partial_death=partial_death,
    )
