"""AWS rules that no plan can check, asserted on the synthesized JSON and variable files of
every shipped and test catalog (default, variant, fleet). Each test names in its docstring the
AWS page (user guide, API or events reference) or provider source the rule comes from."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.aws_facts import BINLOG
from tests.harness import Synthesized, resources
from zeroetl.catalog.data_filter import data_filter_problem
from zeroetl.catalog.naming import source_cluster_arn

# The facts below are written here, from the pages each test cites, not imported from the
# product: a test that reads the product's own table only checks the code against itself.
# Aurora guide, "AuroraMySQL.Integrating.CloudWatch" / "USER_LogAccess.MySQL.Generallog": the
# parameter that makes each exported log be written at all.
LOG_SWITCH = {"audit": ("server_audit_logging", "1"), "general": ("general_log", "1"), "slowquery": ("slow_query_log", "1")}
# Redshift Management Guide, "Amazon Redshift provisioned clusters", node type details: nodes
# per cluster (one node is a single-node cluster where the type allows it).
RA3_NODES = {"ra3.large": (1, 16), "ra3.xlplus": (1, 16), "ra3.4xlarge": (2, 32), "ra3.16xlarge": (2, 128)}
# Aurora guide, "zero-etl.reqs-lims" and "zero-etl.filtering", Redshift guide "zero-etl-using":
MAX_FILTER_PATTERNS = 99
INTEGRATIONS_PER_SOURCE = 5
MAX_REFRESH_INTERVAL = 432_000  # seconds (ALTER DATABASE ... INTEGRATION REFRESH_INTERVAL)

REDSHIFT_METRICS = {
    "IntegrationLag", "IntegrationNumTablesReplicated", "IntegrationNumTablesFailedReplication",
    "IntegrationDataTransferred", "IntegrationLatestDetectedChange", "IntegrationLatestAppliedChange",
}


@pytest.fixture(scope="module")
def fleets(default_synth: Synthesized, variant_synth: Synthesized, fleet_synth: Synthesized) -> list[Synthesized]:
    return [default_synth, variant_synth, fleet_synth]


def each(fleets: list[Synthesized], type_: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(stack, resource name, config) of every resource of type_ in every catalog."""
    for synth in fleets:
        for stack, config in synth.stacks.items():
            for name, resource in resources(config, type_).items():
                yield stack, name, resource


def ref(fleets: list[Synthesized], stack: str, expression: str) -> dict[str, Any]:
    """The resource of `stack` that "${type.name.attribute}" points to."""
    type_, name = re.fullmatch(r"\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.[a-z_]+\}", expression).groups()
    (config,) = [s.stacks[stack] for s in fleets if stack in s.stacks]
    return resources(config, type_)[name]


def statements(document: str) -> list[dict[str, Any]]:
    return json.loads(document)["Statement"]


def tfvar(synth: Synthesized, stack: str, name: str) -> str:
    return re.search(rf"^{name}\s*=\s*(.*)$", synth.tfvars[stack], re.M).group(1)


def parameters(group: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in group["parameter"]}


def test_every_catalog_has_what_the_rules_look_at(fleets: list[Synthesized]) -> None:
    """The rules below are not vacuous: the catalogs hold each kind of resource they check."""
    for type_ in ("aws_rds_cluster", "aws_redshiftserverless_workgroup", "aws_redshift_cluster", "aws_rds_integration", "aws_kms_key", "aws_sns_topic_policy"):
        assert list(each(fleets, type_)), type_


# --- Aurora MySQL source ---------------------------------------------------------------------


def test_binlog_parameters_are_the_zero_etl_values(fleets: list[Synthesized]) -> None:
    """Aurora guide, "zero-etl.setting-up" (Step 1: custom DB cluster parameter group)."""
    for stack, name, group in each(fleets, "aws_rds_cluster_parameter_group"):
        values = {key: p["value"] for key, p in parameters(group).items()}
        assert {key: values.get(key) for key in BINLOG} == BINLOG, (stack, name)
        assert values.get("binlog_row_value_options") != "PARTIAL_JSON", (stack, name)
        assert values["binlog_format"] == "ROW" and values["binlog_row_image"] == "full" and values["aurora_enhanced_binlog"] == "1"


