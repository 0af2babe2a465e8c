"""The one naming rule. Stack names, state keys and generated AWS names are derived here, never typed.

    stack name   {env}-{layer}                                demo-source
    state key    {app}/{account}/{region}/{env}/{layer}.tfstate, account = the stack's own
    state bucket the catalog's pattern over {app}, {account}, {region}
    AWS name     {app}-{env}-{purpose}                        zeroetl-demo-s3-import

The main data stores keep the names the catalog gives them (the article's names), because
operators look them up by those names in the console.
"""

from __future__ import annotations

from enum import Enum

from zeroetl.catalog.facts import partition
from zeroetl.catalog.model import Catalog, Environment, Source
from zeroetl.catalog.placement import Account


class Layer(str, Enum):
    """Deployment layers, in deploy order. Each is one stack with its own state."""

    SOURCE = "source"
    WAREHOUSE = "warehouse"
    INTEGRATION = "integration"
    TARGET_DATABASE = "target-database"


# The integration is an RDS resource: it lives with its sources. The database created from
# it lives with the warehouse.
SOURCE_ACCOUNT_LAYERS = (Layer.SOURCE, Layer.INTEGRATION)


def stack_name(env: Environment, layer: Layer) -> str:
    return f"{env.name}-{layer.value}"


def layer_account(env: Environment, layer: Layer) -> Account:
    return env.source_account if layer in SOURCE_ACCOUNT_LAYERS else env.target


def state_key(catalog: Catalog, env: Environment, layer: Layer) -> str:
    return f"{catalog.app}/{layer_account(env, layer).account_id}/{env.region}/{env.name}/{layer.value}.tfstate"


def state_bucket(catalog: Catalog, env: Environment, layer: Layer) -> str:
    if catalog.state.bucket is None:
        raise ValueError("only the s3 backend has buckets")
    return catalog.state.bucket.format(app=catalog.app, account=layer_account(env, layer).account_id, region=env.region)


def aws_name(catalog: Catalog, env: Environment, purpose: str) -> str:
    return f"{catalog.app}-{env.name}-{purpose}"


def source_cluster_arn(env: Environment, source: Source) -> str:
    """The Aurora cluster's ARN, known from the catalog before the cluster exists, so the
    warehouse's resource policy can name its sources without waiting for the source stack."""
    account = env.source_account.account_id
    return f"arn:{partition(env.region)}:rds:{env.region}:{account}:cluster:{source.cluster_identifier}"
