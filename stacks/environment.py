"""Compose one environment's four stacks and pass values between them the cdktf way."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from stacks.integration import IntegrationStack
from stacks.source import SourceStack
from stacks.target_database import TargetDatabaseStack
from stacks.warehouse import WarehouseStack
from zeroetl.catalog.model import Catalog, Environment
from zeroetl.catalog.naming import source_cluster_arn


@dataclass(frozen=True)
class EnvironmentStacks:
    source: SourceStack
    warehouse: WarehouseStack
    integration: IntegrationStack
    target_database: TargetDatabaseStack


def build_environment(scope: Construct, catalog: Catalog, env: Environment) -> EnvironmentStacks:
    source = SourceStack(scope, catalog, env)
    # One account: the warehouse joins the source's network. Across accounts it needs its own.
    warehouse = WarehouseStack(scope, catalog, env, shared_network=None if env.cross_account else source.network)
    # A created cluster's ARN comes from the source stack's state, so the integration follows
    # the cluster (and its parameter group); an existing cluster's ARN is known from the catalog.
    source_arns = {
        s.name: source.clusters[s.name].cluster.arn if s.name in source.clusters else source_cluster_arn(env, s) for s in env.sources
    }
    integration = IntegrationStack(
        scope,
        catalog,
        env,
        source_arns=source_arns,
        # Read from the resource policy, not the namespace: the integration can only be
        # created once the namespace authorizes it, and this makes that order explicit.
        target_arn=warehouse.resource_policy.policy.resource_arn,
    )
    target_database = TargetDatabaseStack(
        scope,
        catalog,
        env,
        integration_ids={name: i.integration_id for name, i in integration.integrations.items()},
        data_api=warehouse.data_api,
    )
    return EnvironmentStacks(source, warehouse, integration, target_database)
