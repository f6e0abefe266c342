"""The package's own exceptions.

Statistical caveats (a median not reached, a landmark beyond follow-up) are facts in results,
never exceptions. Exceptions are for input the package refuses to analyse.
"""

from __future__ import annotations


class OsteoStatsError(Exception):
    """Base class for every error osteo_stats raises on purpose."""


class SourceDateEpochError(OsteoStatsError, ValueError):
    """``SOURCE_DATE_EPOCH`` is set but is not whole seconds since 1970 (osteo_stats.epoch)."""


class SAPConfigError(OsteoStatsError):
    """The SAP configuration file is malformed or internally inconsistent."""


class DataValidationError(OsteoStatsError):
    """Input datasets failed validation; ``issues`` holds every failure found in one pass."""

    def __init__(
        self, issues: list
    ) -> None:  # list[ValidationIssue]; typed loosely to avoid a cycle
        self.issues = list(issues)
        shown = "\n".join(str(issue) for issue in self.issues[:20])
        more = len(self.issues) - 20
        tail = f"\n... and {more} more" if more > 0 else ""
        super().__init__(f"{len(self.issues)} data validation failure(s):\n{shown}{tail}")


class DesignError(OsteoStatsError):
    """A trial design cannot be found or disagrees with the SAP."""


class OutputRefused(OsteoStatsError):
    """An output cannot be written without touching what osteo-stats did not write itself."""
