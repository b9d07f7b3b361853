"""The after-action report (HSEEP AAR/IP): every section, in the HTML and in the PDF's text."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader
from sqlalchemy.engine import Engine

from range.config import Settings
from records.audit_seal import Sealer
from records.exports import export

SECTIONS = [
    "TLP:AMBER+STRICT", "After-Action Report / Improvement Plan", "Exercise overview",
    "Objectives and capabilities", "Analysis of performance", "Strengths",
    "Areas for improvement", "Improvement plan", "Event timeline", "Detection metrics",
    "Score categories", "Participants", "Methodology", "Signed audit head",
]


def _aar(engine: Engine, settings: Settings, name: str, out: Path) -> tuple[str, str]:
    html, pdf = export(engine, name, "aar", out, sealer=Sealer.for_data_dir(settings.data_dir))
    text = " ".join(p.extract_text() for p in PdfReader(pdf).pages)
    return html.read_text(), " ".join(text.split())


def test_every_section_in_html_and_pdf(engine: Engine, settings: Settings, played: str,
                                       tmp_path: Path) -> None:
    html, pdf = _aar(engine, settings, played, tmp_path)
    for section in SECTIONS:
        assert section in html, section
        assert section in pdf, section


def test_objectives_are_rated_from_the_facts(engine: Engine, settings: Settings, played: str,
                                             tmp_path: Path) -> None:
    html, pdf = _aar(engine, settings, played, tmp_path)
    # blue-1 reported one of the two SQL injections (one per copy): S, 50 %.
    assert "Detect and report the SQL injection on the public shop" in pdf
    assert "S: Performed with some challenges" in html and "1 of 2 red actions reported" in html
    # Red captured the objective flag on db of blue-1.
    assert "P: Performed without challenges" in html
    assert "T1190 Exploit Public-Facing Application on web@blue-1" in html
    assert "Exploit Public-Facing" in pdf  # table cells keep whole words
    assert "Rita Red" in html and "Exploitation Analyst" in html
