"""Time-to-event analysis dataset (ADTTE: EFS, its two sensitivity variants, OS) and the primary
endpoint status (SAP 3.1, 3.2, 6.1, 8.4).

Every record says which SAP rule decided it (``RULE``, from :data:`RULES`). The rules, as
implemented on the data at the cut-off (:mod:`~osteo_stats.derive.cutoff`: dates after the
cut-off do not exist there):

EFS events (SAP 3.2); the earliest wins, and on a tie the lower number names it:

- E1 pre-operative PD: a pre-operative ADRS assessment (on or before the surgery date, or no
  surgery by the cut-off) with ``AVALC = "PD"``, at its ``ADT``.
- E2 incomplete resection: ``SURGOUT`` R1 or R2, at ``SURGDT``.
- E3 surgery not done because of progression (``SURGOUT = "NOT DONE"``, ``SURGNDRS =
  "PROGRESSION"``): at the first PD in ADRS; without one, at the planned surgery date
  ``SURGPLDT``; without that, at ``ENRLDT + 7 * sap.schedule.surgery_week_planned`` days. Not an
  event if that date is after the cut-off.
- E4 post-operative recurrence or new metastasis: a post-operative assessment (after
  ``SURGDT``) with ``RECURFL = "Y"``, ``NEWLFL = "Y"`` or ``AVALC = "PD"``.
- E5 second malignancy: ``SMDT`` (on or after enrollment).
- E6 death from any cause: ``DTHDT``.

Censoring (SAP 8.4); an event on the same date as a censoring date wins:

- C1 no event: the last adequate assessment (``AVALC`` not NE, post-baseline) on or before the
  cut-off.
- C2 no event and no adequate post-baseline assessment: day 1 (``ADT = STARTDT``, AVAL 1).
- C3 sensitivity (a), ``EFSSENSA``: new anticancer therapy (``NACTDT``) before the event (or
  without an event): censored at the last adequate assessment on or before ``NACTDT`` (FDA
  guidance: last adequate assessment before new therapy), or at day 1 if there is none. An
  event on ``NACTDT`` itself stands (the tie goes to the event).
- C4 sensitivity (b), ``EFSSENSB``: an event more than ``k * interval + window`` days after the
  last adequate assessment strictly before it (or after enrollment, if none) followed at least
  ``k`` missed assessments (``k = missed_assessments_for_censoring``, ``interval =
  tumour_assessment_interval_days``, ``window = assessment_window_days``; 2 * 84 + 14 = 182
  days): censored at that last adequate assessment (day 1 if none). Applies to every event type.

OS (SAP 3.2, 8.4):

- O1 death from any cause, at ``DTHDT``.
- C5 alive: censored at the last known alive date ``LSTALVDT``.
- C6 alive, last known alive after the cut-off (``ALVCUFL = "Y"``): censored at the cut-off.

EFS from a landmark at surgery (SAP 7.6 point 5), ``EFSSURG``, for the post-SBRT biomarkers:

- L1 an operated patient (SURGOUT R0, R1 or R2) without an EFS event on or before SURGDT keeps the
  EFS record, timed from ``STARTDT = SURGDT``; RULE names L1 and the EFS rule behind it.
- L2 such a patient whose EFS is censored before SURGDT: censored on SURGDT, AVAL 1.

Durations (SAP 6.1): ``AVAL = ADT - STARTDT + day_one_offset`` days
(:func:`~osteo_stats.derive.efficacy.compute_aval_days`), ``AVALM = AVAL / days_per_month``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from osteo_stats.derive.efficacy import (
    CutoffLike,
    add_variables,
    adrs_post_baseline,
    as_cutoff,
    check_analysis_type,
    compute_aval_days,
    compute_event_indicator,
    format_date,
    format_dates,
    landmark_aval,
)
from osteo_stats.derive.surgery import operated
from osteo_stats.sap import SAP, EFSRules

#: The parameters :func:`derive_adtte` can build, with their PARAM labels, in output order.
PARAMS: dict[str, str] = {
    "EFS": "Event-free survival",
    "EFSSENSA": "EFS sensitivity (a): censored at new anticancer therapy",
    "EFSSENSB": "EFS sensitivity (b): events after >= 2 missed assessments censored",
    "EFSSURG": "EFS from surgery (landmark at surgery, exploratory biomarkers)",
    "OS": "Overall survival",
}

#: Rule id -> the rule text written into ``RULE`` (section numbers of ``sap/SAP.md``).
RULES: dict[str, str] = {
    "E1": "SAP 3.2 E1 pre-operative PD",
    "E2": "SAP 3.2 E2 incomplete resection (R1/R2)",
    "E3": "SAP 3.2 E3 surgery not done because of progression",
    "E4": "SAP 3.2 E4 post-operative recurrence or new metastasis",
    "E5": "SAP 3.2 E5 second malignancy",
    "E6": "SAP 3.2 E6 death from any cause",
    "C1": "SAP 8.4 C1 censored at last adequate assessment on or before cut-off",
    "C2": "SAP 8.4 C2 no adequate post-baseline assessment: censored at day 1",
    "C3": "SAP 8.4 C3 sensitivity (a): new anticancer therapy before event",
    "C4": "SAP 8.4 C4 sensitivity (b): event after >= 2 missed assessments",
    "O1": "SAP 3.2 O1 death from any cause",
    "C5": "SAP 8.4 C5 censored at last known alive date",
    "C6": "SAP 8.4 C6 last known alive after cut-off: censored at cut-off",
    "L1": "SAP 7.6 L1 landmark at surgery: EFS record timed from SURGDT",
    "L2": "SAP 7.6 L2 landmark at surgery: EFS censored before SURGDT: censored at day 1",
}

ADTTE_COLUMNS = [
    "STUDYID", "USUBJID", "PARAMCD", "PARAM", "STARTDT", "ADT", "ADTF", "AVAL", "AVALM",
    "CNSR", "EVNTDESC", "CNSDTDSC", "SRCDOM", "SRCVAR", "RULE", "RULEID",
]  # fmt: skip

_E1_DESC = "Pre-operative progression (RECIST 1.1 PD)"
_E2_DESC = {outcome: f"Incomplete resection ({outcome})" for outcome in ("R1", "R2")}
_E3_DESC = {
    "ADT": "Surgery not done because of progression (first PD in ADRS)",
    "SURGPLDT": "Surgery not done because of progression (planned surgery date; no PD in ADRS)",
    "ENRLDT": "Surgery not done because of progression (protocol surgery week; no PD, no plan)",
}
_E4_DESC = {
    "RECURFL": "Post-operative recurrence",
    "NEWLFL": "New metastasis (new lesion) after surgery",
    "PD": "Post-operative progression (PD)",
}
_E5_DESC = "Second malignancy"
_E6_DESC = "Death"
#: Every EVNTDESC an EFS event can have (rules E1-E6); PRIMREAS quotes it (SAP 3.1).
EVENT_DESCRIPTIONS: tuple[str, ...] = (
    _E1_DESC,
    *_E2_DESC.values(),
    *_E3_DESC.values(),
    *_E4_DESC.values(),
    _E5_DESC,
    _E6_DESC,
)

_RECORD = ["USUBJID", "ADT", "ADTF", "EVNTDESC", "CNSDTDSC", "SRCDOM", "SRCVAR", "RULE"]


# --- building blocks -------------------------------------------------------------------------


def _values(value: object) -> object:
    """A scalar as is, an array-like as a plain array (so that nothing aligns on an index)."""
    return value if np.ndim(value) == 0 else np.asarray(value)


def _events(
    frame: pd.DataFrame,
    date: str,
    rule: str,
    desc: object,
    srcdom: object,
    srcvar: object,
    adtf: object = "",
) -> pd.DataFrame:
    """Candidate event rows (one per row of ``frame`` with a date)."""
    out = pd.DataFrame(
        {
            "USUBJID": frame["USUBJID"].to_numpy(),
            "ADT": frame[date].to_numpy(),
            "ADTF": _values(adtf),
            "EVNTDESC": _values(desc),
            "SRCDOM": _values(srcdom),
            "SRCVAR": _values(srcvar),
            "RULE": RULES[rule],
            "PRIORITY": int(rule[1:]),
        }
    )
    return out.loc[out["ADT"].notna()]


def _adtf(adsl: pd.DataFrame, column: str) -> object:
    """The imputation flag ``<column>F`` when ADSL has one, else ``""`` (not imputed)."""
    flag = f"{column}F"
    return adsl[flag].fillna("").to_numpy() if flag in adsl.columns else ""


def _first_event(candidates: list[pd.DataFrame]) -> pd.DataFrame:
    """Each patient's earliest candidate; a same-day tie goes to the lower rule number."""
    stacked = pd.concat(candidates, ignore_index=True)
    stacked["ADT"] = pd.to_datetime(stacked["ADT"]).astype("datetime64[ns]")
    first = stacked.sort_values(["USUBJID", "ADT", "PRIORITY"], kind="stable")
    return first.drop_duplicates("USUBJID").drop(columns="PRIORITY").reset_index(drop=True)


