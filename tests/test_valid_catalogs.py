"""A corpus of unusual but valid catalogs (tests/catalogs/valid/), written as teams write them:
YAML 1.2 values, merge keys, CRLF, a byte order mark, flow style, capitals and xn-- domains in
addresses, text that looks like Terraform. Each must load, mean what it says (the
`# expect-value: path = value` lines), and synthesize; nothing here may be refused."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from zeroetl.catalog.loader import load_catalog
from zeroetl.synth.run import synthesize_into

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted((ROOT / "tests" / "catalogs" / "valid").glob("*.yaml"))
STEP = re.compile(r"\.?([A-Za-z_-]+)|\[([0-9]+)\]")


def _value_at(model: Any, path: str) -> Any:
    for name, index in STEP.findall(path):
        if index:
            model = model[int(index)]
        elif isinstance(model, dict):
            model = model[name]
        else:
            model = getattr(model, name)
    return model


def _expected_values(catalog: Path) -> list[tuple[str, str]]:
    head = catalog.read_bytes()[:3000].decode("utf-8-sig")
    return [(m.group(1), m.group(2)) for m in re.finditer(r"^# expect-value: (\S+) = (.*?)\r?$", head, re.MULTILINE)]


def test_corpus_is_there() -> None:
    assert len(CORPUS) >= 12
    assert all(_expected_values(path) for path in CORPUS), "each file says what it must mean"


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_valid_catalog_loads_means_what_it_says_and_synthesizes(path: Path, tmp_path: Path) -> None:
    catalog = load_catalog(path)
    for where, expected in _expected_values(path):
        assert str(_value_at(catalog, where)) == expected, where
    names = synthesize_into(tmp_path / "out", catalog, str(path), plain=True)
    assert len(names) == 4 * len(catalog.environments)
    for name in names:
        json.loads((tmp_path / "out" / "stacks" / name / "cdk.tf.json").read_text())
