"""The environment catalog: typed, validated, described.

Field names copy the AWS provider's argument names wherever one exists, so a reader who knows
`aws_rds_cluster` knows the knob. Every value is checked here, when the catalog loads, so a bad
value never surfaces as an AWS error half way through an apply. Checks that span the whole
fleet (quotas, clashing names) live in zeroetl/catalog/fleet_rules.py, which the loader runs
once the models are valid: the model knows nothing of the rules that check it.
"""

from __future__ import annotations

import difflib
import re
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from zeroetl.catalog.data_filter import data_filter_list_problem, data_filter_problem
from zeroetl.catalog.facts import FACTS
from zeroetl.catalog.network import Network
from zeroetl.catalog.placement import Account, State
from zeroetl.catalog.rollout import Rollout
from zeroetl.catalog.rules import (
    MysqlDatabase,
    MysqlUser,
    EmailAddress,
    RedshiftDatabase,
    S3BucketName,
    Unique,
    UniqueIgnoringCase,
    matching,
    check_arn,
    check_tags,
    check_windows,
)
from zeroetl.catalog.strict import Strict
from zeroetl.catalog.warehouse import Warehouse

# Aurora MySQL engine versions look like 8.0.mysql_aurora.3.05.2.
ENGINE_VERSION_RE = re.compile(r"8\.0\.mysql_aurora\.([0-9]+)\.([0-9]+)\.([0-9]+)")


def _rds_name(longest: int) -> re.Pattern[str]:
    """RDS names (identifiers, parameter groups): a letter first, lowercase letters, digits and
    hyphens, no "--", no trailing hyphen, at most `longest` characters."""
    return re.compile(rf"^[a-z](?!.*--)[a-z0-9-]{{0,{longest - 1}}}(?<!-)\Z")


RDS_IDENTIFIER_RE = _rds_name(63)
REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]\Z")
RDS_IDENTIFIER_RULE = "must be 1-63 lowercase letters, digits or hyphens, start with a letter, no '--', no trailing '-'"
# DB cluster parameter group names (CreateDBClusterParameterGroup): the same rule, up to 255;
# RDS keeps them lowercase. A default group (default.aurora-mysql8.0) cannot be modified, so
# its dot is refused here.
PARAMETER_GROUP_RE = _rds_name(255)
PARAMETER_GROUP_RULE = (
    "must be 1-255 lowercase letters, digits or hyphens, start with a letter, no '--', no trailing '-' "
    "(a default group such as default.aurora-mysql8.0 cannot hold the binlog settings)"
)


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


RdsIdentifier = Annotated[str, matching(RDS_IDENTIFIER_RE, RDS_IDENTIFIER_RULE)]
ParameterGroupName = Annotated[str, matching(PARAMETER_GROUP_RE, PARAMETER_GROUP_RULE)]