def _efs_events(adsl: pd.DataFrame, rs: pd.DataFrame, sap: SAP, cut: pd.Timestamp) -> pd.DataFrame:
    """Each patient's first EFS event (E1-E6) on or before the cut-off (one row per patient with
    an event)."""
    preop_pd = rs.loc[(rs["PREOPFL"] == "Y") & (rs["AVALC"] == "PD")]
    incomplete = adsl.loc[adsl["SURGOUT"].isin(["R1", "R2"]) & adsl["SURGDT"].notna()]

    # E3: at the first PD in ADRS, else the planned surgery date, else the protocol surgery week.
    not_done = adsl.loc[
        (adsl["SURGOUT"] == "NOT DONE") & (adsl["SURGNDRS"] == "PROGRESSION"),
        ["USUBJID", "ENRLDT", "SURGPLDT"],
    ]
    first_pd = rs.loc[rs["AVALC"] == "PD"].groupby("USUBJID")["ADT"].min()
    pd_date = not_done["USUBJID"].map(first_pd)
    protocol = not_done["ENRLDT"] + pd.Timedelta(days=round(7 * sap.schedule.surgery_week_planned))
    not_done = not_done.assign(
        E3DT=pd_date.fillna(not_done["SURGPLDT"]).fillna(protocol),
        E3SRC=np.select(
            [pd_date.notna(), not_done["SURGPLDT"].notna()], ["ADT", "SURGPLDT"], "ENRLDT"
        ),
    )
    not_done = not_done.loc[not_done["E3DT"] <= cut]
    e3 = _events(
        not_done,
        "E3DT",
        "E3",
        not_done["E3SRC"].map(_E3_DESC),
        np.where(not_done["E3SRC"] == "ADT", "ADRS", "ADSL"),
        not_done["E3SRC"],
    )

    post = rs.loc[
        (rs["PREOPFL"] == "N")
        & ((rs["RECURFL"] == "Y") | (rs["NEWLFL"] == "Y") | (rs["AVALC"] == "PD"))
    ]
    post_desc = np.select(
        [post["RECURFL"] == "Y", post["NEWLFL"] == "Y"],
        [_E4_DESC["RECURFL"], _E4_DESC["NEWLFL"]],
        _E4_DESC["PD"],
    )
    second = adsl.loc[adsl["SMDT"] >= adsl["ENRLDT"]]
    return _first_event(
        [
            _events(preop_pd, "ADT", "E1", _E1_DESC, "ADRS", "ADT"),
            _events(
                incomplete,
                "SURGDT",
                "E2",
                incomplete["SURGOUT"].map(_E2_DESC),
                "ADSL",
                "SURGDT",
                _adtf(incomplete, "SURGDT"),
            ),
            e3,
            _events(post, "ADT", "E4", post_desc, "ADRS", "ADT"),
            _events(second, "SMDT", "E5", _E5_DESC, "ADSL", "SMDT", _adtf(second, "SMDT")),
            _events(adsl, "DTHDT", "E6", _E6_DESC, "ADSL", "DTHDT", _adtf(adsl, "DTHDT")),
        ]
    )