def test_binlog_row_value_options_is_left_unset(fleets: list[Synthesized]) -> None:
    """Aurora guide, "zero-etl.setting-up": binlog_row_value_options must not be PARTIAL_JSON;
    its default is empty, so it is not sent (an empty value is not a value to send)."""
    for stack, name, group in each(fleets, "aws_rds_cluster_parameter_group"):
        assert "binlog_row_value_options" not in parameters(group), (stack, name)


def test_parameter_group_family_is_aurora_mysql_8(fleets: list[Synthesized]) -> None:
    """Aurora guide, "zero-etl.setting-up": Aurora MySQL 3 (MySQL 8.0) clusters only."""
    for _, _, group in each(fleets, "aws_rds_cluster_parameter_group"):
        assert group["family"] == "aurora-mysql8.0"


def test_static_binlog_parameters_wait_for_a_reboot(fleets: list[Synthesized]) -> None:
    """Aurora guide, "USER_WorkingWithParamGroups": static parameters can only be applied with
    pending-reboot; ModifyDBClusterParameterGroup refuses immediate for them."""
    for _, _, group in each(fleets, "aws_rds_cluster_parameter_group"):
        assert {p["apply_method"] for p in group["parameter"]} == {"pending-reboot"}


def test_each_exported_log_has_its_switch_on(fleets: list[Synthesized]) -> None:
    """Aurora guide, "AuroraMySQL.Integrating.CloudWatch": the audit, general and slow query
    logs are only written (and so exported) when server_audit_logging, general_log and
    slow_query_log are on."""
    checked = 0
    for stack, _, cluster in each(fleets, "aws_rds_cluster"):
        group = ref(fleets, stack, cluster["db_cluster_parameter_group_name"])
        values = {key: p["value"] for key, p in parameters(group).items()}
        for log in cluster["enabled_cloudwatch_logs_exports"]:
            if log in LOG_SWITCH:
                key, value = LOG_SWITCH[log]
                assert values.get(key) == value, (stack, log, key)
                checked += 1
    assert checked


def test_engine_versions_are_supported_and_not_below_the_floor(fleets: list[Synthesized]) -> None:
    """Aurora guide, "zero-etl.setting-up" (3.05.2 or later) and the Aurora MySQL release notes:
    CreateDBCluster refuses a deprecated version (catalog/engine_versions.yaml), which the plan
    guard refuses to create (tests/test_deprecated_versions.py)."""
    for stack, _, cluster in each(fleets, "aws_rds_cluster"):
        version = cluster["engine_version"]
        assert tuple(map(int, version.split(".")[-3:])) >= (3, 5, 2)


def test_minor_upgrades_by_aws_are_not_fought(fleets: list[Synthesized]) -> None:
    """Aurora guide, "USER_UpgradeDBInstance.Maintenance" (automatic minor version upgrades):
    AWS moves the cluster to a newer minor version; naming the old one would plan a downgrade,
    which ModifyDBCluster refuses (InvalidParameterCombination)."""
    for stack, _, cluster in each(fleets, "aws_rds_cluster"):
        assert "engine_version" in cluster["lifecycle"]["ignore_changes"], stack
    for stack, _, instance in each(fleets, "aws_rds_cluster_instance"):
        assert instance["auto_minor_version_upgrade"] is True and instance["engine_version"].endswith(".engine_version}"), stack


def test_every_created_cluster_has_a_writer(fleets: list[Synthesized]) -> None:
    """Aurora guide, "zero-etl.setting-up": the source cluster needs at least one instance."""
    for synth in fleets:
        for stack, config in synth.stacks.items():
            clusters = resources(config, "aws_rds_cluster")
            assert len(resources(config, "aws_rds_cluster_instance")) >= len(clusters), stack


