"""The one naming rule. Stack names, state keys and generated AWS names are derived here, never typed.

    stack name   {env}-{layer}                                demo-source
    state key    {app}/{account}/{region}/{env}/{layer}.tfstate, account = the stack's own
    state bucket the catalog's pattern over {app}, {account}, {region}
    its logs     {state bucket}-access-logs                   (companion_bucket: cut and hashed past 63)
    its replica  {state bucket}-replica, in the replica region, and {replica}-access-logs
    AWS name     {app}-{env}-{purpose}                        zeroetl-demo-s3-import

The main data stores keep the names the catalog gives them (the article's names), because
operators look them up by those names in the console.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import Enum

from zeroetl.catalog.facts import FACTS, partition
from zeroetl.catalog.model import Catalog, Environment, Source
from zeroetl.catalog.placement import Account


class Layer(str, Enum):
    """Deployment layers, in deploy order. Each is one stack with its own state."""

    SOURCE = "source"
    WAREHOUSE = "warehouse"
    INTEGRATION = "integration"
    TARGET_DATABASE = "target-database"


# The integration is an RDS resource: it lives with its sources. The database created from
# it lives with the warehouse.
SOURCE_ACCOUNT_LAYERS = (Layer.SOURCE, Layer.INTEGRATION)


def stack_name(env: Environment, layer: Layer) -> str:
    return f"{env.name}-{layer.value}"


def layer_account(env: Environment, layer: Layer) -> Account:
    return env.source_account if layer in SOURCE_ACCOUNT_LAYERS else env.target


def state_key(catalog: Catalog, env: Environment, layer: Layer) -> str:
    return f"{catalog.app}/{layer_account(env, layer).account_id}/{env.region}/{env.name}/{layer.value}.tfstate"


def state_bucket(catalog: Catalog, env: Environment, layer: Layer) -> str:
    if catalog.state.bucket is None:
        raise ValueError("only the s3 backend has buckets")
    return catalog.state.bucket.format(app=catalog.app, account=layer_account(env, layer).account_id, region=env.region)


S3_NAME_MOST = 63


def companion_bucket(bucket: str, suffix: str) -> str:
    """A bucket the bootstrap keeps beside a state bucket, e.g. its access logs: the state
    bucket's name and `-<suffix>`. Where that would pass S3's 63 characters, the state
    bucket's name is cut and 8 hex characters of its hash keep the result unique to it."""
    whole = f"{bucket}-{suffix}"
    if len(whole) <= S3_NAME_MOST:
        return whole
    digest = hashlib.sha256(bucket.encode()).hexdigest()[:8]
    kept = bucket[: S3_NAME_MOST - len(suffix) - len(digest) - 2].rstrip("-.")
    return f"{kept}-{digest}-{suffix}"


def access_log_bucket(bucket: str) -> str:
    """Where S3 delivers a bucket's server access logs: a bucket of its own, same account and
    region (S3's rule), never the logged bucket itself (each delivery would log again)."""
    return companion_bucket(bucket, "access-logs")


def replica_bucket(bucket: str) -> str:
    """The copy of a state bucket in its replica region (stacks/constructs/state_replica.py)."""
    return companion_bucket(bucket, "replica")


def replica_region(catalog: Catalog, region: str) -> str:
    """Where a region's state bucket is replicated: the catalog's choice, else the region facts'."""
    return catalog.state.replica_regions.get(region) or FACTS.region_facts.state_replica_region[region]


def bucket_key_alias(bucket: str) -> str:
    """The alias of the key of a log or replica bucket: the bucket's name (unique, and several
    such buckets may share a region), its periods as underscores (KMS refuses periods)."""
    return bucket.replace(".", "_")


def state_key_alias(catalog: Catalog) -> str:
    """The alias of the key the bootstrap creates beside each state bucket (stacks/bootstrap.py)."""
    return f"{catalog.app}-tfstate"


def state_key_alias_arn(catalog: Catalog, account_id: str, region: str) -> str:
    """What the S3 backends name as kms_key_id: with `encrypt` alone the backend asks S3 for
    SSE-S3 (AES256), which overrides the bucket's default customer managed key."""
    return f"arn:{partition(region)}:kms:{region}:{account_id}:alias/{state_key_alias(catalog)}"


def aws_name(catalog: Catalog, env: Environment, purpose: str) -> str:
    return f"{catalog.app}-{env.name}-{purpose}"


def source_cluster_arn(env: Environment, source: Source) -> str:
    """The Aurora cluster's ARN, known from the catalog before the cluster exists, so the
    warehouse's resource policy can name its sources without waiting for the source stack."""
    account = env.source_account.account_id
    return f"arn:{partition(env.region)}:rds:{env.region}:{account}:cluster:{source.cluster_identifier}"


# Derived AWS names. Each formula is written once, here: the stacks call these functions, and
# created_names() lists every name an environment creates, so the fleet rules can check that
# each is unique where AWS needs it to be and fits AWS's length limit.