def _last_adequate(rs: pd.DataFrame, limit: pd.Series, *, strictly_before: bool) -> pd.Series:
    """Per patient (index USUBJID): the last adequate assessment on or before (or strictly
    before) ``limit`` (a Series indexed by USUBJID); patients without one are absent."""
    adequate = rs.loc[rs["ADEQFL"] == "Y"]
    bound = adequate["USUBJID"].map(limit)
    keep = adequate["ADT"] < bound if strictly_before else adequate["ADT"] <= bound
    return adequate.loc[keep].groupby("USUBJID")["ADT"].max()


def missed_assessments(first_due: pd.Series, until: pd.Series, rules: EFSRules) -> pd.Series:
    """The scheduled tumour assessments missed by ``until`` (SAP 3.2.4): the number of j = 0,
    1, ... with ``first_due + j x interval + window < until`` (``interval =
    efs.tumour_assessment_interval_days``, ``window = efs.assessment_window_days``). An
    assessment is missed once its tolerance has passed without one; 0 where a date is missing.

    The one home of the schedule rule: EFS sensitivity (b) (rule C4, ``first_due`` = the last
    adequate assessment + interval, ``until`` = the event) and the data currency at the cut-off
    (SAP 8.5, :mod:`~osteo_stats.derive.currency`) count with it.
    """
    late = (until - first_due).dt.days - rules.assessment_window_days
    count = np.ceil(late / rules.tumour_assessment_interval_days)
    return count.where(late > 0, 0).fillna(0).astype(int)


