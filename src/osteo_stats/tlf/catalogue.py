"""The TLF catalogue (SAP 11): the one list of TLF numbers and titles, in SAP order.

Builders, reports and the "not yet available" notices all take a TLF's title from here, so a
title is typed once.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExpectedTLF:
    """One row of the SAP 11 TLF lists."""

    kind: str
    number: str
    title: str

    @property
    def label(self) -> str:
        return f"{self.kind} {self.number}"


def _tlfs(kind: str, rows: str) -> tuple[ExpectedTLF, ...]:
    out = []
    for line in rows.strip().splitlines():
        number, title = line.strip().split(" ", 1)
        out.append(ExpectedTLF(kind, number, title.strip()))
    return tuple(out)


#: SAP 11.2-11.4, in SAP order.
SAP_TLFS: tuple[ExpectedTLF, ...] = (
    _tlfs(
        "Table",
        """
        14.1.1 Patient disposition
        14.1.2 Analysis sets
        14.1.3 Enrollment and accrual against plan
        14.1.4 Eligibility and protocol deviations
        14.1.5 Demographic and baseline characteristics
        14.1.6 Exposure to SBRT, gemcitabine and penpulimab
        14.1.7 Surgery: timing, delay and outcome
        14.1.8 Data currency at the cut-off
        14.2.1 Primary endpoint: 2-year EFS rate with design-based inference
        14.2.2 Simon two-stage design check and operating characteristics
        14.2.3 Stage-1 futility status
        14.2.4 Primary endpoint: sensitivity analyses
        14.2.5 Best overall response, pre-operative window (RECIST 1.1)
        14.2.6 Objective response and disease control rates
        14.2.7 Pathological response (Huvos grade)
        14.2.8 R0 resection rate
        14.2.9 Event-free survival
        14.2.10 Event-free survival: sensitivity analyses (a), (b), PPS
        14.2.11 Overall survival
        14.2.12 One-sample log-rank test of EFS against the historical control
        14.2.13 Exploratory Cox regression of EFS on prognostic factors
        14.2.14 EFS and OS by subgroup (log-rank)
        14.3.1 Overview of treatment-emergent adverse events
        14.3.2 TEAEs by SOC and preferred term: all grades and grade >= 3
        14.3.3 TEAEs by SOC, preferred term and maximum grade
        14.3.4.1 Treatment-related TEAEs by SOC, preferred term and maximum grade (any and by component)
        14.3.4.2 Immune-related TEAEs by SOC, preferred term and maximum grade
        14.3.4.3 Serious TEAEs by SOC, preferred term and maximum grade
        14.3.4.4 TEAEs by phase (pre-operative, peri-operative, post-operative/maintenance)
        14.3.4.5 Deaths
        14.3.4.6 Surgical complications by Clavien-Dindo grade
        14.3.5 Unacceptable toxicity and the toxicity stopping boundary
        14.3.6.1 Laboratory toxicity: shift from baseline to worst post-baseline CTCAE grade
        14.3.6.2 Patients with a grade 3-4 laboratory abnormality, by phase
        14.4.1 Biomarker availability and reasons for missing samples (exploratory)
        14.4.2 Biomarkers before and after SBRT: paired change (exploratory)
        14.4.3 Biomarkers and response (pathological, ORR) (exploratory)
        14.4.4 Biomarkers and EFS (Cox, log-rank) (exploratory)
        """,  # noqa: E501 (titles are kept whole)
    )
    + _tlfs(
        "Figure",
        """
        14.1.1 Cumulative enrollment against plan
        14.2.1 Kaplan-Meier plot of EFS, with number at risk
        14.2.2 Kaplan-Meier plot of OS, with number at risk
        14.2.3 Waterfall plot of best percent change in target lesions, by BOR
        14.2.4 Swimmer plot of patient timelines (phases, surgery, response, events)
        14.2.5 Operating characteristics of the Simon design
        14.3.1 Toxicity stopping boundary with observed cumulative count
        14.4.1 Paired pre/post values per marker, by response (exploratory)
        14.4.2 Marker values by response (exploratory)
        14.4.3 Kaplan-Meier plot of EFS by marker group (exploratory)
        """,
    )
    + _tlfs(
        "Listing",
        """
        16.2.1 Discontinued patients
        16.2.2 Eligibility and protocol deviations; analysis-set exclusions
        16.2.4 Demographic and baseline data
        16.2.5 Study treatment administration
        16.2.6.1 Derived BOR with reason, primary endpoint status with reason
        16.2.6.2 EFS and OS derivations (event/censoring date, rule)
        16.2.6.3 Surgery, pathology (percent necrosis, Huvos grade) and R0 status
        16.2.7.1 Serious adverse events
        16.2.7.2 Adverse events of grade >= 3
        16.2.7.3 Immune-related adverse events
        16.2.7.4 Deaths
        16.2.7.5 Surgical complications (Clavien-Dindo)
        16.2.7.6 Unacceptable toxicities (SAP 9.4 components)
        16.2.7.7 Serious adverse events at any time, inside or outside the TEAE window
        16.2.7.8 Adverse events of special interest, at any time
        16.2.7.9 Adverse events new since the previous DMC report
        16.2.8.1 Laboratory values of CTCAE grade >= 3
        16.2.9 Data currency per patient: last assessment, last AE update, overdue assessments, outstanding surgery or pathology
        """,  # noqa: E501 (titles are kept whole)
    )
)

_BY_LABEL = {tlf.label: tlf for tlf in SAP_TLFS}


def expected_tlf(label: str) -> ExpectedTLF:
    """The SAP 11 entry for a label such as ``"Table 14.3.1"``."""
    try:
        return _BY_LABEL[label]
    except KeyError:
        raise ValueError(f"{label!r} is not in the SAP 11 TLF lists") from None