def parameter_group_name(identifier: str) -> str:
    """Aurora cluster parameter group of a source, and Redshift parameter group of a cluster."""
    return f"{identifier}-zero-etl"


def binlog_parameter_group(source: Source) -> str:
    """The cluster parameter group a source's cluster must have attached before its
    integration: the team's own for an existing cluster that names one, else the source stack's."""
    return source.binlog_parameter_group or parameter_group_name(source.cluster_identifier)


def instance_identifier(cluster_identifier: str, number: int) -> str:
    """Aurora instance `number` (1 is the writer)."""
    return f"{cluster_identifier}-{number}"


def final_snapshot_identifier(identifier: str) -> str:
    return f"{identifier}-final"


def security_group_name(identifier: str, engine: str) -> str:
    """engine: mysql (an Aurora cluster) or redshift (a workgroup or provisioned cluster)."""
    return f"{identifier}-{engine}"


ALARM_KINDS = ("lag", "failed-tables", "no-change-applied")


def alarm_name(integration_name: str, alarm: str) -> str:
    """alarm: one of ALARM_KINDS."""
    return f"{integration_name}-{alarm}"


def events_rule_name(base: str) -> str:
    return f"{base}-integration-events"


def alerts_name(base: str) -> str:
    """The alerts topic, and its key's alias (under alias/)."""
    return f"{base}-alerts"


def flow_logs_group_name(network: str) -> str:
    return f"/{network}/vpc-flow-logs"


def flow_logs_role_name(network: str) -> str:
    return f"{network}-flow-logs"


def source_role_name(catalog: Catalog, env: Environment, source: Source, purpose: str) -> str:
    """purpose: s3-import (LOAD DATA FROM S3) or monitoring (enhanced monitoring)."""
    return aws_name(catalog, env, f"{source.name}-{purpose}")


# The bases of the environment-wide names (aws_name purposes).
SOURCE_NETWORK, WAREHOUSE_NETWORK = "zero-etl", "warehouse"
TARGET_MONITORING, SOURCE_EVENTS = "zero-etl", "zero-etl-source"
SOURCE_KEY, WAREHOUSE_KEY = "aurora", "redshift"
OPERATOR_POLICY, DISCOVERY_ROLE = "rds-integrations", "zero-etl-discovery"


def integration_key_alias(catalog: Catalog, env: Environment, source: Source) -> str:
    return aws_name(catalog, env, f"{source.name}-integration")


@dataclass(frozen=True)
class AwsName:
    """One name the fleet creates in AWS. scope is where AWS requires it to be unique:
    ("account", id) for IAM, ("region", id, region) for most, ("vpc", ...) for security groups.
    field is the catalog field the name comes from, for messages."""

    kind: str
    name: str
    scope: tuple[str, ...]
    field: str
    max_length: int


# Every kind of name the stacks create: where AWS keeps it unique (IAM names and dashboards
# per account, security groups per VPC, the rest per account and region) and its length limit
# (each service's API reference for the create call).
NAME_KINDS: dict[str, tuple[str, int]] = {
    "Aurora cluster": ("region", 63),
    "Aurora instance": ("region", 63),
    "Aurora cluster snapshot": ("region", 255),
    "Aurora cluster parameter group": ("region", 255),
    "DB subnet group": ("region", 255),
    "zero-ETL integration": ("region", 63),
    "IAM role": ("account", 64),
    "IAM policy": ("account", 128),
    "KMS alias": ("region", 256),
    "SNS topic": ("region", 256),
    "EventBridge rule": ("region", 64),
    "CloudWatch alarm": ("region", 255),
    "CloudWatch dashboard": ("account", 255),
    "CloudWatch log group": ("region", 512),
    "security group": ("vpc", 255),
    "Redshift Serverless namespace": ("region", 64),
    "Redshift Serverless workgroup": ("region", 64),
    "Redshift cluster": ("region", 63),
    "Redshift cluster snapshot": ("region", 255),
    "Redshift parameter group": ("region", 255),
    "Redshift subnet group": ("region", 255),
    # PutResourcePolicy replaces the whole policy: one environment per existing namespace.
    "namespace resource policy": ("region", 2048),
}


# Kinds whose names AWS compares without case: IAM ("names are not distinguished by case", IAM
# User Guide, "IAM identifiers"), and the RDS and Redshift identifiers, which AWS stores in
# lowercase (CreateDBCluster, CreateCluster: "stored as a lowercase string").
CASE_INSENSITIVE_KINDS = frozenset(
    {
        "IAM role", "IAM policy", "Aurora cluster", "Aurora instance", "Aurora cluster snapshot",
        "Aurora cluster parameter group", "DB subnet group", "Redshift cluster", "Redshift cluster snapshot",
        "Redshift parameter group", "Redshift subnet group",
    }
)


