"""AWS facts the product must respect (REFERENCE.md), in one place.

The region list is data (catalog/regions.yaml) because AWS extends it between releases; the rest
changes only when AWS changes the service, and then a reviewer should see the change in code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from zeroetl import PROJECT_ROOT

REGIONS_FILE = PROJECT_ROOT / "catalog" / "regions.yaml"

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
    "binlog_row_value_options": "",
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
class Facts:
    min_engine_version: str = "3.05.2"
    max_refresh_interval: int = 432_000
    max_data_filter_patterns: int = 99
    max_data_filter_pattern_length: int = 256
    integrations_per_source: int = 5
    integrations_per_target: int = 50
    integrations_per_account_region: int = 100
    regions: tuple[str, ...] = field(default_factory=_load_regions)


FACTS = Facts()


def partition(region: str) -> str:
    """The ARN partition of a region: the China regions live in aws-cn."""
    return "aws-cn" if region.startswith("cn-") else "aws"
