"""The README's catalog reference, generated from the models so it cannot drift from them.

    python -m zeroetl.catalog.reference README.md     # rewrite the section between the markers
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from zeroetl.catalog.applicability import ENVIRONMENT_RULES, NETWORK_RULES, SOURCE_RULES, WAREHOUSE_RULES
from zeroetl.catalog.fleet_rules import RULES
from zeroetl.catalog.model import (
    Catalog,
    Environment,
    Integration,
    Monitoring,
    Source,
    TargetDatabase,
)
from zeroetl.catalog.naming import NAME_KINDS
from zeroetl.catalog.network import Network
from zeroetl.catalog.placement import Account, State
from zeroetl.catalog.rollout import Rollout
from zeroetl.catalog.warehouse import Warehouse

START, END = "<!-- catalog-reference:start -->", "<!-- catalog-reference:end -->"
SECTIONS: list[tuple[str, type[BaseModel]]] = [
    ("top level", Catalog),
    ("state", State),
    ("rollout", Rollout),
    ("environments[]", Environment),
    ("environments[].source_account, .target_account", Account),
    ("environments[].network, .target_network", Network),
    ("environments[].sources[]", Source),
    ("environments[].sources[].integration", Integration),
    ("environments[].sources[].target_database", TargetDatabase),
    ("environments[].warehouse", Warehouse),
    ("environments[].monitoring", Monitoring),
]


def _default(field: Any) -> str:
    if field.default is PydanticUndefined and field.default_factory is None:
        return "**required**"
    value = field.default_factory() if field.default_factory is not None else field.default
    if isinstance(value, BaseModel):
        return "all defaults"
    if isinstance(value, list):
        return "`[" + ", ".join(map(str, value)) + "]`"
    return f"`{value}`"


def catalog_reference() -> str:
    lines = []
    for title, model in SECTIONS:
        lines += [f"#### `{title}`", "", "| field | default | meaning and validation |", "| --- | --- | --- |"]
        for name, field in model.model_fields.items():
            description = (field.description or "").replace("|", "\\|")
            lines.append(f"| `{name}` | {_default(field)} | {description} |")
        lines.append("")
    lines += ["#### fields that apply to one shape only", "", "Written in an environment for another shape, they are refused, not ignored (values from `defaults` apply where they fit):", ""]
    for section, rules in (("environments[]", ENVIRONMENT_RULES), ("warehouse", WAREHOUSE_RULES), ("sources[]", SOURCE_RULES), ("network, target_network", NETWORK_RULES)):
        lines += [f"- `{section}`: " + "; ".join(f"{', '.join(f'`{name}`' for name in rule.fields)} only for {rule.only_to}" for rule in rules)]
    lines += ["- `state.bucket` only with `backend: s3`", "- `rollout.github_repository`, `.github_subject_prefix`, `.bootstrap_backend` only with `backend: s3`", ""]
    lines += ["#### fleet-wide rules", "", *[f"- {rule}" for rule in RULES], "", "| name the stacks create | unique per | at most |", "| --- | --- | --- |"]
    scopes = {"account": "account", "region": "account and region", "vpc": "VPC"}
    lines += [f"| {kind} | {scopes[scope]} | {length} |" for kind, (scope, length) in NAME_KINDS.items()]
    lines.append("")
    return "\n".join(lines)


def replace_section(text: str) -> str:
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{catalog_reference()}{END}{tail}"


if __name__ == "__main__":
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    path.write_text(replace_section(path.read_text(encoding="utf-8")), encoding="utf-8")
