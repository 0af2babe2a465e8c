"""Layer 2, warehouse (target account): Redshift Serverless or provisioned RA3, or an existing
warehouse; the resource policy that authorizes every source at once; and, across accounts,
the role the source account uses to find the target."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import Fn, TerraformOutput
from constructs import Construct

from stacks.base import ZeroEtlStack
from stacks.constructs.cross_account import CrossAccountDiscoveryRole
from stacks.constructs.kms import ManagedKey, account_root
from stacks.constructs.network import PrivateNetwork
from stacks.constructs.provisioned import ProvisionedKnobs, ProvisionedWarehouse
from stacks.constructs.serverless import IntegrationResourcePolicy, ServerlessWarehouse, WarehouseKnobs
from stacks.constructs.variables import matches, one_of, variable, within
from zeroetl.catalog.facts import FACTS
from zeroetl.catalog.model import Catalog, Environment
from zeroetl.catalog.naming import DISCOVERY_ROLE, WAREHOUSE_KEY, WAREHOUSE_NETWORK, Layer, aws_name, source_cluster_arn


@dataclass(frozen=True)
class DataApiTarget:
    """How the Redshift Data API reaches the warehouse as a superuser."""

    database: str
    secret_arn: str
    workgroup_name: str | None = None
    cluster_identifier: str | None = None


class WarehouseStack(ZeroEtlStack):
    def __init__(self, scope: Construct, catalog: Catalog, env: Environment, *, shared_network: PrivateNetwork | None) -> None:
        super().__init__(scope, catalog, env, Layer.WAREHOUSE)
        warehouse = env.warehouse
        if warehouse.create_warehouse:
            key = ManagedKey(
                self,
                "warehouse-key",
                region=env.region,
                account_id=env.target.account_id,
                alias=aws_name(catalog, env, WAREHOUSE_KEY),
                description=f"Redshift warehouse of environment {env.name}, its admin secret and flow logs",
                logs=True,
            )
            network = shared_network or PrivateNetwork(
                self, "network", network=env.target_network or env.network, region=env.region, name=aws_name(catalog, env, WAREHOUSE_NETWORK),
                account_id=env.target.account_id, kms_key_arn=key.arn,
            )
            where = {"kms_key_arn": key.arn, "vpc_id": network.vpc_id, "subnet_ids": network.subnet_ids, "cidr_blocks": network.cidr_blocks}
            namespace_arn, self.data_api = (self._serverless if warehouse.type == "serverless" else self._provisioned)(where)
        else:
            namespace_arn = warehouse.namespace_arn
            self.data_api = DataApiTarget(
                database=warehouse.db_name, secret_arn=warehouse.admin_secret_arn,
                workgroup_name=warehouse.workgroup_name if warehouse.type == "serverless" else None,
                cluster_identifier=warehouse.cluster_identifier if warehouse.type == "provisioned" else None,
            )
        self.resource_policy = IntegrationResourcePolicy(
            self,
            "integration-policy",
            namespace_arn=namespace_arn,
            region=env.region,
            authorized_principals=[account_root(env.region, env.source_account.account_id)],
            source_arns=[source_cluster_arn(env, source) for source in env.sources],
        )
        if env.cross_account:
            CrossAccountDiscoveryRole(
                self, "cross-account-role", name=aws_name(catalog, env, DISCOVERY_ROLE), env=env,
            )
        TerraformOutput(self, "namespace_arn", value=self.resource_policy.policy.resource_arn, description="Target ARN of the zero-ETL integrations.")

    def _serverless(self, where: dict) -> tuple[str, DataApiTarget]:
        env = self.env
        facts = FACTS.region_facts
        base = variable(
            self, "base_capacity", "number", "Base Redshift Processing Units of the workgroup.",
            [one_of(facts.base_capacities(env.region), f"Must be {facts.describe_base(env.region)}.")],
        )
        ceiling = variable(
            self, "max_capacity", "number", "Most RPUs the workgroup may scale to; caps the bill.",
            [within(facts.base_capacity_smallest, facts.max_capacity_most)],
        )
        serverless = ServerlessWarehouse(
            self, "serverless", warehouse=env.warehouse,
            knobs=WarehouseKnobs(base_capacity=base.number_value, max_capacity=ceiling.number_value), **where,
        )
        namespace, workgroup = serverless.namespace, serverless.workgroup
        TerraformOutput(self, "workgroup_endpoint", value=Fn.lookup(workgroup.endpoint.get(0), "address", ""), description="psql/JDBC host of the warehouse.")
        TerraformOutput(self, "admin_password_secret_arn", value=namespace.admin_password_secret_arn, description="Secrets Manager secret holding the admin password.")
        return namespace.arn, DataApiTarget(
            database=env.warehouse.db_name, secret_arn=namespace.admin_password_secret_arn, workgroup_name=workgroup.workgroup_name
        )

    def _provisioned(self, where: dict) -> tuple[str, DataApiTarget]:
        env = self.env
        knobs = ProvisionedKnobs(
            node_type=variable(self, "node_type", "string", "RA3 node type of the cluster.", [matches("^ra3[.](xlplus|large|4xlarge|16xlarge)$", "ra3.xlplus")]).string_value,
            number_of_nodes=variable(self, "number_of_nodes", "number", "Nodes in the cluster (1-128).", [within(1, 128)]).number_value,
            automated_snapshot_retention_period=variable(
                self, "automated_snapshot_retention_period", "number", "Days of automated snapshots (1-35).", [within(1, 35)]
            ).number_value,
        )
        cluster = ProvisionedWarehouse(self, "provisioned", warehouse=env.warehouse, knobs=knobs, **where).cluster
        TerraformOutput(self, "cluster_endpoint", value=cluster.endpoint, description="psql/JDBC host:port of the warehouse.")
        TerraformOutput(self, "admin_password_secret_arn", value=cluster.master_password_secret_arn, description="Secrets Manager secret holding the admin password.")
        return cluster.cluster_namespace_arn, DataApiTarget(
            database=env.warehouse.db_name, secret_arn=cluster.master_password_secret_arn, cluster_identifier=cluster.cluster_identifier
        )
