"""Layer 1, source (source account): network, key, and per source the binlog parameter group,
the S3 import role and the Aurora MySQL cluster, or, for an existing cluster, just the
prerequisites (parameter group and role) to attach to it."""

from __future__ import annotations

from cdktf import TerraformOutput
from constructs import Construct

from stacks.base import ZeroEtlStack
from stacks.constructs.aurora import AuroraSource, SourceKnobs, SourcePrerequisites
from stacks.constructs.kms import ManagedKey
from stacks.constructs.network import PrivateNetwork
from stacks.constructs.variables import matches, variable, within
from zeroetl.catalog.model import Catalog, Environment, Source
from zeroetl.catalog.naming import SOURCE_KEY, SOURCE_NETWORK, Layer, aws_name, binlog_parameter_group, source_role_name

WINDOW = r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$"
WEEKLY_WINDOW = r"^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]$"


class SourceStack(ZeroEtlStack):
    def __init__(self, scope: Construct, catalog: Catalog, env: Environment) -> None:
        super().__init__(scope, catalog, env, Layer.SOURCE)
        created = [s for s in env.sources if s.create_cluster]
        self.network: PrivateNetwork | None = None
        self.clusters: dict[str, AuroraSource] = {}
        if created:
            key = ManagedKey(
                self,
                "source-key",
                region=env.region,
                account_id=env.source_account.account_id,
                alias=aws_name(catalog, env, SOURCE_KEY),
                description=f"Aurora storage, master secrets, Performance Insights and flow logs of environment {env.name}",
                logs=True,
            )
            self.network = PrivateNetwork(
                self, "network", network=env.network, region=env.region, name=aws_name(catalog, env, SOURCE_NETWORK),
                account_id=env.source_account.account_id, kms_key_arn=key.arn,
            )
        for source in env.sources:
            role_name = source_role_name(catalog, env, source, "s3-import")
            if not source.create_cluster:
                prerequisites = SourcePrerequisites(
                    self, f"prerequisites-{source.name}", source=source, region=env.region,
                    account_id=env.source_account.account_id, role_name=role_name, with_group=not source.binlog_parameter_group,
                )
                group = prerequisites.parameter_group.group.name if prerequisites.parameter_group else binlog_parameter_group(source)
                TerraformOutput(
                    self, f"parameter_group_name_{source.name}", value=group,
                    description=f"Attach to existing cluster {source.cluster_identifier}, add role {role_name}, then reboot its writer.",
                )
                continue
            aurora = AuroraSource(
                self,
                f"aurora-{source.name}",
                source=source,
                knobs=self._knobs(source),
                network=self.network,
                zones=env.network.availability_zones,
                kms_key_arn=key.arn,
                region=env.region,
                account_id=env.source_account.account_id,
                role_name=role_name,
                monitoring_role_name=source_role_name(catalog, env, source, "monitoring"),
            )
            self.clusters[source.name] = aurora
            self._outputs(source, aurora)

    def _knobs(self, source: Source) -> SourceKnobs:
        suffix = source.name
        return SourceKnobs(
            instance_class=variable(
                self, f"instance_class_{suffix}", "string", f"Instance class of the {suffix} writer and readers.",
                [matches("^db[.][a-z0-9]+[.][a-z0-9]+$", "db.r6g.2xlarge")],
            ).string_value,
            backup_retention_period=variable(
                self, f"backup_retention_period_{suffix}", "number", f"Days of automated backups of {suffix} (1-35).", [within(1, 35)],
            ).number_value,
            preferred_backup_window=variable(
                self, f"preferred_backup_window_{suffix}", "string", f"Daily UTC backup window of {suffix}, hh:mm-hh:mm.",
                [matches(WINDOW, "03:00-04:00")],
            ).string_value,
            preferred_maintenance_window=variable(
                self, f"preferred_maintenance_window_{suffix}", "string", f"Weekly UTC maintenance window of {suffix}.",
                [matches(WEEKLY_WINDOW, "sun:05:00-sun:06:00")],
            ).string_value,
        )

    def _outputs(self, source: Source, aurora: AuroraSource) -> None:
        cluster, name = aurora.cluster, source.name
        TerraformOutput(self, f"cluster_arn_{name}", value=cluster.arn, description=f"Source ARN of the {name} integration.")
        TerraformOutput(self, f"writer_endpoint_{name}", value=cluster.endpoint, description="mysql -h <this> for writes and the TICKIT load.")
        TerraformOutput(self, f"reader_endpoint_{name}", value=cluster.reader_endpoint, description="Read-only endpoint.")
        TerraformOutput(
            self, f"master_user_secret_arn_{name}", value=cluster.master_user_secret.get(0).secret_arn,
            description="Secrets Manager secret holding the master password.",
        )
        TerraformOutput(self, f"s3_import_role_arn_{name}", value=aurora.s3_role.role.arn, description="Role used by LOAD DATA FROM S3.")
