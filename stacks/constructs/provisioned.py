"""The provisioned alternative to Serverless: an encrypted RA3 cluster whose parameter group
turns on case-sensitive identifiers."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import Fn, Op, TerraformResourceLifecycle, Token
from cdktf_cdktf_provider_aws.redshift_cluster import RedshiftCluster
from cdktf_cdktf_provider_aws.redshift_logging import RedshiftLogging
from cdktf_cdktf_provider_aws.redshift_parameter_group import (
    RedshiftParameterGroup,
    RedshiftParameterGroupParameter,
)
from cdktf_cdktf_provider_aws.redshift_subnet_group import RedshiftSubnetGroup
from constructs import Construct

from stacks.constructs.serverless import REDSHIFT_PORT, warehouse_security_group
from zeroetl.catalog.naming import final_snapshot_identifier, parameter_group_name
from zeroetl.catalog.warehouse import Warehouse


@dataclass(frozen=True)
class ProvisionedKnobs:
    """Values that come from Terraform variables (tokens)."""

    node_type: str
    number_of_nodes: float
    automated_snapshot_retention_period: float


class ProvisionedWarehouse(Construct):
    """Parameter group (family redshift-1.0) with enable_case_sensitive_identifier; the cluster
    starts with it, so no reboot is needed. Encrypted with the key, password in Secrets Manager,
    private, enhanced VPC routing off, final snapshot on delete, logs to CloudWatch."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        warehouse: Warehouse,
        knobs: ProvisionedKnobs,
        kms_key_arn: str,
        vpc_id: str,
        subnet_ids: list[str],
        cidr_blocks: list[str],
    ) -> None:
        super().__init__(scope, id_)
        ident = warehouse.cluster_identifier
        parameters = RedshiftParameterGroup(
            self,
            "parameters",
            name=parameter_group_name(ident),
            family="redshift-1.0",
            description="Case-sensitive identifiers for zero-ETL, TLS only, user activity logging",
            parameter=[
                RedshiftParameterGroupParameter(name="enable_case_sensitive_identifier", value="true"),
                RedshiftParameterGroupParameter(name="require_ssl", value="true"),
                RedshiftParameterGroupParameter(name="enable_user_activity_logging", value="true"),
            ],
        )
        subnets = RedshiftSubnetGroup(self, "subnets", name=ident, description=f"Private subnets of {ident}", subnet_ids=subnet_ids)
        security_group = warehouse_security_group(self, name=ident, vpc_id=vpc_id, cidr_blocks=cidr_blocks)
        self.cluster = RedshiftCluster(
            self,
            "cluster",
            cluster_identifier=ident,
            node_type=knobs.node_type,
            number_of_nodes=knobs.number_of_nodes,
            # Redshift refuses multi-node with one node: one node is a single-node cluster.
            cluster_type=Token.as_string(Fn.conditional(Op.eq(knobs.number_of_nodes, 1), "single-node", "multi-node")),
            database_name=warehouse.db_name,
            master_username=warehouse.admin_username,
            manage_master_password=True,
            master_password_secret_kms_key_id=kms_key_arn,
            encrypted=True,
            kms_key_id=kms_key_arn,
            cluster_parameter_group_name=parameters.name,
            cluster_subnet_group_name=subnets.name,
            vpc_security_group_ids=[security_group.id],
            port=REDSHIFT_PORT,
            publicly_accessible=False,
            enhanced_vpc_routing=warehouse.enhanced_vpc_routing,
            automated_snapshot_retention_period=knobs.automated_snapshot_retention_period,
            # Changes at the reviewed apply, not deferred (no change re-planned until a window).
            apply_immediately=True,
            skip_final_snapshot=False,
            final_snapshot_identifier=final_snapshot_identifier(ident),
            # AWS has no deletion protection for provisioned clusters: Terraform is the only guard.
            lifecycle=TerraformResourceLifecycle(prevent_destroy=True),
        )
        RedshiftLogging(
            self, "logging", cluster_identifier=self.cluster.cluster_identifier,
            log_destination_type="cloudwatch", log_exports=list(warehouse.log_exports),
        )
