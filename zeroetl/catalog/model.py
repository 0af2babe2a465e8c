"""The environment catalog: typed, validated, described.

Field names copy the AWS provider's argument names wherever one exists, so a reader who knows
`aws_rds_cluster` knows the knob. Every value is checked here, when the catalog loads, so a bad
value never surfaces as an AWS error half way through an apply. Checks that span the whole
fleet (quotas, clashing names) live in zeroetl/catalog/fleet_rules.py, which the loader runs
once the models are valid: the model knows nothing of the rules that check it.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from zeroetl.catalog.data_filter import data_filter_problem
from zeroetl.catalog.facts import FACTS
from zeroetl.catalog.placement import Account, State
from zeroetl.catalog.strict import Strict
from zeroetl.catalog.warehouse import Warehouse

# Aurora MySQL engine versions look like 8.0.mysql_aurora.3.05.2.
ENGINE_VERSION_RE = re.compile(r"8\.0\.mysql_aurora\.([0-9]+)\.([0-9]+)\.([0-9]+)")
# RDS identifiers: a letter first, letters/digits/hyphens, no "--", no trailing hyphen.
RDS_IDENTIFIER_RE = re.compile(r"^[a-z](?!.*--)[a-z0-9-]{0,62}(?<!-)\Z")
RDS_IDENTIFIER_RULE = "must be 1-63 lowercase letters, digits or hyphens, start with a letter, no '--', no trailing '-'"


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def _rds_identifier(value: str) -> str:
    if not RDS_IDENTIFIER_RE.match(value):
        raise ValueError(RDS_IDENTIFIER_RULE)
    return value


class Network(Strict):
    """Where the data stores live."""

    create_vpc: bool = Field(
        True,
        description="Create a private VPC (no internet gateway) with one subnet per availability zone "
        "and an S3 gateway endpoint; false means use vpc_id and subnet_ids.",
    )
    vpc_cidr: ipaddress.IPv4Network = Field(
        ipaddress.IPv4Network("10.42.0.0/16"), description="CIDR of the created VPC; subnets are /20 slices of it."
    )
    availability_zones: list[str] = Field(
        ...,
        min_length=3,
        max_length=6,
        description="Availability zones, stated rather than looked up so plans run offline. "
        "At least three: Redshift Serverless needs subnets in three zones.",
    )
    vpc_id: str | None = Field(None, pattern=r"^vpc-[0-9a-f]{8,17}$", description="Existing VPC (create_vpc: false).")
    subnet_ids: list[Annotated[str, Field(pattern=r"^subnet-[0-9a-f]{8,17}$")]] | None = Field(
        None, description="Existing private subnets, one per availability zone (create_vpc: false)."
    )
    allowed_cidr_blocks: list[ipaddress.IPv4Network] = Field(
        default_factory=list,
        description="Networks allowed to reach MySQL (3306) and Redshift (5439). Empty means the created VPC's CIDR; "
        "required with create_vpc: false. 0.0.0.0/0 is refused.",
    )

    @field_validator("availability_zones")
    @classmethod
    def _distinct_zones(cls, zones: list[str]) -> list[str]:
        if len(set(zones)) != len(zones):
            raise ValueError(f"availability zones must be distinct, got {zones}")
        return zones

    @field_validator("allowed_cidr_blocks")
    @classmethod
    def _no_open_ingress(cls, blocks: list[ipaddress.IPv4Network]) -> list[ipaddress.IPv4Network]:
        for block in blocks:
            if block.prefixlen == 0:
                raise ValueError(f"{block} opens the databases to the internet; allowed: private networks only")
        return blocks

    @model_validator(mode="after")
    def _existing_or_created(self) -> Network:
        if self.create_vpc:
            if self.vpc_id or self.subnet_ids:
                raise ValueError("vpc_id/subnet_ids are only read with create_vpc: false")
            if self.vpc_cidr.prefixlen > 20 - (len(self.availability_zones) - 1).bit_length():
                raise ValueError(f"vpc_cidr {self.vpc_cidr} is too small for one /20 subnet per zone")
        else:
            if not self.vpc_id or not self.subnet_ids:
                raise ValueError("create_vpc: false needs vpc_id and subnet_ids")
            if len(self.subnet_ids) != len(self.availability_zones):
                raise ValueError("subnet_ids must list one subnet per availability zone, in the same order")
            if not self.allowed_cidr_blocks:
                raise ValueError(
                    "create_vpc: false needs allowed_cidr_blocks: the existing VPC's range is not known here, "
                    f"and the default vpc_cidr {self.vpc_cidr} would open the databases to whatever uses it"
                )
        return self


class Integration(Strict):
    """The zero-ETL integration of one source."""

    integration_name: str = Field(..., description="aws_rds_integration.integration_name (the article: zero-etl-demo).")
    data_filter: list[str] = Field(
        default_factory=list,
        max_length=FACTS.max_data_filter_patterns,
        description="Maxwell filter patterns 'include: database.table' or 'exclude: database.table', each part a literal name, "
        "* for all, or a regular expression between slashes: 'include: demodb.*', 'exclude: demodb./tmp_.*/' "
        "(a glob such as tmp_* is refused: it matches nothing). At most 99, 256 characters each. Empty replicates everything (include: *.*).",
    )
    create_kms_key: bool = Field(False, description="Encrypt the integration with a customer managed key created here (else the AWS owned key).")
    additional_encryption_context: dict[str, str] = Field(default_factory=dict, description="Extra KMS encryption context; needs create_kms_key.")

    @field_validator("integration_name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _rds_identifier(value)

    @field_validator("data_filter")
    @classmethod
    def _patterns(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            problem = data_filter_problem(pattern)
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

    database_name: str = Field("aurora_zeroetl", pattern=r"^[a-z_][a-z0-9_]{0,126}$", description="Name of the replicated database: lowercase letters, digits, underscores.")
    refresh_interval: int = Field(0, ge=0, le=FACTS.max_refresh_interval, description="Seconds between refreshes (0-432000); 0 is near real time.")
    truncatecolumns: bool = Field(False, description="Truncate VARCHAR values that do not fit instead of failing the table.")
    acceptinvchars: bool = Field(False, description="Replace invalid UTF-8 characters instead of failing the table.")
    history_mode: bool = Field(False, description="Keep every version of each row (SCD type 2).")
    query_all_states: bool = Field(False, description="Allow queries on tables that are not Synced.")


class Monitoring(Strict):
    """Alarms, events and dashboard of the environment's integrations (target account)."""

    alarm_emails: list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")]] = Field(
        default_factory=list, description="Addresses subscribed to the encrypted alerts topic (each confirms by e-mail)."
    )
    lag_threshold_seconds: int = Field(900, ge=60, le=86_400, description="Alarm when replication lag stays above this (60-86400 s)...")
    lag_evaluation_minutes: int = Field(15, ge=1, le=1_440, description="...for this many consecutive minutes (1-1440).")
    no_change_minutes: int = Field(
        60, ge=5, le=1_440, description="Alarm when no change was applied for this many minutes (5-1440); expected on an idle source."
    )