def created_names(catalog: Catalog, env: Environment) -> list[AwsName]:
    """Every AWS name the environment's stacks create (tests/test_naming.py proves the list
    complete against the synthesized stacks)."""
    names: list[AwsName] = []
    source_account, target_account, region = env.source_account.account_id, env.target.account_id, env.region

    def add(kind: str, name: str, field: str, account: str, vpc: str = "") -> None:
        scope, max_length = NAME_KINDS[kind]
        where = {"account": ("account", account), "region": ("region", account, region), "vpc": ("vpc", account, region, vpc)}[scope]
        names.append(AwsName(kind, name, where, field, max_length))

    def network(base: str, account: str, field: str) -> None:
        add("CloudWatch log group", flow_logs_group_name(aws_name(catalog, env, base)), field, account)
        add("IAM role", flow_logs_role_name(aws_name(catalog, env, base)), field, account)

    def alerts(base: str, account: str) -> None:
        add("SNS topic", alerts_name(aws_name(catalog, env, base)), "name", account)
        add("KMS alias", alerts_name(aws_name(catalog, env, base)), "name", account)
        add("EventBridge rule", events_rule_name(aws_name(catalog, env, base)), "name", account)

    created = [source for source in env.sources if source.create_cluster]
    source_vpc = env.network.vpc_id or f"created:{aws_name(catalog, env, SOURCE_NETWORK)}"
    if created:
        add("KMS alias", aws_name(catalog, env, SOURCE_KEY), "name", source_account)
        if env.network.create_vpc:
            network(SOURCE_NETWORK, source_account, "network")
    for index, source in enumerate(env.sources):
        at = f"sources[{index}] ({source.name!r})"
        ident = source.cluster_identifier
        if source.create_cluster:
            add("Aurora cluster", ident, f"{at}.cluster_identifier", source_account)
        add("Aurora cluster parameter group", parameter_group_name(ident), f"{at}.cluster_identifier", source_account)
        add("IAM role", source_role_name(catalog, env, source, "s3-import"), f"{at}.name", source_account)
        if source.create_cluster:
            add("Aurora cluster snapshot", final_snapshot_identifier(ident), f"{at}.cluster_identifier", source_account)
            add("DB subnet group", ident, f"{at}.cluster_identifier", source_account)
            add("security group", security_group_name(ident, "mysql"), f"{at}.cluster_identifier", source_account, source_vpc)
            add("IAM role", source_role_name(catalog, env, source, "monitoring"), f"{at}.name", source_account)
            for number in range(1, source.instance_count + 1):
                add("Aurora instance", instance_identifier(ident, number), f"{at}.cluster_identifier", source_account)
        integration = source.integration
        add("zero-ETL integration", integration.integration_name, f"{at}.integration.integration_name", source_account)
        if integration.create_kms_key:
            add("KMS alias", integration_key_alias(catalog, env, source), f"{at}.name", source_account)
        for alarm in ALARM_KINDS:
            add("CloudWatch alarm", alarm_name(integration.integration_name, alarm), f"{at}.integration.integration_name", target_account)
    alerts(SOURCE_EVENTS, source_account)
    add("IAM policy", aws_name(catalog, env, OPERATOR_POLICY), "name", source_account)

    warehouse = env.warehouse
    if warehouse.create_warehouse:
        add("KMS alias", aws_name(catalog, env, WAREHOUSE_KEY), "name", target_account)
        target_network = env.target_network or env.network
        shares_source_network = not env.cross_account and bool(created)
        if shares_source_network:
            warehouse_vpc = source_vpc
        else:
            warehouse_vpc = target_network.vpc_id or f"created:{aws_name(catalog, env, WAREHOUSE_NETWORK)}"
            if target_network.create_vpc:
                network(WAREHOUSE_NETWORK, target_account, "target_network" if env.target_network else "network")
        if warehouse.type == "serverless":
            add("Redshift Serverless namespace", warehouse.namespace_name, "warehouse.namespace_name", target_account)
            add("Redshift Serverless workgroup", warehouse.workgroup_name, "warehouse.workgroup_name", target_account)
            add("security group", security_group_name(warehouse.workgroup_name, "redshift"), "warehouse.workgroup_name", target_account, warehouse_vpc)
        else:
            ident = warehouse.cluster_identifier
            add("Redshift cluster", ident, "warehouse.cluster_identifier", target_account)
            add("Redshift cluster snapshot", final_snapshot_identifier(ident), "warehouse.cluster_identifier", target_account)
            add("Redshift parameter group", parameter_group_name(ident), "warehouse.cluster_identifier", target_account)
            add("Redshift subnet group", ident, "warehouse.cluster_identifier", target_account)
            add("security group", security_group_name(ident, "redshift"), "warehouse.cluster_identifier", target_account, warehouse_vpc)
    else:
        add("namespace resource policy", warehouse.namespace_arn, "warehouse.namespace_arn", target_account)
    if env.cross_account:
        add("IAM role", aws_name(catalog, env, DISCOVERY_ROLE), "name", target_account)
    alerts(TARGET_MONITORING, target_account)
    add("CloudWatch dashboard", aws_name(catalog, env, TARGET_MONITORING), "name", target_account)
    return names
