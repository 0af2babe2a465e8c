"""Compose one environment's four stacks and pass values between them the cdktf way."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from stacks.base import ZeroEtlStack
from stacks.integration import IntegrationStack
from stacks.source import SourceStack
from stacks.target_database import TargetDatabaseStack
from stacks.warehouse import WarehouseStack
from zeroetl.catalog import Catalog, Environment


@dataclass(frozen=True)
class EnvironmentStacks:
    source: SourceStack
    warehouse: WarehouseStack
    integration: IntegrationStack
    target_database: TargetDatabaseStack

    def all(self) -> list[ZeroEtlStack]:
        """In deploy order."""
        return [self.source, self.warehouse, self.integration, self.target_database]


def build_environment(scope: Construct, catalog: Catalog, env: Environment) -> EnvironmentStacks:
    source = SourceStack(scope, catalog, env)
    warehouse = WarehouseStack(
        scope,
        catalog,
        env,
        vpc_id=source.network.vpc_id,
        subnet_ids=source.network.subnet_ids,
        cidr_blocks=source.network.cidr_blocks,
    )
    integration = IntegrationStack(
        scope,
        catalog,
        env,
        source_arn=source.aurora.cluster.arn,
        # Read from the resource policy, not the namespace: the integration can only be
        # created once the namespace authorizes it, and this makes that order explicit.
        target_arn=warehouse.resource_policy.policy.resource_arn,
    )
    target_database = TargetDatabaseStack(
        scope,
        catalog,
        env,
        integration_id=integration.integration.integration_id,
        workgroup_name=warehouse.warehouse.workgroup.workgroup_name,
        admin_secret_arn=warehouse.warehouse.namespace.admin_password_secret_arn,
    )
    return EnvironmentStacks(source, warehouse, integration, target_database)
