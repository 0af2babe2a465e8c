"""Layer 4, target database (target account): per source, CREATE DATABASE ... FROM
INTEGRATION and its settings."""

from __future__ import annotations

from dataclasses import asdict

from cdktf import TerraformOutput
from constructs import Construct

from stacks.base import ZeroEtlStack
from stacks.constructs.monitoring import AlarmKnobs, IntegrationMonitoring
from stacks.constructs.target_database import DatabaseFromIntegration, ReplicationSettings
from stacks.constructs.variables import variable, within
from stacks.warehouse import DataApiTarget
from zeroetl.catalog.facts import FACTS
from zeroetl.catalog.model import Catalog, Environment
from zeroetl.catalog.naming import TARGET_MONITORING, Layer, aws_name

FLAGS = (
    ("truncatecolumns", "TRUNCATECOLUMNS: truncate values too long for their column instead of failing the table."),
    ("acceptinvchars", "ACCEPTINVCHARS: replace invalid UTF-8 characters instead of failing the table."),
    ("history_mode", "HISTORY_MODE: keep every version of each row."),
    ("query_all_states", "QUERY_ALL_STATES: allow queries on tables that are not Synced."),
)


class TargetDatabaseStack(ZeroEtlStack):
    def __init__(
        self, scope: Construct, catalog: Catalog, env: Environment, *, integration_ids: dict[str, str], data_api: DataApiTarget
    ) -> None:
        super().__init__(scope, catalog, env, Layer.TARGET_DATABASE)
        connection = {key: value for key, value in asdict(data_api).items() if value is not None}
        refresh_intervals: dict[str, float] = {}
        for source in env.sources:
            name = source.name
            refresh = variable(
                self, f"refresh_interval_{name}", "number", f"REFRESH_INTERVAL of the {name} database in seconds; 0 is near real time.",
                [within(0, FACTS.max_refresh_interval)],
            )
            refresh_intervals[name] = refresh.number_value
            flags = {flag: variable(self, f"{flag}_{name}", "bool", f"{description} ({name})").boolean_value for flag, description in FLAGS}
            database = source.target_database
            DatabaseFromIntegration(
                self,
                f"database-{name}",
                database_name=database.database_name,
                integration_id=integration_ids[name],
                settings=ReplicationSettings(refresh_interval=refresh.number_value, **flags),
                connection=connection,
            )
            TerraformOutput(self, f"database_name_{name}", value=database.database_name, description=f"The replicated, read-only database of {name}.")
        self._monitoring(catalog, env, integration_ids, refresh_intervals)

    def _monitoring(self, catalog: Catalog, env: Environment, integration_ids: dict[str, str], refresh_intervals: dict[str, float]) -> None:
        knobs = AlarmKnobs(
            lag_threshold_seconds=variable(
                self, "lag_threshold_seconds", "number", "Alarm when replication lag stays above this many seconds.", [within(60, 86_400)]
            ).number_value,
            lag_evaluation_minutes=variable(
                self, "lag_evaluation_minutes", "number", "...for this many consecutive minutes.", [within(1, 1_440)]
            ).number_value,
            no_change_minutes=variable(
                self, "no_change_minutes", "number", "Alarm when no change was applied for this many minutes.", [within(5, 1_440)]
            ).number_value,
        )
        monitoring = IntegrationMonitoring(
            self,
            "monitoring",
            name=aws_name(catalog, env, TARGET_MONITORING),
            region=env.region,
            account_id=env.target.account_id,
            integrations={s.name: (integration_ids[s.name], s.integration.integration_name) for s in env.sources},
            knobs=knobs,
            emails=env.monitoring.alarm_emails,
            refresh_intervals=refresh_intervals,
        )
        TerraformOutput(self, "alerts_topic_arn", value=monitoring.topic.arn, description="SNS topic of the integration alarms and events.")
