"""AWS facts the product must respect (REFERENCE.md), in one place.

The region list is data (catalog/regions.yaml) because AWS extends it between releases; the rest
changes only when AWS changes the service, and then a reviewer should see the change in code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from zeroetl import PROJECT_ROOT

REGIONS_FILE = PROJECT_ROOT / "catalog" / "regions.yaml"
REGION_FACTS_FILE = PROJECT_ROOT / "catalog" / "region_facts.yaml"
INSTANCE_CLASSES_FILE = PROJECT_ROOT / "catalog" / "instance_classes.yaml"
ENGINE_VERSIONS_FILE = PROJECT_ROOT / "catalog" / "engine_versions.yaml"
RESERVED_WORDS_FILE = PROJECT_ROOT / "catalog" / "reserved_words.yaml"

# The cluster parameters zero-ETL requires (Aurora guide, "zero-etl.setting-up"). The binlog
# settings are static: they take effect after a reboot of the writer, hence pending-reboot.
ZERO_ETL_BINLOG_PARAMETERS: dict[str, str] = {
    "aurora_enhanced_binlog": "1",
    "binlog_backup": "0",
    "binlog_replication_globaldb": "0",
    "binlog_format": "ROW",
    "binlog_row_image": "full",
    "binlog_row_metadata": "full",
    "binlog_transaction_compression": "OFF",
    # binlog_row_value_options must not be PARTIAL_JSON; its default is empty, so it is left
    # unset rather than sent as an empty value (REFERENCE.md).
}

# An exported Aurora MySQL log stays empty unless its parameter turns it on (Aurora guide,
# "AuroraMySQL.Integrating.CloudWatch" and "USER_LogAccess.MySQL.Generallog"); the error log
# is always on. The audit events are connections, DDL and DCL: QUERY would log every row read.
LOG_EXPORT_PARAMETERS: dict[str, dict[str, str]] = {
    "audit": {"server_audit_logging": "1", "server_audit_events": "CONNECT,QUERY_DCL,QUERY_DDL"},
    "general": {"general_log": "1"},
    "slowquery": {"slow_query_log": "1"},
}

# RA3 node counts per node type: (fewest, most). One node is a single-node cluster, which
# Redshift refuses as cluster_type multi-node (Redshift Management Guide, "Amazon Redshift
# provisioned clusters", node type details table).
RA3_NODE_COUNTS: dict[str, tuple[int, int]] = {
    "ra3.large": (1, 16),
    "ra3.xlplus": (1, 16),
    "ra3.4xlarge": (2, 32),
    "ra3.16xlarge": (2, 128),
}

# Every Redshift Serverless config parameter, with the value we want. AWS returns the whole
# set once any is given, so naming only one leaves a perpetual diff in every plan.
SERVERLESS_CONFIG_PARAMETERS: dict[str, str] = {
    "auto_mv": "true",
    "datestyle": "ISO, MDY",
    "enable_case_sensitive_identifier": "true",
    "enable_user_activity_logging": "true",
    "max_query_execution_time": "14400",
    "query_group": "default",
    "require_ssl": "true",
    "search_path": "$user, public",
    "use_fips_ssl": "false",
}


def _load_regions() -> tuple[str, ...]:
    data = yaml.safe_load(REGIONS_FILE.read_text(encoding="utf-8"))
    return tuple(data["zero_etl_regions"])


@dataclass(frozen=True)
class RegionFacts:
    """catalog/region_facts.yaml: what differs by region."""

    zones: dict[str, tuple[str, ...]]
    base_capacity_smallest: int
    base_capacity_steps_of_8: tuple[int, int]
    base_capacity_steps_of_32_to: int
    base_capacity_extended: frozenset[str]
    max_capacity_step: int
    max_capacity_most: int
    state_replica_region: dict[str, str]

    def base_capacities(self, region: str) -> tuple[int, ...]:
        low, high = self.base_capacity_steps_of_8
        values = [self.base_capacity_smallest, *range(low, high + 1, 8)]
        if region in self.base_capacity_extended:
            values += range(high + 32, self.base_capacity_steps_of_32_to + 1, 32)
        return tuple(values)

    def describe_base(self, region: str) -> str:
        low, high = self.base_capacity_steps_of_8
        text = f"{self.base_capacity_smallest}, or a multiple of 8 from {low} to {high}"
        if region in self.base_capacity_extended:
            text += f", or a multiple of 32 up to {self.base_capacity_steps_of_32_to}"
        return text + f" in {region} (catalog/region_facts.yaml)"


def _load_region_facts() -> RegionFacts:
    data = yaml.safe_load(REGION_FACTS_FILE.read_text(encoding="utf-8"))
    base, most = data["serverless_base_capacity"], data["serverless_max_capacity"]
    return RegionFacts(
        zones={region: tuple(letters) for region, letters in data["availability_zones"].items()},
        base_capacity_smallest=base["smallest"],
        base_capacity_steps_of_8=tuple(base["steps_of_8"]),
        base_capacity_steps_of_32_to=base["steps_of_32_to"],
        base_capacity_extended=frozenset(base["extended_to_1024"]),
        max_capacity_step=most["step"],
        max_capacity_most=most["most"],
        state_replica_region=dict(data["state_replica_region"]),
    )


@dataclass(frozen=True)
class InstanceClasses:
    """catalog/instance_classes.yaml: Aurora MySQL 3 classes, and where a family is missing."""

    families: dict[str, tuple[str, ...]]
    not_offered_in: dict[str, frozenset[str]]

    def problem(self, instance_class: str, region: str) -> str | None:
        family, _, size = instance_class.rpartition(".")
        if family not in self.families:
            return f"{family} is not an Aurora MySQL 3 instance family; families: {', '.join(self.families)} (catalog/instance_classes.yaml)"
        if size not in self.families[family]:
            return f"{family} comes in {', '.join(self.families[family])}, not {size} (catalog/instance_classes.yaml)"
        if region in self.not_offered_in.get(family, frozenset()):
            return f"{region} does not offer {family} (catalog/instance_classes.yaml)"
        return None


def _load_instance_classes() -> InstanceClasses:
    data = yaml.safe_load(INSTANCE_CLASSES_FILE.read_text(encoding="utf-8"))
    return InstanceClasses(
        families={family: tuple(sizes) for family, sizes in data["families"].items()},
        not_offered_in={family: frozenset(regions) for family, regions in (data.get("not_offered_in") or {}).items()},
    )


@dataclass(frozen=True)
class EngineVersions:
    """catalog/engine_versions.yaml: the default and each known version's status."""

    default: str
    status: dict[str, str]


