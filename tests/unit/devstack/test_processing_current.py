from pathlib import Path

from mediation_devstack.processing import render

ROOT = Path(__file__).resolve().parents[3]


def test_the_record_of_processing_is_current() -> None:
    """docs/processing.md is what the contract and the retention settings say now; run
    `python -m mediation_devstack.processing` after changing them."""
    assert (ROOT / "docs" / "processing.md").read_text(encoding="utf-8") == render()