class Source(Strict):
    """One Aurora MySQL cluster feeding the environment's warehouse, with its integration."""

    name: str = Field(..., pattern=r"^[a-z][a-z0-9]{0,11}$", description="Short key of this source within the environment, used in resource and variable names.")
    create_cluster: bool = Field(
        True, description="Create the cluster; false means an existing cluster (cluster_identifier) that gets only the integration and its prerequisites."
    )
    cluster_identifier: str = Field(..., description="aws_rds_cluster.cluster_identifier (the article: zero-etl-source-ams).")
    engine_version: str = Field(
        FACTS.engine_versions.default,
        description=f"Aurora MySQL version the cluster is created with: {FACTS.min_engine_version} or later (zero-ETL) and supported "
        "in catalog/engine_versions.yaml (deprecated versions are refused: CreateDBCluster refuses them). AWS then applies "
        "minor upgrades (auto_minor_version_upgrade) and Terraform does not fight them: engine_version drift is ignored.",
    )
    instance_class: str = Field("db.r6g.2xlarge", pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$", description="Instance class of writer and readers (the article's memory-optimised default).")
    instance_count: int = Field(2, ge=1, le=6, description="Writer plus readers (1-6), spread over the availability zones.")
    master_username: str = Field("admin", pattern=r"^[A-Za-z][A-Za-z0-9_]{0,15}$", description="Master user; its password is generated and kept in Secrets Manager.")
    database_name: str = Field("demodb", pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$", description="Initial database (the article loads TICKIT into demodb).")
    backup_retention_period: int = Field(7, ge=1, le=35, description="Days of automated backups (1-35).")
    preferred_backup_window: str = Field("03:00-04:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$", description="Daily UTC backup window, hh:mm-hh:mm.")
    preferred_maintenance_window: str = Field(
        "sun:05:00-sun:06:00",
        pattern=r"^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]$",
        description="Weekly UTC maintenance window, ddd:hh:mm-ddd:hh:mm.",
    )
    deletion_protection: Literal[True] = Field(True, description="Always on: the cluster is deleted only by a deliberate manual step.")
    enabled_cloudwatch_logs_exports: list[Literal["audit", "error", "general", "slowquery", "iam-db-auth-error"]] = Field(
        ["audit", "error", "slowquery"],
        description="Logs exported to CloudWatch Logs; the parameter group turns on each one's logging (server_audit_logging, "
        "general_log, slow_query_log), else it stays empty. general is off by default: it logs every statement.",
    )
    s3_import_buckets: list[Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]] = Field(
        ["redshift-downloads"], description="Buckets the cluster may read with LOAD DATA FROM S3 (the TICKIT sample lives in redshift-downloads)."
    )
    integration: Integration = Field(..., description="This source's zero-ETL integration (below).")
    target_database: TargetDatabase = Field(default_factory=TargetDatabase, description="The database created FROM INTEGRATION (below).")

    @field_validator("cluster_identifier")
    @classmethod
    def _identifier(cls, value: str) -> str:
        return _rds_identifier(value)

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
        if status != "supported":
            raise ValueError(f"is {status} (catalog/engine_versions.yaml) and CreateDBCluster refuses it; use {FACTS.engine_versions.default}")
        return value

    @field_validator("enabled_cloudwatch_logs_exports")
    @classmethod
    def _distinct_exports(cls, exports: list[str]) -> list[str]:
        if len(set(exports)) != len(exports):
            raise ValueError("each log may be exported once")
        return exports


class Environment(Strict):
    """One environment: one region, a source account with one or more Aurora sources, and a
    target account (the same one unless stated) with one warehouse they all feed."""

    name: str = Field(..., pattern=r"^[a-z][a-z0-9]{0,11}$", description="Short name (lowercase letters and digits, at most 12), used in stack names and state keys.")
    region: str = Field(..., description="AWS region with zero-ETL support (catalog/regions.yaml); source and target share it.")
    rollout_wave: int = Field(0, ge=0, le=99, description="Rollout order: every stack of wave 0 (dev, say) deploys before any of wave 1 (prod).")
    source_account: Account = Field(..., description="Account of the Aurora sources and the integrations.")
    target_account: Account | None = Field(None, description="Account of the warehouse; omitted means the source account.")
    tags: dict[str, str] = Field(default_factory=dict, description="Tags added to every resource, with the environment and stack.")
    network: Network = Field(..., description="The source account's network (below).")
    target_network: Network | None = Field(None, description="The target account's network when the accounts differ; omitted means the same settings as network.")
    sources: list[Source] = Field(..., min_length=1, description="The Aurora MySQL sources (below); all feed the one warehouse.")
    warehouse: Warehouse = Field(..., description="The Redshift target (below).")
    monitoring: Monitoring = Field(default_factory=Monitoring, description="Alarms and events (below).")
    operator_role_names: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9_+=,.@-]{1,64}$")]] = Field(
        default_factory=list, description="Existing IAM roles in the source account that get the rds-integrations operator policy."
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
            raise ValueError(f"zero-ETL is not available in {region!r}; allowed: {', '.join(FACTS.regions)} (catalog/regions.yaml)")
        return region

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
    def _same_region_everywhere(self) -> Environment:
        for network in filter(None, (self.network, self.target_network)):
            for zone in network.availability_zones:
                if not re.fullmatch(re.escape(self.region) + r"[a-z]", zone):
                    raise ValueError(f"availability zone {zone!r} is not in region {self.region}")
        arn = self.warehouse.namespace_arn
        if arn is not None:
            region, account = arn.split(":")[3:5]
            if region != self.region:
                raise ValueError(f"warehouse namespace {arn} is in {region}; zero-ETL needs source and target in the same region ({self.region})")
            if account != self.target.account_id:
                raise ValueError(f"warehouse namespace {arn} is in account {account}, not the target account {self.target.account_id}")
        return self


def _dig(model: BaseModel, dotted: str) -> object:
    for part in dotted.split("."):
        model = getattr(model, part)
    return model


class Catalog(Strict):
    """The whole catalog file (after `defaults` are merged into each environment)."""

    app: str = Field("zeroetl", pattern=r"^[a-z][a-z0-9]{0,11}$", description="Application prefix of every name and state key.")
    state: State = Field(default_factory=State, description="The Terraform state backend (below).")
    environments: list[Environment] = Field(..., min_length=1, description="The environments; names must be unique.")
