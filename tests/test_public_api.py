"""The public API speaks one vocabulary (issue 11, "One vocabulary for the public API").

A p-value is ``p_value``, a test statistic ``statistic``, a confidence interval
``lower``/``upper``, and a type I error level ``alpha``; the result classes and analysis
functions are importable from ``osteo_stats`` itself.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil

import pytest

import osteo_stats
import osteo_stats.analyse

#: Field names that the vocabulary replaced (old name -> what to use instead).
FORBIDDEN_FIELDS = {
    "p": "p_value (or probability for a quantile level)",
    "lr_p": "lr_test.p_value",
    "chi2": "statistic",
    "z": "statistic",
    "type1": "alpha",
    "attained_type1": "alpha_attained",
    "attained_power": "power_attained",
    "p_one_sided": "p_value",
    "p_two_sided": "p_value_two_sided",
}

PUBLIC_RESULTS = [
    "BatchLandmark",
    "BinomialCI",
    "BinomialTest",
    "ChiSquareTest",
    "CoxResult",
    "DesignCheck",
    "FisherResult",
    "FollowUpResult",
    "KaplanMeierResult",
    "LogrankResult",
    "OneSampleLogrankResult",
    "RankSumResult",
    "SignedRankResult",
    "SimonDesign",
    "SingleStageDesign",
    "SurvivalQuantile",
    "ToxicityBoundary",
    "TwoStageInference",
]

PUBLIC_FUNCTIONS = [
    "batch_km_landmark",
    "benjamini_hochberg",
    "binomial_ci",
    "binomial_test",
    "cox_regression",
    "fisher_exact",
    "kaplan_meier",
    "logrank_test",
    "one_sample_logrank",
    "operating_characteristics",
    "rank_sum_test",
    "reverse_km_followup",
    "signed_rank_test",
    "toxicity_boundary",
    "two_stage_inference",
]


def _analyse_dataclasses() -> list[type]:
    found = []
    for info in pkgutil.iter_modules(osteo_stats.analyse.__path__):
        module = importlib.import_module(f"osteo_stats.analyse.{info.name}")
        for _, obj in inspect.getmembers(module, dataclasses.is_dataclass):
            if inspect.isclass(obj) and obj.__module__ == module.__name__:
                found.append(obj)
    return found


@pytest.mark.parametrize("name", PUBLIC_RESULTS + PUBLIC_FUNCTIONS)
def test_public_name_is_exported_from_osteo_stats(name):
    assert name in osteo_stats.__all__
    assert getattr(osteo_stats, name) is not None


def test_every_name_in_all_resolves():
    assert [n for n in osteo_stats.__all__ if not hasattr(osteo_stats, n)] == []


def test_every_public_analyse_result_class_is_exported():
    public = {cls.__name__ for cls in _analyse_dataclasses() if not cls.__name__.startswith("_")}
    assert public - set(osteo_stats.__all__) == set()


def test_no_result_class_uses_a_retired_field_name():
    classes = _analyse_dataclasses()
    assert len(classes) >= len(PUBLIC_RESULTS)  # the introspection really sees them
    bad = [
        f"{cls.__name__}.{f.name} -> {FORBIDDEN_FIELDS[f.name]}"
        for cls in classes
        for f in dataclasses.fields(cls)
        if f.name in FORBIDDEN_FIELDS
    ]
    assert bad == []


def test_cox_table_names_its_p_value_column_p_value():
    import pandas as pd

    data = pd.DataFrame({"T": [1, 2, 3, 4, 5, 6], "E": [1, 0, 1, 1, 0, 1], "X": [0, 1, 0, 1, 1, 0]})
    table = osteo_stats.cox_regression("T", "E", ["X"], data=data).table
    assert "p_value" in table.columns and "p" not in table.columns


def test_toxicity_boundary_takes_alpha():
    signature = inspect.signature(osteo_stats.toxicity_boundary)
    assert "alpha" in signature.parameters and "type1" not in signature.parameters


def test_benjamini_hochberg_takes_p_values():
    assert list(inspect.signature(osteo_stats.benjamini_hochberg).parameters) == ["p_values"]


@pytest.mark.parametrize("name", PUBLIC_FUNCTIONS)
def test_array_parameters_are_not_typed_any(name):
    hints = inspect.signature(getattr(osteo_stats, name)).parameters
    assert [p for p, v in hints.items() if v.annotation in ("Any", "typing.Any")] == []