def _censor_at_assessment(
    base: pd.DataFrame,
    last: pd.Series,
    rule: str,
    desc: object,
    desc_day1: str,
    rule_day1: str | None = None,
) -> pd.DataFrame:
    """Censoring rows for the patients in ``base``: at ``last`` (indexed by USUBJID), or at day 1
    (``ADT = STARTDT``) for patients without one."""
    adt = base["USUBJID"].map(last)
    has = adt.notna().to_numpy()
    return pd.DataFrame(
        {
            "USUBJID": base["USUBJID"].to_numpy(),
            "ADT": adt.fillna(base["STARTDT"]).to_numpy(),
            "ADTF": "",
            "CNSDTDSC": np.where(has, _values(desc), desc_day1),
            "SRCDOM": np.where(has, "ADRS", "ADSL"),
            "SRCVAR": np.where(has, "ADT", "ENRLDT"),
            "RULE": np.where(has, RULES[rule], RULES[rule_day1 or rule]),
        }
    )


def _event_else_censor(
    base: pd.DataFrame, events: pd.DataFrame, censors: pd.DataFrame
) -> pd.DataFrame:
    """One record per patient of ``base``: the event if there is one, else the censoring row
    (so an event wins over a censoring date on the same day)."""
    chosen = pd.concat(
        [
            events.assign(CNSR=0),
            censors.loc[~censors["USUBJID"].isin(events["USUBJID"])].assign(CNSR=1),
        ],
        ignore_index=True,
    )
    out = base.merge(chosen.reindex(columns=[*_RECORD, "CNSR"]), on="USUBJID", how="left")
    missing = out["CNSR"].isna()
    if missing.any():  # pragma: no cover - every patient has a censoring row by construction
        raise AssertionError(f"no EFS/OS record for {out.loc[missing, 'USUBJID'].tolist()}")
    return out


def _finish(records: pd.DataFrame, paramcd: str, sap: SAP) -> pd.DataFrame:
    out = records.assign(PARAMCD=paramcd, PARAM=PARAMS[paramcd])
    out["ADT"] = pd.to_datetime(out["ADT"]).astype("datetime64[ns]")
    out["AVAL"] = compute_aval_days(out["STARTDT"], out["ADT"], offset=sap.time.day_one_offset)
    out["AVALM"] = out["AVAL"] / sap.time.days_per_month
    out["CNSR"] = out["CNSR"].astype("int64")
    out["RULEID"] = rule_ids(out["RULE"])
    return out[ADTTE_COLUMNS]


def rule_ids(rule: pd.Series) -> pd.Series:
    """The id (``E1`` ... ``E6``, ``O1``, ``C1`` ... ``C6``, ``L1``, ``L2``) of each ADTTE ``RULE``.

    A RULE text starts with the :data:`RULES` text of the rule that decided the record (the
    landmark rule L1 goes on with the EFS rule it keeps).

    Raises
    ------
    ValueError
        A text that starts with no rule of :data:`RULES`: a derivation named a rule that the
        table does not hold.
    """
    ids = pd.Series("", index=rule.index, dtype=object)
    for rule_id, text in RULES.items():
        ids = ids.mask(rule.str.startswith(text, na=False) & ids.eq(""), rule_id)
    unnamed = rule[ids.eq("")]
    if not unnamed.empty:
        raise ValueError(f"ADTTE RULE text names no rule of RULES: {unnamed.iloc[0]!r}")
    return ids


# --- the dataset -----------------------------------------------------------------------------


