"""The zero-ETL source: binlog parameter group, S3 import role and the Aurora MySQL cluster."""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.db_subnet_group import DbSubnetGroup
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.rds_cluster import RdsCluster
from cdktf_cdktf_provider_aws.rds_cluster_instance import RdsClusterInstance
from cdktf_cdktf_provider_aws.rds_cluster_parameter_group import (
    RdsClusterParameterGroup,
    RdsClusterParameterGroupParameter,
)
from cdktf_cdktf_provider_aws.security_group import (
    SecurityGroup,
    SecurityGroupEgress,
    SecurityGroupIngress,
)
from constructs import Construct

from stacks.constructs.iam import service_role
from stacks.constructs.network import PrivateNetwork
from zeroetl.catalog.facts import LOG_EXPORT_PARAMETERS, ZERO_ETL_BINLOG_PARAMETERS, partition
from zeroetl.catalog.model import Source
from zeroetl.catalog.naming import final_snapshot_identifier, instance_identifier, parameter_group_name, security_group_name

MYSQL_PORT = 3306


@dataclass(frozen=True)
class SourceKnobs:
    """Values that come from Terraform variables (tokens), so tfvars can differ per environment."""

    instance_class: str
    backup_retention_period: float
    preferred_backup_window: str
    preferred_maintenance_window: str


class BinlogParameterGroup(Construct):
    """The cluster parameter group zero-ETL needs (the article's zero-etl-custom-pg), plus the
    S3 role for LOAD DATA FROM S3 and TLS-only connections.

    Every value uses pending-reboot: the binlog settings are static, and on a new cluster the
    group is in force from the first boot, so the integration never sees the defaults. Each
    exported log's switch is on too, else the export stays empty.
    """

    def __init__(self, scope: Construct, id_: str, *, name: str, s3_role_arn: str, log_exports: list[str]) -> None:
        super().__init__(scope, id_)
        values = {
            **ZERO_ETL_BINLOG_PARAMETERS,
            **{key: value for log in log_exports for key, value in LOG_EXPORT_PARAMETERS.get(log, {}).items()},
            "aws_default_s3_role": s3_role_arn,
            "require_secure_transport": "ON",
        }
        self.group = RdsClusterParameterGroup(
            self,
            "group",
            name=name,
            family="aurora-mysql8.0",
            description="Aurora MySQL binlog settings for zero-ETL integrations with Amazon Redshift",
            parameter=[
                RdsClusterParameterGroupParameter(name=key, value=value, apply_method="pending-reboot")
                for key, value in values.items()
            ],
        )


class S3ImportRole(Construct):
    """The role the cluster assumes for LOAD DATA FROM S3: read-only on the listed buckets."""

    def __init__(self, scope: Construct, id_: str, *, name: str, region: str, account_id: str, buckets: list[str]) -> None:
        super().__init__(scope, id_)
        part = partition(region)
        read = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ListImportBuckets",
                    "Effect": "Allow",
                    "Action": ["s3:ListBucket"],
                    "Resource": [f"arn:{part}:s3:::{bucket}" for bucket in buckets],
                },
                {
                    "Sid": "ReadImportObjects",
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:GetObjectVersion"],
                    "Resource": [f"arn:{part}:s3:::{bucket}/*" for bucket in buckets],
                },
            ],
        }
        self.role = service_role(self, name=name, service="rds", region=region, account_id=account_id)
        IamRolePolicy(self, "read-buckets", name="s3-import-read", role=self.role.id, policy=json.dumps(read, indent=2))


class EnhancedMonitoringRole(Construct):
    """The role RDS enhanced monitoring publishes OS metrics with (AWS's managed policy)."""

    def __init__(self, scope: Construct, id_: str, *, name: str, account_id: str, region: str) -> None:
        super().__init__(scope, id_)
        self.role = service_role(self, name=name, service="monitoring.rds", region=region, account_id=account_id)
        IamRolePolicyAttachment(
            self, "policy", role=self.role.name,
            policy_arn=f"arn:{partition(region)}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
        )


class SourcePrerequisites(Construct):
    """For an existing cluster: the zero-ETL parameter group and the S3 import role, to be
    attached to it (and its writer rebooted) before the integration is created. A team that
    names its own binlog group (binlog_parameter_group) gets the role only (with_group=False)."""

    def __init__(
        self, scope: Construct, id_: str, *, source: Source, region: str, account_id: str, role_name: str, with_group: bool = True
    ) -> None:
        super().__init__(scope, id_)
        self.s3_role = S3ImportRole(
            self, "s3-import", name=role_name, region=region, account_id=account_id, buckets=source.s3_import_buckets
        )
        self.parameter_group = BinlogParameterGroup(
            self, "binlog-parameters", name=parameter_group_name(source.cluster_identifier), s3_role_arn=self.s3_role.role.arn,
            log_exports=list(source.enabled_cloudwatch_logs_exports),
        ) if with_group else None


