"""Every SAP number in the outputs comes from sap.yaml (issue 10, section 5).

The whole TLF catalogue is built on the shipped synthetic trial with an edited SAP, and every
confidence level, landmark, window, cut-point and footnote number in the ARD and in the rendered
text (titles, population lines, footnotes, column headers, cells, figure text, methods appendix)
must follow the edit: nothing typed from the default SAP may survive where the edit applies.

The edit (each value differs from the shipped sap.yaml):

- ``inference.conf_level`` 0.90; ``inference.km_landmarks_months`` [6, 18];
  ``primary_endpoint.landmark_months`` 18 and ``inference.historical_control.landmark_months`` 18
  (so "24 months" / "2-year" must vanish);
- ``safety.teae_window_days`` 60;
- ``design.p0`` 0.25. To keep the configuration valid the design is the one the design check
  (SAP 5.3) finds for p0 = 0.25, p1 = 0.45, alpha 0.05, power 0.80, optimal: r1/n1 = 5/17,
  r/n = 14/41 (Simon 1989; ``osteo-stats design --p0 0.25 --p1 0.45`` and R
  ``clinfun::ph2simon(0.25, 0.45, 0.05, 0.20)`` give the same), so ``study.planned_enrollment``
  and ``toxicity_monitoring.max_patients`` become 41 (the SAP requires them equal to design.n);
- ``time.days_per_month`` 30.44, ``study.planned_accrual_months`` 20,
  ``response.window_without_surgery_weeks`` 10,
  ``schedule.cycle_delay_tolerance_days`` 5, baseline age groups < 18, 18-49, >= 50
  (``baseline.age_group_cuts_years``), and the SAP 7.4 prognostic-factor settings
  (disease-free interval cut 18 months, age cut 18 years, bivariable model from 30 events);
- ``pathology.good_response_grades`` [IV] (so "III-IV" and "I-II" must vanish).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from osteo_stats.derive.analysis_data import derive_analysis_data
from osteo_stats.load import load_trial
from osteo_stats.render.methods import _TEXT, methods_text
from osteo_stats.sap import SAP, default_sap_path
from osteo_stats.tlf.build import build_tlfs, combined_ard

SYNTHETIC = Path(__file__).resolve().parents[1] / "data" / "synthetic"


def edited_sap() -> SAP:
    raw = yaml.safe_load(default_sap_path().read_text(encoding="utf-8"))
    raw["inference"]["conf_level"] = 0.90
    raw["inference"]["km_landmarks_months"] = [6, 18]
    raw["inference"]["historical_control"]["landmark_months"] = 18
    raw["primary_endpoint"]["landmark_months"] = 18
    raw["safety"]["teae_window_days"] = 60
    raw["design"].update(p0=0.25, p1=0.45, n1=17, r1=5, n=41, r=14)
    raw["study"]["planned_enrollment"] = 41
    raw["toxicity_monitoring"]["max_patients"] = 41
    raw["time"]["days_per_month"] = 30.44
    raw["study"]["planned_accrual_months"] = 20
    raw["response"]["window_without_surgery_weeks"] = 10
    raw["schedule"]["cycle_delay_tolerance_days"] = 5
    raw["baseline"]["age_group_cuts_years"] = [18, 50]
    raw["pathology"]["good_response_grades"] = ["IV"]
    raw["prognostic_factors"].update(
        disease_free_interval_cut_months=18, age_cut_years=18, bivariable_min_events=30
    )
    return SAP.model_validate(raw)


@pytest.fixture(scope="module")
def catalogue():
    sap = edited_sap()
    ad = derive_analysis_data(load_trial(SYNTHETIC, sap), sap)
    outputs = build_tlfs(ad)
    return sap, outputs, combined_ard(outputs).frame


def _texts(outputs) -> dict[str, str]:
    """Every piece of text a reader sees, per TLF label (figure text from the SVG)."""
    texts = {}
    for output in outputs:
        tlf = output.tlf
        parts = [tlf.title, tlf.analysis_set, *tlf.footnotes]
        if tlf.body is not None:
            parts += [str(c) for c in tlf.body.columns]
            parts += [str(v) for v in tlf.body.to_numpy().ravel()]
        if tlf.svg:
            parts += re.findall(r">([^<>]+)<", tlf.svg)
        texts[tlf.label] = "\n".join(parts)
    return texts


def test_the_edited_design_is_the_one_the_design_check_finds():
    from osteo_stats.analyse.design import check_design

    check = check_design(edited_sap().design)
    assert check.agrees, check.mismatches


def test_every_confidence_level_in_the_ard_is_the_edited_one(catalogue):
    _, _, ard = catalogue
    levels = ard.loc[ard["statistic"].eq("conf_level")]
    assert len(levels) > 50
    # SAP 7.2: the design-based interval is two-sided 1 - 2 alpha (0.90 with alpha 0.05); every
    # other interval is at inference.conf_level. Both are 0.90 here, so every row must be.
    wrong = levels.loc[(levels["value"] - 0.90).abs() > 1e-12, ["tlf", "group", "value"]]
    assert wrong.empty, wrong.drop_duplicates("tlf").to_string()
    assert not ard["group"].str.contains("95%", regex=False).any()


def test_landmarks_in_the_ard_are_the_edited_ones(catalogue):
    _, _, ard = catalogue
    tables = ard.loc[ard["tlf"].str.startswith("Table")]
    months = tables["group"].str.extractall(r"MONTH=([0-9.]+)(?:;|$)")[0].astype(float)
    assert set(months) == {6.0, 18.0}
    assert not ard["group"].str.contains(r"\b24 MONTHS\b|\b24 months\b").any()
    primary = ard.loc[ard["tlf"].eq("Table 14.2.1") & ard["statistic"].eq("boundary")]
    assert primary["value"].tolist() == [14.0]


# Text typed from the default SAP that must not survive the edit, with the setting behind it.
FORBIDDEN = {
    r"95 ?%": "inference.conf_level",
    r"\b24[ -]months?\b": "primary_endpoint.landmark_months / historical control / DFI cut",
    r"\b2-year\b": "primary_endpoint.landmark_months",
    r"\b12 weeks\b": "response.window_without_surgery_weeks",
    r"\b30 days\b(?! after SURGDT)": "safety.teae_window_days",
    r"30\.4375": "time.days_per_month",
    r"p0 = 0\.2\b|p <= 0\.2\b|\(p0 = 0\.20\)": "design.p0",
    r"\b43 FAS\b|among 43\b": "design.n",
    r"\b21 \+ 3 days\b": "schedule.cycle_delay_tolerance_days",
    # subgroup labels ("<16 years"); the ECOG/Lansky age (">= 16 years") is not edited
    r"[<>]=?16 years": "prognostic_factors.age_cut_years",
    r"\b16-39\b|>= 40\b": "baseline.age_group_cuts_years",
    r"\b20 required\b": "prognostic_factors.bivariable_min_events",
    r"\bIII-IV\b|\bI-II\b": "pathology.good_response_grades",
}


def test_no_default_sap_number_survives_in_the_rendered_text(catalogue):
    sap, outputs, _ = catalogue
    texts = _texts(outputs)
    texts["methods appendix"] = "\n".join(methods_text(key, sap) for key in _TEXT)
    # The peri-operative window (30 days) is not edited: mask it so "30 days" means TEAE.
    found = []
    for label, text in texts.items():
        text = text.replace("SURGDT + 30 days", "SURGDT + (peri-operative window)")
        for pattern, key in FORBIDDEN.items():
            for match in re.finditer(pattern, text):
                context = text[max(0, match.start() - 60) : match.end() + 30].replace("\n", " | ")
                found.append(f"{label}: {match.group()!r} ({key}) in ...{context}...")
    assert not found, "\n".join(found)


def test_the_edited_numbers_are_shown(catalogue):
    """The positive side: the edited values appear where the defaults were."""
    _, outputs, _ = catalogue
    texts = _texts(outputs)
    assert "90% CI" in texts["Table 14.4.4"] and "90% CI" in texts["Table 14.4.3"]
    assert "90% CI" in texts["Table 14.4.2"]
    assert "18-month EFS" in texts["Table 14.2.1"]
    assert "event-free at 18 months" in texts["Table 14.2.1"]
    assert "new therapy or 10 weeks" in texts["Table 14.2.5"]
    assert "days / 30.44 from enrollment" in texts["Table 14.2.9"]
    assert "first 41 FAS patients" in texts["Table 14.2.4"]
    assert "21 + 5 days" in texts["Table 14.1.6"]
    assert "18-49" in texts["Table 14.1.5"] and ">= 50" in texts["Table 14.1.5"]
    assert "< 18 vs >= 18 months" in texts["Table 14.2.13"]
    assert "fewer than the 30 required" in texts["Table 14.2.13"]
    assert "Within 60 days of the last dose" in texts["Table 14.3.4.5"]
    assert "Huvos grade IV (patients without surgery" in texts["Table 14.4.3"]
    assert "(Huvos IV); other = Huvos I-III or no surgery" in texts["Figure 14.4.2"]


def test_shipped_sap_keeps_the_shipped_numbers():
    """With the shipped sap.yaml the moved constants keep their values (outputs unchanged)."""
    from osteo_stats.sap import load_sap

    sap = load_sap()
    assert sap.inference.conf_level == 0.95
    assert sap.schedule.cycle_delay_tolerance_days == 3
    pf = sap.prognostic_factors
    assert (pf.nodules_cut, pf.disease_free_interval_cut_months) == (2, 24)
    assert (pf.age_cut_years, pf.bivariable_min_events) == (16, 20)
    assert sap.primary_endpoint.landmark_label == "2-year"
