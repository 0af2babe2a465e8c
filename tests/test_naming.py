"""created_names() is the list the fleet rules check for clashes and lengths: prove it names
exactly what the synthesized stacks create, so a resource added later cannot slip past them."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from tests.harness import Synthesized
from zeroetl.catalog.naming import created_names

# (resource type, attribute) -> the kind created_names() gives that name.
NAMED = {
    ("aws_rds_cluster", "cluster_identifier"): "Aurora cluster",
    ("aws_rds_cluster", "final_snapshot_identifier"): "Aurora cluster snapshot",
    ("aws_rds_cluster_instance", "identifier"): "Aurora instance",
    ("aws_db_subnet_group", "name"): "DB subnet group",
    ("aws_rds_cluster_parameter_group", "name"): "Aurora cluster parameter group",
    ("aws_rds_integration", "integration_name"): "zero-ETL integration",
    ("aws_iam_role", "name"): "IAM role",
    ("aws_iam_policy", "name"): "IAM policy",
    ("aws_kms_alias", "name"): "KMS alias",
    ("aws_sns_topic", "name"): "SNS topic",
    ("aws_cloudwatch_event_rule", "name"): "EventBridge rule",
    ("aws_cloudwatch_metric_alarm", "alarm_name"): "CloudWatch alarm",
    ("aws_cloudwatch_dashboard", "dashboard_name"): "CloudWatch dashboard",
    ("aws_cloudwatch_log_group", "name"): "CloudWatch log group",
    ("aws_security_group", "name"): "security group",
    ("aws_redshiftserverless_namespace", "namespace_name"): "Redshift Serverless namespace",
    ("aws_redshiftserverless_workgroup", "workgroup_name"): "Redshift Serverless workgroup",
    ("aws_redshift_cluster", "cluster_identifier"): "Redshift cluster",
    ("aws_redshift_cluster", "final_snapshot_identifier"): "Redshift cluster snapshot",
    ("aws_redshift_parameter_group", "name"): "Redshift parameter group",
    ("aws_redshift_subnet_group", "name"): "Redshift subnet group",
    ("aws_redshift_resource_policy", "resource_arn"): "namespace resource policy",
}
# Name-like attributes that are not names AWS scopes to an account or region: names inside
# another resource (an inline role policy), names of things inside a database, or references.
NOT_SCOPED = {
    ("aws_iam_role_policy", "name"),
    ("aws_iam_role_policy_attachment", "role"),
    ("aws_cloudwatch_metric_alarm", "metric_name"),
    ("aws_rds_cluster", "database_name"),
    ("aws_redshift_cluster", "database_name"),
    ("aws_redshiftserverless_namespace", "db_name"),
    ("aws_vpc_endpoint", "service_name"),
    ("aws_redshiftdata_statement", "workgroup_name"),
    ("aws_redshiftdata_statement", "cluster_identifier"),
}
NAME_LIKE = re.compile(r"^(name|identifier|.*_name|.*_identifier|resource_arn|role)$")


def _literal_names(synth: Synthesized) -> dict[str, set[tuple[str, str]]]:
    """{environment: {(kind, name)}} read from the stacks' JSON; unknown named resources fail."""
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for stack, config in synth.stacks.items():
        env = stack.split("-", 1)[0]
        for type_, resources in config.get("resource", {}).items():
            for resource in resources.values():
                for attribute, value in resource.items():
                    if not NAME_LIKE.match(attribute) or not isinstance(value, str) or "${" in value:
                        continue
                    if (type_, attribute) in NOT_SCOPED:
                        continue
                    assert (type_, attribute) in NAMED, f"{stack}: {type_}.{attribute} = {value!r} names something: add it to created_names()"
                    found[env].add((NAMED[type_, attribute], value.removeprefix("alias/")))
    return found


@pytest.mark.parametrize("which", ["default_synth", "variant_synth", "fleet_synth"])
def test_created_names_are_exactly_what_the_stacks_create(which: str, request: pytest.FixtureRequest) -> None:
    synth: Synthesized = request.getfixturevalue(which)
    found = _literal_names(synth)
    for env in synth.catalog.environments:
        listed = {(name.kind, name.name) for name in created_names(synth.catalog, env)}
        assert listed == found[env.name], f"{env.name}: only listed {sorted(listed - found[env.name])}; only in the stacks {sorted(found[env.name] - listed)}"