def derive_adtte(
    adsl: pd.DataFrame,
    adrs: pd.DataFrame,
    sap: SAP,
    cutoff: CutoffLike,
    paramcds: Sequence[str] = tuple(PARAMS),
) -> pd.DataFrame:
    """Build the time-to-event dataset: EFS, EFSSENSA, EFSSENSB, EFSSURG and OS (SAP 3.2, 6.1,
    7.6, 8.4).

    The rules are listed in the module docstring and in :data:`RULES`; each record names the
    one that decided it in ``RULE``.

    Parameters
    ----------
    adsl, adrs
        ADSL and ADRS at the cut-off (:class:`~osteo_stats.derive.cutoff.CutoffSnapshot`).
    sap
        The SAP configuration (uses ``time``, ``efs`` and ``schedule.surgery_week_planned``).
    cutoff
        Data cut-off: an E3 event dated (by plan) after it has not happened yet.
    paramcds
        Parameters to build, any of :data:`PARAMS` (default all).

    Returns
    -------
    pandas.DataFrame
        One row per patient of ``adsl`` and parameter (EFSSURG: only the patients of its
        landmark set), columns :data:`ADTTE_COLUMNS`: ``STARTDT`` = ``ENRLDT`` (EFSSURG:
        ``SURGDT``); ``ADT`` event or censoring date;
        ``ADTF`` its imputation flag (e.g. ``DTHDTF``); ``AVAL`` days
        (:func:`~osteo_stats.derive.efficacy.compute_aval_days`); ``AVALM`` = ``AVAL /
        days_per_month``; ``CNSR`` 0 event, 1 censored; ``EVNTDESC`` (events) or ``CNSDTDSC``
        (censored); ``SRCDOM``/``SRCVAR`` where ``ADT`` came from; ``RULE``. Sorted by
        parameter (in :data:`PARAMS` order), then USUBJID.

    Raises
    ------
    ValueError
        An unknown parameter code.
    """
    unknown = [p for p in paramcds if p not in PARAMS]
    if unknown:
        raise ValueError(f"paramcds: unknown parameter(s) {unknown}; allowed: {', '.join(PARAMS)}")
    cut = as_cutoff(cutoff)
    rs = adrs_post_baseline(adrs, adsl)
    base = adsl[["STUDYID", "USUBJID", "ENRLDT"]].rename(columns={"ENRLDT": "STARTDT"})

    events = _efs_events(adsl, rs, sap, cut)
    censors = _censor_at_assessment(
        base,
        rs.loc[rs["ADEQFL"] == "Y"].groupby("USUBJID")["ADT"].max(),
        "C1",
        "Last adequate tumour assessment",
        "No adequate post-baseline assessment: day 1",
        "C2",
    )
    built: dict[str, pd.DataFrame] = {}
    if "EFS" in paramcds:
        built["EFS"] = _event_else_censor(base, events, censors)
    if "EFSSENSA" in paramcds:
        built["EFSSENSA"] = _efs_sensitivity_a(base, adsl, rs, events, censors)
    if "EFSSENSB" in paramcds:
        built["EFSSENSB"] = _efs_sensitivity_b(base, rs, events, censors, sap)
    if "OS" in paramcds:
        built["OS"] = _os(base, adsl)
    if "EFSSURG" in paramcds:
        built["EFSSURG"] = _efs_from_surgery(adsl, _event_else_censor(base, events, censors))
    parts = [_finish(built[p], p, sap) for p in PARAMS if p in built]
    return pd.concat(parts, ignore_index=True)


def _efs_sensitivity_a(
    base: pd.DataFrame,
    adsl_cut: pd.DataFrame,
    rs: pd.DataFrame,
    events: pd.DataFrame,
    censors: pd.DataFrame,
) -> pd.DataFrame:
    """C3: new anticancer therapy strictly before the event (or without an event) -> censored
    at the last adequate assessment on or before NACTDT."""
    nact = adsl_cut.set_index("USUBJID")["NACTDT"]
    event_dt = base["USUBJID"].map(events.set_index("USUBJID")["ADT"])
    nact_dt = base["USUBJID"].map(nact)
    switched = nact_dt.notna() & (event_dt.isna() | (event_dt > nact_dt))
    moved = base.loc[switched]
    text = "Last adequate assessment before new anticancer therapy on " + format_dates(
        nact_dt[switched]
    )
    c3 = _censor_at_assessment(
        moved,
        _last_adequate(rs, nact, strictly_before=False),
        "C3",
        text,
        "New anticancer therapy before any adequate assessment: day 1",
    )
    kept_censors = censors.loc[~censors["USUBJID"].isin(moved["USUBJID"])]
    kept_events = events.loc[~events["USUBJID"].isin(moved["USUBJID"])]
    return _event_else_censor(base, kept_events, pd.concat([kept_censors, c3]))