def _load_engine_versions() -> EngineVersions:
    data = yaml.safe_load(ENGINE_VERSIONS_FILE.read_text(encoding="utf-8"))
    return EngineVersions(default=data["default"], status=dict(data["versions"]))


@dataclass(frozen=True)
class ReservedNames:
    """catalog/reserved_words.yaml: names MySQL, RDS and Redshift keep for themselves, lowercase."""

    mysql_words: frozenset[str]
    mysql_users: frozenset[str]
    mysql_databases: frozenset[str]
    redshift_words: frozenset[str]
    redshift_users: frozenset[str]
    redshift_databases: frozenset[str]


def _load_reserved_names() -> ReservedNames:
    data = yaml.safe_load(RESERVED_WORDS_FILE.read_text(encoding="utf-8"))
    words = {key: frozenset(str(word).lower() for word in values) for key, values in data.items()}
    return ReservedNames(
        mysql_words=words["mysql"], mysql_users=words["mysql_users"], mysql_databases=words["mysql_databases"],
        redshift_words=words["redshift"], redshift_users=words["redshift_users"], redshift_databases=words["redshift_databases"],
    )


# Tags every resource gets from the provider's default_tags (stacks/base.py), plus the Name
# tag of the network resources. AWS allows 50 user tags per resource (Tagging AWS resources,
# "Tag naming limits and requirements"), so the catalog may add 50 minus these.
PRODUCT_TAG_KEYS = ("application", "environment", "stack", "managed-by", "Name")
MAX_TAGS_PER_RESOURCE = 50


@dataclass(frozen=True)
class Facts:
    min_engine_version: str = "3.05.2"
    max_refresh_interval: int = 432_000
    max_data_filter_patterns: int = 99
    max_data_filter_pattern_length: int = 256
    integrations_per_source: int = 5
    integrations_per_target: int = 50
    integrations_per_account_region: int = 100
    regions: tuple[str, ...] = field(default_factory=_load_regions)
    region_facts: RegionFacts = field(default_factory=_load_region_facts)
    instance_classes: InstanceClasses = field(default_factory=_load_instance_classes)
    engine_versions: EngineVersions = field(default_factory=_load_engine_versions)
    reserved: ReservedNames = field(default_factory=_load_reserved_names)


FACTS = Facts()


def partition(region: str) -> str:
    """The ARN partition of a region: the China regions live in aws-cn."""
    return "aws-cn" if region.startswith("cn-") else "aws"


def dns_suffix(region: str) -> str:
    """The DNS suffix of a region's service endpoints: amazonaws.com.cn in aws-cn."""
    return "amazonaws.com.cn" if partition(region) == "aws-cn" else "amazonaws.com"


# Services whose principal takes the partition's DNS suffix in aws-cn; every other service's
# principal is <service>.amazonaws.com there too (the provider's aws_service_principal data
# source, after the region facts of aws-cdk-lib).
CHINA_SUFFIXED_PRINCIPALS = frozenset({"codedeploy", "elasticmapreduce", "logs"})


def service_principal(service: str, region: str, *, regional: bool = False) -> str:
    """The principal of an AWS service in a region's partition, e.g. rds.amazonaws.com, or with
    regional=True logs.cn-north-1.amazonaws.com.cn (the CloudWatch Logs key policy form)."""
    suffix = dns_suffix(region) if service in CHINA_SUFFIXED_PRINCIPALS else "amazonaws.com"
    return f"{service}.{region}.{suffix}" if regional else f"{service}.{suffix}"


def service_endpoint(service: str, region: str) -> str:
    """A service's regional endpoint name, as kms:ViaService compares it: s3.<region>.<suffix>."""
    return f"{service}.{region}.{dns_suffix(region)}"


def sts_audience(region: str) -> str:
    """The audience GitHub's OIDC token is asked for, and the trust policy requires: STS of the
    region's partition (configure-aws-credentials' README, OIDC audience)."""
    return f"sts.{dns_suffix(region)}"
