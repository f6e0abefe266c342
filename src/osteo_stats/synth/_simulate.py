"""Simulate the complete history of every synthetic PROMIS patient (no cut-off yet).

Each patient's story is simulated in calendar order: baseline and screening, pre-operative
SBRT + gemcitabine + penpulimab, restaging, metastasectomy, post-operative cycles and
penpulimab maintenance, imaging every 12 weeks, recurrence, new therapy, death or end of study.
Adverse events are drawn from :mod:`._catalogue` over the exposure the patient actually had.

Rare story elements that the analyses must exercise (pre-operative progression, a patient never
treated, withdrawals, a surgery delayed more than four weeks by toxicity, a treatment-related
death, two consecutive missed scans before a recurrence, ...) are assigned to a fixed number of
randomly chosen patients (:func:`_assign_roles`) so that every seed produces them; everything
else is random. A latent per-patient "sensitivity" ``z`` ties radiological response, tumour
necrosis, the biomarker rise after SBRT and the chance of cure together, as in real data.

Every date here is synthetic. Rows are plain dicts with :class:`datetime.date` values; hidden
keys starting with ``_`` carry what the cut-off step needs (true dates behind partial dates,
the date a fact became known) and are dropped before output.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from osteo_stats.sap import SAP
from osteo_stats.synth._catalogue import (
    CATALOGUE,
    CAUSE_FLAGS,
    CLAVIEN_TO_CTCAE,
    GRADE5_PNEUMONITIS,
    HAEM_PER_CYCLE,
    INVEST,
    LONG_DELAY_IRAE,
    PD1_STOP_AT_GRADE3,
    SECOND_MALIGNANCY,
    Term,
)

ACCRUAL_START = date(2022, 3, 1)  # first site activated (synthetic)
SCREENING_DAYS = 21  # consent is 4-21 days before enrollment
ACCRUAL_RAMP = 1.35  # cumulative accrual ~ t**1.35: slower in the first months
# (SITEID, activation day after ACCRUAL_START, share of accrual once active)
SITES = (("01", 0, 0.45), ("02", 75, 0.25), ("03", 150, 0.18), ("04", 240, 0.12))
# Largest synthetic trial (`synth --n`): 100 times the planned 43 is enough for scale tests.
MAX_PATIENTS = 10_000
FOLLOW_UP_MONTHS = 36  # protocol follow-up per patient; COMPLETED at its end
MAINTENANCE_DAYS = 364  # penpulimab up to about one year from the first dose
GEM_MG_M2 = 1000.0
PEN_FLAT_MG = 200.0
PEN_MG_PER_KG = 3.0  # children under 40 kg
SBRT_GY_PER_FRACTION = ((6.0, 0.20), (7.0, 0.35), (8.0, 0.30), (10.0, 0.15))  # 30-50 Gy / 5

ROLE_ORDER = (
    "no_dose",
    "preop_withdrawal",
    "preop_pd",
    "long_delay",
    "lost_fu",
    "grade5",
    "second_malig",
    "missed_two",
    "nact_before",
    "major_dev",
)


def _weekday(d: date) -> date:
    """Clinics dose, scan and operate on weekdays: move a weekend date to Monday."""
    return d + timedelta(days=7 - d.weekday()) if d.weekday() >= 5 else d


def _weekday_back(d: date) -> date:
    """Move a weekend date back to Friday (consent is signed before the weekend)."""
    return d - timedelta(days=d.weekday() - 4) if d.weekday() >= 5 else d


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


@dataclass
class PatientHistory:
    """Everything that ever happens to one patient, before any cut-off."""

    usubjid: str
    baseline: dict  # ADSL columns that do not change with the cut-off
    surgpldt: date | None
    surgdt: date | None
    surgout: str  # R0/R1/R2/NOT DONE
    surgndrs: str | None
    surg_known: date | None  # date the surgical outcome (or its absence) became known
    necrpct: float | None
    nactdt: date | None
    nact_text: str | None  # partial date as recorded, when the day (or month) is unknown
    smdt: date | None
    dthdt: date | None
    dthcaus: str | None
    eosstt: str  # COMPLETED or DISCONTINUED (ONGOING is decided by the cut-off)
    dcsreas: str | None
    eosdt: date
    pprotfl: str
    contacts: list[date] = field(default_factory=list)
    ex: list[dict] = field(default_factory=list)
    ae: list[dict] = field(default_factory=list)
    rs: list[dict] = field(default_factory=list)
    tr: list[dict] = field(default_factory=list)
    bm: list[dict] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Trial level
# --------------------------------------------------------------------------------------------


MAX_STAGE1_DRAWS = 100


def simulate_trial(sap: SAP, n_patients: int, seed: int) -> list[PatientHistory]:
    """Full histories of ``n_patients`` patients, in enrollment order.

    A trial that enrolled beyond the first Simon stage (``n_patients > design.n1``) passed
    the stage-1 futility check, so a draw in which the first ``n1`` patients have ``r1`` or
    fewer 24-month EFS successes is discarded and the trial redrawn from the next stream
    (``SeedSequence([seed, attempt])``; attempt 0 is ``SeedSequence(seed)``). This is
    deterministic for a seed; about four draws in five pass at once.
    """
    if not 1 <= n_patients <= MAX_PATIENTS:
        raise ValueError(f"n_patients (--n) must be from 1 to {MAX_PATIENTS:,}; got {n_patients:,}")
    design = sap.design
    for attempt in range(MAX_STAGE1_DRAWS):
        root = np.random.SeedSequence(seed if attempt == 0 else [seed, attempt])
        histories = _draw_trial(sap, n_patients, root)
        if n_patients <= design.n1:
            return histories
        landmark = math.ceil(sap.primary_endpoint.landmark_months * sap.time.days_per_month)
        window = sap.efs.assessment_window_days
        stage1 = sum(_efs_success(h, landmark, window) for h in histories[: design.n1])
        if stage1 > design.r1:
            return histories
    raise RuntimeError(f"no draw passed stage 1 in {MAX_STAGE1_DRAWS} attempts")  # not seen


def _efs_success(h: PatientHistory, landmark_days: int, window_days: int) -> bool:
    """Alive and event-free at the landmark with a tumour assessment near or after it."""
    horizon = h.baseline["ENRLDT"] + timedelta(days=landmark_days)
    events = [r["ADT"] for r in h.rs if r["AVALC"] == "PD"]
    events += [h.surgdt] if h.surgout in ("R1", "R2") else []
    events += [d for d in (h.smdt, h.dthdt) if d is not None]
    if any(e <= horizon for e in events):
        return False
    return max(r["ADT"] for r in h.rs) >= horizon - timedelta(days=window_days)


def _draw_trial(sap: SAP, n_patients: int, root: np.random.SeedSequence) -> list[PatientHistory]:
    # One stream for trial-level choices and one per patient, so a patient's story does not
    # shift when another patient's simulation draws more or fewer numbers.
    trial_ss, *patient_ss = root.spawn(n_patients + 1)
    rng = np.random.default_rng(trial_ss)
    enrolled = _enrollment_dates(sap, n_patients, rng)
    sites = _sites(enrolled, rng, _site_blocks(sap, n_patients))
    roles = _assign_roles(n_patients, rng)
    bm_pre_ne = int(rng.integers(n_patients))
    standard = [i for i, r in enumerate(roles) if r in ("standard", "major_dev")]
    bm_post_ne = int(rng.choice(standard)) if standard else -1
    histories = []
    per_site: dict[str, int] = {}
    for i, (enrl, site) in enumerate(zip(enrolled, sites, strict=True)):
        per_site[site] = per_site.get(site, 0) + 1
        usubjid = f"{sap.study.studyid}-{site}-{per_site[site]:03d}"
        sim = _PatientSim(
            sap,
            np.random.default_rng(patient_ss[i]),
            usubjid,
            site,
            enrl,
            roles[i],
            bm_pre_ne=(i == bm_pre_ne),
            bm_post_ne=(i == bm_post_ne),
        )
        histories.append(sim.run())
    _mark_partial_onsets(histories, rng)
    _mark_missing_grade(histories, rng)
    _mark_partial_new_therapy(histories, rng)
    return histories


def _site_blocks(sap: SAP, n: int) -> int:
    """How many copies of the :data:`SITES` network a trial of ``n`` patients has.

    A larger trial recruits at more sites, not for longer: each block of four sites (same
    activation stagger and shares) enrols at the planned rate, so up to the planned enrollment
    (43) there is one block, as in PROMIS, and 4,300 patients need 100 blocks (400 sites) and
    accrue within the planned 24 months instead of two centuries.
    """
    return max(1, math.ceil(n / sap.study.planned_enrollment))


def _enrollment_dates(sap: SAP, n: int, rng: np.random.Generator) -> list[date]:
    """Staggered accrual with a ramp-up: cumulative accrual F(t) = (t / T) ** ACCRUAL_RAMP.

    T is the time the :func:`_site_blocks` site networks take at the planned rate: the planned
    accrual period scaled by ``n`` over the networks' planned enrollment (at most 24 months).
    """
    planned_n = sap.study.planned_enrollment * _site_blocks(sap, n)
    months = sap.study.planned_accrual_months * n / planned_n
    span = months * sap.time.days_per_month
    # Stratified uniforms (one per 1/n slice) keep the accrual curve smooth, like a real trial.
    u = (np.arange(n) + rng.uniform(0.15, 0.85, size=n)) / n
    # The first consent needs a site that is open: nobody is enrolled in the first
    # SCREENING_DAYS (the longest screening period) after activation.
    days = SCREENING_DAYS + max(span - SCREENING_DAYS, 0.0) * u ** (1.0 / ACCRUAL_RAMP)
    return sorted(_weekday(ACCRUAL_START + timedelta(days=int(d))) for d in days)


def _sites(enrolled: list[date], rng: np.random.Generator, blocks: int = 1) -> list[str]:
    # Block b repeats SITES with IDs shifted by 4 b ("05"-"08" for the second block, ...).
    network = [
        (f"{int(s) + len(SITES) * b:02d}", start, w / blocks)
        for b in range(blocks)
        for s, start, w in SITES
    ]
    out = []
    for d in enrolled:
        active = [
            (s, w) for s, start, w in network if (d - ACCRUAL_START).days >= start + SCREENING_DAYS
        ]
        weights = np.array([w for _, w in active])
        out.append(active[int(rng.choice(len(active), p=weights / weights.sum()))][0])
    return out


def _assign_roles(n: int, rng: np.random.Generator) -> list[str]:
    """Give the rare story elements to a fixed number of random patients."""
    big = n >= 20
    counts = {
        "no_dose": 1 if big else 0,
        "preop_withdrawal": 1 if n >= 10 else 0,
        "preop_pd": max(1, round(n * rng.uniform(0.05, 0.095))),
        "long_delay": int(rng.integers(1, 3)) if big else int(n >= 8),
        "lost_fu": int(n >= 15),
        "grade5": int(big),
        "second_malig": int(big and rng.random() < 0.6),
        "missed_two": 2 if n >= 30 else int(n >= 10),
        "nact_before": int(n >= 15),
        "major_dev": round(n * 0.05),
    }
    roles = ["standard"] * n
    order = rng.permutation(n)
    k = 0
    for role in ROLE_ORDER:
        for _ in range(counts[role]):
            if k < n:
                roles[order[k]] = role
                k += 1
    return roles


def _candidate_aes(histories: list[PatientHistory]):
    for h in histories:
        trtsdt = min((r["EXSTDT"] for r in h.ex), default=None)
        for ae in h.ae:
            if trtsdt is not None:
                yield h, ae, trtsdt


def _mark_partial_onsets(histories: list[PatientHistory], rng: np.random.Generator) -> None:
    """Record a handful of onsets as 'YYYY-MM' (and one as 'YYYY'), as CRFs sometimes do.

    Only events whose onset month (year) is after the first-dose month (year) are chosen, so
    the SAP imputation (first of period, not before first dose) stays on or before the true
    date and every cross-dataset rule still holds after imputation.
    """

    def ok(ae: dict) -> bool:
        return (
            ae["_cause"] not in ("SURG",)
            and ae["AESDLYFL"] == "N"
            and ae["AEOUT"] != "FATAL"
            and (ae["AETOXGR"] or 0) <= 2
        )

    month = [
        (h, ae)
        for h, ae, t in _candidate_aes(histories)
        if ok(ae) and (ae["_ast"].year, ae["_ast"].month) > (t.year, t.month)
    ]
    year = [
        (h, ae) for h, ae, t in _candidate_aes(histories) if ok(ae) and ae["_ast"].year > t.year
    ]
    chosen: set[int] = set()
    for i in rng.permutation(len(month))[:4]:
        ae = month[i][1]
        ae["ASTDT"] = ae["_ast"].strftime("%Y-%m")
        chosen.add(id(ae))
    for i in rng.permutation(len(year)):
        ae = year[i][1]
        if id(ae) not in chosen:
            ae["ASTDT"] = str(ae["_ast"].year)
            break


def _mark_missing_grade(histories: list[PatientHistory], rng: np.random.Generator) -> None:
    """One background event without a recorded grade, to exercise the footnote."""
    pool = [
        ae
        for _, ae, _ in _candidate_aes(histories)
        if ae["_cause"] == "NONE"
        and ae["AESER"] == "N"
        and ae["AEDECOD"] != "Headache"
        and isinstance(ae["ASTDT"], date)
    ]
    if pool:
        pool[int(rng.integers(len(pool)))]["AETOXGR"] = None


def _mark_partial_new_therapy(histories: list[PatientHistory], rng: np.random.Generator) -> None:
    """One new-therapy start known only to the month (treated abroad, say)."""
    pool = [
        h
        for h in histories
        if h.nactdt is not None and h.nactdt.replace(day=1) > max(r["ADT"] for r in h.rs)
    ]
    if pool:
        h = pool[int(rng.integers(len(pool)))]
        h.nact_text = h.nactdt.strftime("%Y-%m")


# --------------------------------------------------------------------------------------------
# Patient level
# --------------------------------------------------------------------------------------------


class _PatientSim:
    """One patient's story. ``run`` calls the steps in calendar order."""

    def __init__(
        self,
        sap: SAP,
        rng: np.random.Generator,
        usubjid: str,
        siteid: str,
        enrldt: date,
        role: str,
        *,
        bm_pre_ne: bool,
        bm_post_ne: bool,
    ) -> None:
        self.sap, self.rng, self.role = sap, rng, role
        self.usubjid, self.siteid, self.enrldt = usubjid, siteid, enrldt
        self.bm_pre_ne, self.bm_post_ne = bm_pre_ne, bm_post_ne
        self.ex: list[dict] = []
        self.ae: list[dict] = []
        self.rs: list[dict] = []
        self.tr: list[dict] = []
        self.bm: list[dict] = []
        self.survival_calls: list[date] = []
        self.gem_level = GEM_MG_M2
        self.stop_dt: date | None = None  # protocol treatment stops before this date
        self.lost_dt: date | None = None  # no contact on or after this date
        self.surgpldt: date | None = None
        self.surgdt: date | None = None
        self.surgout, self.surgndrs = "NOT DONE", None
        self.surg_known: date | None = None
        self.necrpct: float | None = None
        self.prog_dt: date | None = None  # radiological progression / recurrence
        self.nactdt: date | None = None
        self.smdt: date | None = None
        self.dthdt: date | None = None
        self.dthcaus: str | None = None
        self.end_dt: date | None = None  # end of study (EOSDT)
        self.eosstt, self.dcsreas = "COMPLETED", None
        self.completion = enrldt + timedelta(days=round(FOLLOW_UP_MONTHS * sap.time.days_per_month))

    # -- helpers -----------------------------------------------------------------------------
    def uniform_days(self, lo: int, hi: int) -> int:
        return int(self.rng.integers(lo, hi + 1))

    def day(self, n: int) -> date:
        """Protocol day n (day 1 = first SBRT fraction)."""
        return self.day1 + timedelta(days=n - 1)

    def draw(self, weights: dict):
        keys = list(weights)
        p = np.array([weights[k] for k in keys], dtype=float)
        return keys[int(self.rng.choice(len(keys), p=p / p.sum()))]

    # -- the story ---------------------------------------------------------------------------
    def run(self) -> PatientHistory:
        self._baseline()
        self._screening()
        if self.role == "no_dose":
            self._withdraw_before_dosing()
        else:
            self._preop_treatment()
            self._restaging()
            self._surgery()
            self._postop_course()
            self._postop_treatment()
            self._apply_stop()
            self._catalogue_aes()
            self._withdraw_penpulimab_after_severe_irae()
        self._biomarkers()
        return self._history()

    def _baseline(self) -> None:
        r, elig = self.rng, self.sap.eligibility
        # Osteosarcoma peaks in adolescence; a smaller group of adults of any age.
        if r.random() < 0.78:
            age = round(r.normal(17.5, 4.5))
        else:
            age = round(24 + 41 * r.beta(1.3, 2.6))
        age = int(min(max(age, elig.age_min), elig.age_max))
        if age >= elig.ps_scale_age_threshold:
            pstype, ps = "ECOG", self.draw({0: 0.50, 1: 0.44, 2: 0.06})
        else:
            pstype, ps = "LANSKY", self.draw({100: 0.40, 90: 0.35, 80: 0.20, 70: 0.05})
        nnod = self.draw({1: 0.30, 2: 0.25, 3: 0.18, 4: 0.12, 5: 0.08, 6: 0.07})
        bilateral = nnod > 1 and r.random() < 0.15 + 0.12 * (nnod - 2)
        dfi = round(float(np.exp(r.normal(math.log(15.0), 0.6))), 1)
        self.age, self.nnod, self.dfi = age, nnod, dfi
        # Weight only matters for children's weight-based penpulimab dose.
        weight = 33 + 5.5 * (age - 10) + r.normal(0, 6)
        self.pen_mg = (
            PEN_FLAT_MG
            if weight >= 40 or age >= 16
            else float(round(PEN_MG_PER_KG * max(weight, 25.0) / 10) * 10)
        )
        self.z = float(r.normal())  # latent sensitivity to the regimen
        self.baseline = {
            "SITEID": self.siteid,
            "AGE": age,
            "SEX": "M" if r.random() < 0.6 else "F",
            "PSTYPE": pstype,
            "PSSCORE": ps,
            "NNODULE": nnod,
            "LATERAL": "BILATERAL" if bilateral else "UNILATERAL",
            "DFIMO": dfi,
            "PRIORLN": self.draw({1: 0.62, 2: 0.30, 3: 0.08}),
        }
        gap = self.uniform_days(4, SCREENING_DAYS)
        self.rficdt = max(_weekday_back(self.enrldt - timedelta(days=gap)), ACCRUAL_START)
        self.baseline["RFICDT"] = self.rficdt
        self.baseline["ENRLDT"] = self.enrldt
        self.day1 = _weekday(self.enrldt + timedelta(days=self.uniform_days(1, 7)))

    def _screening(self) -> None:
        gap = (self.enrldt - self.rficdt).days
        self.scr_dt = self.rficdt + timedelta(days=self.uniform_days(0, gap))
        self.biopsy_dt = self.rficdt + timedelta(days=self.uniform_days(0, gap))
        self._assess("SCREENING", self.scr_dt, "PRE-OPERATIVE", "NE", None, "N")
        n_target = min(self.nnod, 2)  # RECIST 1.1: at most two target lesions per organ
        self.base_sum = float(sum(round(10 + self.rng.gamma(2.0, 5.0)) for _ in range(n_target)))
        self.tr.append(
            {
                "PARAMCD": "SUMDIAM",
                "AVISIT": "SCREENING",
                "ADT": self.scr_dt,
                "AVAL": self.base_sum,
                "ABLFL": "Y",
            }
        )

    def _withdraw_before_dosing(self) -> None:
        """Consent withdrawn between enrollment and the first fraction (FAS but not SAF)."""
        self.end_dt = self.enrldt + timedelta(days=self.uniform_days(1, 4))
        self.day1 = self.end_dt  # no treatment; keeps later helpers well defined
        self.surgndrs, self.surg_known = "WITHDRAWAL", self.end_dt
        self.eosstt, self.dcsreas = "DISCONTINUED", "WITHDRAWAL BY SUBJECT"

    # -- pre-operative phase -------------------------------------------------------------------
    def _preop_treatment(self) -> None:
        s = self.sap.schedule
        gy = self.draw(dict(SBRT_GY_PER_FRACTION))
        d = self.day1
        for fx in range(1, s.sbrt_fractions + 1):  # every other weekday: ~1.5-2 weeks
            self._dose("SBRT", "PRE-OPERATIVE", None, fx, d, gy, gy)
            d = _weekday(d + timedelta(days=2))
        start = self.day1
        self.preop_haem: list[dict] = []
        for cycle in range(1, s.preop_cycles + 1):
            delay, events = self._chemo_cycle(cycle, "PRE-OPERATIVE", start, with_gem=True)
            self.preop_haem += events
            start = start + timedelta(days=s.cycle_days + delay)
        self.last_preop_dose = max(r["EXSTDT"] for r in self.ex)
        if self.role == "preop_withdrawal":
            self.end_dt = self.day(self.uniform_days(15, 26))
            self.stop_dt = self.end_dt
            self.surgndrs, self.surg_known = "WITHDRAWAL", self.end_dt
            self.eosstt, self.dcsreas = "DISCONTINUED", "WITHDRAWAL BY SUBJECT"
        if self.role == "long_delay":
            # A grade 3 irAE in week 5-6 needs steroids; surgery waits until it settles.
            term = LONG_DELAY_IRAE[int(self.rng.integers(len(LONG_DELAY_IRAE)))]
            self.delay_ae = self._add_ae(
                term, self.day(self.uniform_days(33, 40)), 3, action="DRUG WITHDRAWN", serious=True
            )

    def _chemo_cycle(
        self, cycle: int, phase: str, start: date, with_gem: bool
    ) -> tuple[int, list[dict]]:
        """Gemcitabine days 1 and 8 + penpulimab day 8; returns (delay of next cycle, AEs)."""
        d1 = _weekday(start)
        d8 = _weekday(d1 + timedelta(days=7))
        if with_gem:
            self._dose("GEMCITABINE", phase, cycle, None, d1, GEM_MG_M2, self.gem_level)
            self._dose("GEMCITABINE", phase, cycle, None, d8, GEM_MG_M2, self.gem_level)
        self._dose(
            "PENPULIMAB", phase, cycle, None, d8 if with_gem else d1, self.pen_mg, self.pen_mg
        )
        delay, events = 0, []
        if not with_gem:
            return delay, events
        # Nadir around day 10-14: grade >= 3 delays the next cycle a week, often with a
        # dose reduction (1000 -> 800 -> 600 mg/m2).
        for term in HAEM_PER_CYCLE:
            if self.rng.random() >= term.prob:
                continue
            grade = self.draw(term.grades)
            action = "DOSE NOT CHANGED"
            if grade >= 3:
                delay = 7
                if self.rng.random() < 0.6 and self.gem_level > 600:
                    self.gem_level -= 200
                    action = "DOSE REDUCED"
                else:
                    action = "DRUG INTERRUPTED"
            onset = d8 + timedelta(days=self.uniform_days(2, 7))
            events.append(self._add_ae(term, onset, grade, action=action))
        return delay, events

    def _restaging(self) -> None:
        """RECIST restaging in week 6 (or earlier, unscheduled, for clinical progression)."""
        self.response = None
        if self.role == "preop_withdrawal":
            return
        week = self.sap.schedule.preop_assessment_week
        adt = _weekday(self.day(round(7 * (week - 1)) + self.uniform_days(0, 5)))
        visit = f"PRE-OP WEEK {week:g}"
        if self.role == "preop_pd":
            if self.rng.random() < 0.3:  # symptomatic: scanned early
                adt, visit = _weekday(self.day(self.uniform_days(24, 30))), "PRE-OP UNSCHEDULED"
            response, new = "PD", bool(self.rng.random() < 0.4)
            self.prog_dt = adt
            self.stop_dt = adt
            self.surgndrs, self.surg_known = "PROGRESSION", adt
        else:
            p_resp = _sigmoid(-1.55 + 0.8 * self.z)
            if self.rng.random() < p_resp:
                response = "CR" if self.rng.random() < 0.08 else "PR"
            else:
                response = "SD"
            new = False
        self.response = response
        self._assess(visit, adt, "PRE-OPERATIVE", response, None, "Y" if new else "N")
        self._measure(visit, adt, response, new)

    def _surgery(self) -> None:
        s = self.sap.schedule
        planned = _weekday(self.day(round(7 * s.surgery_week_planned) - 3))  # mid-week 8
        if self.surg_known is not None:  # progression or withdrawal: no surgery
            self.surgpldt = planned
            return
        window_lo = self.day(round(7 * s.surgery_window_weeks[0]) - 6)
        window_hi = self.day(round(7 * s.surgery_window_weeks[1]))
        shift = int(np.clip(round(self.rng.normal(0, 3.0)), -6, 7))
        actual = max(
            planned + timedelta(days=shift), self.last_preop_dose + timedelta(days=18), window_lo
        )
        causes: list[dict] = []
        # A grade >= 3 nadir that has not resolved 7 days before the operation postpones it.
        for ae in self.preop_haem:
            if (ae["AETOXGR"] or 0) >= 3 and ae["_aen"] + timedelta(days=7) > actual:
                actual = ae["_aen"] + timedelta(days=self.uniform_days(7, 10))
                causes.append(ae)
        if self.role == "long_delay":
            ae = self.delay_ae
            actual = max(
                planned + timedelta(days=self.uniform_days(31, 45)), ae["_aen"] + timedelta(days=3)
            )
            causes.append(ae)
        if self.role == "major_dev":  # theatre scheduling, not toxicity: a protocol deviation
            actual = planned + timedelta(days=self.uniform_days(15, 24))
        actual = _weekday(actual)
        for ae in causes:
            if actual > planned:
                ae["AESDLYFL"] = "Y"
        if actual > window_hi + timedelta(days=7):
            # A long wait gets a second pre-operative scan before the operation.
            adt = _weekday(actual - timedelta(days=self.uniform_days(5, 10)))
            self._assess("PRE-OP UNSCHEDULED", adt, "PRE-OPERATIVE", self.response, None, "N")
            self._measure("PRE-OP UNSCHEDULED", adt, self.response, False)
        self.surgpldt, self.surgdt, self.surg_known = planned, actual, actual
        p_r0 = (
            0.88
            - 0.03 * (self.nnod - 1)
            - (0.05 if self.baseline["LATERAL"] == "BILATERAL" else 0.0)
        )
        u = self.rng.random()
        self.surgout = "R0" if u < p_r0 else ("R1" if u < p_r0 + (1 - p_r0) * 0.65 else "R2")
        if self.rng.random() < _sigmoid(-2.7 + 0.9 * self.z):
            self.necrpct = 100.0
        else:
            frac = _sigmoid(0.35 + 0.9 * self.z + self.rng.normal(0, 0.9))
            self.necrpct = float(min(99, round(100 * frac)))

    # -- after surgery -------------------------------------------------------------------------
    def _postop_course(self) -> None:
        """Recurrence, second malignancy, death and end of study; imaging every 12 weeks."""
        r = self.rng
        if self.surgdt is None:
            self._after_no_surgery()
            return
        surg = self.surgdt
        role = self.role
        t_rec: date | None = None
        if self.surgout == "R2":
            t_rec = surg + timedelta(days=int(140 * r.weibull(1.2)) + 20)
        else:
            logit = (
                0.3
                + 0.6 * self.z
                - 0.3 * (self.nnod - 2)
                + 0.5 * math.log(self.dfi / 15)
                - (0.8 if self.surgout == "R1" else 0.0)
            )
            cured = r.random() < _sigmoid(logit)
            if role in ("lost_fu", "grade5", "second_malig"):
                cured = True
            if role in ("missed_two", "nact_before"):
                cured = False
            if not cured:
                t_rec = surg + timedelta(days=int(270 * r.weibull(1.4)) + 30)
            if role in ("missed_two", "nact_before"):
                # Late enough for two scans to be missed before it is found (visit 4 or 5).
                t_rec = surg + timedelta(days=self.uniform_days(4 * 84 - 20, 5 * 84 - 20))
        # Events that end follow-up regardless of recurrence.
        follow_end = self.completion
        if role == "grade5":
            self.dthdt = self.day(self.uniform_days(160, 300))
            self.dthcaus = "TREATMENT-RELATED"
            onset = self.dthdt - timedelta(days=self.uniform_days(12, 25))
            self.stop_dt = onset
            self._add_ae(
                GRADE5_PNEUMONITIS,
                onset,
                5,
                action="DRUG WITHDRAWN",
                serious=True,
                end=self.dthdt,
                outcome="FATAL",
            )
            follow_end = self.dthdt
        if role == "lost_fu":
            follow_end = self.enrldt + timedelta(days=self.uniform_days(300, 600))
            self.lost_dt = follow_end
        if role == "second_malig":
            self.smdt = self.enrldt + timedelta(days=self.uniform_days(420, 800))
            self.stop_dt = self.smdt
            self._add_ae(SECOND_MALIGNANCY, self.smdt, 3, action="NOT APPLICABLE", serious=True)
        # Imaging every 12 weeks after surgery, jittered by up to a week.
        interval = self.sap.efs.tumour_assessment_interval_days
        visits = []
        k = 1
        while True:
            adt = _weekday(surg + timedelta(days=interval * k + self.uniform_days(-7, 7)))
            if adt >= follow_end or (self.smdt and adt > self.smdt):
                break
            visits.append((k, adt))
            k += 1
        detect: tuple[str, date] | None = None
        detect_k = None
        if t_rec is not None:
            for kk, adt in visits:
                if adt >= t_rec:
                    detect, detect_k = (f"POST-OP MONTH {3 * kk}", adt), kk
                    break
            symptomatic = role not in ("missed_two",) and r.random() < 0.2
            if symptomatic:
                adt = _weekday(t_rec + timedelta(days=self.uniform_days(3, 20)))
                if (
                    adt < follow_end
                    and (detect is None or adt < detect[1])
                    and all(adt != v for _, v in visits)
                ):
                    detect, detect_k = ("POST-OP UNSCHEDULED", adt), None
        if detect is not None:
            visits = [(kk, adt) for kk, adt in visits if adt < detect[1]]
        missed = self._missed_visits(visits, detect_k)
        residual = "SD" if self.surgout == "R2" else "NED"
        for kk, adt in visits:
            if kk not in missed:
                self._assess(f"POST-OP MONTH {3 * kk}", adt, "POST-OPERATIVE", residual, "N", "N")
        if detect is not None:
            visit, adt = detect
            lung = self.surgout == "R2" or r.random() < 0.8  # lung is the usual site
            new = "Y" if (self.surgout != "R2" or r.random() < 0.5) else "N"
            self._assess(visit, adt, "POST-OPERATIVE", "PD", "Y" if lung else "N", new)
            self.prog_dt = adt
            self.stop_dt = min(d for d in (self.stop_dt, adt) if d is not None)
            if role == "nact_before":
                # Investigator started an oral TKI on clinical suspicion before the scan.
                self.nactdt = adt - timedelta(days=self.uniform_days(30, 60))
                self.stop_dt = self.nactdt
        if role == "lost_fu":
            self.end_dt = follow_end + timedelta(days=60)  # declared lost after calls failed
            self.eosstt, self.dcsreas = "DISCONTINUED", "LOST TO FOLLOW-UP"
            self.stop_dt = follow_end
        self._after_progression(median_months=13.0)

    def _missed_visits(self, visits: list[tuple[int, date]], detect_k: int | None) -> set[int]:
        """Two consecutive missed scans before a recurrence (role), else rare single misses."""
        if self.role == "missed_two" and detect_k is not None and detect_k >= 4:
            return {detect_k - 1, detect_k - 2}
        missed: set[int] = set()
        for kk, _ in visits[:-1]:
            if kk - 1 not in missed and self.rng.random() < 0.04:
                missed.add(kk)
        return missed

    def _after_no_surgery(self) -> None:
        if self.role == "preop_pd":
            self._after_progression(median_months=9.0)

    def _after_progression(self, median_months: float) -> None:
        """New therapy, survival follow-up calls every 12 weeks, death or end of study."""
        dpm = self.sap.time.days_per_month
        event = self.prog_dt or self.smdt
        if self.prog_dt is not None:
            if self.nactdt is None and self.rng.random() < 0.85:
                self.nactdt = self.prog_dt + timedelta(days=self.uniform_days(10, 40))
            if self.dthdt is None:
                months = float(np.exp(self.rng.normal(math.log(median_months), 0.6)))
                death = self.prog_dt + timedelta(days=max(21, round(months * dpm)))
                if death < self.completion:
                    self.dthdt, self.dthcaus = death, "DISEASE PROGRESSION"
            if self.nactdt and self.dthdt and self.nactdt >= self.dthdt:
                self.nactdt = None  # death came first (also when it was drawn earlier)
        if event is not None:
            end = self.dthdt or self.completion
            if self.end_dt is not None:
                end = min(end, self.end_dt)
            call = event + timedelta(days=84 + self.uniform_days(-10, 10))
            while call < end:
                self.survival_calls.append(call)
                call += timedelta(days=84 + self.uniform_days(-10, 10))
        if self.dthdt is not None:
            self.end_dt, self.eosstt, self.dcsreas = self.dthdt, "DISCONTINUED", "DEATH"
        if self.end_dt is None:
            self.end_dt = self.completion  # COMPLETED at the end of protocol follow-up

    def _postop_treatment(self) -> None:
        """4 post-operative cycles (a few decline gemcitabine) then penpulimab q3w to ~1 year."""
        if self.surgdt is None:
            return
        s = self.sap.schedule
        with_gem = self.rng.random() >= 0.08
        start = _weekday(self.surgdt + timedelta(days=self.uniform_days(28, 42)))
        cycle = s.preop_cycles
        for _ in range(s.postop_cycles):
            cycle += 1
            delay, _events = self._chemo_cycle(cycle, "POST-OPERATIVE", start, with_gem)
            late = self.draw({0: 0.75, 2: 0.15, 7: 0.10})  # holidays, scheduling
            start = start + timedelta(days=s.cycle_days + max(delay, late))
        last_day = self.day(MAINTENANCE_DAYS)
        while start <= last_day:
            cycle += 1
            self._dose(
                "PENPULIMAB", "MAINTENANCE", cycle, None, _weekday(start), self.pen_mg, self.pen_mg
            )
            start = start + timedelta(days=s.cycle_days + self.draw({0: 0.85, 7: 0.15}))

    def _apply_stop(self) -> None:
        """Drop doses on or after the date protocol treatment stopped (and any AE they caused)."""
        if self.stop_dt is None:
            return
        self.ex = [r for r in self.ex if r["EXSTDT"] < self.stop_dt]
        self.ae = [a for a in self.ae if not a.get("_from_dose") or a["_ast"] < self.stop_dt]

    # -- adverse events ------------------------------------------------------------------------
    def _spans(self) -> dict[str, tuple[date, date] | None]:
        def span(trt: str) -> tuple[date, date] | None:
            days = [r["EXSTDT"] for r in self.ex if r["EXTRT"] == trt]
            return (min(days), max(days)) if days else None

        last = max(r["EXSTDT"] for r in self.ex)
        sbrt = span("SBRT")
        return {
            "gem": span("GEMCITABINE"),
            "pd1": span("PENPULIMAB"),
            "sbrt": (sbrt[0], sbrt[0]) if sbrt else None,
            "surg": (self.surgdt, self.surgdt) if self.surgdt else None,
            "trt": (self.rficdt, last),
        }

    def _exposure(self, cause: str) -> float:
        s = self.sap.schedule
        gem_cycles = len({r["CYCLE"] for r in self.ex if r["EXTRT"] == "GEMCITABINE"})
        pen_doses = sum(r["EXTRT"] == "PENPULIMAB" for r in self.ex)
        gem = gem_cycles / (s.preop_cycles + s.postop_cycles)
        pd1 = min(1.0, pen_doses / 16)
        return {
            "GEM": gem,
            "GEM+PD1": max(gem, pd1),
            "PD1": pd1,
            "SBRT": 1.0,
            "SBRT+PD1": 1.0,
            "SURG": float(self.surgdt is not None),
            "NONE": 1.0,
        }[cause]

    def _catalogue_aes(self) -> None:
        spans = self._spans()
        for term in CATALOGUE:
            span = spans[term.span]
            exposure = self._exposure(term.cause)
            if span is None or exposure <= 0:
                continue
            if self.rng.random() >= 1 - (1 - term.prob) ** exposure:
                continue
            lo = span[0] + timedelta(days=term.lo)
            hi = span[1] + timedelta(days=term.hi)
            onset = lo + timedelta(days=self.uniform_days(0, max(0, (hi - lo).days)))
            if term.clavien:
                clavien = self.draw(term.clavien)
                self._add_ae(
                    term, onset, CLAVIEN_TO_CTCAE[clavien], clavien=clavien, action="NOT APPLICABLE"
                )
            else:
                self._add_ae(term, onset, self.draw(term.grades))

    def _add_ae(
        self,
        term: Term,
        onset: date,
        grade: int,
        *,
        action: str | None = None,
        serious: bool | None = None,
        clavien: str | None = None,
        end: date | None = None,
        outcome: str | None = None,
    ) -> dict:
        r = self.rng
        if end is None and outcome is None and r.random() >= term.p_ongoing:
            end = onset + timedelta(days=self.uniform_days(*term.duration))
        if outcome is None:
            if end is None:
                outcome = "NOT RECOVERED/NOT RESOLVED"
            elif grade >= 3 and "neumonitis" in term.decod and r.random() < 0.3:
                outcome = "RECOVERED/RESOLVED WITH SEQUELAE"  # residual fibrosis
            else:
                outcome = "RECOVERED/RESOLVED"
        if serious is None:
            p_ser = {1: 0.0, 2: 0.03, 3: 0.35, 4: 1.0, 5: 1.0}[grade]
            if term.soc == INVEST:  # a laboratory value alone is rarely a serious event
                p_ser = {3: 0.05, 4: 0.3}.get(grade, 0.0)
            if clavien in ("IIIa", "IIIb", "IVa", "IVb", "V"):
                p_ser = 1.0  # re-intervention or prolonged stay
            serious = r.random() < p_ser
        if action is None:
            if term.irae and grade >= 3 and term.decod in PD1_STOP_AT_GRADE3:
                action = "DRUG WITHDRAWN"
            elif (
                term.cause != "NONE"
                and grade >= 3
                or (term.irae and grade == 2 and term.decod in PD1_STOP_AT_GRADE3)
            ):
                action = "DRUG INTERRUPTED"
            else:
                action = "DOSE NOT CHANGED"
        sb, pd, gm = CAUSE_FLAGS[term.cause]
        row = {
            "AETERM": term.verbatims[int(r.integers(len(term.verbatims)))],
            "AEDECOD": term.decod,
            "AEBODSYS": term.soc,
            "AETOXGR": grade,
            "AESER": "Y" if serious else "N",
            "AERELSB": sb,
            "AERELPD": pd,
            "AERELGM": gm,
            "AEIRFL": "Y" if term.irae else "N",
            "ASTDT": onset,
            "AENDT": end,
            "AEACN": action,
            "AEOUT": outcome,
            "AECLAVDN": clavien,
            "AESDLYFL": "N",
            "_ast": onset,
            "_aen": end,
            "_cause": term.cause,
            "_from_dose": term in HAEM_PER_CYCLE,
        }
        self.ae.append(row)
        return row

    def _withdraw_penpulimab_after_severe_irae(self) -> None:
        """Grade >= 3 pneumonitis, hepatitis or colitis: penpulimab is stopped for good."""
        for ae in sorted(self.ae, key=lambda a: a["_ast"]):
            if not (
                ae["AEIRFL"] == "Y"
                and (ae["AETOXGR"] or 0) >= 3
                and ae["AEDECOD"] in PD1_STOP_AT_GRADE3
            ):
                continue
            later = [r for r in self.ex if r["EXTRT"] == "PENPULIMAB" and r["EXSTDT"] > ae["_ast"]]
            if later:
                gone = {id(r) for r in later}
                self.ex = [r for r in self.ex if id(r) not in gone]
                ae["AEACN"] = "DRUG WITHDRAWN"
            elif ae["AEACN"] == "DRUG WITHDRAWN" and ae["AEOUT"] != "FATAL":
                ae["AEACN"] = "NOT APPLICABLE"  # penpulimab had already ended

    # -- biomarkers ------------------------------------------------------------------------------
    def _biomarkers(self) -> None:
        r = self.rng
        pre = {
            "CD8DENS": round(float(np.exp(r.normal(math.log(60), 0.8))), 1),
            "TLSCNT": float(r.poisson(1.2)),
            "PDL1TPS": 0.0
            if r.random() < 0.45
            else float(min(100, round(np.exp(r.normal(math.log(5), 1.1))))),
        }
        # SBRT primes an immune infiltrate: most patients rise, more so if sensitive.
        post = {
            "CD8DENS": round(
                pre["CD8DENS"] * float(np.exp(0.55 + 0.35 * self.z + r.normal(0, 0.45))), 1
            ),
            "TLSCNT": float(r.poisson(0.6 * pre["TLSCNT"] + 1.5 + 0.5 * max(self.z, 0.0))),
            "PDL1TPS": (
                float(min(100, round(np.exp(r.normal(math.log(4), 1.0)))))
                if pre["PDL1TPS"] == 0 and r.random() < 0.5
                else float(min(100, round(pre["PDL1TPS"] * np.exp(r.normal(0.3, 0.6)))))
            ),
        }
        for marker in self.sap.biomarkers.markers:
            self._bm(
                marker,
                "PRE-SBRT",
                self.biopsy_dt,
                pre.get(marker, 0.0),
                self.bm_pre_ne,
                known=self.biopsy_dt,
            )
            if self.surgdt is not None:
                self._bm(
                    marker,
                    "POST-SBRT",
                    self.surgdt,
                    post.get(marker, 0.0),
                    self.bm_post_ne,
                    known=self.surgdt,
                )
            else:
                self.bm.append(
                    {
                        "PARAMCD": marker,
                        "ATPT": "POST-SBRT",
                        "ADT": None,
                        "AVAL": None,
                        "BMSTAT": "NOT DONE",
                        "BMREASND": "NO SURGERY",
                        "_known": self.surg_known,
                    }
                )

    def _bm(
        self, marker: str, atpt: str, adt: date, value: float, not_evaluable: bool, known: date
    ) -> None:
        self.bm.append(
            {
                "PARAMCD": marker,
                "ATPT": atpt,
                "ADT": adt,
                "AVAL": None if not_evaluable else value,
                "BMSTAT": "NOT EVALUABLE" if not_evaluable else "DONE",
                "BMREASND": "INSUFFICIENT TISSUE" if not_evaluable else None,
                "_known": known,
            }
        )

    # -- small builders ----------------------------------------------------------------------
    def _dose(
        self,
        trt: str,
        phase: str,
        cycle: int | None,
        fx: int | None,
        d: date,
        planned: float,
        actual: float,
    ) -> None:
        unit = {"SBRT": "Gy", "PENPULIMAB": "mg", "GEMCITABINE": "mg/m2"}[trt]
        self.ex.append(
            {
                "EXTRT": trt,
                "APHASE": phase,
                "CYCLE": cycle,
                "EXFRACN": fx,
                "EXSTDT": d,
                "EXPLDOS": planned,
                "EXDOSE": actual,
                "EXDOSU": unit,
            }
        )

    def _assess(
        self, visit: str, adt: date, phase: str, avalc: str, recur: str | None, new: str
    ) -> None:
        self.rs.append(
            {
                "PARAMCD": "OVRLRESP",
                "AVISIT": visit,
                "ADT": adt,
                "APHASE": phase,
                "AVALC": avalc,
                "RECURFL": recur,
                "NEWLFL": new,
            }
        )

    def _measure(self, visit: str, adt: date, response: str, new_lesion: bool) -> None:
        self.tr.append(
            {
                "PARAMCD": "SUMDIAM",
                "AVISIT": visit,
                "ADT": adt,
                "AVAL": _sum_for_response(self.base_sum, response, new_lesion, self.rng),
                "ABLFL": "N",
            }
        )

    def _final_action(self, ae: dict) -> str:
        """An action needs a later dose to act on: with none left, nothing could be done."""
        action = ae["AEACN"]
        if action in ("NOT APPLICABLE", "DRUG WITHDRAWN"):
            return action
        later = {r["EXTRT"] for r in self.ex if r["EXSTDT"] > ae["_ast"]}
        related = {
            trt
            for trt, flag in (
                ("SBRT", "AERELSB"),
                ("PENPULIMAB", "AERELPD"),
                ("GEMCITABINE", "AERELGM"),
            )
            if ae[flag] == "Y"
        }
        if not later:
            return "NOT APPLICABLE"
        if action in ("DOSE REDUCED", "DRUG INTERRUPTED") and not later & related:
            return "DOSE NOT CHANGED"  # the culprit drug had already ended
        return action

    def _history(self) -> PatientHistory:
        death = self.dthdt
        # AEs: nothing after death or the end of AE collection (90 days after the last dose).
        last_dose = max((r["EXSTDT"] for r in self.ex), default=None)
        collect_end = min(
            d
            for d in (
                death,
                self.end_dt,
                self.lost_dt,
                self.smdt,
                last_dose and last_dose + timedelta(days=90),
            )
            if d is not None
        )
        ae = [
            a
            for a in self.ae
            if self.rficdt <= a["_ast"] <= collect_end
            or a["AEOUT"] == "FATAL"
            or a["AEDECOD"] == SECOND_MALIGNANCY.decod
        ]
        # Nothing is learnt after the end of study (or the last contact of a patient lost to
        # follow-up): an AE still going on then has no end date.
        info_end = self.lost_dt or self.end_dt
        for a in ae:
            end = a["_aen"]
            if a["AEOUT"] != "FATAL" and (
                end is None or end > info_end or (death is not None and end >= death)
            ):
                if end is not None:
                    a["AEOUT"] = (
                        "UNKNOWN"  # withdrawn or lost: outcome never learnt
                        if self.dcsreas in ("WITHDRAWAL BY SUBJECT", "LOST TO FOLLOW-UP")
                        else "NOT RECOVERED/NOT RESOLVED"
                    )
                a["AENDT"] = a["_aen"] = None
            a["AEACN"] = self._final_action(a)
        ae.sort(key=lambda a: (a["_ast"], a["AEDECOD"]))
        for i, a in enumerate(ae, start=1):
            a["AESEQ"] = i
        contacts = [self.rficdt, self.enrldt, self.biopsy_dt, *self.survival_calls]
        contacts += [r["EXSTDT"] for r in self.ex] + [r["ADT"] for r in self.rs]
        contacts += [a["_ast"] for a in ae] + [a["_aen"] for a in ae if a["_aen"]]
        if self.surgdt:
            contacts.append(self.surgdt)
        if self.eosstt == "COMPLETED":
            contacts.append(self.end_dt)  # end-of-study visit
        contacts = [c for c in contacts if c <= info_end and (death is None or c < death)]
        completed_preop = self.surgdt is not None
        pprotfl = "Y" if completed_preop and self.role != "major_dev" else "N"
        return PatientHistory(
            usubjid=self.usubjid,
            baseline=self.baseline,
            surgpldt=self.surgpldt,
            surgdt=self.surgdt,
            surgout=self.surgout if self.surgdt else "NOT DONE",
            surgndrs=self.surgndrs,
            surg_known=self.surg_known,
            necrpct=self.necrpct,
            nactdt=self.nactdt,
            nact_text=None,
            smdt=self.smdt,
            dthdt=death,
            dthcaus=self.dthcaus,
            eosstt=self.eosstt,
            dcsreas=self.dcsreas,
            eosdt=self.end_dt,
            pprotfl=pprotfl,
            contacts=sorted(set(contacts)),
            ex=self.ex,
            ae=ae,
            rs=self.rs,
            tr=self.tr,
            bm=self.bm,
        )


def _sum_for_response(
    base: float, response: str, new_lesion: bool, rng: np.random.Generator
) -> float:
    """A target-lesion sum consistent with the RECIST 1.1 response against ``base``.

    CR: 0. PR: >= 30% decrease. PD: >= 20% and >= 5 mm increase, or any sum with a new lesion.
    SD: neither.
    """
    if response == "CR":
        return 0.0

    def category(value: float) -> str:
        change = (value - base) / base
        if change <= -0.30:
            return "PR"
        if change >= 0.20 and value - base >= 5:
            return "PD"
        return "SD"

    for _ in range(100):
        if response == "PR":
            pct = rng.uniform(-0.70, -0.30)
        elif response == "PD" and not new_lesion:
            pct = rng.uniform(0.20, 0.60)
        else:  # SD, or PD driven by a new lesion: target sum roughly stable
            pct = float(np.clip(rng.normal(-0.06, 0.10), -0.29, 0.19))
        value = float(round(base * (1 + pct)))
        if response == "PD" and not new_lesion:
            value = max(value, base + 5)
        wanted = "SD" if response == "PD" and new_lesion else response
        if value > 0 and category(value) == wanted:
            return value
    raise AssertionError(f"no target sum for {response} from baseline {base}")  # unreachable