def _efs_sensitivity_b(
    base: pd.DataFrame, rs: pd.DataFrame, events: pd.DataFrame, censors: pd.DataFrame, sap: SAP
) -> pd.DataFrame:
    """C4: an event more than ``k * interval + window`` days after the previous adequate
    assessment (enrollment if none) -> censored at that assessment."""
    rules = sap.efs
    max_gap = (
        rules.missed_assessments_for_censoring * rules.tumour_assessment_interval_days
        + rules.assessment_window_days
    )
    previous = _last_adequate(rs, events.set_index("USUBJID")["ADT"], strictly_before=True)
    with_events = base.merge(events[["USUBJID", "ADT"]], on="USUBJID", how="inner")
    anchor = with_events["USUBJID"].map(previous).fillna(with_events["STARTDT"])
    gap = (with_events["ADT"] - anchor).dt.days
    interval = pd.Timedelta(days=rules.tumour_assessment_interval_days)
    missed = missed_assessments(anchor + interval, with_events["ADT"], rules)
    after = missed >= rules.missed_assessments_for_censoring  # i.e. gap > max_gap
    late = with_events.loc[after]
    text = (
        "Event " + gap[after].astype(str) + f" days after last adequate assessment"
        f" (> {max_gap}): censored at that assessment"
    )
    c4 = _censor_at_assessment(
        late,
        previous,
        "C4",
        text,
        f"Event > {max_gap} days after enrollment without adequate assessment: day 1",
    )
    kept_censors = censors.loc[~censors["USUBJID"].isin(late["USUBJID"])]
    kept_events = events.loc[~events["USUBJID"].isin(late["USUBJID"])]
    return _event_else_censor(base, kept_events, pd.concat([kept_censors, c4]))


def _os(base: pd.DataFrame, adsl_cut: pd.DataFrame) -> pd.DataFrame:
    """O1 death; C5 censored at LSTALVDT; C6 known alive after the cut-off (the cut put
    LSTALVDT at the cut-off and set ALVCUFL)."""
    deaths = _events(adsl_cut, "DTHDT", "O1", "Death", "ADSL", "DTHDT", _adtf(adsl_cut, "DTHDT"))
    deaths = deaths.drop(columns="PRIORITY")
    capped = adsl_cut["ALVCUFL"].eq("Y").to_numpy(dtype=bool)
    censors = pd.DataFrame(
        {
            "USUBJID": adsl_cut["USUBJID"].to_numpy(),
            "ADT": adsl_cut["LSTALVDT"].to_numpy(),
            "ADTF": "",
            "CNSDTDSC": np.where(
                capped, "Data cut-off (known alive after it)", "Last known alive date"
            ),
            "SRCDOM": np.where(capped, None, "ADSL"),
            "SRCVAR": np.where(capped, None, "LSTALVDT"),
            "RULE": np.where(capped, RULES["C6"], RULES["C5"]),
        }
    )
    return _event_else_censor(base, deaths, censors)


# --- the primary endpoint --------------------------------------------------------------------

#: Values of ``PRIMSTAT``. ``NOT EVALUABLE`` only occurs with
#: ``sap.primary_endpoint.lost_before_landmark = "exclude"``.
PRIMARY_STATUSES = ("SUCCESS", "FAILURE", "NOT EVALUABLE YET", "NOT EVALUABLE")


