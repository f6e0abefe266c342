"""Tumour response over the pre-operative window (SAP 3.3): best overall response and best % change.

RECIST 1.1, investigator assessment, from ADRS (overall response per assessment) and ADTR (sum of
target-lesion diameters). Both derivations use the same window, :func:`derive_preop_window`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from osteo_stats.derive.efficacy import (
    CutoffLike,
    add_variables,
    adrs_post_baseline,
    as_cutoff,
    check_analysis_type,
    compute_aval_days,
    format_date,
)
from osteo_stats.derive.endpoint_status import on_study
from osteo_stats.sap import Response

#: Best-first order of RECIST 1.1 overall responses (SAP 3.3).
BOR_ORDER = ("CR", "PR", "SD", "PD", "NE")
_RANK = {level: rank for rank, level in enumerate(reversed(BOR_ORDER))}  # NE 0 ... CR 4

#: Why the pre-operative window ended (``WINENDRS``); ``<N> WEEKS`` is written with N =
#: ``response.window_without_surgery_weeks`` (``12 WEEKS`` with the shipped SAP).
WINDOW_END_REASONS = ("SURGERY", "NEW ANTICANCER THERAPY", "<N> WEEKS", "DATA CUT-OFF")


def derive_preop_window(
    adsl: pd.DataFrame, sap_response: Response, cutoff: CutoffLike, analysis_type: str = "interim"
) -> pd.DataFrame:
    """Add the pre-operative response window (SAP 3.3) to ADSL.

    The window runs from enrollment (exclusive: screening/baseline assessments are on or before
    ``ENRLDT``) to ``WINENDT`` (inclusive):

    - operated by the cut-off: ``WINENDT = SURGDT``; an assessment on the surgery date is
      pre-operative;
    - otherwise the earlier of ``NACTDT`` (an assessment on the day new therapy starts is taken
      to precede it) and ``ENRLDT + 7 * window_without_surgery_weeks`` days (12 weeks: up to
      study day 85);
    - never later than the cut-off.

    At an interim analysis the window of a patient whose surgery is still ``PENDING`` (no new
    therapy by the cut-off, alive and on study) has not closed: it will end at the surgery, so
    it runs to the cut-off whatever the week. At the final analysis no window is open (SAP 3.3:
    the not-yet-evaluable category is empty): such a patient follows the rule for patients
    without surgery.

    Parameters
    ----------
    adsl
        ADSL at the cut-off (:class:`~osteo_stats.derive.cutoff.CutoffSnapshot`).
    sap_response
        ``sap.response``.
    cutoff
        Data cut-off: a window still open at it ends there.
    analysis_type
        ``"interim"`` (default) or ``"final"``.

    Returns
    -------
    pandas.DataFrame
        ``adsl`` with
        ``WINENDT`` (date), ``WINENDRS`` (one of :data:`WINDOW_END_REASONS`) and ``WINOPENFL``:
        ``Y`` when the window is still open at the cut-off (``WINENDRS = "DATA CUT-OFF"`` for a
        patient alive and on study, at an interim analysis). Such a patient's BOR is
        provisional and the patient is not yet evaluable for response (SAP 3.3).
    """
    final = check_analysis_type(analysis_type) == "final"
    cut = as_cutoff(cutoff)
    out = adsl.copy()
    window_days = round(7 * sap_response.window_without_surgery_weeks)
    weeks_end = out["ENRLDT"] + pd.Timedelta(days=window_days)
    nact_first = out["NACTDT"].notna() & (out["NACTDT"] <= weeks_end)
    end = out["NACTDT"].where(nact_first, weeks_end)
    weeks_reason = f"{sap_response.window_without_surgery_weeks:g} WEEKS"
    reason = pd.Series(
        np.where(nact_first, "NEW ANTICANCER THERAPY", weeks_reason), index=out.index
    )
    operated = out["SURGDT"].notna()
    end = end.where(~operated, out["SURGDT"])
    reason = reason.where(~operated, "SURGERY")
    alive_on_study = on_study(out)
    awaiting_surgery = (out["SURGOUT"] == "PENDING") & out["NACTDT"].isna() & alive_on_study
    capped = (end > cut) | (awaiting_surgery & ~final)
    out["WINENDT"] = end.where(~capped, cut).astype("datetime64[ns]")
    out["WINENDRS"] = reason.where(~capped, "DATA CUT-OFF")
    out["WINOPENFL"] = np.where(capped & alive_on_study & ~final, "Y", "N")
    return out


@dataclass(frozen=True)
class _Assessment:
    adt: pd.Timestamp
    avalc: str
    elapsed: int  # days since enrollment (ADT - ENRLDT)
    day: int  # study day, CDISC --DY convention (day 1 = enrollment)


def _label(a: _Assessment) -> str:
    return f"{a.avalc} at {format_date(a.adt)} (day {a.day})"


def _confirmation(
    i: int, seq: list[_Assessment], need: set[str], allowed: set[str], min_days: int
) -> _Assessment | None:
    """First later assessment in ``need`` >= ``min_days`` after ``seq[i]``, with only ``allowed``
    responses in between (RECIST 1.1 confirmation, as admiral's ``derive_param_confirmed_bor``)."""
    for later in seq[i + 1 :]:
        if later.avalc in need and (later.adt - seq[i].adt).days >= min_days:
            return later
        if later.avalc not in allowed:
            return None
    return None


def _bor_one_patient(seq: list[_Assessment], cfg: Response) -> tuple[str, str, pd.Timestamp]:
    """BOR, its audit reason and the date of the assessment that gave it (SAP 3.3)."""
    if not seq:
        return "NE", "no post-baseline assessment -> NE", pd.NaT
    candidates: list[tuple[str, str, pd.Timestamp]] = []  # (level, reason, date)
    early: list[str] = []
    for i, a in enumerate(seq):
        sd_ok = a.elapsed >= cfg.sd_min_days
        too_early = f"{_label(a)}: {a.elapsed} days from enrollment < {cfg.sd_min_days} -> NE"
        if a.avalc in ("CR", "PR"):
            if not cfg.confirmation_required:
                candidates.append((a.avalc, _label(a), a.adt))
                continue
            min_days = cfg.confirmation_min_days
            cr = a.avalc == "CR" and _confirmation(i, seq, {"CR"}, {"CR", "NE"}, min_days)
            pr = _confirmation(i, seq, {"CR", "PR"}, {"CR", "PR", "NE"}, min_days)
            if cr:
                candidates.append(("CR", f"{_label(a)}, confirmed {format_date(cr.adt)}", a.adt))
            elif pr:
                note = f", confirmed {format_date(pr.adt)}"
                level_note = " (CR confirmed as PR)" if a.avalc == "CR" else ""
                candidates.append(("PR", f"{_label(a)}{note}{level_note}", a.adt))
            elif sd_ok:
                candidates.append(("SD", f"unconfirmed {_label(a)} -> SD", a.adt))
            else:
                early.append(f"unconfirmed {too_early}")
        elif a.avalc == "SD":
            if sd_ok:
                candidates.append(("SD", _label(a), a.adt))
            else:
                early.append(too_early)
        elif a.avalc == "PD":
            candidates.append(("PD", _label(a), a.adt))
    if candidates:
        best = max(_RANK[c[0]] for c in candidates)
        return next(c for c in candidates if _RANK[c[0]] == best)  # earliest at the best level
    if early:
        return "NE", early[0], pd.NaT
    return "NE", "only NE assessments -> NE", pd.NaT


def derive_bor(
    adsl: pd.DataFrame,
    adrs: pd.DataFrame,
    sap_response: Response,
    cutoff: CutoffLike,
    analysis_type: str = "interim",
) -> pd.DataFrame:
    """Add best overall response (RECIST 1.1) over the pre-operative window to ADSL (SAP 3.3).

    Rules, in order:

    1. Assessments: ADRS rows with ``ENRLDT < ADT <= WINENDT`` and ``AVISIT != "SCREENING"``
       (:func:`derive_preop_window`; ``WINENDT`` is never after the cut-off). ``AVALC`` other than
       CR/PR/SD/PD (NE, missing, or a stray NED) counts as NE.
    2. CR and PR count as such when ``sap_response.confirmation_required`` is false. When it is
       true, a CR needs a later CR at least ``confirmation_min_days`` after it with only CR/NE in
       between; a PR (or a CR not confirmed as CR) needs a later CR or PR at least
       ``confirmation_min_days`` after it with only CR/PR/NE in between, and then counts as PR.
       The confirming assessment must be in the window. An unconfirmed CR/PR counts as SD if it
       meets the SD rule, otherwise NE.
    3. SD (including an unconfirmed CR/PR) needs ``ADT - ENRLDT >= sd_min_days`` (35 days, i.e.
       study day 36 or later); earlier it is NE.
    4. PD counts at any time.
    5. BOR is the best of CR > PR > SD > PD > NE; ``BORDT`` is the first assessment at that level.
       A patient with no assessment in the window is NE.

    Parameters
    ----------
    adsl, adrs
        ADSL and ADRS (``PARAMCD = "OVRLRESP"``) at the cut-off
        (:class:`~osteo_stats.derive.cutoff.CutoffSnapshot`).
    sap_response
        ``sap.response``.
    cutoff
        Data cut-off (where an open window ends).
    analysis_type
        ``"interim"`` (default) or ``"final"``: whether a window can still be open (see
        :func:`derive_preop_window`).

    Returns
    -------
    pandas.DataFrame
        ``adsl`` (one row per patient enrolled by the cut-off) with ``WINENDT``, ``WINENDRS``,
        ``WINOPENFL`` (see :func:`derive_preop_window`), ``BOR`` (CR/PR/SD/PD/NE), ``BORDT``,
        ``BORREAS`` (audit text, e.g. ``"PR at 2023-05-02 (day 43)"``; day = study day with day 1 =
        enrollment), ``ORRFL`` (``Y`` for CR/PR) and ``DCRFL`` (``Y`` for CR/PR/SD). NE and
        missing are non-responders (``N``) in the FAS denominator.
    """
    base = derive_preop_window(adsl, sap_response, cutoff, analysis_type)
    rs = adrs_post_baseline(adrs, base).merge(base[["USUBJID", "WINENDT"]], on="USUBJID")
    rs = rs.loc[rs["ADT"] <= rs["WINENDT"]]  # sorted by USUBJID, ADT
    rs = rs.assign(
        AVALC=rs["AVALC"].where(rs["AVALC"].isin(["CR", "PR", "SD", "PD"]), "NE"),
        ELAPSED=(rs["ADT"] - rs["ENRLDT"]).dt.days,
        DAY=compute_aval_days(rs["ENRLDT"], rs["ADT"], offset=1),
    )
    sequences: dict[str, list[_Assessment]] = {
        usubjid: [
            _Assessment(r.ADT, r.AVALC, int(r.ELAPSED), int(r.DAY))
            for r in group.itertuples(index=False)
        ]
        for usubjid, group in rs.groupby("USUBJID", sort=False)
    }
    results = [_bor_one_patient(sequences.get(u, []), sap_response) for u in base["USUBJID"]]
    derived = pd.DataFrame(results, columns=["BOR", "BORREAS", "BORDT"])
    derived.insert(0, "USUBJID", base["USUBJID"].to_numpy())
    derived["BORDT"] = pd.to_datetime(derived["BORDT"]).astype("datetime64[ns]")
    derived["ORRFL"] = np.where(derived["BOR"].isin(["CR", "PR"]), "Y", "N")
    derived["DCRFL"] = np.where(derived["BOR"].isin(["CR", "PR", "SD"]), "Y", "N")
    derived = derived[["USUBJID", "BOR", "BORDT", "BORREAS", "ORRFL", "DCRFL"]]
    return add_variables(base, derived)


def derive_best_pct_change(
    adsl: pd.DataFrame,
    adtr: pd.DataFrame,
    sap_response: Response,
    cutoff: CutoffLike,
    analysis_type: str = "interim",
) -> pd.DataFrame:
    r"""Add target-lesion baseline, nadir and best % change in the pre-operative window (SAP 3.3).

    For the waterfall plot. The window is the BOR window (:func:`derive_preop_window`), so the bar
    and its BOR colour describe the same period; post-operative measurements (lesions resected)
    are not used.

    .. math::

        \mathrm{BESTPCHG} = 100 \, (\mathrm{NADIRSUM} - \mathrm{BASESUM}) / \mathrm{BASESUM}

    Parameters
    ----------
    adsl, adtr
        ADSL and ADTR (``PARAMCD = "SUMDIAM"``, one ``ABLFL = "Y"`` row per patient) at the
        cut-off (:class:`~osteo_stats.derive.cutoff.CutoffSnapshot`).
    sap_response
        ``sap.response`` (defines the window for patients without surgery).
    cutoff
        Data cut-off (see :func:`derive_preop_window`).
    analysis_type
        ``"interim"`` (default) or ``"final"`` (see :func:`derive_preop_window`).

    Returns
    -------
    pandas.DataFrame
        ``adsl`` with ``BASESUM`` (the ``ABLFL = "Y"`` sum, mm), ``NADIRSUM`` (the
        smallest post-baseline sum with ``ENRLDT < ADT <= WINENDT``, mm), ``NADIRDT`` (its first
        date) and ``BESTPCHG`` (% change of ``NADIRSUM`` from ``BASESUM``, the minimum
        post-baseline % change). Missing when there is no baseline, no post-baseline
        measurement in the window, or a baseline sum of 0.
    """
    base = derive_preop_window(adsl, sap_response, cutoff, analysis_type)
    tr = adtr.merge(base[["USUBJID", "ENRLDT", "WINENDT"]], on="USUBJID", how="inner")
    baseline = (
        tr.loc[tr["ABLFL"] == "Y", ["USUBJID", "AVAL"]]
        .drop_duplicates("USUBJID")
        .rename(columns={"AVAL": "BASESUM"})
    )
    post = tr.loc[(tr["ABLFL"] != "Y") & (tr["ADT"] > tr["ENRLDT"]) & (tr["ADT"] <= tr["WINENDT"])]
    nadir = (
        post.sort_values(["USUBJID", "AVAL", "ADT"], kind="stable")
        .drop_duplicates("USUBJID")[["USUBJID", "AVAL", "ADT"]]
        .rename(columns={"AVAL": "NADIRSUM", "ADT": "NADIRDT"})
    )
    derived = base[["USUBJID"]].merge(baseline, on="USUBJID", how="left")
    derived = derived.merge(nadir, on="USUBJID", how="left")
    positive = derived["BASESUM"] > 0
    derived["BESTPCHG"] = (
        100 * (derived["NADIRSUM"] - derived["BASESUM"]) / derived["BASESUM"].where(positive)
    )
    return add_variables(base, derived)
