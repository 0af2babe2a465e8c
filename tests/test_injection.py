"""Catalog text that looks like Terraform reaches AWS as written (issue 22, class 1).

Terraform reads every string of its JSON and of a .tfvars file as a template: `${...}` is
evaluated and `%{...}` is a directive. Two proofs:
- for every string field of the catalog, a property test injects template sequences into it:
  either the loader refuses the value (naming the field), or no synthesized string and no
  variable file holds the injected text as an interpolation or a directive, read the way
  Terraform's template scanner reads it;
- a catalog with such text where AWS allows it (alarm addresses, filters, the encryption
  context) plans offline against the real provider, and the plan holds the text literally.
"""

from __future__ import annotations

import copy
import json
import tempfile
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from tests.harness import plan_offline, synthesize_catalog
from zeroetl.catalog.loader import CatalogError, load_catalog
from zeroetl.catalog.model import Catalog

ROOT = Path(__file__).resolve().parent.parent
MARK = "ZEROETLMARK"
# Sequences Terraform would read as code, around the marker.
PAYLOADS = (f"${{{MARK}}}", f"%{{{MARK}}}", f"%{{ if {MARK} }}x%{{ endif }}", f"$${{{MARK}}}", f"${{{MARK}", f"a${{b}}{MARK}")
WHERE = ("start", "end", "middle", "after-slash")
# Catalogs whose string leaves together cover every string field of the models.
SHAPES = (
    "tests/catalogs/valid/injection.yaml", "catalog/fleet.yaml", "tests/catalogs/valid/s3-state-dotted-bucket.yaml",
    "tests/catalogs/valid/operator-roles-mixed-case.yaml", "tests/catalogs/valid/existing-cluster-own-binlog-group.yaml",
)


def _raw(path: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / path).read_text())


