"""The one naming rule. Stack names, state keys and generated AWS names are derived here, never typed.

    stack name   {env}-{layer}                              demo-source
    state key    {app}/{account}/{region}/{env}/{layer}.tfstate
    AWS name     {app}-{env}-{purpose}                      zeroetl-demo-s3-import

The main data stores keep the names the catalog gives them (the article's names), because
operators look them up by those names in the console.
"""

from __future__ import annotations

from enum import Enum

from zeroetl.catalog import Catalog, Environment
from zeroetl.facts import partition


class Layer(str, Enum):
    """Deployment layers, in deploy order. Each is one stack with its own state."""

    SOURCE = "source"
    WAREHOUSE = "warehouse"
    INTEGRATION = "integration"
    TARGET_DATABASE = "target-database"


def stack_name(env: Environment, layer: Layer) -> str:
    return f"{env.name}-{layer.value}"


def state_key(catalog: Catalog, env: Environment, layer: Layer) -> str:
    return f"{catalog.app}/{env.account_id}/{env.region}/{env.name}/{layer.value}.tfstate"


def aws_name(catalog: Catalog, env: Environment, purpose: str) -> str:
    return f"{catalog.app}-{env.name}-{purpose}"


def source_cluster_arn(env: Environment) -> str:
    """The Aurora cluster's ARN, known from the catalog before the cluster exists, so the
    warehouse's resource policy can name its source without waiting for the source stack."""
    return f"arn:{partition(env.region)}:rds:{env.region}:{env.account_id}:cluster:{env.source.cluster_identifier}"