class AuroraSource(Construct):
    """The Aurora MySQL cluster (the article's zero-etl-source-ams) with writer and readers."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        source: Source,
        knobs: SourceKnobs,
        network: PrivateNetwork,
        zones: list[str],
        kms_key_arn: str,
        region: str,
        account_id: str,
        role_name: str,
        monitoring_role_name: str,
    ) -> None:
        super().__init__(scope, id_)
        ident = source.cluster_identifier
        prerequisites = SourcePrerequisites(self, "prerequisites", source=source, region=region, account_id=account_id, role_name=role_name)
        assert prerequisites.parameter_group is not None
        self.s3_role, self.parameter_group = prerequisites.s3_role, prerequisites.parameter_group
        subnet_group = DbSubnetGroup(
            self, "subnets", name=ident, description=f"Private subnets of {ident}", subnet_ids=network.subnet_ids
        )
        egress = []
        if network.s3_prefix_list_id is not None:
            egress.append(
                SecurityGroupEgress(
                    description="HTTPS to S3 through the gateway endpoint (LOAD DATA FROM S3)",
                    protocol="tcp",
                    from_port=443,
                    to_port=443,
                    prefix_list_ids=[network.s3_prefix_list_id],
                )
            )
        self.security_group = SecurityGroup(
            self,
            "security-group",
            name=security_group_name(ident, "mysql"),
            description=f"MySQL clients of {ident}",
            vpc_id=network.vpc_id,
            ingress=[
                SecurityGroupIngress(
                    description="MySQL from the allowed networks",
                    protocol="tcp",
                    from_port=MYSQL_PORT,
                    to_port=MYSQL_PORT,
                    cidr_blocks=network.cidr_blocks,
                )
            ],
            egress=egress,
        )
        self.cluster = RdsCluster(
            self,
            "cluster",
            cluster_identifier=ident,
            engine="aurora-mysql",
            engine_version=source.engine_version,
            db_cluster_parameter_group_name=self.parameter_group.group.name,
            db_subnet_group_name=subnet_group.name,
            vpc_security_group_ids=[self.security_group.id],
            port=MYSQL_PORT,
            database_name=source.database_name,
            master_username=source.master_username,
            manage_master_user_password=True,
            master_user_secret_kms_key_id=kms_key_arn,
            storage_encrypted=True,
            kms_key_id=kms_key_arn,
            iam_database_authentication_enabled=True,
            backup_retention_period=knobs.backup_retention_period,
            preferred_backup_window=knobs.preferred_backup_window,
            preferred_maintenance_window=knobs.preferred_maintenance_window,
            copy_tags_to_snapshot=True,
            deletion_protection=source.deletion_protection,
            skip_final_snapshot=False,
            final_snapshot_identifier=final_snapshot_identifier(ident),
            enabled_cloudwatch_logs_exports=list(source.enabled_cloudwatch_logs_exports),
            # Aurora MySQL associates roles without a feature name, which
            # aws_rds_cluster_role_association cannot express (it requires feature_name,
            # provider issue 41176); the cluster's own iam_roles is the working association.
            iam_roles=[self.s3_role.role.arn],
            # A change is made when the reviewed apply runs, not at the next maintenance window:
            # until then the provider reads the old value back and every plan (and drift run)
            # repeats the change. The approval of the wave is the window (README, Operate).
            apply_immediately=True,
            # The catalog's version is the one the cluster is created with. AWS then applies
            # minor upgrades (auto_minor_version_upgrade on the instances); a plan that still
            # named the old version would try a downgrade, which Aurora refuses.
            lifecycle=TerraformResourceLifecycle(ignore_changes=["engine_version"]),
        )
        monitoring = EnhancedMonitoringRole(self, "monitoring", name=monitoring_role_name, account_id=account_id, region=region)
        self.instances = [
            RdsClusterInstance(
                self,
                "writer" if index == 0 else f"reader-{index}",
                identifier=instance_identifier(ident, index + 1),
                cluster_identifier=self.cluster.id,
                engine=self.cluster.engine,
                engine_version=self.cluster.engine_version,
                instance_class=knobs.instance_class,
                # As for the cluster: a new class deferred to the maintenance window would be
                # planned again by every plan until then; the plan guard asks about it instead.
                apply_immediately=True,
                availability_zone=zones[index % len(zones)],
                db_subnet_group_name=subnet_group.name,
                publicly_accessible=False,
                auto_minor_version_upgrade=True,
                promotion_tier=index,
                performance_insights_enabled=True,
                performance_insights_kms_key_id=kms_key_arn,
                monitoring_interval=60,
                monitoring_role_arn=monitoring.role.arn,
            )
            for index in range(source.instance_count)
        ]
