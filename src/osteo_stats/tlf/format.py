"""Display formatting by SAP 6.3. Only presentation: the ARD keeps unrounded values."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd


def round_half_away(value: float, decimals: int) -> Decimal:
    """Round half away from zero, as SAS ``ROUND`` (SAP 6.3), via the decimal repr of ``value``.

    Python's ``round`` rounds half to even and works on the binary value, so ``round(2.675, 2)``
    gives 2.67; SAS and this function give 2.68.
    """
    quantum = Decimal(1).scaleb(-decimals)
    return Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP)


def fmt_number(value: float | None, decimals: int, missing: str = "NE") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing
    rounded = round_half_away(value, decimals)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0.0" in a table
    return f"{rounded:f}"


def fmt_n_pct(n: int, denominator: int) -> str:
    """``n (x.x)``; ``0`` alone for a zero count; ``(100)`` for 100% (SAP 6.3)."""
    if n == 0:
        return "0"
    if denominator <= 0:
        raise ValueError(f"denominator must be positive, got {denominator}")
    if n == denominator:
        return f"{n} (100)"
    return f"{n} ({fmt_number(100.0 * n / denominator, 1)})"


def fmt_pct_ci(est: float, lcl: float, ucl: float) -> str:
    """A proportion and its CI in percent, ``37.2 (23.0, 53.3)``."""
    return f"{fmt_number(100 * est, 1)} ({fmt_number(100 * lcl, 1)}, {fmt_number(100 * ucl, 1)})"


def fmt_est_ci(est: float, lcl: float, ucl: float, decimals: int, missing: str = "NE") -> str:
    return (
        f"{fmt_number(est, decimals, missing)} "
        f"({fmt_number(lcl, decimals, missing)}, {fmt_number(ucl, decimals, missing)})"
    )


def fmt_p(p: float, decimals: int = 3) -> str:
    """p-values: ``<0.001`` / ``>0.999`` at 3 decimals (4 for design results), SAP 6.3."""
    if p is None or math.isnan(p):
        return "NE"
    floor = 10.0**-decimals
    if p < floor:
        return f"<{floor:.{decimals}f}"
    if p > 1 - floor:
        return f">{1 - floor:.{decimals}f}"
    return fmt_number(p, decimals)


def date_cells(values: pd.Series, flags: pd.Series | None = None, missing: str = "") -> pd.Series:
    """Listing date cells as ``YYYY-MM-DD``, with the SAP 8.3 imputation flag as ``(D)``/``(M)``.

    ``missing`` is the text of a missing date (empty by default; ``"Missing"`` where the
    absence itself is information, as for an AE onset).
    """
    values = pd.to_datetime(values)
    text = values.dt.strftime("%Y-%m-%d").where(values.notna(), missing)
    if flags is not None:
        flag = flags.fillna("").astype(str).str.strip()
        text = text.where(flag.eq("") | values.isna(), text + " (" + flag + ")")
    return text.astype(object)


def text_cells(values: pd.Series) -> pd.Series:
    """Listing text cells exactly as recorded (free text is never altered); missing is empty."""
    return values.map(lambda v: "" if v is None or pd.isna(v) else str(v)).astype(object)