def test_load_from_s3_role_is_the_default_role_and_associated(fleets: list[Synthesized]) -> None:
    """Aurora guide, "AuroraMySQL.Integrating.Authorizing.IAM": aws_default_s3_role must name a
    role associated with the cluster (the seed's "common errors")."""
    for stack, _, cluster in each(fleets, "aws_rds_cluster"):
        group = ref(fleets, stack, cluster["db_cluster_parameter_group_name"])
        assert parameters(group)["aws_default_s3_role"]["value"] in cluster["iam_roles"], stack


# --- Redshift target --------------------------------------------------------------------------


def test_serverless_workgroups_are_case_sensitive_without_enhanced_routing(fleets: list[Synthesized]) -> None:
    """Redshift guide, "zero-etl-using.setting-up" (case sensitivity) and "zero-etl.reqs"
    (enhanced VPC routing is not supported with integrations)."""
    for stack, _, workgroup in each(fleets, "aws_redshiftserverless_workgroup"):
        values = {p["parameter_key"]: p["parameter_value"] for p in workgroup["config_parameter"]}
        assert values["enable_case_sensitive_identifier"] == "true" and workgroup["enhanced_vpc_routing"] is False, stack


def test_provisioned_clusters_are_case_sensitive_ra3_and_encrypted(fleets: list[Synthesized]) -> None:
    """Redshift guide, "zero-etl.reqs": an encrypted RA3 cluster whose parameter group (family
    redshift-1.0) sets enable_case_sensitive_identifier, without enhanced VPC routing."""
    for stack, _, cluster in each(fleets, "aws_redshift_cluster"):
        group = ref(fleets, stack, cluster["cluster_parameter_group_name"])
        assert group["family"] == "redshift-1.0"
        assert {p["name"]: p["value"] for p in group["parameter"]}["enable_case_sensitive_identifier"] == "true"
        assert cluster["encrypted"] is True and cluster["enhanced_vpc_routing"] is False, stack
        assert cluster["node_type"] == "${var.node_type}"


def test_one_node_is_a_single_node_cluster(fleets: list[Synthesized]) -> None:
    """Redshift API reference, CreateCluster: ClusterType multi-node needs NumberOfNodes of at
    least 2; one node is single-node. The node type bounds the count (Redshift guide,
    "working-with-clusters", node type details)."""
    for synth in fleets:
        for stack, config in synth.stacks.items():
            for cluster in resources(config, "aws_redshift_cluster").values():
                assert cluster["cluster_type"] == '${(var.number_of_nodes == 1) ? "single-node" : "multi-node"}', stack
                nodes, node_type = int(tfvar(synth, stack, "number_of_nodes")), json.loads(tfvar(synth, stack, "node_type"))
                fewest, most = RA3_NODES[node_type]
                assert fewest <= nodes <= most, stack


def test_resource_policy_uses_the_resource_that_works(fleets: list[Synthesized]) -> None:
    """Provider issues 42857 and 42859: aws_redshiftserverless_resource_policy accepts these
    actions and sets nothing; aws_redshift_resource_policy takes both namespace ARN forms."""
    assert not list(each(fleets, "aws_redshiftserverless_resource_policy"))
    assert list(each(fleets, "aws_redshift_resource_policy"))


def test_resource_policy_authorizes_every_source_in_one_document(fleets: list[Synthesized]) -> None:
    """Redshift guide, "zero-etl-using.redshift-iam" (authorized principals and integration
    sources) and the PutResourcePolicy API: the call replaces the whole policy, so one
    document lists every source cluster of the environment."""
    for synth in fleets:
        for env in synth.catalog.environments:
            config = synth.stacks[f"{env.name}-warehouse"]
            (policy,) = resources(config, "aws_redshift_resource_policy").values()
            found = {s["Sid"]: s for s in statements(policy["policy"])}
            assert found["AuthorizedPrincipals"]["Action"] == "redshift:CreateInboundIntegration"
            sources = found["AuthorizedIntegrationSources"]
            assert sources["Principal"] == {"Service": "redshift.amazonaws.com"} and sources["Action"] == "redshift:AuthorizeInboundIntegration"
            assert sources["Condition"]["StringEquals"]["aws:SourceArn"] == [source_cluster_arn(env, s) for s in env.sources]


