"""Layer 2, warehouse: the Redshift Serverless target and its integration resource policy."""

from __future__ import annotations

from cdktf import Fn, TerraformOutput
from constructs import Construct

from stacks.base import ZeroEtlStack
from stacks.constructs.kms import ManagedKey, account_root
from stacks.constructs.serverless import IntegrationResourcePolicy, ServerlessWarehouse, WarehouseKnobs
from stacks.constructs.variables import variable, within
from zeroetl.catalog import Catalog, Environment
from zeroetl.naming import Layer, aws_name, source_cluster_arn


class WarehouseStack(ZeroEtlStack):
    def __init__(
        self, scope: Construct, catalog: Catalog, env: Environment, *, vpc_id: str, subnet_ids: list[str], cidr_blocks: list[str]
    ) -> None:
        super().__init__(scope, catalog, env, Layer.WAREHOUSE)
        base = variable(
            self, "base_capacity", "number", "Base Redshift Processing Units of the workgroup.",
            [within(8, 1024, step=8)],
        )
        ceiling = variable(
            self, "max_capacity", "number", "Most RPUs the workgroup may scale to; caps the bill.",
            [within(8, 5632, step=8)],
        )
        key = ManagedKey(
            self,
            "warehouse-key",
            region=env.region,
            account_id=env.account_id,
            alias=aws_name(catalog, env, "redshift"),
            description=f"Redshift Serverless namespace {env.warehouse.namespace_name} and its admin secret",
        )
        self.warehouse = ServerlessWarehouse(
            self,
            "serverless",
            warehouse=env.warehouse,
            knobs=WarehouseKnobs(base_capacity=base.number_value, max_capacity=ceiling.number_value),
            kms_key_arn=key.arn,
            vpc_id=vpc_id,
            subnet_ids=subnet_ids,
            cidr_blocks=cidr_blocks,
        )
        namespace = self.warehouse.namespace
        self.resource_policy = IntegrationResourcePolicy(
            self,
            "integration-policy",
            namespace_arn=namespace.arn,
            authorized_principals=[account_root(env.region, env.account_id)],
            source_arns=[source_cluster_arn(env)],
        )
        workgroup = self.warehouse.workgroup
        TerraformOutput(self, "namespace_arn", value=namespace.arn, description="Target ARN of the zero-ETL integration.")
        TerraformOutput(self, "workgroup_name", value=workgroup.workgroup_name, description="Workgroup that runs the target database SQL.")
        TerraformOutput(self, "workgroup_endpoint", value=Fn.lookup(workgroup.endpoint.get(0), "address", ""), description="psql/JDBC host of the warehouse.")
        TerraformOutput(self, "admin_password_secret_arn", value=namespace.admin_password_secret_arn, description="Secrets Manager secret holding the admin password.")
