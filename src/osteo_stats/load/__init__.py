"""Load and validate the PROMIS analysis datasets (the "door" of the package).

>>> from osteo_stats import load_sap
>>> from osteo_stats.load import load_trial
>>> trial = load_trial("data/", load_sap())          # doctest: +SKIP

:func:`validate_trial` collects every problem in one pass and returns them as
:class:`ValidationIssue` records; :func:`load_trial` raises
:class:`~osteo_stats.errors.DataValidationError` holding them. See ``sap/DATA_MODEL.md`` for the
specification implemented here.
"""

from osteo_stats.load.issues import ValidationIssue, issues_frame
from osteo_stats.load.readers import SourceFile
from osteo_stats.load.validate import TrialData, load_trial, validate_trial

__all__ = [
    "SourceFile",
    "TrialData",
    "ValidationIssue",
    "issues_frame",
    "load_trial",
    "validate_trial",
]
