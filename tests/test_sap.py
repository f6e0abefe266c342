"""The SAP configuration: the shipped file loads, and malformed files are rejected by key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from osteo_stats import SAPConfigError, load_sap
from osteo_stats.sap import default_sap_path


@pytest.fixture
def sap_dict() -> dict:
    return yaml.safe_load(default_sap_path().read_text(encoding="utf-8"))


def _write(tmp_path: Path, content: dict | str) -> Path:
    path = tmp_path / "sap.yaml"
    text = content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_sap_holds_the_brief_numbers():
    sap = load_sap()
    assert (sap.design.p0, sap.design.p1, sap.design.alpha, sap.design.power) == (
        0.2,
        0.4,
        0.05,
        0.8,
    )
    assert (sap.design.r1, sap.design.n1, sap.design.r, sap.design.n) == (3, 13, 12, 43)
    assert sap.time.days_per_month == 30.4375
    assert sap.inference.km_conf_type == "log-log"
    assert sap.inference.km_landmarks_months == [12, 24, 36]
    assert (sap.safety.teae_window_days, sap.safety.teae_window_days_immune) == (30, 90)
    assert sap.response.sd_min_days == 35 and sap.response.confirmation_required is False
    assert sap.toxicity_monitoring.looks == [5, 10, 15, 20, 25, 30, 35, 40, 43]


def test_config_is_frozen():
    sap = load_sap()
    with pytest.raises(Exception, match="frozen"):
        sap.design.p0 = 0.3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["design"].pop("p0"), r"design\.p0: required key is missing"),
        (lambda d: d["design"].update(p0="high"), r"design\.p0 = 'high'"),
        (lambda d: d["design"].update(p1=0.1), r"design: .*p1 \(0\.1\) must be greater than p0"),
        (lambda d: d["design"].update(alpha=1.5), r"design\.alpha = 1\.5"),
        (lambda d: d["design"].update(n1=50), r"need r1 < n1 < n"),
        (
            lambda d: d["inference"].update(km_conf_type="loglog"),
            r"inference\.km_conf_type = 'loglog'",
        ),
        (lambda d: d["safety"].update(teae_windw=30), r"safety\.teae_windw: unknown key"),
        (lambda d: d.pop("toxicity_monitoring"), r"toxicity_monitoring: required key is missing"),
        (
            lambda d: d["toxicity_monitoring"].update(p_unacceptable=0.1),
            r"p_unacceptable \(0\.1\) must exceed",
        ),
        (
            lambda d: d["study"].update(planned_enrollment=40),
            r"design\.n \(43\) differs from study\.planned_enrollment \(40\)",
        ),
        (
            lambda d: d["pathology"]["huvos_grade_lower_bounds"].update(III=40),
            r"must start at 0 and increase",
        ),
        (
            lambda d: d["date_imputation"]["partial_allowed"]["ADAE"].append("AEXDT"),
            r"lists AEXDT but rules has no entry",
        ),
    ],
)
def test_inconsistent_sap_is_rejected_naming_the_key(tmp_path, sap_dict, edit, message):
    edit(sap_dict)
    with pytest.raises(SAPConfigError, match=message):
        load_sap(_write(tmp_path, sap_dict))


def test_not_yaml(tmp_path):
    with pytest.raises(SAPConfigError, match="not valid YAML"):
        load_sap(_write(tmp_path, "design: [p0: 0.2"))


def test_not_a_mapping(tmp_path):
    with pytest.raises(SAPConfigError, match="expected a mapping"):
        load_sap(_write(tmp_path, "- just a list"))


def test_missing_file(tmp_path):
    with pytest.raises(SAPConfigError, match="not found"):
        load_sap(tmp_path / "nope.yaml")


def test_not_utf8(tmp_path):
    path = tmp_path / "sap.yaml"
    path.write_bytes(b"sap_version: \xff\xfe\n")
    with pytest.raises(SAPConfigError, match="not UTF-8"):
        load_sap(path)
