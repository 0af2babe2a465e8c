"""The plan guard refuses real plans that would delete or replace stateful resources or
replace an integration, and lets through what is explicitly allowed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import PlanResult, Synthesized, plan_with_prior_state, resources, state_resource
from zeroetl.checks.plan_guard import check_plan

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.terraform


def _address(synth: Synthesized, stack: str, type_: str) -> str:
    (name,) = resources(synth.stacks[stack], type_)
    return f"{type_}.{name}"


@pytest.fixture(scope="module")
def replaced_integration(default_synth: Synthesized, default_plans: dict[str, PlanResult], tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    """The integration as applied from another source cluster: the plan must replace it."""
    address = _address(default_synth, "demo-integration", "aws_rds_integration")
    arn = "arn:aws:rds:us-east-1:111111111111:integration:0b6f1d0e-1111-4c2e-9d51-3a7a9b2c4d5e"
    prior = state_resource(
        "aws_rds_integration",
        address.split(".", 1)[1],
        {
            "id": arn, "arn": arn, "integration_name": "zero-etl-demo",
            "source_arn": "arn:aws:rds:us-east-1:111111111111:cluster:an-older-cluster",
            "target_arn": "arn:aws:redshift-serverless:us-east-1:111111111111:namespace/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b",
            "kms_key_id": "arn:aws:kms:us-east-1:111111111111:key/aws-owned", "data_filter": "include: *.*",
            "additional_encryption_context": None, "tags": {}, "tags_all": {}, "timeouts": None,
        },
    )
    return plan_with_prior_state(default_synth, "demo-integration", tmp_path_factory.mktemp("guard-integration"), [prior]), address


@pytest.fixture(scope="module")
def destructive_source(default_synth: Synthesized, default_plans: dict[str, PlanResult], tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    """The cluster as applied under another identifier (replace), and a key no longer in the
    configuration (delete)."""
    address = _address(default_synth, "demo-source", "aws_rds_cluster")
    cluster = state_resource(
        "aws_rds_cluster",
        address.split(".", 1)[1],
        {"id": "renamed-cluster", "cluster_identifier": "renamed-cluster", "engine": "aurora-mysql", "arn": "arn:aws:rds:us-east-1:111111111111:cluster:renamed-cluster"},
        schema_version=1,
    )
    key = state_resource("aws_kms_key", "retired_key", {"id": "1234abcd-12ab-34cd-56ef-1234567890ab", "arn": "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"})
    return plan_with_prior_state(default_synth, "demo-source", tmp_path_factory.mktemp("guard-source"), [cluster, key]), address


def test_replacing_an_integration_is_refused(replaced_integration: tuple[dict, str]) -> None:
    plan, address = replaced_integration
    findings = check_plan(plan, "integration.json")
    assert [(f.address, f.action) for f in findings] == [(address, "replaced")]
    assert "re-seeds every table" in findings[0].why


def test_replacing_a_cluster_and_deleting_a_key_are_refused(destructive_source: tuple[dict, str]) -> None:
    plan, cluster = destructive_source
    found = {(f.address, f.action) for f in check_plan(plan, "source.json")}
    assert found == {(cluster, "replaced"), ("aws_kms_key.retired_key", "deleted")}


def test_allowed_addresses_pass(destructive_source: tuple[dict, str]) -> None:
    plan, cluster = destructive_source
    assert check_plan(plan, "source.json", frozenset({cluster, "aws_kms_key.retired_key"})) == []


def test_plans_that_only_create_pass(default_plans: dict[str, PlanResult]) -> None:
    for result in default_plans.values():
        assert check_plan(result.plan, result.stack) == []


def test_guard_command_exits_non_zero_listing_each_refusal(replaced_integration: tuple[dict, str], tmp_path: Path) -> None:
    plan, address = replaced_integration
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    refused = subprocess.run([sys.executable, "main.py", "guard", str(path)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1
    assert f"{address} would be replaced" in refused.stderr
    allowed = subprocess.run([sys.executable, "main.py", "guard", str(path), "--allow", address], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert allowed.returncode == 0, allowed.stderr


def test_the_workflow_summary_counts_a_real_destructive_plan_and_shows_the_refusal(destructive_source: tuple[dict, str], tmp_path: Path) -> None:
    """pipeline.py, the rollout workflow's plan step, on the real plan: the replaced cluster and
    the deleted key are counted, named as stateful resources touched, and refused."""
    from zeroetl.checks.pipeline import MARKER, counts, summary

    plan, address = destructive_source
    found = counts(plan)
    assert found["stateful"] == {address: "replace", "aws_kms_key.retired_key": "destroy"}
    assert found["replace"] >= 1 and found["destroy"] >= 1 and found["add"] >= 1
    findings = [str(f) for f in check_plan(plan, "demo-source")]
    (tmp_path / "demo-source.summary.json").write_text(json.dumps({"stack": "demo-source", "wave": "wave 0 sources", "order": 1, "status": "refused", "detail": "; ".join(findings), **found}))
    report = summary(tmp_path, "zeroetl review")
    row = next(line for line in report.splitlines() if "`demo-source`" in line)
    assert report.startswith(MARKER) and "1 stack(s)" in report
    assert f"`{address}` (replace)" in row and "`aws_kms_key.retired_key` (destroy)" in row
    assert "**refused**" in row and "holds data" in row
    assert f"| {found['add']} | {found['change']} | {found['replace']} | {found['destroy']} |" in row


# What a reviewer must be asked about, written here rather than read from the guard: resources
# whose loss is data (Aurora and Redshift storage, keys), and those whose loss is an outage.
GUARDED = {
    "aws_rds_cluster", "aws_redshift_cluster", "aws_redshiftserverless_namespace", "aws_kms_key",
    "aws_rds_integration", "aws_redshift_resource_policy", "aws_rds_cluster_instance", "aws_redshiftserverless_workgroup",
}
NOT_GUARDED = {"aws_sns_topic", "aws_cloudwatch_metric_alarm", "aws_security_group_rule", "aws_iam_role_policy"}
ACTIONS = {"deleted": ["delete"], "replaced": ["delete", "create"], "replaced first": ["create", "delete"]}


def _plan(type_: str, actions: list[str]) -> dict:
    """One resource change shaped as `terraform show -json` writes it."""
    return {"resource_changes": [{"address": f"{type_}.this", "mode": "managed", "type": type_, "name": "this", "change": {"actions": actions}}]}


@pytest.mark.parametrize("type_", sorted(GUARDED | NOT_GUARDED))
@pytest.mark.parametrize("what", sorted(ACTIONS))
def test_every_guarded_type_is_refused_when_deleted_or_replaced_unless_allowed_for_the_run(type_: str, what: str) -> None:
    plan = _plan(type_, ACTIONS[what])
    findings = check_plan(plan, "stack")
    if type_ in NOT_GUARDED:
        assert findings == []
        return
    assert [(f.address, f.action) for f in findings] == [(f"{type_}.this", "deleted" if what == "deleted" else "replaced")]
    assert check_plan(plan, "stack", allowed=frozenset({f"{type_}.this"})) == []
    assert check_plan(plan, "stack", allowed=frozenset({f"{type_}.other"})) != []


@pytest.mark.parametrize("type_", sorted(GUARDED))
def test_updates_in_place_and_creations_pass(type_: str) -> None:
    assert check_plan(_plan(type_, ["update"]), "stack") == [] and check_plan(_plan(type_, ["create"]), "stack") == []


def _update(type_: str, before: dict, after: dict) -> dict:
    return {"resource_changes": [{"address": f"{type_}.this", "mode": "managed", "type": type_, "name": "this", "change": {"actions": ["update"], "before": before, "after": after}}]}


# In-place changes AWS makes with an outage (Aurora user guide, "Modifying an Aurora DB
# instance": a new DB instance class means an outage; Redshift management guide, "Resizing a
# cluster": read-only while the resize runs), asked about because the stacks apply them at once.
@pytest.mark.parametrize(
    ("type_", "attribute", "before", "after"),
    [
        ("aws_rds_cluster_instance", "instance_class", "db.r6g.2xlarge", "db.r6g.4xlarge"),
        ("aws_redshift_cluster", "node_type", "ra3.xlplus", "ra3.4xlarge"),
        ("aws_redshift_cluster", "number_of_nodes", 2, 4),
    ],
)
def test_an_in_place_change_made_with_an_outage_is_asked_about(type_: str, attribute: str, before: object, after: object) -> None:
    plan = _update(type_, {attribute: before, "tags": {}}, {attribute: after, "tags": {}})
    assert [(f.address, f.action) for f in check_plan(plan, "stack")] == [(f"{type_}.this", "changed in place")]
    assert check_plan(plan, "stack", frozenset({f"{type_}.this"})) == []
    quiet = _update(type_, {attribute: before, "tags": {}}, {attribute: before, "tags": {"team": "data"}})
    assert check_plan(quiet, "stack") == []
