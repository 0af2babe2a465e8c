"""Layer 4, target database (target account): per source, CREATE DATABASE ... FROM
INTEGRATION and its settings."""

from __future__ import annotations

from dataclasses import asdict

from cdktf import TerraformOutput
from constructs import Construct

from stacks.base import ZeroEtlStack
from stacks.constructs.target_database import DatabaseFromIntegration, ReplicationSettings
from stacks.constructs.variables import variable, within
from stacks.warehouse import DataApiTarget
from zeroetl.catalog import Catalog, Environment
from zeroetl.facts import FACTS
from zeroetl.naming import Layer

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
        for source in env.sources:
            name = source.name
            refresh = variable(
                self, f"refresh_interval_{name}", "number", f"REFRESH_INTERVAL of the {name} database in seconds; 0 is near real time.",
                [within(0, FACTS.max_refresh_interval)],
            )
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