def test_source_and_target_share_a_region(fleets: list[Synthesized]) -> None:
    """Aurora guide, "zero-etl.reqs": the source and the target must be in the same region."""
    for synth in fleets:
        for env in synth.catalog.environments:
            regions = {synth.stacks[f"{env.name}-{layer}"]["provider"]["aws"][0]["region"] for layer in ("source", "warehouse", "integration", "target-database")}
            assert regions == {env.region}
            if env.warehouse.namespace_arn:
                assert env.warehouse.namespace_arn.split(":")[3] == env.region


# --- the integration --------------------------------------------------------------------------


def test_integration_keys_follow_the_aurora_sample_key_policy(fleets: list[Synthesized]) -> None:
    """Aurora guide, "zero-etl.creating" (customer managed key): redshift.amazonaws.com may
    CreateGrant for Decrypt, GenerateDataKey and CreateGrant. Integration ARNs are
    arn:aws:rds:...:integration:UUID, so no condition may expect arn:aws:redshift:...."""
    checked = 0
    for stack, _, key in each(fleets, "aws_kms_key"):
        for statement in statements(key["policy"]):
            if statement["Principal"] == {"Service": "redshift.amazonaws.com"}:
                assert statement["Action"] == "kms:CreateGrant", stack
                assert statement["Condition"]["ForAllValues:StringEquals"]["kms:GrantOperations"] == ["Decrypt", "GenerateDataKey", "CreateGrant"]
                assert ":redshift:" not in json.dumps(statement.get("Condition", {}))
                checked += 1
    assert checked


def test_encryption_context_is_bound_to_the_key_policy(fleets: list[Synthesized]) -> None:
    """Aurora guide, "zero-etl.creating": additional_encryption_context only works with a
    customer managed key, and the sample key policy scopes the grant to that context."""
    for stack, _, integration in each(fleets, "aws_rds_integration"):
        context = integration.get("additional_encryption_context")
        if context:
            assert integration.get("kms_key_id"), stack
            key = ref(fleets, stack, integration["kms_key_id"])
            condition = next(s for s in statements(key["policy"]) if s["Sid"] == "RedshiftCreatesGrantsForIntegrations")["Condition"]
            assert condition["StringEquals"] == {f"kms:EncryptionContext:{k}": v for k, v in context.items()}


def test_aws_owned_key_drift_is_ignored(fleets: list[Synthesized]) -> None:
    """Provider docs, aws_rds_integration: with the AWS owned key, ignore kms_key_id changes."""
    for stack, _, integration in each(fleets, "aws_rds_integration"):
        if not integration.get("kms_key_id"):
            assert integration["lifecycle"]["ignore_changes"] == ["kms_key_id"], stack


def test_data_filters_use_maxwell_syntax(fleets: list[Synthesized]) -> None:
    """Aurora guide, "zero-etl.filtering": database.table, each part a literal, * or /regex/;
    at most 99 patterns. A glob such as tmp_* matches no table."""
    checked = 0
    for synth in fleets:
        for stack in synth.stacks:
            for match in re.finditer(r"^data_filter_\w+\s*=\s*(.*)$", synth.tfvars[stack], re.M):
                value = json.loads(match.group(1))
                if value is None:
                    continue
                patterns = [p.strip() for p in value.split(",")]
                assert len(patterns) <= MAX_FILTER_PATTERNS
                assert [data_filter_problem(p) for p in patterns] == [None] * len(patterns), (stack, value)
                checked += len(patterns)
    assert checked


def test_integration_quota_fits(fleets: list[Synthesized]) -> None:
    """Aurora guide, "zero-etl.reqs" (quotas): at most 5 integrations per source cluster."""
    for synth in fleets:
        for stack, config in synth.stacks.items():
            sources = [i["source_arn"] for i in resources(config, "aws_rds_integration").values()]
            assert all(sources.count(s) <= INTEGRATIONS_PER_SOURCE for s in sources), stack


