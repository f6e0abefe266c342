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


# --- Hostile and broken SAP files (issue 10, section 7 "Config files") ---

BILLION_LAUGHS = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
design: *i
"""


def test_billion_laughs_is_refused_up_front(tmp_path):
    """9**9 = 387 million strings from a 600-byte file: refused at the first anchor."""
    assert len(BILLION_LAUGHS) < 1024
    with pytest.raises(SAPConfigError, match=r"sap\.yaml: SAP configuration: a: YAML anchor &a"):
        load_sap(_write(tmp_path, BILLION_LAUGHS))


def test_an_alias_is_refused_naming_its_key(tmp_path):
    text = default_sap_path().read_text(encoding="utf-8")
    text = text.replace("  p0: 0.20", "  p0: &p 0.20").replace("  p1: 0.40", "  p1: *p")
    with pytest.raises(SAPConfigError, match=r"design\.p0: YAML anchor &p at line \d+"):
        load_sap(_write(tmp_path, text))


def test_a_duplicate_key_is_refused_naming_it(tmp_path):
    text = default_sap_path().read_text(encoding="utf-8")
    text = text.replace("  p0: 0.20\n", "  p0: 0.20\n  p0: 0.30\n")
    with pytest.raises(SAPConfigError, match=r"design\.p0: duplicate key \(lines \d+ and \d+\)"):
        load_sap(_write(tmp_path, text))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        # .nan would compare False with every necrosis value and move grade II into grade I.
        (
            lambda d: d["pathology"]["huvos_grade_lower_bounds"].update(II=float("nan")),
            r"pathology\.huvos_grade_lower_bounds\.II = nan: Input should be a finite number",
        ),
        (
            lambda d: d["pathology"]["huvos_grade_lower_bounds"].update(IV=float("inf")),
            r"pathology\.huvos_grade_lower_bounds\.IV = inf: Input should be a finite number",
        ),
        (
            lambda d: d["time"].update(days_per_month=float("inf")),
            r"time\.days_per_month = inf: Input should be a finite number",
        ),
        (
            lambda d: d["inference"].update(conf_level=float("nan")),
            r"inference\.conf_level = nan: Input should be a finite number",
        ),
        (
            lambda d: d["primary_endpoint"].update(landmark_months=float("inf")),
            r"primary_endpoint\.landmark_months = inf: Input should be a finite number",
        ),
        (
            lambda d: d["schedule"].update(surgery_window_weeks=[9, 7]),
            r"schedule: surgery_window_weeks must be \[lower, upper\] with lower <= upper, "
            r"got \[9, 7\]",
        ),
        (
            lambda d: d["schedule"].update(surgery_week_planned=12),
            r"schedule: surgery_week_planned \(12\) lies outside surgery_window_weeks \[7, 9\]",
        ),
        (
            lambda d: d["baseline"].update(age_group_cuts_years=[40, 16]),
            r"baseline: age_group_cuts_years must be positive and strictly increasing, "
            r"got \[40, 16\]",
        ),
        (
            lambda d: d["inference"].update(km_landmarks_months=[24, 12]),
            r"inference: km_landmarks_months must be positive and strictly increasing, "
            r"got \[24\.0, 12\.0\]",
        ),
    ],
)
def test_non_finite_and_reversed_values_are_rejected_naming_the_key(
    tmp_path, sap_dict, edit, message
):
    edit(sap_dict)
    with pytest.raises(SAPConfigError, match=message):
        load_sap(_write(tmp_path, sap_dict))


def test_nan_written_as_yaml_dot_nan_is_rejected(tmp_path):
    text = default_sap_path().read_text(encoding="utf-8")
    text = text.replace("{I: 0, II: 50, III: 90, IV: 100}", "{I: 0, II: .nan, III: 90, IV: 100}")
    with pytest.raises(SAPConfigError, match=r"huvos_grade_lower_bounds\.II = nan"):
        load_sap(_write(tmp_path, text))


def test_a_directory_is_a_clear_error(tmp_path):
    with pytest.raises(SAPConfigError, match=r"is a directory, not a YAML file"):
        load_sap(tmp_path)


def test_an_empty_file_is_a_clear_error(tmp_path):
    with pytest.raises(SAPConfigError, match=r"SAP configuration: file is empty"):
        load_sap(_write(tmp_path, "  \n"))


def test_an_unreadable_file_is_a_clear_error(tmp_path, monkeypatch):
    """A permission error (simulated: the suite may run as root, where chmod 000 still reads)."""
    path = _write(tmp_path, "sap_version: '1.0'\n")

    import osteo_stats.userfiles

    def refuse(path, *args):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(osteo_stats.userfiles.os, "open", refuse)
    with pytest.raises(SAPConfigError, match=r"file cannot be read \(Permission denied\)"):
        load_sap(path)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda tmp: tmp, "is a directory, not a YAML file"),
        (lambda tmp: _write(tmp, ""), "file is empty"),
        (lambda tmp: _write(tmp, BILLION_LAUGHS), "YAML anchor &a"),
        (
            lambda tmp: _write(
                tmp,
                default_sap_path().read_text().replace("nmax_search: 100", "nmax_search: 10000000"),
            ),
            "design.nmax_search = 10000000: outside its plausible range 1 <= value <= 500 patients",
        ),
    ],
)
def test_cli_sap_errors_exit_non_zero_without_a_traceback(tmp_path, setup, message):
    from typer.testing import CliRunner

    from osteo_stats.cli import app

    path = setup(tmp_path)
    result = CliRunner().invoke(app, ["design", "check", "--sap", str(path)])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, (IsADirectoryError, RecursionError, MemoryError))


def test_cli_prints_the_key_message_verbatim(tmp_path, sap_dict):
    """The message goes to the terminal as plain text: "[lower, upper]" is not rich markup."""
    from typer.testing import CliRunner

    from osteo_stats.cli import app

    sap_dict["schedule"]["surgery_window_weeks"] = [9, 7]
    sap_dict["pathology"]["huvos_grade_lower_bounds"]["II"] = float("nan")
    result = CliRunner().invoke(app, ["design", "check", "--sap", str(_write(tmp_path, sap_dict))])
    assert result.exit_code == 1
    assert "pathology.huvos_grade_lower_bounds.II = nan: Input should be a finite number" in (
        result.output
    )
    assert "surgery_window_weeks must be [lower, upper] with lower <= upper, got [9, 7]" in (
        result.output
    )


# --------------------------------------------------------------------------------------------
# Plausible ranges of every numeric key (issue 24)
# --------------------------------------------------------------------------------------------


def _numeric_keys(model, prefix=()):
    """(dotted key, annotation) of every int/float field of the SAP model, recursively."""
    import typing

    from pydantic import BaseModel

    for name, info in model.model_fields.items():
        ann = info.annotation
        args = (ann, *typing.get_args(ann))
        nested = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        if nested:
            yield from _numeric_keys(nested[0], (*prefix, name))
            continue
        flat = [typing.get_origin(a) or a for a in args]
        inner = [x for a in args for x in typing.get_args(a)]
        if any(a in (int, float) for a in flat) or any(
            (typing.get_args(x) or (x,))[0] in (int, float) for x in inner
        ):
            yield ".".join((*prefix, name))


def test_every_numeric_sap_key_has_a_documented_plausible_range():
    from osteo_stats.plausible import plausible_range
    from osteo_stats.sap import SAP

    keys = list(_numeric_keys(SAP))
    assert len(keys) >= 60 and "time.days_per_month" in keys and "design.oc_grid" in keys
    assert [k for k in keys if plausible_range(SAP, tuple(k.split("."))) is None] == []


@pytest.mark.parametrize(
    "section, key, value, shown, plausible",
    [
        # main: OutOfBoundsTimedelta when deriving TEAEs
        ("safety", "teae_window_days", 1e12, "1000000000000.0", "0 <= value <= 3653 days"),
        ("safety", "teae_window_days", 3654, "3654", "0 <= value <= 3653 days"),
        # main: decimal.InvalidOperation
        ("time", "days_per_month", 1e-300, "1e-300", "28 <= value <= 31 days"),
        ("time", "days_per_month", 27.99, "27.99", "28 <= value <= 31 days"),
        # main: tried to allocate 264 GiB of KM ticks
        ("inference", "km_at_risk_tick_months", 1e-9, "1e-09", "0.5 <= value <= 60 months"),
        ("inference", "km_at_risk_tick_months", 0.49, "0.49", "0.5 <= value <= 60 months"),
        # booleans and strings are not numbers (main: true was read as 1)
        ("design", "n1", True, "True", "1 <= value <= 500 patients"),
        ("inference", "conf_level", "0.9", "'0.9'", "0.5 <= value < 1"),
        ("inference", "conf_level", 1, "1", "0.5 <= value < 1"),
        ("time", "day_one_offset", True, "True", "0 <= value <= 1"),
        ("study", "planned_accrual_months", 1e308, "1e+308", "0 < value <= 240 months"),
        ("response", "confirmation_min_days", 366, "366", "1 <= value <= 365 days"),
    ],
)
def test_a_number_outside_its_plausible_range_is_refused_naming_file_key_value_range(
    tmp_path, sap_dict, section, key, value, shown, plausible
):
    sap_dict[section][key] = value
    path = _write(tmp_path, sap_dict)
    with pytest.raises(SAPConfigError) as info:
        load_sap(path)
    message = str(info.value)
    assert message.startswith(f"{path}: the SAP configuration is invalid")
    assert f"{section}.{key} = {shown}: " in message
    assert f"plausible range {plausible}." in message or f"range is {plausible}." in message


@pytest.mark.parametrize(
    "section, key, value",
    [
        ("safety", "teae_window_days", 3653),
        ("safety", "teae_window_days", 0),
        ("time", "days_per_month", 28),
        ("time", "days_per_month", 31.0),
        ("inference", "km_at_risk_tick_months", 0.5),
        ("inference", "km_at_risk_tick_months", 60),
        ("response", "confirmation_min_days", 365),
    ],
)
def test_a_number_at_either_end_of_its_plausible_range_is_accepted(
    tmp_path, sap_dict, section, key, value
):
    sap_dict[section][key] = value
    sap = load_sap(_write(tmp_path, sap_dict))
    assert getattr(getattr(sap, section), key) == value


@pytest.mark.parametrize("key", ["km_landmarks_months", "oc_grid"])
def test_a_list_element_outside_its_range_names_its_position(tmp_path, sap_dict, key):
    section = "inference" if key == "km_landmarks_months" else "design"
    sap_dict[section][key] = [0.5, 1e300]
    with pytest.raises(SAPConfigError, match=rf"{section}\.{key}\.1 = 1e\+300: outside"):
        load_sap(_write(tmp_path, sap_dict))
