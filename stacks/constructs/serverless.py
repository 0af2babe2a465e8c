"""The zero-ETL target: Redshift Serverless namespace and workgroup, and the namespace's
resource policy that authorizes the integration."""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.redshift_resource_policy import RedshiftResourcePolicy
from cdktf_cdktf_provider_aws.redshiftserverless_namespace import RedshiftserverlessNamespace
from cdktf_cdktf_provider_aws.redshiftserverless_workgroup import (
    RedshiftserverlessWorkgroup,
    RedshiftserverlessWorkgroupConfigParameter,
)
from cdktf_cdktf_provider_aws.security_group import SecurityGroup, SecurityGroupIngress
from constructs import Construct

from zeroetl.catalog.facts import SERVERLESS_CONFIG_PARAMETERS, service_principal
from zeroetl.catalog.model import Warehouse
from zeroetl.catalog.naming import security_group_name

REDSHIFT_PORT = 5439


@dataclass(frozen=True)
class WarehouseKnobs:
    """Values that come from Terraform variables (tokens)."""

    base_capacity: float
    max_capacity: float


class ServerlessWarehouse(Construct):
    """Namespace (admin password in Secrets Manager, customer managed key, log exports) and a
    private workgroup with case-sensitive identifiers and enhanced VPC routing off."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        warehouse: Warehouse,
        knobs: WarehouseKnobs,
        kms_key_arn: str,
        vpc_id: str,
        subnet_ids: list[str],
        cidr_blocks: list[str],
    ) -> None:
        super().__init__(scope, id_)
        self.namespace = RedshiftserverlessNamespace(
            self,
            "namespace",
            namespace_name=warehouse.namespace_name,
            admin_username=warehouse.admin_username,
            manage_admin_password=True,
            admin_password_secret_kms_key_id=kms_key_arn,
            kms_key_id=kms_key_arn,
            db_name=warehouse.db_name,
            log_exports=list(warehouse.log_exports),
            # AWS has no deletion protection for namespaces: Terraform is the only guard.
            lifecycle=TerraformResourceLifecycle(prevent_destroy=True),
        )
        self.security_group = warehouse_security_group(self, name=warehouse.workgroup_name, vpc_id=vpc_id, cidr_blocks=cidr_blocks)
        parameters = {**SERVERLESS_CONFIG_PARAMETERS, "enable_case_sensitive_identifier": _flag(warehouse.enable_case_sensitive_identifier)}
        self.workgroup = RedshiftserverlessWorkgroup(
            self,
            "workgroup",
            workgroup_name=warehouse.workgroup_name,
            namespace_name=self.namespace.namespace_name,
            base_capacity=knobs.base_capacity,
            max_capacity=knobs.max_capacity,
            enhanced_vpc_routing=warehouse.enhanced_vpc_routing,
            publicly_accessible=False,
            subnet_ids=subnet_ids,
            security_group_ids=[self.security_group.id],
            port=REDSHIFT_PORT,
            config_parameter=[
                RedshiftserverlessWorkgroupConfigParameter(parameter_key=key, parameter_value=value)
                for key, value in sorted(parameters.items())
            ],
        )


def warehouse_security_group(scope: Construct, *, name: str, vpc_id: str, cidr_blocks: list[str]) -> SecurityGroup:
    """Redshift's port from the allowed networks, nothing out: zero-ETL needs no network path."""
    return SecurityGroup(
        scope,
        "security-group",
        name=security_group_name(name, "redshift"),
        description=f"SQL clients of {name}",
        vpc_id=vpc_id,
        ingress=[
            SecurityGroupIngress(
                description="Redshift from the allowed networks",
                protocol="tcp",
                from_port=REDSHIFT_PORT,
                to_port=REDSHIFT_PORT,
                cidr_blocks=cidr_blocks,
            )
        ],
        egress=[],
    )


def _flag(value: bool) -> str:
    return "true" if value else "false"


class IntegrationResourcePolicy(Construct):
    """The namespace's resource policy, both halves in one document.

    PutResourcePolicy replaces the whole policy, so this is the only place that writes it.
    aws_redshift_resource_policy takes Serverless namespace ARNs too; the serverless variant
    accepts these actions and sets nothing (provider issues 42857, 42859).
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        namespace_arn: str,
        region: str,
        authorized_principals: list[str],
        source_arns: list[str],
    ) -> None:
        super().__init__(scope, id_)
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AuthorizedPrincipals",
                    "Effect": "Allow",
                    "Principal": {"AWS": authorized_principals},
                    "Action": "redshift:CreateInboundIntegration",
                    "Resource": namespace_arn,
                },
                {
                    "Sid": "AuthorizedIntegrationSources",
                    "Effect": "Allow",
                    "Principal": {"Service": service_principal("redshift", region)},
                    "Action": "redshift:AuthorizeInboundIntegration",
                    "Resource": namespace_arn,
                    "Condition": {"StringEquals": {"aws:SourceArn": source_arns}},
                },
            ],
        }
        self.policy = RedshiftResourcePolicy(
            self, "policy", resource_arn=namespace_arn, policy=json.dumps(policy, indent=2)
        )