def test_operator_policy_has_the_guides_actions(fleets: list[Synthesized]) -> None:
    """Aurora guide, "zero-etl.creating" (required permissions): CreateIntegration on the
    source and integrations, Describe/Delete/ModifyIntegration, CreateInboundIntegration."""
    for stack, _, policy in each(fleets, "aws_iam_policy"):
        actions = {a for s in statements(policy["policy"]) for a in s["Action"]}
        if "rds:CreateIntegration" in actions:
            assert actions == {"rds:CreateIntegration", "rds:DescribeIntegrations", "rds:DeleteIntegration", "rds:ModifyIntegration", "redshift:CreateInboundIntegration"}, stack


# --- the target database ----------------------------------------------------------------------


def test_create_database_runs_only_for_a_new_integration_id(fleets: list[Synthesized]) -> None:
    """Provider 5.100.0, internal/service/redshiftdata (FindStatementByID) and issue 37301: after
    ~24 h the Data API forgets a statement and refresh reads it back empty. The statement is
    run by its integration-id trigger only (ignore_changes = all), as is the DROP DATABASE of a
    replaced integration's database, which must run before it."""
    for stack, name, statement in each(fleets, "aws_redshiftdata_statement"):
        lifecycle = statement["lifecycle"]
        assert lifecycle["ignore_changes"] == "all", (stack, name)
        (trigger,) = lifecycle["replace_triggered_by"]
        kind = "integration-id" if "create-database" in name or "drop-replaced-database" in name else "settings"
        if "create-database" in name:
            assert any("drop-replaced-database" in d for d in statement["depends_on"]), (stack, name)
        assert trigger.startswith("terraform_data.") and f"_{kind}_" in trigger, (stack, name, trigger)


def test_statements_run_as_the_warehouse_admin(fleets: list[Synthesized]) -> None:
    """Redshift guide, "zero-etl-using.creating-db": CREATE DATABASE FROM INTEGRATION needs a
    superuser; the Data API runs as the admin through the admin secret."""
    for stack, name, statement in each(fleets, "aws_redshiftdata_statement"):
        assert statement["secret_arn"] and (statement.get("workgroup_name") or statement.get("cluster_identifier")), (stack, name)


def test_refresh_interval_is_in_range(fleets: list[Synthesized]) -> None:
    """Redshift SQL reference, CREATE DATABASE: REFRESH_INTERVAL 0 to 432000 seconds."""
    for synth in fleets:
        for stack in synth.stacks:
            for match in re.finditer(r"^refresh_interval_\w+\s*=\s*(\d+)$", synth.tfvars[stack], re.M):
                assert 0 <= int(match.group(1)) <= MAX_REFRESH_INTERVAL


# --- monitoring -------------------------------------------------------------------------------


def test_eventbridge_may_publish_to_the_topic_without_conditions(fleets: list[Synthesized]) -> None:
    """EventBridge guide, "eb-use-resource-based" (Amazon SNS permissions): condition blocks
    can't be used in SNS topic policies for EventBridge. Both the topic policy and the key
    policy give events.amazonaws.com a statement of its own, without Condition."""
    checked = 0
    for stack, _, policy in each(fleets, "aws_sns_topic_policy"):
        for statement in statements(policy["policy"]):
            if "events.amazonaws.com" in json.dumps(statement["Principal"]):
                assert statement["Principal"] == {"Service": "events.amazonaws.com"} and "Condition" not in statement, stack
                checked += 1
    for stack, _, key in each(fleets, "aws_kms_key"):
        for statement in statements(key["policy"]):
            if "events.amazonaws.com" in json.dumps(statement["Principal"]):
                assert statement["Principal"] == {"Service": "events.amazonaws.com"} and "Condition" not in statement, stack
                checked += 1
    assert checked


