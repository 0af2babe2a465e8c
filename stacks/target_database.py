"""Layer 4, target database: CREATE DATABASE ... FROM INTEGRATION and its settings."""

from __future__ import annotations

from cdktf import TerraformOutput
from constructs import Construct

from stacks.base import ZeroEtlStack
from stacks.constructs.target_database import DatabaseFromIntegration, ReplicationSettings
from stacks.constructs.variables import variable, within
from zeroetl.catalog import Catalog, Environment
from zeroetl.facts import FACTS
from zeroetl.naming import Layer


class TargetDatabaseStack(ZeroEtlStack):
    def __init__(
        self,
        scope: Construct,
        catalog: Catalog,
        env: Environment,
        *,
        integration_id: str,
        workgroup_name: str,
        admin_secret_arn: str,
    ) -> None:
        super().__init__(scope, catalog, env, Layer.TARGET_DATABASE)
        refresh = variable(
            self, "refresh_interval", "number", "REFRESH_INTERVAL in seconds; 0 is near real time.",
            [within(0, FACTS.max_refresh_interval)],
        )
        flags = {
            name: variable(self, name, "bool", description).boolean_value
            for name, description in (
                ("truncatecolumns", "TRUNCATECOLUMNS: truncate values too long for their column instead of failing the table."),
                ("acceptinvchars", "ACCEPTINVCHARS: replace invalid UTF-8 characters instead of failing the table."),
                ("history_mode", "HISTORY_MODE: keep every version of each row."),
                ("query_all_states", "QUERY_ALL_STATES: allow queries on tables that are not Synced."),
            )
        }
        database = env.target_database
        self.database = DatabaseFromIntegration(
            self,
            "database",
            database_name=database.database_name,
            integration_id=integration_id,
            settings=ReplicationSettings(refresh_interval=refresh.number_value, **flags),
            workgroup_name=workgroup_name,
            connect_database=env.warehouse.db_name,
            admin_secret_arn=admin_secret_arn,
        )
        TerraformOutput(self, "database_name", value=database.database_name, description="The replicated, read-only database in Redshift.")
