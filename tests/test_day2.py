"""Day 2 and day 30: plans against the state AWS leaves as time passes.

Each scenario starts from the state a real apply leaves (tests/day2.py), changes it the way
AWS or an operator changes the world, plans offline without refresh (the state already holds
what refresh would read), and asserts the plan is empty or holds exactly the intended change,
and that the plan guard reacts as it should.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.day2 import Applied, changes, simulate_apply
from tests.harness import PlanResult, Synthesized
from zeroetl.checks.plan_guard import check_plan

TARGET, SOURCE = "demo-target-database", "demo-source"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("day2")


@pytest.fixture(scope="module")
def target(default_synth: Synthesized, default_plans: dict[str, PlanResult], workdir: Path) -> Applied:
    return simulate_apply(default_synth, TARGET, workdir)


@pytest.fixture(scope="module")
def source(default_synth: Synthesized, default_plans: dict[str, PlanResult], workdir: Path) -> Applied:
    return simulate_apply(default_synth, SOURCE, workdir)


def _statements(applied: Applied, part: str) -> list[str]:
    return [a for a in applied.resources if a.startswith("aws_redshiftdata_statement.") and part in a]


def _restore(applied: Applied, snapshot: dict) -> None:
    applied.resources.clear()
    applied.resources.update(json.loads(json.dumps(snapshot)))


def test_a_day_later_the_expired_data_api_statements_plan_nothing(target: Applied) -> None:
    """The Data API forgets a statement after ~24 h; the provider's refresh then reads it back
    with only its id: sql, workgroup_name, secret_arn and cluster_identifier empty (provider
    5.100.0, internal/service/redshiftdata FindStatementByID, issue 37301). Every one of them
    forces a new resource: without ignore_changes = all, CREATE DATABASE would run again on
    the existing database and fail on every apply."""
    snapshot = json.loads(json.dumps(target.resources))
    for address in _statements(target, "drop-replaced-database") + _statements(target, "create-database") + _statements(target, "apply-settings"):
        target.edit(address, sql="", workgroup_name=None, secret_arn=None, cluster_identifier=None, parameters=None)
    plan = target.plan()
    _restore(target, snapshot)
    assert changes(plan) == {}, changes(plan)
    assert check_plan(plan, TARGET) == []


def test_a_changed_setting_reruns_only_the_alter_statement(target: Applied) -> None:
    """A changed REFRESH_INTERVAL must reach the live database: the settings trigger changes,
    which replaces ALTER DATABASE ... INTEGRATION SET (run again); of the rest, only the lag and
    no-change alarms follow it in place (their window counts from the interval)."""
    tfvars = target.workdir / "terraform.tfvars"
    original = tfvars.read_text()
    tfvars.write_text(original.replace("refresh_interval_tickit = 0", "refresh_interval_tickit = 300"))
    try:
        touched = changes(target.plan())
    finally:
        tfvars.write_text(original)
    assert "refresh_interval_tickit = 0" in original
    alarms = {a: touched.pop(a) for a in list(touched) if a.startswith("aws_cloudwatch_metric_alarm.")}
    assert sorted(alarms) == sorted(a for a in target.resources if a.startswith("aws_cloudwatch_metric_alarm.") and ("_lag-" in a or "_no-change-" in a))
    assert all(actions == ["update"] for actions in alarms.values()), alarms
    assert sorted(touched) == sorted([*_statements(target, "apply-settings"), *[a for a in target.resources if a.startswith("terraform_data.") and "settings" in a]])
    assert all(actions == ["delete", "create"] or actions == ["create", "delete"] for actions in touched.values()), touched


def test_a_new_integration_id_drops_and_creates_its_database(target: Applied) -> None:
    """A replaced integration has a new id: its trigger is replaced, which runs DROP DATABASE
    (the old database is bound to the deleted integration) and then CREATE DATABASE for the new
    id; the alarms follow the new IntegrationId. The guard lets it through: the replacement was
    allowed in the integration stack's run."""
    marker = next(a for a in target.resources if a.startswith("terraform_data.") and "integration-id" in a)
    snapshot = json.loads(json.dumps(target.resources))
    target.edit(marker, triggers_replace={"integration_id": "00000000-0000-0000-0000-000000000000"})
    plan = target.plan()
    touched = changes(plan)
    _restore(target, snapshot)
    [drop] = _statements(target, "drop-replaced-database")
    assert set(touched) >= {marker, drop, *_statements(target, "create-database")}, touched
    assert not set(_statements(target, "apply-settings")) & set(touched)
    planned = {c["address"]: c["change"] for c in plan["resource_changes"]}
    assert planned[drop]["after"]["sql"] == "DROP DATABASE aurora_zeroetl FORCE"
    [create] = _statements(target, "create-database")
    assert drop in next(c for c in plan["configuration"]["root_module"]["resources"] if c["address"] == create)["depends_on"]
    assert check_plan(plan, TARGET) == []


@pytest.mark.parametrize(("part", "words"), [("create-database", "CREATE DATABASE"), ("drop-replaced-database", "DROP DATABASE")])
def test_a_statement_gone_from_state_is_refused_by_the_guard(target: Applied, part: str, words: str) -> None:
    """If the provider ever drops a statement from state (DescribeStatement answering
    ResourceNotFound), the plan creates it again while its integration id is unchanged:
    CREATE DATABASE would fail on the existing database, and DROP DATABASE would drop the live
    one. The guard refuses that plan."""
    snapshot = json.loads(json.dumps(target.resources))
    for address in _statements(target, part):
        del target.resources[address]
    plan = target.plan()
    _restore(target, snapshot)
    findings = check_plan(plan, TARGET)
    assert [f.address for f in findings] == _statements(target, part), findings
    assert words in findings[0].why