def test_every_topic_an_events_rule_targets_lets_eventbridge_publish(fleets: list[Synthesized]) -> None:
    """EventBridge guide, "eb-use-resource-based": without the topic policy statement and,
    for an encrypted topic, the key policy statement, deliveries fail (FailedInvocations)."""
    for synth in fleets:
        for stack, config in synth.stacks.items():
            for target in resources(config, "aws_cloudwatch_event_target").values():
                topic = target["arn"].removeprefix("${").split(".arn}")[0]
                policies = [p for p in resources(config, "aws_sns_topic_policy").values() if p["arn"] == target["arn"]]
                assert policies and any("events.amazonaws.com" in p["policy"] for p in policies), (stack, topic)


def test_redshift_integration_events_are_caught_on_the_target(fleets: list[Synthesized]) -> None:
    """Redshift guide, "integration-event-notifications": source aws.redshift, the integration
    detail types (REDSHIFT-INTEGRATION-EVENT-00xx)."""
    for synth in fleets:
        for env in synth.catalog.environments:
            patterns = [json.loads(r["event_pattern"]) for r in resources(synth.stacks[f"{env.name}-target-database"], "aws_cloudwatch_event_rule").values()]
            assert any(p["source"] == ["aws.redshift"] and "Redshift Integration Monitoring" in p["detail-type"] for p in patterns), env.name


def test_rds_zero_etl_events_are_caught_in_the_source_account(fleets: list[Synthesized]) -> None:
    """EventBridge events reference, "Amazon Relational Database Service events": RDS sends
    "RDS Zero ETL Event" (source aws.rds) in the source account, where the integration lives."""
    for synth in fleets:
        for env in synth.catalog.environments:
            config = synth.stacks[f"{env.name}-integration"]
            assert config["provider"]["aws"][0]["allowed_account_ids"] == [env.source_account.account_id]
            patterns = [json.loads(r["event_pattern"]) for r in resources(config, "aws_cloudwatch_event_rule").values()]
            assert {"source": ["aws.rds"], "detail-type": ["RDS Zero ETL Event"]} in patterns, env.name


def test_alarms_use_the_metrics_redshift_publishes(fleets: list[Synthesized]) -> None:
    """Redshift guide, "zero-etl-using.monitoring" (CloudWatch): namespace AWS/Redshift,
    dimension IntegrationId, the six Integration* metrics."""
    checked = 0
    for stack, name, alarm in each(fleets, "aws_cloudwatch_metric_alarm"):
        metrics = [alarm] if "metric_name" in alarm else [q["metric"] for q in alarm["metric_query"] if "metric" in q]
        for metric in metrics:
            assert metric["namespace"] == "AWS/Redshift" and metric["metric_name"] in REDSHIFT_METRICS, (stack, name)
            assert set(metric["dimensions"]) == {"IntegrationId"}
            checked += 1
    assert checked


# --- network and access -----------------------------------------------------------------------


def test_existing_networks_are_opened_only_to_the_catalogs_ranges(fleets: list[Synthesized]) -> None:
    """VPC guide, "security-group-rules": an existing VPC's range is not known to the catalog,
    so its ingress must come from allowed_cidr_blocks, never from the default vpc_cidr."""
    checked = 0
    for synth in fleets:
        for env in synth.catalog.environments:
            if env.network.create_vpc:
                continue
            allowed = [str(b) for b in env.network.allowed_cidr_blocks]
            for group in resources(synth.stacks[f"{env.name}-source"], "aws_security_group").values():
                assert group["ingress"][0]["cidr_blocks"] == allowed, env.name
                checked += 1
    assert checked


def test_cross_account_discovery_role_works_from_the_console(fleets: list[Synthesized]) -> None:
    """Aurora guide, "zero-etl.creating" (different account) and the seed article: the console
    asks for the account id and the role name only, so the role trusts the source account
    without conditions (an external id could not be given)."""
    checked = 0
    for synth in fleets:
        for env in synth.catalog.environments:
            for role in resources(synth.stacks[f"{env.name}-warehouse"], "aws_iam_role").values():
                if "discovery" in role["name"]:
                    (trust,) = statements(role["assume_role_policy"])
                    assert trust["Principal"] == {"AWS": f"arn:aws:iam::{env.source_account.account_id}:root"} and "Condition" not in trust
                    checked += 1
    assert checked
