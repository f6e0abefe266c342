"""Plausible ranges of the numbers in the configuration files (SAP, scenario files).

Every number a user writes into ``sap.yaml`` or a scenario file has a documented plausible
range, enforced by pydantic and quoted whole when a value is refused (issue 24): a value far
outside what a trial can mean (a TEAE window of 10^12 days, an event rate of 10^-300 per month,
a KM tick every 10^-9 months) is a typo, and is refused by key instead of failing deep inside
pandas or numpy, or allocating without bound. Numbers are ``strict``: a YAML ``true`` or a
quoted ``"30"`` is not a number, and a whole-number key takes an integer.
"""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel, Field

__all__ = ["describe_number_error", "plausible", "plausible_range"]


def plausible(
    low: float,
    high: float,
    unit: str = "",
    *,
    low_open: bool = False,
    high_open: bool = False,
    **field: Any,
) -> Any:
    """A ``pydantic.Field`` for a number in ``[low, high]`` (``low_open``/``high_open``: strict
    inequality), strict, carrying its range as text for :func:`plausible_range`."""
    text = f"{low:g} {'<' if low_open else '<='} value {'<' if high_open else '<='} {high:g}" + (
        f" {unit}" if unit else ""
    )
    bounds: dict[str, float] = {"gt" if low_open else "ge": low, "lt" if high_open else "le": high}
    return Field(strict=True, json_schema_extra={"plausible": text}, **bounds, **field)


def _range_of(source: Any) -> str | None:
    extra = getattr(source, "json_schema_extra", None)
    if isinstance(extra, dict) and "plausible" in extra:
        return str(extra["plausible"])
    return None


def _walk(annotation: Any) -> tuple[list[str], list[type[BaseModel]]]:
    """Ranges and models found anywhere inside a type annotation (unions, lists, Annotated)."""
    ranges: list[str] = []
    models: list[type[BaseModel]] = []
    for meta in getattr(annotation, "__metadata__", ()):
        if (found := _range_of(meta)) is not None:
            ranges.append(found)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        models.append(annotation)
    for arg in typing.get_args(annotation):
        more_ranges, more_models = _walk(arg)
        ranges += more_ranges
        models += more_models
    return ranges, models


def plausible_range(model: type[BaseModel], loc: tuple[Any, ...]) -> str | None:
    """The documented range of the number at pydantic error location ``loc`` of ``model``.

    Parts of ``loc`` that are not field names (a list index, a dict key, a union's tag such as
    ``exponential``) are passed over: the element type or the tagged model carries the range.
    """
    candidates: list[type[BaseModel]] = [model]
    found: str | None = None
    for part in loc:
        owner = next(
            (m for m in candidates if isinstance(part, str) and part in m.model_fields), None
        )
        if owner is None:
            continue
        info = owner.model_fields[part]
        ranges, candidates = _walk(info.annotation)
        found = _range_of(info) or next(
            (r for m in info.metadata for r in [_range_of(m)] if r), None
        )
        found = found or (ranges[0] if ranges else None)
    return found


_COMPARISONS = ("greater_than", "greater_than_equal", "less_than", "less_than_equal")
_TYPES = ("int_type", "float_type", "int_from_float", "finite_number", "int_parsing")


def describe_number_error(model: type[BaseModel], item: Any) -> str | None:
    """``outside its plausible range 0 < value <= 240 months`` for a pydantic error item about
    a number with a documented range (``None`` for any other error)."""
    if item["type"] not in _COMPARISONS + _TYPES:
        return None
    found = plausible_range(model, tuple(item["loc"]))
    if found is None:
        return None
    if item["type"] in _COMPARISONS:
        return f"outside its plausible range {found}"
    return f"{item['msg']}; the plausible range is {found}"
