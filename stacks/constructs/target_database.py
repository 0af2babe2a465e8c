"""The Redshift database created FROM INTEGRATION, run by Terraform instead of the query editor."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import DataResource, Fn, Op, TerraformResourceLifecycle, Token
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
    """Three statements through the Redshift Data API, as the admin user (superuser), whose
    secret Redshift manages:

    - drop: run when the integration id is new, before create. When the integration is
      replaced (a reviewed run: the plan guard refuses it otherwise), the database still exists,
      bound to the deleted integration, and CREATE DATABASE on its name fails; so this runs
      DROP DATABASE ... FORCE (a zero-ETL database is read-only, and the new integration
      re-seeds every table; with history_mode, the history kept so far goes with it). On the
      stack's first apply there is no database yet, and DROP DATABASE, which Redshift has
      without IF EXISTS, would fail: it runs SELECT 1 instead. The two are told apart by a
      terraform_data that keeps the timestamp of the plan that first applied the stack
      (ignore_changes): equal to plantimestamp() only in that plan. A stack applied before
      this statement existed gets SELECT 1 on its next apply; replace its integration after that.
    - create: CREATE DATABASE ... FROM INTEGRATION with the settings, run when the integration
      id is new (its trigger, a terraform_data holding the id, is created or replaced);
    - settings: ALTER DATABASE ... INTEGRATION SET with the same settings, run when a setting
      changes (its trigger holds the SET clause): how a changed REFRESH_INTERVAL reaches a
      live database.

    Each statement is run by its trigger and by nothing else (ignore_changes = all). The Data
    API forgets a statement after about 24 hours; from then on the provider's refresh of
    aws_redshiftdata_statement reads an expired statement back with only its id (sql,
    workgroup_name, secret_arn and cluster_identifier empty; provider 5.100.0,
    internal/service/redshiftdata, FindStatementByID). Every one of those arguments forces a
    new resource, so without ignore_changes the next plan runs CREATE DATABASE again on the
    existing database, which fails on every apply from then on (provider issue 37301).
    The triggers live in Terraform state, which does not expire.

    Destroying any of the statements deletes nothing in Redshift.
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
        set_clause = settings.sql()
        integration = DataResource(self, "integration-id", triggers_replace={"integration_id": integration_id})
        # When the stack was first applied (plantimestamp of that plan, kept: ignore_changes).
        first_applied = DataResource(
            self, "first-applied", input={"at": Fn.plantimestamp()}, lifecycle=TerraformResourceLifecycle(ignore_changes=["input"])
        )
        self.drop = RedshiftdataStatement(
            self,
            "drop-replaced-database",
            sql=Token.as_string(Fn.conditional(
                Op.eq(Fn.lookup(first_applied.output, "at", ""), Fn.plantimestamp()), "SELECT 1", f"DROP DATABASE {database_name} FORCE"
            )),
            lifecycle=_run_when_replaced(integration),
            **connection,
        )
        self.create = RedshiftdataStatement(
            self,
            "create-database",
            sql=Fn.format("CREATE DATABASE %s FROM INTEGRATION '%s' SET %s", [database_name, integration_id, set_clause]),
            depends_on=[self.drop],
            lifecycle=_run_when_replaced(integration),
            **connection,
        )
        applied = DataResource(self, "settings", triggers_replace={"set": set_clause}, depends_on=[self.create])
        self.settings = RedshiftdataStatement(
            self,
            "apply-settings",
            sql=Fn.format("ALTER DATABASE %s INTEGRATION SET %s", [database_name, set_clause]),
            depends_on=[self.create],
            lifecycle=_run_when_replaced(applied),
            **connection,
        )


def _run_when_replaced(trigger: DataResource) -> TerraformResourceLifecycle:
    """The statement runs again only when its trigger changes. cdktf writes a resource given
    in replace_triggered_by as "${...}", which Terraform's JSON syntax rejects there; a plain
    "type.name" string is what it expects."""
    return TerraformResourceLifecycle(
        ignore_changes="all",
        replace_triggered_by=[f"{trigger.terraform_resource_type}.{trigger.friendly_unique_id}"],
    )
