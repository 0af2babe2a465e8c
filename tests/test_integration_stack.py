"""The integration stack: wiring to source and target, operator policy, encryption, filter."""

from __future__ import annotations

import json

import pytest

from tests.harness import PlanResult, Synthesized, only, resources
from zeroetl.catalog.naming import Layer


@pytest.fixture(scope="module")
def integration(default_synth: Synthesized) -> dict:
    return default_synth.stack(default_synth.catalog.environments[0], Layer.INTEGRATION)


def _planned_after(result: PlanResult, type_: str) -> dict:
    found = [c["change"]["after"] for c in result.plan["resource_changes"] if c["type"] == type_]
    assert len(found) == 1, type_
    return found[0]


def test_integration_reads_source_cluster_and_authorized_namespace(integration: dict) -> None:
    resource = only(integration, "aws_rds_integration")
    assert resource["integration_name"] == "zero-etl-demo"
    assert "cross-stack-reference-input-demo-source" in resource["source_arn"]
    assert "aws_rds_cluster" in resource["source_arn"]
    # The target comes from the resource policy, so the integration follows the policy.
    assert "cross-stack-reference-input-demo-warehouse" in resource["target_arn"]
    assert "aws_redshift_resource_policy" in resource["target_arn"]


def test_planned_integration_has_real_arns(default_synth: Synthesized, default_plans: dict[str, PlanResult]) -> None:
    env = default_synth.catalog.environments[0]
    account = env.source_account.account_id
    after = _planned_after(default_plans["demo-integration"], "aws_rds_integration")
    assert after["source_arn"] == f"arn:aws:rds:{env.region}:{account}:cluster:{env.sources[0].cluster_identifier}"
    assert after["target_arn"].startswith(f"arn:aws:redshift-serverless:{env.region}:{account}:namespace/")


def test_aws_owned_key_ignores_reported_key_and_no_filter_means_null(integration: dict, default_synth: Synthesized) -> None:
    resource = only(integration, "aws_rds_integration")
    assert resource["lifecycle"]["ignore_changes"] == ["kms_key_id"]
    assert "kms_key_id" not in resource
    assert "data_filter_tickit = null" in default_synth.tfvars["demo-integration"]


def test_operator_policy_is_scoped_to_this_source_and_target(default_synth: Synthesized, default_plans: dict[str, PlanResult]) -> None:
    env = default_synth.catalog.environments[0]
    account = env.source_account.account_id
    after = _planned_after(default_plans["demo-integration"], "aws_iam_policy")
    statements = {s["Sid"]: s for s in json.loads(after["policy"])["Statement"]}
    integrations = f"arn:aws:rds:{env.region}:{account}:integration:*"
    cluster = f"arn:aws:rds:{env.region}:{account}:cluster:{env.sources[0].cluster_identifier}"
    assert statements["CreateFromTheseSources"]["Resource"] == [cluster, integrations]
    assert statements["ManageIntegrations"]["Action"] == ["rds:DescribeIntegrations", "rds:DeleteIntegration", "rds:ModifyIntegration"]
    assert statements["ManageIntegrations"]["Resource"] == [integrations]
    target = statements["InboundIntoThisTarget"]["Resource"][0]
    assert target.startswith(f"arn:aws:redshift-serverless:{env.region}:{account}:namespace/")
    assert all(s["Resource"] != "*" for s in statements.values())
    assert all("*" not in action for s in statements.values() for action in s["Action"])


def test_customer_managed_key_filter_and_roles(variant_synth: Synthesized, variant_plans: dict[str, PlanResult]) -> None:
    env = variant_synth.catalog.environments[0]
    stack = variant_synth.stack(env, Layer.INTEGRATION)
    resource = only(stack, "aws_rds_integration")
    key_name, key = next(iter(resources(stack, "aws_kms_key").items()))
    assert resource["kms_key_id"] == f"${{aws_kms_key.{key_name}.arn}}"
    assert resource["additional_encryption_context"] == {"team": "orders"}
    assert "lifecycle" not in resource
    redshift = [s for s in json.loads(key["policy"])["Statement"] if s.get("Principal") == {"Service": "redshift.amazonaws.com"}]
    assert redshift and redshift[0]["Action"] == "kms:CreateGrant"
    assert redshift[0]["Condition"]["StringEquals"] == {"kms:EncryptionContext:team": "orders"}
    after = _planned_after(variant_plans["variant-integration"], "aws_rds_integration")
    assert after["data_filter"] == "include: orders.*, exclude: orders./tmp_.*/"
    attachment = only(stack, "aws_iam_role_policy_attachment")
    assert attachment["role"] == "data-platform-operators"
