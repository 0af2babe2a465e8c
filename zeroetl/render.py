"""Render each stack's terraform.tfvars from the catalog with the Jinja templates in templates/.

Terraform reads terraform.tfvars from its working directory on its own, so `cdktf plan <stack>`
and a plain `terraform plan` in cdktf.out/stacks/<stack>/ both pick the values up.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import Environment as Jinja, FileSystemLoader, StrictUndefined, Undefined

from zeroetl.catalog import Catalog, Environment
from zeroetl.naming import Layer, stack_name

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
TFVARS_FILE = "terraform.tfvars"


def hcl(value: Any) -> str:
    """A Python value as an HCL literal. JSON scalars, lists and objects are valid HCL;
    None is Terraform's null. A missing value raises: filters receive StrictUndefined
    without it raising on its own."""
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    return "null" if value is None else json.dumps(value)


def _jinja() -> Jinja:
    jinja = Jinja(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    jinja.filters["hcl"] = hcl
    return jinja


def render_tfvars(catalog: Catalog, env: Environment) -> dict[str, str]:
    """{stack name: terraform.tfvars text} for every stack of the environment."""
    jinja = _jinja()
    return {
        stack_name(env, layer): jinja.get_template(f"{layer.value}.tfvars.j2").render(catalog=catalog, env=env, stack=stack_name(env, layer))
        for layer in Layer
    }


def write_tfvars(outdir: Path, rendered: dict[str, str]) -> list[Path]:
    written = []
    for stack, text in rendered.items():
        path = outdir / "stacks" / stack / TFVARS_FILE
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