def test_a_minor_upgrade_by_aws_plans_nothing(source: Applied) -> None:
    """auto_minor_version_upgrade lets AWS move the cluster to a newer minor version; the
    refresh reads the new version back. A plan that tried to go back would be a downgrade,
    which Aurora refuses (InvalidParameterCombination): engine_version drift is ignored."""
    snapshot = json.loads(json.dumps(source.resources))
    upgraded = "8.0.mysql_aurora.3.10.4"
    for address, attributes in source.resources.items():
        if address.startswith(("aws_rds_cluster.", "aws_rds_cluster_instance.")):
            assert attributes["engine_version"] != upgraded
            source.edit(address, engine_version=upgraded, engine_version_actual=upgraded)
    plan = source.plan()
    _restore(source, snapshot)
    assert changes(plan) == {}, changes(plan)


def test_a_rotated_master_secret_plans_nothing(source: Applied) -> None:
    """Secrets Manager rotates the master password under the same secret ARN: what refresh
    reads changes only in the computed secret status."""
    cluster = next(a for a in source.resources if a.startswith("aws_rds_cluster."))
    snapshot = json.loads(json.dumps(source.resources))
    secret = dict(source.resources[cluster]["master_user_secret"][0], secret_status="rotating")
    source.edit(cluster, master_user_secret=[secret])
    plan = source.plan()
    _restore(source, snapshot)
    assert changes(plan) == {}, changes(plan)


def test_a_console_edit_of_a_binlog_parameter_is_put_back(source: Applied) -> None:
    """Someone sets binlog_format to MIXED in the console: the next plan puts ROW back, an
    in-place update of the parameter group and nothing else, which the guard lets through."""
    group = next(a for a in source.resources if a.startswith("aws_rds_cluster_parameter_group."))
    snapshot = json.loads(json.dumps(source.resources))
    edited = [dict(p, value="MIXED") if p["name"] == "binlog_format" else p for p in source.resources[group]["parameter"]]
    source.edit(group, parameter=edited)
    plan = source.plan()
    _restore(source, snapshot)
    assert changes(plan) == {group: ["update"]}, changes(plan)
    assert check_plan(plan, SOURCE) == []


def test_an_integration_that_needs_attention_changes_nothing_terraform_reads(source: Applied) -> None:
    """An integration going to needs_attention and back changes its status only, and
    aws_rds_integration in provider 5.100.0 has no status attribute, so refresh reads the
    same state and the plan stays empty. If a later provider adds one, revisit this."""
    attributes = source.schemas["registry.terraform.io/hashicorp/aws"]["resource_schemas"]["aws_rds_integration"]["block"]["attributes"]
    assert not {"status", "state"} & set(attributes), sorted(attributes)


def test_a_new_instance_class_is_made_at_the_reviewed_apply_not_replanned_until_a_window(source: Applied) -> None:
    """Aurora defers a new instance class to the maintenance window unless applied immediately,
    and until then the refresh reads the old class back: every plan and every drift run would
    repeat the change for up to a week. The stacks apply it immediately, so the guard asks the
    reviewer first: a writer's class change is a failover."""
    tfvars = source.workdir / "terraform.tfvars"
    original = tfvars.read_text()
    larger, count = re.subn(r'^(instance_class_tickit\s*=\s*)"db\.r6g\.2xlarge"$', r'\1"db.r6g.4xlarge"', original, flags=re.MULTILINE)
    assert count == 1
    tfvars.write_text(larger)
    try:
        plan = source.plan()
    finally:
        tfvars.write_text(original)
    touched = changes(plan)
    instances = sorted(a for a in source.resources if a.startswith("aws_rds_cluster_instance."))
    assert touched == {address: ["update"] for address in instances}, touched
    planned = {c["address"]: c["change"]["after"] for c in plan["resource_changes"]}
    assert all(planned[a]["apply_immediately"] is True and planned[a]["instance_class"] == "db.r6g.4xlarge" for a in instances)
    findings = check_plan(plan, SOURCE)
    assert sorted(f.address for f in findings) == instances and all("failover" in f.why for f in findings)
    assert check_plan(plan, SOURCE, frozenset(instances)) == []


@pytest.fixture(scope="module")
def told(fleet_synth: Synthesized, fleet_plans: dict[str, PlanResult], workdir: Path) -> Applied:
    """The fleet's prod target database: its alerts topic has e-mail subscriptions."""
    return simulate_apply(fleet_synth, "prod-target-database", workdir)


def test_a_subscription_waiting_for_confirmation_and_one_sns_deleted(told: Applied) -> None:
    """An e-mail subscription waits until its address confirms (pending_confirmation); nothing is
    planned meanwhile. SNS deletes one left unconfirmed for days (SNS developer guide, e-mail
    subscriptions): the refresh then finds it gone and the plan subscribes the address again,
    which sends a new confirmation mail; the drift run reports it, and the guard lets it through."""
    subscriptions = sorted(a for a in told.resources if a.startswith("aws_sns_topic_subscription."))
    assert subscriptions, "prod names its on-call"
    snapshot = json.loads(json.dumps(told.resources))
    for address in subscriptions:
        told.edit(address, pending_confirmation=True, confirmation_was_authenticated=False)
    assert changes(told.plan()) == {}
    _restore(told, snapshot)
    del told.resources[subscriptions[0]]
    plan = told.plan()
    _restore(told, snapshot)
    assert changes(plan) == {subscriptions[0]: ["create"]}
    assert check_plan(plan, "prod-target-database") == []