def _leaves(value: Any, path: tuple = ()) -> list[tuple]:
    """Paths to every string in the raw catalog; ("key", p) marks a mapping key."""
    if isinstance(value, str):
        return [path]
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _leaves(item, (*path, key))
            if isinstance(key, str) and isinstance(item, str):
                found.append((*path, ("key", key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _leaves(item, (*path, index))
    return found


def _field_name(path: tuple) -> str:
    names = [part for part in path if isinstance(part, str)]
    return names[-1] if names else ""


def _string_fields(model: type[BaseModel], seen: set | None = None) -> set[str]:
    """Every field of the catalog models that holds text (or a mapping or list of text)."""
    seen = set() if seen is None else seen
    fields = set()
    for name, info in model.model_fields.items():
        for arg in _flatten(info.annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel) and arg not in seen:
                seen.add(arg)
                fields |= _string_fields(arg, seen)
            elif arg is str:
                fields.add(name)
    return fields


def _flatten(annotation: Any) -> list[Any]:
    args = typing.get_args(annotation)
    if not args:
        return [annotation]
    if typing.get_origin(annotation) is typing.Literal:
        return []
    return [leaf for arg in args for leaf in _flatten(arg)]


CANDIDATES = [(shape, leaf) for shape in SHAPES for leaf in _leaves(_raw(shape))]


def test_the_shapes_cover_every_string_field() -> None:
    covered = {_field_name(leaf) if not isinstance(leaf[-1], tuple) else _field_name(leaf[:-1]) for _, leaf in CANDIDATES}
    missing = _string_fields(Catalog) - covered
    assert not missing, f"no catalog here writes {sorted(missing)}: add it to a shape so injection reaches it"


def _inject(raw: dict[str, Any], leaf: tuple, payload: str, where: str) -> dict[str, Any]:
    raw = copy.deepcopy(raw)
    parent = raw
    for part in leaf[:-1]:
        parent = parent[part]
    last = leaf[-1]

    def placed(text: str) -> str:
        cut = {"start": 0, "end": len(text), "middle": len(text) // 2, "after-slash": text.find("/") + 1}[where]
        return text[:cut] + payload + text[cut:]

    if isinstance(last, tuple):  # a mapping key
        parent[placed(last[1])] = parent.pop(last[1])
    else:
        parent[last] = placed(parent[last])
    return raw


def evaluated(text: str) -> list[str]:
    """The interpolations and directives Terraform's template scanner finds in text: `$${` and
    `%%{` are escapes (literal `${`, `%{`), and a lone `$` or `%` is itself."""
    found, index = [], 0
    while index < len(text):
        if text.startswith(("$${", "%%{"), index):
            index += 3
        elif text.startswith(("${", "%{"), index):
            end = text.find("}", index)
            found.append(text[index : end + 1 if end >= 0 else len(text)])
            index = end + 1 if end >= 0 else len(text)
        else:
            index += 1
    return found


def test_the_scanner_reads_escapes_as_terraform_does() -> None:
    assert evaluated("${a}") == ["${a}"] and evaluated("%{ if x }") == ["%{ if x }"]
    assert evaluated("$${a}") == [] and evaluated("%%{a}") == [] and evaluated("$$${a}") == []
    assert evaluated("$ {a} 100% {b}") == []


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in (*_strings(key), *_strings(item))]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def _tfvars_strings(text: str) -> list[str]:
    values = []
    for line in text.splitlines():
        if line.startswith("#") or "=" not in line:
            continue
        values += _strings(json.loads(line.split("=", 1)[1]))
    return values


def _refused_or_literal(shape: str, leaf: tuple, payload: str, where: str, tmp: Path) -> bool:
    """True when the catalog was accepted (and its synthesized text checked), False when refused."""
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / "catalog.yaml"
    path.write_text(yaml.safe_dump(_inject(_raw(shape), leaf, payload, where), sort_keys=False))
    try:
        catalog = load_catalog(path)
    except CatalogError as refused:
        assert all(line.startswith(f"{path}:") for line in str(refused).splitlines())
        return False
    synth = synthesize_catalog(catalog, tmp / "out", str(path), plain=True)
    texts = [text for stack in synth.stacks.values() for text in _strings(stack)]
    texts += [text for tfvars in synth.tfvars.values() for text in _tfvars_strings(tfvars)]
    leaked = [piece for text in texts for piece in evaluated(text) if MARK in piece]
    assert not leaked, f"{_field_name(leaf)}: catalog text evaluated by Terraform: {leaked}"
    return True


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(candidate=st.sampled_from(CANDIDATES), payload=st.sampled_from(PAYLOADS), where=st.sampled_from(WHERE))
def test_injected_text_is_refused_or_stays_literal(candidate: tuple[str, tuple], payload: str, where: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _refused_or_literal(*candidate, payload, where, Path(tmp))


def _first_leaf_per_field() -> dict[str, tuple[str, tuple]]:
    first: dict[str, tuple[str, tuple]] = {}
    for shape, leaf in CANDIDATES:
        name = f"{_field_name(leaf[:-1]) or 'catalog'} keys" if isinstance(leaf[-1], tuple) else _field_name(leaf)
        first.setdefault(name, (shape, leaf))
    return first


FIRST = _first_leaf_per_field()


@pytest.mark.parametrize("field", sorted(FIRST))
def test_every_field_refuses_or_keeps_every_injection_literal(field: str, tmp_path: Path) -> None:
    """Every payload at every place in one value of each field; the accepted ones synthesized
    (the first two per field: the escaping does not depend on which payload it is)."""
    accepted = 0
    for payload in PAYLOADS:
        for where in WHERE:
            if accepted < 2 and _refused_or_literal(*FIRST[field], payload, where, tmp_path / f"{accepted}-{where}"):
                accepted += 1


@pytest.mark.terraform
def test_template_text_reaches_the_plan_literally(tmp_path: Path) -> None:
    path = ROOT / "tests" / "catalogs" / "valid" / "injection.yaml"
    synth = synthesize_catalog(load_catalog(path), tmp_path / "out", str(path), plain=True)
    integration = plan_offline(synth, "demo-integration").plan
    database = plan_offline(synth, "demo-target-database").plan

    def planned(plan: dict[str, Any], type_: str) -> list[dict[str, Any]]:
        return [change["change"]["after"] for change in plan["resource_changes"] if change["type"] == type_]

    [created] = planned(integration, "aws_rds_integration")
    assert created["data_filter"] == r"include: demodb./^price\${usd}/, exclude: demodb./%{2}x/"
    assert created["additional_encryption_context"] == {"${team}": "%{ if true }on%{ endif }"}
    endpoints = {after["endpoint"] for after in planned(database, "aws_sns_topic_subscription")}
    assert "${ONCALL}@example.com" in endpoints