def derive_primary_endpoint(
    adsl: pd.DataFrame,
    adtte_efs: pd.DataFrame,
    sap: SAP,
    cutoff: CutoffLike,
    analysis_type: str = "interim",
) -> pd.DataFrame:
    """Add the primary endpoint status, 2-year EFS as a binary outcome, to ADSL (SAP 3.1).

    With ``L = landmark_months`` (24), the landmark date is the first date whose EFS AVALM
    reaches L: ``LMDT = STARTDT + ceil(L * days_per_month) - day_one_offset`` days (day 731,
    ``ENRLDT + 730``; :func:`~osteo_stats.derive.efficacy.landmark_aval`). The first rule that
    applies decides (``PRIMRULE``; ``PRIMREAS`` starts with it):

    - F1 FAILURE: an EFS event (``CNSR = 0``) with ``AVALM < L``, i.e. ``AVAL`` before the
      landmark day (compared in whole days).
    - S1 SUCCESS: an EFS event with ``AVALM >= L`` (event-free, and so alive, at L months).
    - S2 SUCCESS: censored, with adequate follow-up to L months -- the last adequate tumour
      assessment (the EFS censoring date) on or after ``LMDT - assessment_window_days`` (an
      on-schedule 24-month scan may come up to 14 days early) -- and known alive on ``LMDT``
      (``LSTALVDT >= LMDT``, at the cut-off).
    - F2 FAILURE: left follow-up event-free before L months: end of study by the cut-off
      (``EOSSTT`` DISCONTINUED, which includes lost to follow-up, or COMPLETED) with ``EOSDT <
      LMDT``. With ``lost_before_landmark = "exclude"`` the status is ``NOT EVALUABLE`` instead
      (X1).
    - N1 NOT EVALUABLE YET: event-free and the cut-off is before ``LMDT``.
    - N2 NOT EVALUABLE YET: ``LMDT`` has passed, but the assessment or the alive status at L
      months is not in the data (yet) -- including a patient who left follow-up on or after
      ``LMDT`` without them.
    - F3 FAILURE, at the final analysis only (``analysis_type = "final"``): a patient who would
      be N2 is counted as a failure (SAP 3.1 "At the final analysis"; SAP 10.3). N1 cannot be
      decided and stays not evaluable.

    Parameters
    ----------
    adsl
        ADSL at the cut-off (:class:`~osteo_stats.derive.cutoff.CutoffSnapshot`).
    adtte_efs
        Output of :func:`derive_adtte` at the same cut-off; only ``PARAMCD = "EFS"`` rows are
        used.
    sap
        The SAP configuration (``primary_endpoint``, ``time``, ``efs.assessment_window_days``).
    cutoff
        Data cut-off: N1 when it is before the landmark date.
    analysis_type
        ``"interim"`` (default) or ``"final"``
        (:data:`~osteo_stats.derive.efficacy.ANALYSIS_TYPES`).

    Returns
    -------
    pandas.DataFrame
        ``adsl`` with ``PRIMLMDT`` (the landmark date), ``PRIMSTAT`` (one of
        :data:`PRIMARY_STATUSES`), ``PRIMRULE`` (the rule id) and ``PRIMREAS`` (rule text with
        the dates behind it).

    Raises
    ------
    ValueError
        An EFS record dated after the cut-off (derived at a later cut-off), a patient without
        an EFS record, or an unknown analysis type.
    """
    final = check_analysis_type(analysis_type) == "final"
    cut = as_cutoff(cutoff)
    base = adsl
    efs = adtte_efs.loc[adtte_efs["PARAMCD"] == "EFS"]
    late = efs.loc[efs["ADT"] > cut, "USUBJID"].tolist()
    if late:
        raise ValueError(
            f"adtte_efs: EFS dated after the cut-off {format_date(cut)} for USUBJID {late}; "
            "derive ADTTE at the same cut-off"
        )
    absent = sorted(set(base["USUBJID"]) - set(efs["USUBJID"]))
    if absent:
        raise ValueError(f"adtte_efs: no EFS record for USUBJID {absent}; derive ADTTE first")

    pe, time = sap.primary_endpoint, sap.time
    landmark = pe.landmark_months
    columns = ["USUBJID", "ADT", "AVAL", "AVALM", "CNSR", "EVNTDESC"]
    m = base.merge(efs[columns], on="USUBJID", how="left")
    first_day = landmark_aval(landmark, time.days_per_month)  # AVAL 731 for 24 months
    lmdt = m["ENRLDT"] + pd.Timedelta(days=first_day - time.day_one_offset)
    adequate_from = lmdt - pd.Timedelta(days=sap.efs.assessment_window_days)
    event = compute_event_indicator(m["CNSR"])
    left = m["EOSSTT"].isin(["DISCONTINUED", "COMPLETED"])  # by the cut-off (SAP 6.2 cut)
    # A missing EOSDT cannot show follow-up to the landmark: it counts as leaving before it.
    left_after = left & (m["EOSDT"] >= lmdt)
    eos = m["EOSSTT"] + " (" + m["DCSREAS"].fillna("no reason") + ") on "
    fmt = {
        "L": f"{landmark:g}",
        "ADT": format_dates(m["ADT"]),
        "LMDT": format_dates(lmdt),
        "M": m["AVALM"].map("{:.1f}".format),
        "EOS": eos + format_dates(m["EOSDT"]),
    }
    event_text = (
        " months: " + m["EVNTDESC"].fillna("") + " on " + fmt["ADT"] + " (month " + fmt["M"] + ")"
    )
    # N2 (and F3, which is N2 at the final analysis): why, then what S2 would have needed. The
    # text is bounded (<= 200 bytes, tests/test_primary_reason_bound.py): dates, coded values and
    # the SAP's landmark only; DCSREAS stays in its own variable.
    n2_text = (
        np.where(left_after, m["EOSSTT"] + " on " + format_dates(m["EOSDT"]), "in follow-up")
        + ", event-free, without S2 follow-up to the " + fmt["L"] + "-month date " + fmt["LMDT"]
        + " (adequate assessment from " + format_dates(adequate_from) + ", alive on "
        + fmt["LMDT"] + ")"
    )  # fmt: skip
    f2 = pe.lost_before_landmark == "failure"
    decisions = [
        ("F1", event & (m["AVAL"] < first_day), "FAILURE",
         "SAP 3.1 F1 EFS event before " + fmt["L"] + event_text),
        ("S1", event, "SUCCESS", "SAP 3.1 S1 EFS event after " + fmt["L"] + event_text),
        ("S2", (m["ADT"] >= adequate_from) & (m["LSTALVDT"] >= lmdt), "SUCCESS",
         "SAP 3.1 S2 event-free: last adequate assessment " + fmt["ADT"] + " (month " + fmt["M"]
         + "), alive on " + fmt["L"] + "-month date " + fmt["LMDT"]),
        ("F2" if f2 else "X1", left & ~left_after, "FAILURE" if f2 else "NOT EVALUABLE",
         ("SAP 3.1 F2" if f2 else "SAP 3.1 X1") + " left follow-up event-free without follow-up"
         " to " + fmt["L"] + " months: " + fmt["EOS"]),
        ("N1", pd.Series(cut < lmdt, index=m.index), "NOT EVALUABLE YET",
         "SAP 3.1 N1 in follow-up, event-free; cut-off before " + fmt["L"] + "-month date "
         + fmt["LMDT"]),
        ("F3", pd.Series(final, index=m.index), "FAILURE",
         "SAP 3.1 F3 (N2 at the final analysis) " + n2_text),
    ]  # fmt: skip
    status = pd.Series("NOT EVALUABLE YET", index=m.index, dtype=object)
    rule = pd.Series("N2", index=m.index, dtype=object)
    reason = pd.Series("SAP 3.1 N2 " + n2_text, index=m.index, dtype=object)
    decided = pd.Series(False, index=m.index)
    for rule_id, condition, value, text in decisions:
        now = np.asarray(condition, dtype=bool) & ~decided
        status[now] = value
        rule[now] = rule_id
        reason[now] = pd.Series(text, index=m.index)[now]
        decided |= now
    derived = pd.DataFrame(
        {
            "USUBJID": m["USUBJID"],
            "PRIMLMDT": lmdt,
            "PRIMSTAT": status,
            "PRIMRULE": rule,
            "PRIMREAS": reason,
        }
    )
    return add_variables(base, derived)


