"""The Redshift database created FROM INTEGRATION, run by Terraform instead of the query editor."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import DataResource, Fn, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.redshiftdata_statement import RedshiftdataStatement
from constructs import Construct


@dataclass(frozen=True)
class ReplicationSettings:
    """Tokens of the Terraform variables that hold the database's integration settings."""

    refresh_interval: float
    truncatecolumns: bool
    acceptinvchars: bool
    history_mode: bool
    query_all_states: bool

    def sql(self) -> str:
        """The SET clause shared by CREATE DATABASE and ALTER DATABASE ... INTEGRATION."""
        return Fn.format(
            "ACCEPTINVCHARS = %s QUERY_ALL_STATES = %s REFRESH_INTERVAL %d TRUNCATECOLUMNS = %s HISTORY_MODE = %s",
            [
                _sql_bool(self.acceptinvchars),
                _sql_bool(self.query_all_states),
                self.refresh_interval,
                _sql_bool(self.truncatecolumns),
                _sql_bool(self.history_mode),
            ],
        )


def _sql_bool(token: bool) -> str:
    return Fn.conditional(token, "TRUE", "FALSE")


class DatabaseFromIntegration(Construct):
    """Two statements through the Redshift Data API, as the admin user (superuser), whose
    secret Redshift manages:

    - create: CREATE DATABASE ... FROM INTEGRATION with the settings. It runs once; it is
      replaced (run again) only when the integration id changes, because a new integration
      needs its own database. Later changes to its SQL are ignored: running CREATE again on
      an existing database would fail.
    - settings: ALTER DATABASE ... INTEGRATION SET with the same settings. Its SQL changes
      whenever a setting does, which replaces it, which runs it: that is how a changed
      REFRESH_INTERVAL reaches a live database.

    Destroying either statement deletes nothing in Redshift.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        database_name: str,
        integration_id: str,
        settings: ReplicationSettings,
        connection: dict[str, str],
    ) -> None:
        """connection: database and secret_arn, with workgroup_name (Serverless) or
        cluster_identifier (provisioned)."""
        super().__init__(scope, id_)
        integration = DataResource(self, "integration-id", triggers_replace={"integration_id": integration_id})
        self.create = RedshiftdataStatement(
            self,
            "create-database",
            sql=Fn.format("CREATE DATABASE %s FROM INTEGRATION '%s' SET %s", [database_name, integration_id, settings.sql()]),
            # cdktf writes a resource given here as "${...}", which Terraform's JSON syntax
            # rejects in replace_triggered_by; a plain "type.name" string is what it expects.
            lifecycle=TerraformResourceLifecycle(
                ignore_changes=["sql"],
                replace_triggered_by=[f"{integration.terraform_resource_type}.{integration.friendly_unique_id}"],
            ),
            **connection,
        )
        self.settings = RedshiftdataStatement(
            self,
            "apply-settings",
            sql=Fn.format("ALTER DATABASE %s INTEGRATION SET %s", [database_name, settings.sql()]),
            depends_on=[self.create],
            **connection,
        )
