"""The catalog's warehouse: Redshift Serverless or a provisioned RA3 cluster, created here or
brought by the team (its namespace ARN)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, model_validator

from zeroetl.catalog.facts import FACTS, RA3_NODE_COUNTS
from zeroetl.catalog.rules import RedshiftDatabase, RedshiftUser, Unique
from zeroetl.catalog.strict import Strict

SERVERLESS_NAME = r"^[a-z0-9-]{3,64}$"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
SERVERLESS_NAMESPACE_ARN_RE = re.compile(rf"^arn:aws(-cn)?:redshift-serverless:[a-z0-9-]+:[0-9]{{12}}:namespace/{UUID}\Z")
PROVISIONED_NAMESPACE_ARN_RE = re.compile(rf"^arn:aws(-cn)?:redshift:[a-z0-9-]+:[0-9]{{12}}:namespace:{UUID}\Z")
# Secrets Manager User Guide, "Secret names" and "ARNs": a name of 1-512 letters, digits or
# /_+=.@-, then a hyphen and six random characters. Secrets a service manages add "!": the admin
# secret Redshift keeps for a namespace is named redshift!<namespace>-<user> (Redshift guide,
# "Managing Amazon Redshift admin passwords using AWS Secrets Manager"), and that is the one a
# team brings with an existing warehouse.
SECRET_ARN = r"^arn:aws(-cn)?:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@!-]{1,512}-[A-Za-z0-9]{6}$"


class Warehouse(Strict):
    """The Redshift target every source of the environment feeds."""

    type: Literal["serverless", "provisioned"] = Field("serverless", description="Redshift Serverless, or a provisioned RA3 cluster.")
    create_warehouse: bool = Field(
        True, description="Create the warehouse; false means an existing one (namespace_arn) that gets only the resource policy."
    )
    namespace_arn: str | None = Field(None, description="Existing warehouse's namespace ARN (create_warehouse: false).")
    admin_secret_arn: str | None = Field(
        None, pattern=SECRET_ARN, description="Existing warehouse: the secret of a superuser, used to run CREATE DATABASE ... FROM INTEGRATION."
    )
    namespace_name: str | None = Field(None, pattern=SERVERLESS_NAME, description="serverless: the namespace (the article: zero-etl-target-rs-ns).")
    workgroup_name: str | None = Field(None, pattern=SERVERLESS_NAME, description="serverless: the workgroup (the article: zero-etl-target-rs-wg).")
    base_capacity: int = Field(
        8, ge=1, description="serverless: base RPUs: 4, or a multiple of 8 from 8 to 512, or of 32 up to 1024 where the region offers it "
        "(catalog/region_facts.yaml)."
    )
    max_capacity: int = Field(
        64, ge=1, description="serverless: RPU ceiling that caps the bill: base_capacity to 5632, in steps of 8 (or the base itself) "
        "(catalog/region_facts.yaml)."
    )
    cluster_identifier: str | None = Field(
        None, pattern=r"^[a-z]([a-z0-9]|-[a-z0-9]){0,62}$", description="provisioned: the cluster identifier (1-63 lowercase letters, digits, single hyphens)."
    )
    node_type: str = Field("ra3.xlplus", pattern=r"^ra3\.(xlplus|large|4xlarge|16xlarge)$", description="provisioned: an RA3 node type (zero-ETL needs RA3).")
    number_of_nodes: int = Field(
        2, ge=1, le=128, description="provisioned: nodes in the cluster, within the node type's range (ra3.large and ra3.xlplus 1-16, ra3.4xlarge 2-32, ra3.16xlarge 2-128); one node makes a single-node cluster."
    )
    automated_snapshot_retention_period: int = Field(7, ge=1, le=35, description="provisioned: days of automated snapshots.")
    admin_username: RedshiftUser = Field(
        "admin",
        pattern=r"^[a-z][a-z0-9_]{0,127}$",
        description="Admin user, not a Redshift reserved word, public or rdsdb (catalog/reserved_words.yaml); its password is "
        "generated and kept in Secrets Manager.",
    )
    db_name: RedshiftDatabase = Field(
        "dev",
        pattern=r"^[a-z][a-z0-9_]{0,63}$",
        description="The first database (1-64 characters, not a Redshift reserved word), used to run CREATE DATABASE ... FROM INTEGRATION.",
    )
    log_exports: Annotated[list[Literal["userlog", "connectionlog", "useractivitylog"]], Unique] = Field(
        ["userlog", "connectionlog", "useractivitylog"], description="Logs exported to CloudWatch Logs."
    )
    enable_case_sensitive_identifier: Literal[True] = Field(
        True, description="Mandatory for zero-ETL: MySQL identifiers are case sensitive. Cannot be turned off."
    )
    enhanced_vpc_routing: Literal[False] = Field(
        False, description="Must stay off: a warehouse with integrations cannot use enhanced VPC routing."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Warehouse:
        serverless = self.type == "serverless"
        if self.create_warehouse:
            if self.namespace_arn or self.admin_secret_arn:
                raise ValueError("namespace_arn/admin_secret_arn describe an existing warehouse: set create_warehouse: false")
            needed = ("namespace_name", "workgroup_name") if serverless else ("cluster_identifier",)
        else:
            needed = ("namespace_arn", "admin_secret_arn", "workgroup_name" if serverless else "cluster_identifier")
            pattern = SERVERLESS_NAMESPACE_ARN_RE if serverless else PROVISIONED_NAMESPACE_ARN_RE
            if self.namespace_arn and not pattern.match(self.namespace_arn):
                form = "redshift-serverless:REGION:ACCOUNT:namespace/UUID" if serverless else "redshift:REGION:ACCOUNT:namespace:UUID"
                raise ValueError(f"namespace_arn {self.namespace_arn!r} is not a {self.type} namespace ARN (arn:aws:{form})")
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise ValueError(f"{'a new' if self.create_warehouse else 'an existing'} {self.type} warehouse needs {', '.join(missing)}")
        if serverless and self.max_capacity < self.base_capacity:
            raise ValueError(f"max_capacity {self.max_capacity} is below base_capacity {self.base_capacity}")
        facts = FACTS.region_facts
        step, most = facts.max_capacity_step, facts.max_capacity_most
        if serverless and not (self.max_capacity == self.base_capacity or (self.max_capacity % step == 0 and self.max_capacity <= most)):
            raise ValueError(f"max_capacity {self.max_capacity}: from base_capacity to {most}, in steps of {step} (catalog/region_facts.yaml)")
        if not serverless and self.create_warehouse:
            fewest, most = RA3_NODE_COUNTS[self.node_type]
            if not fewest <= self.number_of_nodes <= most:
                raise ValueError(f"number_of_nodes {self.number_of_nodes}: a {self.node_type} cluster has {fewest} to {most} nodes")
        return self
