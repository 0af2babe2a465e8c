"""Render each stack's terraform.tfvars from the catalog with the Jinja templates in templates/.

Terraform reads terraform.tfvars from its working directory on its own, so `cdktf plan <stack>`
and a plain `terraform plan` in cdktf.out/stacks/<stack>/ both pick the values up.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from zeroetl.catalog.model import Catalog, Environment
from zeroetl.catalog.naming import Layer, layer_account, stack_name
from zeroetl.render.templating import templates

TFVARS_FILE = "terraform.tfvars"


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
    return {
        stack_name(env, layer): templates().get_template(f"{layer.value}.tfvars.j2").render(
            catalog=catalog, env=env, stack=stack_name(env, layer), account=layer_account(env, layer), sections=catalog_sections(env, layer)
        )
        for layer in Layer
    }
