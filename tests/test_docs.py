"""The README's catalog reference is the one generated from the models."""

from __future__ import annotations

from pathlib import Path

from zeroetl.catalog.reference import replace_section

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_catalog_reference_is_current() -> None:
    text = README.read_text(encoding="utf-8")
    assert replace_section(text) == text, "run: python -m zeroetl.catalog.reference README.md"
