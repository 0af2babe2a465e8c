"""The example fleet: accounts, regions and state per stack, several sources into one
warehouse across accounts, provisioned RA3, bring-your-own resources, and the rollout."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import PlanResult, Synthesized, named, only, resources
from zeroetl.catalog.naming import Layer, layer_account, stack_name, state_bucket, state_key
from zeroetl.checks.upstream import remote_states

ACTIONLINT = Path(sys.executable).parent / "actionlint"


def _env(synth: Synthesized, name: str):
    return next(env for env in synth.catalog.environments if env.name == name)


def test_every_stack_has_its_own_s3_state_in_its_own_account(fleet_synth: Synthesized) -> None:
    keys = []
    for env in fleet_synth.catalog.environments:
        for layer in Layer:
            stack = fleet_synth.stack(env, layer)
            account = layer_account(env, layer)
            backend = stack["terraform"]["backend"]["s3"]
            assert backend["bucket"] == state_bucket(fleet_synth.catalog, env, layer) == f"zeroetl-tfstate-{account.account_id}-{env.region}"
            # README, "One naming rule": {app}/{account}/{region}/{env}/{layer}.tfstate, the stack's own account
            assert backend["key"] == state_key(fleet_synth.catalog, env, layer) == f"zeroetl/{account.account_id}/{env.region}/{env.name}/{layer.value}.tfstate"
            assert backend["region"] == env.region
            assert backend["encrypt"] is True and backend["use_lockfile"] is True
            assert backend["assume_role"] == {"role_arn": account.role_arn}
            (provider,) = stack["provider"]["aws"]
            assert provider["allowed_account_ids"] == [account.account_id]
            assert provider["assume_role"][0]["role_arn"] == account.role_arn
            keys.append((backend["bucket"], backend["key"]))
    assert len(keys) == len(set(keys)) == 4 * len(fleet_synth.catalog.environments)


def test_cross_account_warehouse_authorizes_both_sources_at_once(fleet_synth: Synthesized) -> None:
    prod = _env(fleet_synth, "prod")
    warehouse = fleet_synth.stack(prod, Layer.WAREHOUSE)
    assert warehouse["provider"]["aws"][0]["allowed_account_ids"] == ["333333333333"]
    (policy_resource,) = resources(warehouse, "aws_redshift_resource_policy").values()
    statements = {s["Sid"]: s for s in json.loads(policy_resource["policy"])["Statement"]}
    assert statements["AuthorizedPrincipals"]["Principal"] == {"AWS": ["arn:aws:iam::222222222222:root"]}
    assert statements["AuthorizedIntegrationSources"]["Condition"]["StringEquals"]["aws:SourceArn"] == [
        "arn:aws:rds:us-east-1:222222222222:cluster:prod-orders",
        "arn:aws:rds:us-east-1:222222222222:cluster:prod-payments",
    ]
    _, role = named(warehouse, "aws_iam_role", "cross-account")
    trust = json.loads(role["assume_role_policy"])["Statement"][0]
    # As the article gives it: the console passes no external id, so no condition.
    assert trust["Principal"] == {"AWS": "arn:aws:iam::222222222222:root"} and "Condition" not in trust
    permissions = json.loads(named(warehouse, "aws_iam_role_policy", "cross-account")[1]["policy"])["Statement"][0]["Action"]
    assert permissions == ["redshift:DescribeClusters", "redshift-serverless:ListNamespaces"]
    # Its own network: the source account's VPC is in another account.
    assert only(warehouse, "aws_vpc")["cidr_block"] == "10.30.0.0/16"


def test_cross_account_integrations_plan_with_real_arns(fleet_plans: dict[str, PlanResult]) -> None:
    planned = [c["change"]["after"] for c in fleet_plans["prod-integration"].plan["resource_changes"] if c["type"] == "aws_rds_integration"]
    assert sorted(p["source_arn"] for p in planned) == [
        "arn:aws:rds:us-east-1:222222222222:cluster:prod-orders",
        "arn:aws:rds:us-east-1:222222222222:cluster:prod-payments",
    ]
    assert {p["target_arn"].rsplit("/", 1)[0] for p in planned} == {"arn:aws:redshift-serverless:us-east-1:333333333333:namespace"}


def test_provisioned_ra3_target(fleet_synth: Synthesized, fleet_plans: dict[str, PlanResult]) -> None:
    eu = _env(fleet_synth, "eu")
    warehouse = fleet_synth.stack(eu, Layer.WAREHOUSE)
    cluster = only(warehouse, "aws_redshift_cluster")
    assert cluster["encrypted"] is True and cluster["kms_key_id"].startswith("${aws_kms_key.")
    assert cluster["manage_master_password"] is True and "master_password" not in cluster
    assert cluster["publicly_accessible"] is False and cluster["enhanced_vpc_routing"] is False
    assert cluster["skip_final_snapshot"] is False
    parameters = {p["name"]: p["value"] for p in only(warehouse, "aws_redshift_parameter_group")["parameter"]}
    assert parameters["enable_case_sensitive_identifier"] == "true"
    assert only(warehouse, "aws_redshift_resource_policy")["resource_arn"].endswith(".cluster_namespace_arn}")
    planned = [c["change"]["after"] for c in fleet_plans["eu-target-database"].plan["resource_changes"] if c["type"] == "aws_redshiftdata_statement"]
    assert {p["cluster_identifier"] for p in planned} == {"eu-analytics"}
    assert all(p.get("workgroup_name") is None for p in planned)
    target = next(c["change"]["after"] for c in fleet_plans["eu-integration"].plan["resource_changes"] if c["type"] == "aws_rds_integration")
    assert target["target_arn"].startswith("arn:aws:redshift:eu-west-1:444444444444:namespace:")


def test_bring_your_own_cluster_and_warehouse(fleet_synth: Synthesized, fleet_plans: dict[str, PlanResult]) -> None:
    legacy = _env(fleet_synth, "legacy")
    source = fleet_synth.stack(legacy, Layer.SOURCE)
    assert not resources(source, "aws_rds_cluster") and not resources(source, "aws_vpc")
    assert only(source, "aws_rds_cluster_parameter_group")["name"] == "crm-aurora-prod-zero-etl"
    warehouse = fleet_synth.stack(legacy, Layer.WAREHOUSE)
    assert set(warehouse["resource"]) == {"aws_redshift_resource_policy"}
    assert only(warehouse, "aws_redshift_resource_policy")["resource_arn"] == legacy.warehouse.namespace_arn
    integration = next(c["change"]["after"] for c in fleet_plans["legacy-integration"].plan["resource_changes"] if c["type"] == "aws_rds_integration")
    assert integration["source_arn"] == "arn:aws:rds:us-west-2:555555555555:cluster:crm-aurora-prod"
    assert integration["target_arn"] == legacy.warehouse.namespace_arn
    statement = next(c["change"]["after"] for c in fleet_plans["legacy-target-database"].plan["resource_changes"] if c["type"] == "aws_redshiftdata_statement")
    assert statement["workgroup_name"] == "analytics" and statement["secret_arn"] == legacy.warehouse.admin_secret_arn


def test_variable_files_show_every_difference_between_environments(fleet_synth: Synthesized) -> None:
    dev, prod = _env(fleet_synth, "dev"), _env(fleet_synth, "prod")
    for layer in Layer:
        dev_text, prod_text = fleet_synth.tfvars[stack_name(dev, layer)], fleet_synth.tfvars[stack_name(prod, layer)]
        assert dev_text != prod_text
    source = fleet_synth.tfvars["prod-source"]
    for value in ("222222222222", "10.20.0.0/16", "prod-orders", "prod-payments", "backup_retention_period: 35"):
        assert value in source, value
    assert "namespace_name: prod-analytics" in fleet_synth.tfvars["prod-warehouse"]
    assert "- prod-payments" in fleet_synth.tfvars["prod-warehouse"]


def test_rollout_waves_order_dependencies_and_environments(fleet_synth: Synthesized) -> None:
    from zeroetl.rollout.waves import waves

    order = [job.stack for wave in waves(fleet_synth.catalog) for job in wave.jobs]
    # every stack is in exactly one wave, except the bootstrap stacks an administrator applies
    assert sorted(order) == sorted(s for s in fleet_synth.stacks if not s.startswith("bootstrap-"))
    assert sorted(s for s in fleet_synth.stacks if s.startswith("bootstrap-")) == [f"bootstrap-{a}" for a in ("111111111111", "222222222222", "333333333333", "444444444444", "555555555555")]
    position = {stack: next(i for i, w in enumerate(waves(fleet_synth.catalog)) if any(j.stack == stack for j in w.jobs)) for stack in order}
    # every stack comes after each stack whose state it reads, as synthesized
    reads = {name: set(remote_states(config).values()) for name, config in fleet_synth.stacks.items()}
    assert reads["dev-warehouse"] == {"dev-source"}, "a same-account warehouse reads its source's network"
    for stack, upstreams in reads.items():
        assert all(position[upstream] < position[stack] for upstream in upstreams), (stack, upstreams)
    assert position["dev-target-database"] < position["prod-source"]


def test_rendered_workflow_passes_actionlint(fleet_synth: Synthesized, tmp_path: Path) -> None:
    workflow = tmp_path / ".github" / "workflows" / "zeroetl-rollout.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(fleet_synth.rollout["github-workflow.yml"])
    done = subprocess.run([str(ACTIONLINT), "-no-color", str(workflow)], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    text = fleet_synth.rollout["github-workflow.yml"]
    assert "needs: [synth, apply-wave-0-sources, apply-wave-0-warehouses, apply-wave-0-integrations]" in text
    assert "ZEROETL_CATALOG: catalog/fleet.yaml" in text


def test_workflow_expressions_are_what_github_evaluates(fleet_synth: Synthesized) -> None:
    """GitHub has no `$$` escape: `$${{ matrix.stack }}` reaches bash as an unset `$` variable
    followed by the stack name, and `with:` inputs get a stray `$`. actionlint accepts both.
    Every expression must open with exactly `${{` and hold one known context."""
    text = fleet_synth.rollout["github-workflow.yml"]
    assert "$${{" not in text, [line for line in text.splitlines() if "$${{" in line]
    expressions = re.findall(r"\$\{\{(.*?)\}\}", text, re.DOTALL)
    assert expressions and text.count("${{") == len(expressions)
    roots = {root for body in expressions for root in re.findall(r"(?<![\w.'-])([a-z_]+)\.", body)}
    assert roots <= {"github", "matrix", "vars", "needs", "steps", "env", "inputs"}, roots
    assert "STACK: ${{ matrix.stack }}" in text and 'python3 -m zeroetl.checks.pipeline plan "$STACK"' in text


def test_actionlint_catches_a_broken_workflow(fleet_synth: Synthesized, tmp_path: Path) -> None:
    workflow = tmp_path / "broken.yml"
    workflow.write_text(fleet_synth.rollout["github-workflow.yml"].replace("needs: [synth, plan-wave-0-sources]", "needs: [no-such-job]"))
    done = subprocess.run([str(ACTIONLINT), "-no-color", str(workflow)], capture_output=True, text=True)
    assert done.returncode != 0 and "no-such-job" in done.stdout


@pytest.mark.parametrize("layer", list(Layer))
def test_each_layer_deploys_into_the_account_the_naming_rule_says(fleet_synth: Synthesized, layer: Layer) -> None:
    prod = _env(fleet_synth, "prod")
    expected = "222222222222" if layer in (Layer.SOURCE, Layer.INTEGRATION) else "333333333333"
    assert fleet_synth.stack(prod, layer)["provider"]["aws"][0]["allowed_account_ids"] == [expected]
