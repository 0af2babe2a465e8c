"""Render each stack's terraform.tfvars from the catalog with the Jinja templates in templates/.

Terraform reads terraform.tfvars from its working directory on its own, so `cdktf plan <stack>`
and a plain `terraform plan` in cdktf.out/stacks/<stack>/ both pick the values up.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment as Jinja, FileSystemLoader, StrictUndefined, Undefined

from pydantic import BaseModel

from zeroetl.catalog import Catalog, Environment
from zeroetl.naming import Layer, layer_account, stack_name

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
TFVARS_FILE = "terraform.tfvars"


def hcl(value: Any) -> str:
    """A Python value as an HCL literal. JSON scalars, lists and objects are valid HCL;
    None is Terraform's null. A missing value raises: filters receive StrictUndefined
    without it raising on its own."""
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    return "null" if value is None else json.dumps(value)


def catalog_comment(value: Any) -> str:
    """A catalog section as commented YAML, so a diff of two environments' variable files
    also shows what differs outside the variables (names, accounts, networks)."""
    text = yaml.safe_dump(value, sort_keys=False, default_flow_style=False, width=1000).rstrip()
    return "\n".join(f"#   {line}" for line in text.splitlines())


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
    jinja.filters["catalog_comment"] = catalog_comment
    return jinja


def catalog_sections(env: Environment, layer: Layer) -> list[tuple[str, Any]]:
    """The catalog values a layer is built from, for the identity header of its tfvars."""

    def dump(model: BaseModel, **options: Any) -> Any:
        return model.model_dump(mode="json", **options)

    if layer is Layer.SOURCE:
        sources = [dump(s, exclude={"integration", "target_database"}) for s in env.sources]
        return [("source_account", dump(env.source_account)), ("network", dump(env.network)), ("sources", sources)]
    if layer is Layer.WAREHOUSE:
        return [
            ("target_account", dump(env.target)),
            ("network", dump(env.target_network or env.network)),
            ("warehouse", dump(env.warehouse)),
            ("authorized_sources", [s.cluster_identifier for s in env.sources]),
        ]
    if layer is Layer.INTEGRATION:
        integrations = [{"source": s.cluster_identifier, **dump(s.integration)} for s in env.sources]
        return [("integrations", integrations), ("operator_role_names", env.operator_role_names)]
    return [
        ("databases", [{"integration": s.integration.integration_name, **dump(s.target_database)} for s in env.sources]),
        ("monitoring", dump(env.monitoring)),
    ]


def render_tfvars(catalog: Catalog, env: Environment) -> dict[str, str]:
    """{stack name: terraform.tfvars text} for every stack of the environment."""
    jinja = _jinja()
    return {
        stack_name(env, layer): jinja.get_template(f"{layer.value}.tfvars.j2").render(
            catalog=catalog, env=env, stack=stack_name(env, layer), account=layer_account(env, layer), sections=catalog_sections(env, layer)
        )
        for layer in Layer
    }


def write_tfvars(outdir: Path, rendered: dict[str, str]) -> list[Path]:
    written = []
    for stack, text in rendered.items():
        path = outdir / "stacks" / stack / TFVARS_FILE
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
