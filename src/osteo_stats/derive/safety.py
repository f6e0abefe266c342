"""Safety derivations: treatment-emergence, AE phase, worst grade, unacceptable toxicity.

SAP 9.1 (treatment-emergent AEs), 9.2 (counting rules and phases), 9.4 (the toxicity stopping
rule) and 8.3 (missing and partial dates). Inputs are validated ADSL/ADAE frames as the loader
delivers them: dates are ``datetime64[ns]`` (``NaT`` when missing; partial ASTDT already imputed
with ``ASTDTF`` set), flags are ``"Y"``/``"N"``, ``AETOXGR`` is nullable ``Int64``.

The frames are at the data cut-off (:class:`~osteo_stats.derive.cutoff.CutoffSnapshot`): an AE
whose onset is after the cut-off does not exist there, nor does a death, a surgery or a last
dose dated after it, so nothing here filters by date. Only the surgery-delay rule of SAP 9.4
takes the cut-off, as the date up to which a surgery not yet done is late.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import get_args

import numpy as np
import pandas as pd

from osteo_stats.derive.cutoff import CutoffLike, as_cutoff
from osteo_stats.derive.surgery import operated
from osteo_stats.sap import SAP, AESICategory, ClavienDindoGrade, Safety

__all__ = [
    "PHASE_PERI",
    "PHASE_POST",
    "PHASE_PRE",
    "PHASE_PRETREATMENT",
    "PHASE_UNKNOWN",
    "PHASES",
    "TEAE_WINDOW_STATUSES",
    "aesi_categories",
    "derive_ae_phase",
    "derive_teae",
    "derive_unacceptable_toxicity",
    "derive_worst_grade",
    "teae_window_status",
    "treatment_phase",
]

PHASE_PRE = "PRE-OPERATIVE"
PHASE_PERI = "PERI-OPERATIVE"
PHASE_POST = "POST-OPERATIVE/MAINTENANCE"
#: The three treatment phases of SAP 9.2, in display order.
PHASES = (PHASE_PRE, PHASE_PERI, PHASE_POST)
#: Onset before the first dose, or the patient was never dosed (not a TEAE).
PHASE_PRETREATMENT = "PRE-TREATMENT"
#: Onset completely missing: the phase cannot be determined (the AE is still a TEAE, SAP 8.3).
PHASE_UNKNOWN = "UNKNOWN"

#: Where an AE's onset lies against the TEAE window of SAP 9.1 (SAP 9.7), in display order.
WINDOW_BEFORE = "BEFORE FIRST DOSE"
WINDOW_WITHIN = "TREATMENT-EMERGENT"
WINDOW_AFTER = "AFTER THE TEAE WINDOW"
WINDOW_NOT_DOSED = "NOT DOSED"
TEAE_WINDOW_STATUSES = (WINDOW_BEFORE, WINDOW_WITHIN, WINDOW_AFTER, WINDOW_NOT_DOSED)

_RELATED_FLAGS = ("AERELSB", "AERELPD", "AERELGM")
_GRADE = "AETOXGR"


def _from_adsl(adae: pd.DataFrame, adsl: pd.DataFrame, column: str) -> pd.Series:
    """ADSL ``column`` looked up for every ADAE record (by USUBJID), aligned to ``adae``."""
    return adae["USUBJID"].map(adsl.set_index("USUBJID")[column])


def _days(n: int | pd.Series) -> pd.Timedelta | pd.Series:
    return pd.to_timedelta(n, unit="D")


def _yn(condition: pd.Series) -> pd.Series:
    return pd.Series(np.where(condition.to_numpy(dtype=bool), "Y", "N"), index=condition.index)


def derive_teae(adae: pd.DataFrame, adsl: pd.DataFrame, sap_safety: Safety) -> pd.DataFrame:
    """Add the treatment-emergent flag ``TRTEMFL`` and the study day ``ASTDY`` (SAP 9.1, 8.3).

    Parameters
    ----------
    adae
        ADAE at the cut-off (``USUBJID``, ``ASTDT``, ``AEIRFL``, ...); records with a missing
        onset are there (their onset cannot be placed; SAP 8.3 counts them).
    adsl
        ADSL at the cut-off (``USUBJID``, ``TRTSDT``, ``TRTEDT``).
    sap_safety
        ``load_sap().safety`` (``teae_window_days``, ``teae_window_days_immune``).

    Returns
    -------
    pandas.DataFrame
        ``adae`` (new 0..n-1 index) with

        ``TRTEMFL``
            ``"Y"`` when the patient was dosed (by the cut-off) and the onset is on or
            after ``TRTSDT`` and on or before ``TRTEDT`` + 30 days (+ 90 days when
            ``AEIRFL = "Y"``); also ``"Y"`` for a missing onset in a dosed patient (SAP 8.3).
            ``"N"`` otherwise, in particular for every AE of a patient without a first dose.
            A missing ``TRTEDT`` in a dosed patient means treatment is ongoing: the window is
            open up to the cut-off.
        ``ASTDY``
            Study day of onset relative to the first dose, ``Int64``, no day 0: day 1 is the
            day of the first dose and the day before it is day -1. Missing when ``ASTDT`` or
            ``TRTSDT`` is missing.

    Notes
    -----
    .. math::

        \\mathrm{ASTDY} = \\begin{cases} \\mathrm{ASTDT}-\\mathrm{TRTSDT}+1 &
        \\mathrm{ASTDT}\\ge\\mathrm{TRTSDT} \\\\ \\mathrm{ASTDT}-\\mathrm{TRTSDT} &
        \\text{otherwise} \\end{cases}
    """
    out = adae.reset_index(drop=True)
    onset = out["ASTDT"]
    first = _from_adsl(out, adsl, "TRTSDT")
    last = _from_adsl(out, adsl, "TRTEDT")

    window = np.where(
        out["AEIRFL"].eq("Y"), sap_safety.teae_window_days_immune, sap_safety.teae_window_days
    )
    window_end = last + _days(pd.Series(window, index=out.index))
    dosed = first.notna()
    within = (onset >= first) & (last.isna() | (onset <= window_end))
    out["TRTEMFL"] = _yn(dosed & (onset.isna() | within))

    elapsed = (onset - first).dt.days.astype("Int64")
    out["ASTDY"] = elapsed.where(elapsed < 0, elapsed + 1)
    return out


def derive_ae_phase(adae: pd.DataFrame, adsl: pd.DataFrame, sap_safety: Safety) -> pd.DataFrame:
    """Add the treatment phase of each AE, ``APHASE`` (SAP 9.2).

    Parameters
    ----------
    adae
        ADAE, normally the output of :func:`derive_teae` (at the cut-off).
    adsl
        ADSL (``TRTSDT``, ``SURGDT``).
    sap_safety
        ``load_sap().safety`` (``perioperative_window_days``).

    Returns
    -------
    pandas.DataFrame
        ``adae`` with ``APHASE``:

        ``PRE-OPERATIVE``
            onset on or after the first dose and before ``SURGDT``; for a patient without
            surgery (``SURGOUT`` ``NOT DONE`` or ``PENDING``) every onset on or after the first
            dose. Without surgery there is no peri- or post-operative phase: the patient only
            ever received pre-operative therapy, and whether an AE still counts is decided by
            the TEAE window (last dose + 30/90 days), not by the phase.
        ``PERI-OPERATIVE``
            ``SURGDT`` <= onset <= ``SURGDT`` + 30 days (``perioperative_window_days``).
        ``POST-OPERATIVE/MAINTENANCE``
            onset more than 30 days after ``SURGDT``.
        ``PRE-TREATMENT``
            onset before the first dose, or the patient was never dosed (not a TEAE).
        ``UNKNOWN``
            onset completely missing: the phase cannot be placed (the AE is still a TEAE,
            SAP 8.3; phase tables show it in its own column).

    Dates are compared as recorded (after SAP 8.3 imputation of partial onsets).
    """
    out = adae.copy()
    out["APHASE"] = treatment_phase(out["ASTDT"], out, adsl, sap_safety)
    return out


def treatment_phase(
    dates: pd.Series, records: pd.DataFrame, adsl: pd.DataFrame, sap_safety: Safety
) -> np.ndarray:
    """The SAP 9.2 phase of each date of ``records`` (by their USUBJID's TRTSDT and SURGDT):
    the one phase rule, shared by AE onsets (:func:`derive_ae_phase`) and laboratory sample
    dates (:mod:`osteo_stats.derive.laboratory`)."""
    first = _from_adsl(records, adsl, "TRTSDT")
    surgery = _from_adsl(records, adsl, "SURGDT")
    peri_end = surgery + _days(sap_safety.perioperative_window_days)
    return np.select(
        [
            dates.isna(),
            first.isna() | (dates < first),
            surgery.isna() | (dates < surgery),
            dates <= peri_end,
        ],
        [PHASE_UNKNOWN, PHASE_PRETREATMENT, PHASE_PRE, PHASE_PERI],
        default=PHASE_POST,
    )


def teae_window_status(adae: pd.DataFrame, adsl: pd.DataFrame) -> pd.Series:
    """Where each AE lies against the TEAE window (SAP 9.1, 9.7), aligned to ``adae``.

    ``adae`` carries ``TRTEMFL`` (:func:`derive_teae`) and ``APHASE`` (:func:`derive_ae_phase`,
    the SAP 9.2 phase rule, whose ``PRE-TREATMENT`` is an onset before the first dose):

    ``NOT DOSED``
        the patient has no first dose by the cut-off (no AE of theirs is a TEAE);
    ``TREATMENT-EMERGENT``
        ``TRTEMFL = "Y"`` (a missing onset of a dosed patient included, SAP 8.3);
    ``BEFORE FIRST DOSE``
        onset before ``TRTSDT`` (``APHASE = PRE-TREATMENT``);
    ``AFTER THE TEAE WINDOW``
        onset after ``TRTEDT`` + 30 days (+ 90 days when immune-related).
    """
    dosed = _from_adsl(adae, adsl, "TRTSDT").notna()
    status = np.select(
        [~dosed, adae["TRTEMFL"].eq("Y"), adae["APHASE"].eq(PHASE_PRETREATMENT)],
        [WINDOW_NOT_DOSED, WINDOW_WITHIN, WINDOW_BEFORE],
        default=WINDOW_AFTER,
    )
    return pd.Series(status, index=adae.index, dtype=object)


def aesi_categories(adae: pd.DataFrame, aesi: dict[str, AESICategory]) -> pd.DataFrame:
    """Which adverse events are of special interest (SAP 9.7): one boolean column per category
    of ``sap.aesi`` (its key), aligned to ``adae``, whatever the onset (not only TEAEs).

    An AE meets a category when any of its criteria holds: AEBODSYS in ``socs`` or AEDECOD in
    ``terms`` (ignoring case), a flag of ``flags`` = ``"Y"``, or AECLAVDN at or above
    ``clavien_dindo_min`` in the Clavien-Dindo order I < II < IIIa < IIIb < IVa < IVb < V.
    """
    soc = adae["AEBODSYS"].astype("string").str.casefold()
    term = adae["AEDECOD"].astype("string").str.casefold()
    order = {grade: rank for rank, grade in enumerate(get_args(ClavienDindoGrade))}
    clavien = adae["AECLAVDN"].map(order)
    out = {}
    for key, category in aesi.items():
        hit = soc.isin({s.casefold() for s in category.socs}) | term.isin(
            {t.casefold() for t in category.terms}
        )
        for flag in category.flags:
            hit |= adae[flag].eq("Y")
        if category.clavien_dindo_min is not None:
            hit |= clavien >= order[category.clavien_dindo_min]
        out[key] = hit.fillna(False).astype(bool)
    return pd.DataFrame(out, index=adae.index)


def derive_worst_grade(
    adae: pd.DataFrame, by: Sequence[str] = ("USUBJID", "AEBODSYS", "AEDECOD")
) -> pd.DataFrame:
    """One row per ``by`` group with the worst (maximum) CTCAE grade (SAP 9.2).

    Parameters
    ----------
    adae
        ADAE records to count, already selected by the caller (for example ``TRTEMFL == "Y"``,
        or treatment-related TEAEs).
    by
        Grouping variables: per patient and preferred term (default), or
        ``("USUBJID", "AEBODSYS")`` for the per-SOC count, or ``("USUBJID",)`` for "any AE".

    Returns
    -------
    pandas.DataFrame
        Columns ``*by``, then

        ``AETOXGR``
            the worst grade over the records with a grade (``Int64``). A missing grade never
            outranks a recorded one; it is missing only when every record of the group lacks
            a grade (such patients are counted in "Any grade" and footnoted downstream).
        ``GRMISFL``
            ``"Y"`` when at least one record of the group has a missing grade.

        Sorted by ``by``, new 0..n-1 index.
    """
    keys = list(by)
    grade = adae[_GRADE].astype("Int64")
    frame = adae[keys].assign(**{_GRADE: grade, "_missing": grade.isna()})
    grouped = frame.groupby(keys, dropna=False, sort=True)
    out = grouped[_GRADE].max().to_frame()
    out["GRMISFL"] = np.where(grouped["_missing"].any(), "Y", "N")
    out = out.reset_index()
    out[_GRADE] = out[_GRADE].astype("Int64")
    return out


def _criteria_labels(sap: SAP) -> dict[str, str]:
    tm = sap.toxicity_monitoring
    return {
        "irae": f"IMMUNE-RELATED AE GRADE >= {tm.irae_min_grade}",
        "related": (
            f"TREATMENT-RELATED NON-HAEMATOLOGICAL AE GRADE >= "
            f"{tm.related_nonhaematological_min_grade}"
        ),
        "death": "TREATMENT-RELATED DEATH",
        "delay": f"SURGERY DELAYED > {tm.surgery_delay_days} DAYS BY TOXICITY",
    }


def derive_unacceptable_toxicity(
    adsl: pd.DataFrame,
    adae: pd.DataFrame,
    sap: SAP,
    cutoff: CutoffLike,
) -> pd.DataFrame:
    """Per patient: unacceptable toxicity and evaluability for the stopping boundary (SAP 9.4).

    Parameters
    ----------
    adsl
        ADSL at the cut-off (:class:`~osteo_stats.derive.cutoff.CutoffSnapshot`).
    adae
        ADAE at the cut-off with ``TRTEMFL`` (:func:`derive_teae`).
    sap
        The whole SAP (``safety`` and ``toxicity_monitoring`` sections).
    cutoff
        Data cut-off: a surgery not done by then is late by ``cutoff - SURGPLDT`` days.

    Returns
    -------
    pandas.DataFrame
        ``adsl`` (all rows, same index) with

        ``UTOXFL``
            ``"Y"`` when, by the cut-off, the patient had any of the four events of SAP 9.4:

            1. a treatment-emergent AE with ``AEIRFL = "Y"`` and grade >= ``irae_min_grade``
               (3);
            2. a treatment-emergent AE related to any component (``AERELSB``, ``AERELPD`` or
               ``AERELGM`` = ``"Y"``) with grade >= ``related_nonhaematological_min_grade``
               (4) that is not haematological (SOC not in ``safety.haematological_socs`` and
               PT not in ``safety.haematological_terms``; compared ignoring case);
            3. a treatment-related death: a related treatment-emergent grade 5 AE (any SOC), or
               ``DTHCAUS = "TREATMENT-RELATED"`` with ``DTHDT`` on or before the cut-off;
            4. surgery delayed more than ``surgery_delay_days`` (28) days by toxicity: the delay
               is ``SURGDT - SURGPLDT`` when operated by the cut-off, otherwise
               ``cutoff - SURGPLDT`` (surgery has not happened yet, so it is at least that
               late); toxicity caused it when the patient has a treatment-emergent AE with
               ``AESDLYFL = "Y"``, or ``SURGOUT = "NOT DONE"`` with ``SURGNDRS = "TOXICITY"``
               (cancelled for toxicity = delayed indefinitely). A 28-day delay does not
               qualify, 29 days does. Without ``SURGPLDT`` the delay cannot be assessed.

            ``"N"`` otherwise, including every patient not dosed by the cut-off.
        ``UTOXDT``
            Date of the first qualifying event: AE onset (a missing onset counts as the first
            dose date, the earliest it can be, SAP 8.3), death date, or for a surgery delay
            ``SURGPLDT + 29`` days (the first day the delay exceeded four weeks).
        ``UTOXREAS``
            Every criterion met by the cut-off, in the order above, joined with ``"; "``
            (empty when ``UTOXFL = "N"``).
        ``UTOXDLFL``
            ``"Y"`` when criterion 4 (surgery delayed by toxicity beyond the limit) is met.
        ``EVALFL``
            ``"Y"`` when the patient counts at a look (SAP 9.4: "looks come after every 5
            patients complete the pre-operative phase"): dosed by the cut-off and, on or before
            it, either operated (``SURGDT``), had an unacceptable toxicity (``UTOXDT``), or
            surgery was definitively not done (``SURGOUT = "NOT DONE"``; the pre-operative
            phase then ended at the last dose ``TRTEDT``, or failing that ``EOSDT`` or
            ``DTHDT``). Patients with surgery pending are not yet evaluable.
        ``EVALDT``
            The earliest of those dates; it orders patients into looks.

    Raises
    ------
    ValueError
        ``adae`` has no ``TRTEMFL`` column (not the output of :func:`derive_teae`).

    Notes
    -----
    Only treatment-emergent AEs count (as in the safety tables), so a late AE outside the
    TEAE window does not trigger the rule; a treatment-related death is still captured through
    ``DTHCAUS``. Events in any phase count (the SAP 9.4 definition has no phase limit).
    """
    if "TRTEMFL" not in adae.columns:
        raise ValueError(
            "adae: no TRTEMFL column; pass ADAE at the cut-off with its treatment-emergent flag "
            "(derive_teae, SAP 9.1)"
        )
    cut = as_cutoff(cutoff)
    tm = sap.toxicity_monitoring
    labels = _criteria_labels(sap)
    out = adsl.copy()
    subject = out["USUBJID"]
    first_dose = out["TRTSDT"]
    dosed = first_dose.notna()

    te = adae.loc[adae["TRTEMFL"].eq("Y")]
    grade = te[_GRADE].astype("Int64")
    related = te[list(_RELATED_FLAGS)].eq("Y").any(axis=1)
    haem_socs = {s.casefold() for s in sap.safety.haematological_socs}
    haem_terms = {s.casefold() for s in sap.safety.haematological_terms}
    haematological = te["AEBODSYS"].str.casefold().isin(haem_socs) | te[
        "AEDECOD"
    ].str.casefold().isin(haem_terms)
    onset = te["ASTDT"].fillna(_from_adsl(te, adsl, "TRTSDT"))

    def first_date(mask: pd.Series) -> pd.Series:
        """Earliest onset per USUBJID among AE records in ``mask``, aligned to ADSL rows."""
        per_subject = onset[mask.fillna(False).astype(bool)].groupby(te["USUBJID"]).min()
        return subject.map(per_subject).astype("datetime64[ns]")

    dates: dict[str, pd.Series] = {
        "irae": first_date(te["AEIRFL"].eq("Y") & (grade >= tm.irae_min_grade)),
        "related": first_date(
            related & ~haematological & (grade >= tm.related_nonhaematological_min_grade)
        ),
    }
    death_ae = first_date(related & (grade == 5))
    death_adsl = out["DTHDT"].where(out["DTHCAUS"].eq("TREATMENT-RELATED"))
    dates["death"] = pd.concat([death_ae, death_adsl], axis=1).min(axis=1)

    planned = out["SURGPLDT"]
    is_operated = operated(out)
    delay_days = (out["SURGDT"].where(is_operated, cut) - planned).dt.days
    delaying_ae = subject.isin(te.loc[te["AESDLYFL"].eq("Y"), "USUBJID"])
    cancelled_for_toxicity = out["SURGOUT"].eq("NOT DONE") & out["SURGNDRS"].eq("TOXICITY")
    delayed = (delay_days > tm.surgery_delay_days) & (delaying_ae | cancelled_for_toxicity)
    dates["delay"] = (planned + _days(tm.surgery_delay_days + 1)).where(delayed)

    met = pd.DataFrame({key: value.notna() & dosed for key, value in dates.items()})
    when = pd.DataFrame({key: value.where(met[key]) for key, value in dates.items()})
    utox = met.any(axis=1)
    out["UTOXFL"] = _yn(utox)
    out["UTOXDT"] = when.min(axis=1).astype("datetime64[ns]")
    out["UTOXREAS"] = [
        "; ".join(labels[key] for key in met.columns if row[key]) for _, row in met.iterrows()
    ]
    out["UTOXDLFL"] = _yn(met["delay"])

    not_done_end = out["TRTEDT"].fillna(out["EOSDT"]).fillna(out["DTHDT"])
    completion = pd.concat(
        [
            out["SURGDT"].where(is_operated),
            out["UTOXDT"],
            not_done_end.where(out["SURGOUT"].eq("NOT DONE")),
        ],
        axis=1,
    ).min(axis=1)
    evaluable = dosed & completion.notna()
    out["EVALFL"] = _yn(evaluable)
    out["EVALDT"] = completion.where(evaluable).astype("datetime64[ns]")
    return out
