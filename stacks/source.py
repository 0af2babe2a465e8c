"""Layer 1, source: network, key, binlog parameter group and the Aurora MySQL cluster."""

from __future__ import annotations

from cdktf import TerraformOutput
from constructs import Construct

from stacks.base import ZeroEtlStack
from stacks.constructs.aurora import AuroraSource, SourceKnobs
from stacks.constructs.kms import ManagedKey
from stacks.constructs.network import PrivateNetwork
from stacks.constructs.variables import matches, variable, within
from zeroetl.catalog import Catalog, Environment
from zeroetl.naming import Layer, aws_name

WINDOW = r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$"
WEEKLY_WINDOW = r"^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]$"


class SourceStack(ZeroEtlStack):
    def __init__(self, scope: Construct, catalog: Catalog, env: Environment) -> None:
        super().__init__(scope, catalog, env, Layer.SOURCE)
        instance_class = variable(
            self, "instance_class", "string", "Instance class of the Aurora writer and readers.",
            [matches("^db[.][a-z0-9]+[.][a-z0-9]+$", "db.r6g.2xlarge")],
        )
        retention = variable(
            self, "backup_retention_period", "number", "Days of automated Aurora backups (1-35).",
            [within(1, 35)],
        )
        backup_window = variable(
            self, "preferred_backup_window", "string", "Daily UTC backup window, hh:mm-hh:mm.",
            [matches(WINDOW, "03:00-04:00")],
        )
        maintenance_window = variable(
            self, "preferred_maintenance_window", "string", "Weekly UTC maintenance window, ddd:hh:mm-ddd:hh:mm.",
            [matches(WEEKLY_WINDOW, "sun:05:00-sun:06:00")],
        )
        network = PrivateNetwork(self, "network", network=env.network, region=env.region, name=aws_name(catalog, env, "zero-etl"))
        key = ManagedKey(
            self,
            "source-key",
            region=env.region,
            account_id=env.account_id,
            alias=aws_name(catalog, env, "aurora"),
            description=f"Aurora storage, master secret and Performance Insights of {env.source.cluster_identifier}",
        )
        self.aurora = AuroraSource(
            self,
            "aurora",
            source=env.source,
            knobs=SourceKnobs(
                instance_class=instance_class.string_value,
                backup_retention_period=retention.number_value,
                preferred_backup_window=backup_window.string_value,
                preferred_maintenance_window=maintenance_window.string_value,
            ),
            network=network,
            zones=env.network.availability_zones,
            kms_key_arn=key.arn,
            region=env.region,
            account_id=env.account_id,
            role_name=aws_name(catalog, env, "s3-import"),
        )
        self.network = network
        cluster = self.aurora.cluster
        TerraformOutput(self, "cluster_arn", value=cluster.arn, description="Source ARN of the zero-ETL integration.")
        TerraformOutput(self, "writer_endpoint", value=cluster.endpoint, description="mysql -h <this> for writes and the TICKIT load.")
        TerraformOutput(self, "reader_endpoint", value=cluster.reader_endpoint, description="Read-only endpoint.")
        TerraformOutput(
            self, "master_user_secret_arn", value=cluster.master_user_secret.get(0).secret_arn,
            description="Secrets Manager secret holding the master password.",
        )
        TerraformOutput(self, "parameter_group_name", value=self.aurora.parameter_group.group.name, description="The zero-ETL binlog parameter group.")
        TerraformOutput(self, "s3_import_role_arn", value=self.aurora.s3_role.role.arn, description="Role used by LOAD DATA FROM S3.")
