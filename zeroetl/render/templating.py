"""The one Jinja environment every rendered file comes from (variable files, rollout,
runbooks, SQL): templates/ as the root, StrictUndefined so a missing value is an error."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Undefined

from stacks.literals import terraform_literal
from zeroetl import PROJECT_ROOT

TEMPLATES = PROJECT_ROOT / "templates"
# libyaml's emitter writes the same text as PyYAML's pure-Python one, ~5x faster: rendering a
# 100-environment fleet's variable files spent most of its time here.
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def hcl(value: Any) -> str:
    """A Python value as an HCL literal. JSON scalars, lists and objects are valid HCL;
    None is Terraform's null. A missing value raises: filters receive StrictUndefined
    without it raising on its own."""
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    # HCL reads every quoted string as a template: the text written in the catalog stays literal
    # (`$${` and `%%{` are Terraform's escapes; stacks/literals.py does the same for the JSON).
    return "null" if value is None else terraform_literal(json.dumps(value))


def catalog_comment(value: Any) -> str:
    """A catalog section as commented YAML, so a diff of two environments' variable files
    also shows what differs outside the variables (names, accounts, networks)."""
    text = yaml.dump(value, Dumper=DUMPER, sort_keys=False, default_flow_style=False, width=1000).rstrip()
    return "\n".join(f"#   {line}" for line in text.splitlines())


def sql_string(value: Any) -> str:
    return "'" + str(value).replace("'", "''") + "'"


@cache
def templates() -> Environment:
    jinja = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    jinja.filters.update(hcl=hcl, catalog_comment=catalog_comment, sql_string=sql_string)
    return jinja
