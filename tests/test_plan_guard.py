"""The plan guard refuses real plans that would delete or replace stateful resources or
replace an integration, and lets through what is explicitly allowed. The tests marked
`terraform` plan the default catalog; the others check each rule without Terraform, on
changes shaped as `terraform show -json` writes them, fast enough for scripts/mutation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import PlanResult, Synthesized, plan_with_prior_state, resources, state_resource
from zeroetl.checks.plan_guard import change_kind, check_files, check_plan, deprecated_versions

ROOT = Path(__file__).resolve().parent.parent


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


@pytest.mark.terraform
def test_replacing_an_integration_is_refused(replaced_integration: tuple[dict, str]) -> None:
    plan, address = replaced_integration
    findings = check_plan(plan, "integration.json")
    assert [(f.address, f.action) for f in findings] == [(address, "replaced")]
    assert "re-seeds every table" in findings[0].why


@pytest.mark.terraform
def test_replacing_a_cluster_and_deleting_a_key_are_refused(destructive_source: tuple[dict, str]) -> None:
    plan, cluster = destructive_source
    found = {(f.address, f.action) for f in check_plan(plan, "source.json")}
    assert found == {(cluster, "replaced"), ("aws_kms_key.retired_key", "deleted")}


@pytest.mark.terraform
def test_allowed_addresses_pass(destructive_source: tuple[dict, str]) -> None:
    plan, cluster = destructive_source
    assert check_plan(plan, "source.json", frozenset({cluster, "aws_kms_key.retired_key"})) == []


@pytest.mark.terraform
def test_plans_that_only_create_pass(default_plans: dict[str, PlanResult]) -> None:
    for result in default_plans.values():
        assert check_plan(result.plan, result.stack) == []


@pytest.mark.terraform
def test_guard_command_exits_non_zero_listing_each_refusal(replaced_integration: tuple[dict, str], tmp_path: Path) -> None:
    plan, address = replaced_integration
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    refused = subprocess.run([sys.executable, "main.py", "guard", str(path)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1
    assert f"{address} would be replaced" in refused.stderr
    allowed = subprocess.run([sys.executable, "main.py", "guard", str(path), "--allow", address], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert allowed.returncode == 0, allowed.stderr


@pytest.mark.terraform
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


# The statements' and trigger's names as stacks/constructs/target_database.py writes them,
# spelled out here: a guard reading the wrong part of a name must fail these.
CONSTRUCT = "target_analytics"


def _statement(part: str, actions: list[str], sql: object = None, *, trigger: list[str] | None = None) -> dict:
    changes = [{
        "address": f"aws_redshiftdata_statement.{CONSTRUCT}_{part}_1a2b3c",
        "mode": "managed", "type": "aws_redshiftdata_statement", "name": f"{CONSTRUCT}_{part}_1a2b3c",
        "change": {"actions": actions, "before": None, "after": {"sql": sql}},
    }]
    if trigger is not None:
        changes.append({
            "address": f"terraform_data.{CONSTRUCT}_integration-id_4d5e6f", "mode": "managed", "type": "terraform_data",
            "name": f"{CONSTRUCT}_integration-id_4d5e6f", "change": {"actions": trigger},
        })
    return {"resource_changes": changes}


@pytest.mark.parametrize(
    ("part", "actions", "sql", "trigger", "refused"),
    [
        # the statement left the state while its integration id stayed: it would run again
        ("create-database", ["create"], None, ["no-op"], True),
        ("create-database", ["delete", "create"], "CREATE DATABASE x FROM INTEGRATION 'i'", ["no-op"], True),
        ("drop-replaced-database", ["create"], "  drop database analytics", ["no-op"], True),
        # a new integration id: dropping and creating again is the point
        ("create-database", ["create"], None, ["delete", "create"], False),
        ("drop-replaced-database", ["create"], "DROP DATABASE analytics", ["update"], False),
        # the first apply: the drop's SQL is not known and resolves to SELECT 1
        ("drop-replaced-database", ["create"], None, ["no-op"], False),
        ("drop-replaced-database", ["create"], "SELECT 1", ["no-op"], False),
        # nothing is created, or there is no trigger to compare with
        ("create-database", ["update"], None, ["no-op"], False),
        ("create-database", ["no-op"], None, ["no-op"], False),
        ("create-database", ["create"], None, None, False),
        # another statement of the same construct (apply-settings) is not guarded
        ("apply-settings", ["create"], "ALTER DATABASE analytics INTEGRATION SET REFRESH_INTERVAL 60", ["no-op"], False),
    ],
)
def test_a_database_statement_runs_again_only_with_a_new_integration_id(part: str, actions: list[str], sql: object, trigger: list[str] | None, refused: bool) -> None:
    plan = _statement(part, actions, sql, trigger=trigger)
    address = plan["resource_changes"][0]["address"]
    findings = [(f.address, f.action) for f in check_plan(plan, "stack")]
    assert findings == ([(address, "created again")] if refused else [])
    if refused:
        reason = check_plan(plan, "stack")[0].why
        assert ("CREATE DATABASE" if part == "create-database" else "DROP DATABASE") in reason
        assert check_plan(plan, "stack", frozenset({address})) == []


def _cluster(actions: list[str], version: str, type_: str = "aws_rds_cluster") -> dict:
    return {"resource_changes": [{
        "address": f"{type_}.source", "mode": "managed", "type": type_, "name": "source",
        "change": {"actions": actions, "before": None, "after": {"engine_version": version}},
    }]}


@pytest.mark.parametrize(
    ("actions", "version", "type_", "refused"),
    [
        (["create"], "8.0.mysql_aurora.3.04.0", "aws_rds_cluster", True),
        (["delete", "create"], "8.0.mysql_aurora.3.04.0", "aws_rds_cluster", True),
        (["create"], "8.0.mysql_aurora.3.08.2", "aws_rds_cluster", False),
        (["update"], "8.0.mysql_aurora.3.04.0", "aws_rds_cluster", False),
        (["no-op"], "8.0.mysql_aurora.3.04.0", "aws_rds_cluster", False),
        (["create"], "8.0.mysql_aurora.3.04.0", "aws_rds_cluster_instance", False),
    ],
)
def test_only_creating_a_cluster_on_a_deprecated_version_is_refused(actions: list[str], version: str, type_: str, refused: bool) -> None:
    deprecated = frozenset({"8.0.mysql_aurora.3.04.0"})
    found = [(f.address, f.action) for f in check_plan(_cluster(actions, version, type_), "stack", deprecated=deprecated) if f.action == "created"]
    assert found == ([(f"{type_}.source", "created")] if refused else [])
    if refused:
        (finding,) = [f for f in check_plan(_cluster(actions, version, type_), "stack", deprecated=deprecated) if f.action == "created"]
        assert version in finding.why and "engine_version" in finding.why
        # the deprecated version is refused even where the address is allowed for the run
        assert [f.action for f in check_plan(_cluster(actions, version, type_), "stack", frozenset({f"{type_}.source"}), deprecated)] == ["created"]


def test_the_deprecated_versions_come_from_synthesis_and_are_none_without_it(tmp_path: Path) -> None:
    assert deprecated_versions(tmp_path) == frozenset()
    (tmp_path / "rollout").mkdir()
    (tmp_path / "rollout" / "guard.json").write_text(json.dumps({"deprecated_engine_versions": ["8.0.mysql_aurora.3.04.0", "8.0.mysql_aurora.3.05.2"]}), encoding="utf-8")
    assert deprecated_versions(tmp_path) == frozenset({"8.0.mysql_aurora.3.04.0", "8.0.mysql_aurora.3.05.2"})


def test_every_plan_file_is_checked_and_named_in_its_findings(tmp_path: Path) -> None:
    clean, bad, worse = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    clean.write_text(json.dumps(_plan("aws_rds_cluster", ["update"])), encoding="utf-8")
    bad.write_text(json.dumps(_plan("aws_kms_key", ["delete"])), encoding="utf-8")
    worse.write_text(json.dumps(_cluster(["create"], "8.0.mysql_aurora.3.04.0")), encoding="utf-8")
    found = check_files([clean, bad, worse], frozenset(), frozenset({"8.0.mysql_aurora.3.04.0"}))
    assert [(f.plan, f.address, f.action) for f in found] == [(str(bad), "aws_kms_key.this", "deleted"), (str(worse), "aws_rds_cluster.source", "created")]
    assert check_files([bad], frozenset({"aws_kms_key.this"})) == []
    assert str(found[0]) == f"{bad}: aws_kms_key.this would be deleted: aws_kms_key holds data; this loses it"


@pytest.mark.parametrize(
    ("actions", "kind"),
    [
        (["create"], "add"), (["update"], "change"), (["delete"], "destroy"),
        (["delete", "create"], "replace"), (["create", "delete"], "replace"),
        (["no-op"], None), (["read"], None), ([], None), (["create", "create"], None), (["delete", "delete"], None),
    ],
)
def test_each_terraform_action_list_reads_as_one_change_kind(actions: list[str], kind: str | None) -> None:
    assert change_kind(actions) == kind


def test_data_sources_and_unguarded_reads_are_never_refused() -> None:
    read = {"resource_changes": [{"address": "data.aws_rds_cluster.x", "mode": "data", "type": "aws_rds_cluster", "name": "x", "change": {"actions": ["delete"], "before": {"instance_class": "a"}, "after": {"instance_class": "b"}}}]}
    assert check_plan(read, "stack") == []
    update = _update("aws_rds_cluster_instance", {"instance_class": "db.r6g.large"}, {"instance_class": "db.r6g.large"})
    update["resource_changes"][0]["mode"] = "data"
    update["resource_changes"][0]["change"]["after"]["instance_class"] = "db.r6g.xlarge"
    assert check_plan(update, "stack") == []
    # an attribute the prior state does not hold is not a change AWS makes with an outage
    assert check_plan(_update("aws_rds_cluster_instance", {"tags": {}}, {"instance_class": "db.r6g.large", "tags": {}}), "stack") == []


def test_a_plan_without_changes_passes() -> None:
    # `terraform show -json` leaves resource_changes out when nothing changes
    assert check_plan({"format_version": "1.2", "terraform_version": "1.11.4"}, "stack") == []


def test_each_change_of_a_long_plan_is_read_whatever_comes_before_it() -> None:
    """Findings name their plan and say why, and an allowed, unchanged, created or data change
    earlier in the plan does not end the reading."""
    key = _plan("aws_kms_key", ["delete"])["resource_changes"][0]
    policy = {**_plan("aws_redshift_resource_policy", ["delete", "create"])["resource_changes"][0]}
    resize = _update("aws_redshift_cluster", {"number_of_nodes": 2}, {"number_of_nodes": 4})["resource_changes"][0]
    statement = _statement("create-database", ["create"], trigger=["no-op"])["resource_changes"]
    before = [
        {"address": "data.aws_caller_identity.this", "mode": "data", "type": "aws_caller_identity", "name": "this", "change": {"actions": ["read"]}},
        {**_plan("aws_rds_cluster", ["delete"])["resource_changes"][0], "address": "aws_rds_cluster.allowed"},
        _plan("aws_sns_topic", ["create"])["resource_changes"][0],
        _plan("aws_rds_cluster", ["no-op"])["resource_changes"][0],
        # a trigger listed before its statement, and a terraform_data that is not a trigger
        statement[1],
        {"address": "terraform_data.target_analytics", "mode": "managed", "type": "terraform_data", "name": "target_analytics", "change": {"actions": ["no-op"]}},
    ]
    plan = {"resource_changes": [*before, key, policy, resize, statement[0]]}
    found = check_plan(plan, "plans/demo.json", allowed=frozenset({"aws_rds_cluster.allowed"}))
    assert sorted((f.plan, f.address, f.action) for f in found) == sorted([
        ("plans/demo.json", "aws_kms_key.this", "deleted"),
        ("plans/demo.json", "aws_redshift_resource_policy.this", "replaced"),
        ("plans/demo.json", "aws_redshift_cluster.this", "changed in place"),
        ("plans/demo.json", statement[0]["address"], "created again"),
    ])
    why = {f.address: f.why for f in found}
    assert why["aws_kms_key.this"] == "aws_kms_key holds data; this loses it"
    assert why["aws_redshift_resource_policy.this"].startswith("it authorizes every integration into the warehouse")
    assert why["aws_redshift_cluster.this"].startswith("number_of_nodes 2 -> 4: a resize")
    assert why[statement[0]["address"]].startswith("CREATE DATABASE would run again")


def test_a_terraform_data_that_is_not_the_integration_id_is_no_trigger() -> None:
    statement = _statement("create-database", ["create"])["resource_changes"]
    other = {"address": "terraform_data.target_analytics", "mode": "managed", "type": "terraform_data", "name": "target_analytics", "change": {"actions": ["no-op"]}}
    assert check_plan({"resource_changes": [*statement, other]}, "stack") == []


def test_the_deprecated_version_refusal_says_what_to_change() -> None:
    (finding,) = check_plan(_cluster(["create"], "8.0.mysql_aurora.3.04.0"), "stack", deprecated=frozenset({"8.0.mysql_aurora.3.04.0"}))
    assert finding.why.endswith("set the source's engine_version to a supported version in the catalog")