# --- EFS from a landmark at surgery (SAP 7.6 point 5) ----------------------------------------

#: ADTTE parameters whose time origin is not enrollment (STARTDT = SURGDT).
LANDMARK_PARAMS = ("EFSSURG",)


def _efs_from_surgery(adsl: pd.DataFrame, efs: pd.DataFrame) -> pd.DataFrame:
    """EFSSURG: EFS from a landmark at surgery (SAP 7.6 point 5).

    Post-SBRT biomarker values come from the resected specimen, so their association with EFS is
    analysed from surgery. The set is the operated patients with no EFS event on or before
    SURGDT; each keeps its EFS event or censoring, timed from ``STARTDT = SURGDT`` (rule L1). A
    patient censored before surgery (no adequate assessment after it yet) has no follow-up after
    the landmark and is censored on SURGDT, AVAL 1 (rule L2, as C2 at enrollment).
    """
    surgery = efs["USUBJID"].map(adsl.set_index("USUBJID")["SURGDT"])
    is_operated = efs["USUBJID"].map(operated(adsl).set_axis(adsl["USUBJID"]))
    event_by_surgery = efs["CNSR"].eq(0) & (efs["ADT"] <= surgery)
    keep = is_operated.astype(bool) & ~event_by_surgery
    out = efs.loc[keep].copy()
    surgery = surgery[keep]
    before = (out["ADT"] < surgery).to_numpy()
    out["STARTDT"] = surgery
    out["RULE"] = np.where(before, RULES["L2"], RULES["L1"] + ": " + out["RULE"])
    out.loc[before, "ADT"] = surgery[before]
    out.loc[before, ["ADTF", "SRCDOM", "SRCVAR"]] = ["", "ADSL", "SURGDT"]
    out.loc[before, "CNSDTDSC"] = "EFS censored before surgery (no follow-up after it): day 1"
    return out.reset_index(drop=True)