class Integration(Strict):
    """The zero-ETL integration of one source."""

    integration_name: RdsIdentifier = Field(..., description="aws_rds_integration.integration_name (the article: zero-etl-demo).")
    data_filter: Annotated[list[str], Unique] = Field(
        default_factory=list,
        max_length=FACTS.max_data_filter_patterns,
        description="Maxwell filter patterns 'include: database.table' or 'exclude: database.table', each part a literal name, "
        "* for all, or a regular expression between slashes: 'include: demodb.*', 'exclude: demodb./tmp_.*/' "
        "(a glob such as tmp_* is refused: it matches nothing). At most 99, 256 characters each. Empty replicates everything (include: *.*).",
    )
    create_kms_key: bool = Field(False, description="Encrypt the integration with a customer managed key created here (else the AWS owned key).")
    additional_encryption_context: dict[str, str] = Field(default_factory=dict, description="Extra KMS encryption context; needs create_kms_key.")

    @field_validator("data_filter")
    @classmethod
    def _patterns(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            problem = data_filter_problem(pattern)
            if problem:
                raise ValueError(problem)
        problem = data_filter_list_problem(patterns)
        if problem:
            raise ValueError(problem)
        return patterns

    @model_validator(mode="after")
    def _context_needs_key(self) -> Integration:
        if self.additional_encryption_context and not self.create_kms_key:
            raise ValueError("additional_encryption_context only works with a customer managed key (create_kms_key: true)")
        return self


class TargetDatabase(Strict):
    """The Redshift database created FROM INTEGRATION, and its replication settings."""

    database_name: RedshiftDatabase = Field(
        "aurora_zeroetl",
        pattern=r"^[a-z_][a-z0-9_]{0,126}$",
        description="Name of the replicated database: lowercase letters, digits, underscores; not a Redshift reserved word "
        "(catalog/reserved_words.yaml) and not the warehouse's db_name, which already exists.",
    )
    refresh_interval: int = Field(0, ge=0, le=FACTS.max_refresh_interval, description="Seconds between refreshes (0-432000); 0 is near real time.")
    truncatecolumns: bool = Field(False, description="Truncate VARCHAR values that do not fit instead of failing the table.")
    acceptinvchars: bool = Field(False, description="Replace invalid UTF-8 characters instead of failing the table.")
    history_mode: bool = Field(False, description="Keep every version of each row (SCD type 2).")
    query_all_states: bool = Field(False, description="Allow queries on tables that are not Synced.")


class Monitoring(Strict):
    """Alarms, events and dashboard of the environment's integrations (target account)."""

    alarm_emails: Annotated[list[EmailAddress], Unique] = Field(
        default_factory=list,
        description="Addresses subscribed to the encrypted alerts topic (each confirms by e-mail): a plain address as RFC 5322 "
        "writes it (no display name, no mailto:), an internationalized domain in its ASCII xn-- form.",
    )
    lag_threshold_seconds: int = Field(
        900, ge=60, le=86_400, description="Alarm when replication lag stays above this (60-86400 s) plus the database's refresh_interval..."
    )
    lag_evaluation_minutes: int = Field(15, ge=1, le=1_440, description="...for this many consecutive minutes (1-1440).")
    no_change_minutes: int = Field(
        60, ge=5, le=1_440,
        description="Alarm when no change was applied for this many minutes (5-1440) after the database's refresh_interval; "
        "expected on an idle source.",
    )


class Source(Strict):
    """One Aurora MySQL cluster feeding the environment's warehouse, with its integration."""

    name: str = Field(..., pattern=r"^[a-z][a-z0-9]{0,11}$", description="Short key of this source within the environment, used in resource and variable names.")
    create_cluster: bool = Field(
        True, description="Create the cluster; false means an existing cluster (cluster_identifier) that gets only the integration and its prerequisites."
    )
    cluster_identifier: RdsIdentifier = Field(..., description="aws_rds_cluster.cluster_identifier (the article: zero-etl-source-ams).")
    binlog_parameter_group: ParameterGroupName | None = Field(
        None,
        description="Existing cluster only: the team's own cluster parameter group, already holding the Aurora guide's binlog "
        "settings, to keep attached instead of the <cluster_identifier>-zero-etl group the source stack otherwise creates "
        "(attaching that one replaces every other setting of the team's group). Either way the integration stack's plan "
        "reads the cluster and refuses until this group is the one attached.",
    )
    engine_version: str = Field(
        FACTS.engine_versions.default,
        description=f"Aurora MySQL version the cluster is created with: {FACTS.min_engine_version} or later (zero-ETL) and listed "
        "in catalog/engine_versions.yaml. AWS then applies minor upgrades (auto_minor_version_upgrade) and Terraform does not "
        "fight them: engine_version drift is ignored. A version AWS has since deprecated still loads, so that an environment "
        "whose cluster exists keeps synthesizing, with a warning; the plan guard refuses creating a cluster with it "
        "(CreateDBCluster refuses it).",
    )
    instance_class: str = Field(
        "db.r6g.2xlarge",
        pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$",
        description="Instance class of writer and readers (the article's memory-optimised default): an Aurora MySQL 3 class the "
        "region offers (catalog/instance_classes.yaml).",
    )
    instance_count: int = Field(2, ge=1, le=6, description="Writer plus readers (1-6), spread over the availability zones.")
    master_username: MysqlUser = Field(
        "admin",
        pattern=r"^[A-Za-z][A-Za-z0-9]{0,15}$",
        description="Master user, 1-16 letters or digits, a letter first (CreateDBCluster), not a MySQL reserved word or an RDS "
        "user (catalog/reserved_words.yaml); its password is generated and kept in Secrets Manager.",
    )
    database_name: MysqlDatabase = Field(
        "demodb",
        pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$",
        description="Initial database (the article loads TICKIT into demodb); not a MySQL reserved word or system schema.",
    )
    backup_retention_period: int = Field(7, ge=1, le=35, description="Days of automated backups (1-35).")
    preferred_backup_window: str = Field(
        "03:00-04:00",
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$",
        description="Daily UTC backup window, hh:mm-hh:mm, at least 30 minutes, apart from the maintenance window (CreateDBCluster).",
    )
    preferred_maintenance_window: str = Field(
        "sun:05:00-sun:06:00",
        pattern=r"^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]$",
        description="Weekly UTC maintenance window, ddd:hh:mm-ddd:hh:mm, at least 30 minutes.",
    )
    deletion_protection: Literal[True] = Field(True, description="Always on: the cluster is deleted only by a deliberate manual step.")
    enabled_cloudwatch_logs_exports: Annotated[list[Literal["audit", "error", "general", "slowquery", "iam-db-auth-error"]], Unique] = Field(
        ["audit", "error", "slowquery"],
        description="Logs exported to CloudWatch Logs; the parameter group turns on each one's logging (server_audit_logging, "
        "general_log, slow_query_log), else it stays empty. general is off by default: it logs every statement.",
    )
    s3_import_buckets: Annotated[list[S3BucketName], Unique] = Field(
        ["redshift-downloads"], description="Buckets the cluster may read with LOAD DATA FROM S3 (the TICKIT sample lives in redshift-downloads)."
    )
    tickit_bucket: S3BucketName | None = Field(
        None,
        description="Bucket of the environment's region holding a copy of the TICKIT sample under tickit/, for the runbook's load "
        "outside us-east-1: the sample lives in redshift-downloads (us-east-1), and a cluster here has no internet route (its "
        "S3 gateway endpoint reaches its own region's buckets only). One of s3_import_buckets; the runbook gives the copy command.",
    )
    integration: Integration = Field(..., description="This source's zero-ETL integration (below).")
    target_database: TargetDatabase = Field(default_factory=TargetDatabase, description="The database created FROM INTEGRATION (below).")

    @field_validator("engine_version")
    @classmethod
    def _engine_version(cls, value: str) -> str:
        match = ENGINE_VERSION_RE.fullmatch(value)
        if not match:
            raise ValueError(f"must look like {FACTS.engine_versions.default}")
        if tuple(int(g) for g in match.groups()) < _version_tuple(FACTS.min_engine_version):
            raise ValueError(f"zero-ETL needs Aurora MySQL {FACTS.min_engine_version} or later; the default is {FACTS.engine_versions.default}")
        status = FACTS.engine_versions.status.get(value)
        if status is None:
            raise ValueError(f"not in catalog/engine_versions.yaml; check its release notes and add it, or use {FACTS.engine_versions.default}")
        return value  # a deprecated one too: zeroetl/catalog/notices.py

    @model_validator(mode="after")
    def _windows_apart(self) -> Source:
        check_windows(self.preferred_backup_window, self.preferred_maintenance_window)
        return self

    @model_validator(mode="after")
    def _tickit_bucket_readable(self) -> Source:
        if self.tickit_bucket is not None and self.tickit_bucket not in self.s3_import_buckets:
            raise ValueError(
                f"tickit_bucket {self.tickit_bucket!r} is not in s3_import_buckets {self.s3_import_buckets}: the cluster's role "
                "reads only those; add it there"
            )
        return self


class Environment(Strict):
    """One environment: one region, a source account with one or more Aurora sources, and a
    target account (the same one unless stated) with one warehouse they all feed."""

    name: str = Field(..., pattern=r"^[a-z][a-z0-9]{0,11}$", description="Short name (lowercase letters and digits, at most 12), used in stack names and state keys.")
    region: str = Field(..., description="AWS region with zero-ETL support (catalog/regions.yaml); source and target share it.")
    rollout_wave: int = Field(
        0, ge=0, le=99,
        description="Rollout order: every stack of wave 0 (dev, demos) deploys before any of wave 1 (prod). An environment after "
        "wave 0 must name at least one monitoring.alarm_emails address.",
    )
    source_account: Account = Field(..., description="Account of the Aurora sources and the integrations.")
    target_account: Account | None = Field(None, description="Account of the warehouse; omitted means the source account.")
    tags: dict[str, str] = Field(
        default_factory=dict,
        description="Tags added to every resource, with the product's own (application, environment, stack, managed-by, Name): "
        "at most 45, keys 1-128 and values up to 256 letters, digits, spaces or _ . : / = + - @, no aws: prefix.",
    )
    network: Network = Field(..., description="The source account's network (below).")
    target_network: Network | None = Field(None, description="The target account's network when the accounts differ; omitted means the same settings as network.")
    sources: list[Source] = Field(..., min_length=1, description="The Aurora MySQL sources (below); all feed the one warehouse.")
    warehouse: Warehouse = Field(..., description="The Redshift target (below).")
    monitoring: Monitoring = Field(default_factory=Monitoring, description="Alarms and events (below).")
    operator_role_names: Annotated[list[Annotated[str, Field(pattern=r"^[A-Za-z0-9_+=,.@-]{1,64}$")]], UniqueIgnoringCase] = Field(
        default_factory=list,
        description="Existing IAM roles in the source account that get the rds-integrations operator policy: names of 1-64 "
        "letters, digits or _+=,.@- (IAM), each once, ignoring case as IAM does.",
    )
    retire: bool = Field(
        False,
        description="true only to destroy the environment: apply it (deletion protection off, prevent_destroy lifted; final "
        "snapshots are still taken), then destroy its stacks in reverse wave order (README, Retire an environment).",
    )

    @property
    def target(self) -> Account:
        return self.target_account or self.source_account

    @property
    def cross_account(self) -> bool:
        return self.target.account_id != self.source_account.account_id

    @field_validator("region")
    @classmethod
    def _zero_etl_region(cls, region: str) -> str:
        if region not in FACTS.regions:
            # A well-formed name is a real region without zero-ETL; anything else, likely a typo.
            close = [] if REGION_RE.match(region) or not region.isascii() else difflib.get_close_matches(region, FACTS.regions, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ValueError(f"zero-ETL is not available there; {hint}catalog/regions.yaml lists the {len(FACTS.regions)} regions where it is")
        return region

    @field_validator("tags")
    @classmethod
    def _aws_tags(cls, tags: dict[str, str]) -> dict[str, str]:
        check_tags(tags)
        return tags

    @field_validator("sources")
    @classmethod
    def _distinct_sources(cls, sources: list[Source]) -> list[Source]:
        for field in ("name", "integration.integration_name", "target_database.database_name"):
            values = [_dig(source, field) for source in sources]
            clashes = sorted({v for v in values if values.count(v) > 1})
            if clashes:
                raise ValueError(f"sources share {field} {clashes}; each source needs its own")
        return sources

    @model_validator(mode="after")
    def _someone_is_told(self) -> Environment:
        """Alerts that reach nobody: past wave 0 (dev and demos roll out first), an environment
        is one someone relies on, so its alarms and integration events must reach an address."""
        if self.rollout_wave >= 1 and not self.monitoring.alarm_emails and not self.retire:
            raise ValueError(
                f"monitoring.alarm_emails is empty in rollout_wave {self.rollout_wave}: its alarms and integration events would "
                "reach no one; an environment after wave 0 needs at least one address (each confirms the subscription by e-mail)"
            )
        return self

    @model_validator(mode="after")
    def _same_region_everywhere(self) -> Environment:
        letters = FACTS.region_facts.zones.get(self.region, ())
        for network in filter(None, (self.network, self.target_network)):
            for zone in network.availability_zones:
                if not re.fullmatch(re.escape(self.region) + r"[a-z]", zone):
                    raise ValueError(f"availability zone {zone!r} is not in region {self.region}")
                if letters and zone[-1] not in letters:
                    raise ValueError(
                        f"availability zone {zone!r} does not exist; {self.region} has {', '.join(self.region + l for l in letters)} "
                        "(catalog/region_facts.yaml)"
                    )
        warehouse = self.warehouse
        if warehouse.type == "serverless" and warehouse.create_warehouse:
            if warehouse.base_capacity not in FACTS.region_facts.base_capacities(self.region):
                raise ValueError(f"warehouse.base_capacity = {warehouse.base_capacity}: must be {FACTS.region_facts.describe_base(self.region)}")
        check_arn(self.source_account.role_arn, "source_account.role_arn", self.region)
        check_arn(self.target.role_arn, "target_account.role_arn", self.region)
        check_arn(self.warehouse.namespace_arn, "warehouse.namespace_arn", self.region, self.target.account_id)
        check_arn(self.warehouse.admin_secret_arn, "warehouse.admin_secret_arn", self.region, self.target.account_id)
        for index, source in enumerate(self.sources):
            problem = FACTS.instance_classes.problem(source.instance_class, self.region) if source.create_cluster else None
            if problem:
                raise ValueError(f"sources[{index}].instance_class = {source.instance_class!r}: {problem}")
            if source.target_database.database_name == self.warehouse.db_name:
                raise ValueError(
                    f"sources[{index}].target_database.database_name {self.warehouse.db_name!r} is the warehouse's db_name, which "
                    "already exists; CREATE DATABASE ... FROM INTEGRATION needs a new name"
                )
        return self


def _dig(model: BaseModel, dotted: str) -> object:
    for part in dotted.split("."):
        model = getattr(model, part)
    return model


class Catalog(Strict):
    """The whole catalog file (after `defaults` are merged into each environment)."""

    app: str = Field("zeroetl", pattern=r"^[a-z][a-z0-9]{0,11}$", description="Application prefix of every name and state key.")
    state: State = Field(default_factory=State, description="The Terraform state backend (below).")
    rollout: Rollout = Field(default_factory=Rollout, description="The rollout workflow's repository and the bootstrap stacks (below).")
    environments: list[Environment] = Field(..., min_length=1, description="The environments; names must be unique.")
