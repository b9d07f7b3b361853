"""CVSS for findings: scores and ratings from FIRST's formulas (the ``cvss`` library,
through range.taxonomy), and the severity a finding must then carry."""

from __future__ import annotations

from range.errors import RecordError
from range.taxonomy import CvssScore, TaxonomyError, cvss
from records.tables import Severity


def score(vector: str) -> CvssScore:
    """The parsed, scored vector (v3.0, v3.1 or v4.0); RecordError if malformed."""
    try:
        return cvss(vector)
    except TaxonomyError as exc:
        raise RecordError(str(exc)) from exc


def base_score(vector: str) -> float:
    return score(vector).score


def severity_of(vector: str) -> Severity:
    """The specification's qualitative rating as a finding severity (None → Info)."""
    rating = score(vector).severity
    return Severity.INFO if rating.lower() == "none" else Severity.parse(rating)
