"""Applied, not only planned: the default catalog's stacks applied in wave order against the
emulated AWS (tests/emulator), every re-plan empty, then retired and destroyed the documented
way (README, "Retire an environment").

What this proves: the stacks' wiring (every reference resolves to what AWS returns), that
what the provider reads back equals what it wrote (no perpetual diff), that the calls carry
what zero-ETL needs (the integration's ARNs, the SQL, the resource policy), and that the
teardown path works. What it cannot prove: AWS's own validation of names, versions, classes
and quotas, which moto does not do (README, Tests)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.conftest import DEFAULT_CATALOG, ROOT
from tests.emulator.brought_in import client
from tests.emulator.cycle import Cycle, planned_changes
from tests.emulator.fixture import Emulator
from tests.harness import synthesize_catalog
from tests.test_security import SECRET_PATTERNS
from zeroetl.catalog.loader import load_catalog
from zeroetl.checks.plan_guard import check_plan

# a worker of its own under scripts/test: its minutes are the provider's waiters (tests/parallel.py)
pytestmark = pytest.mark.xdist_group("emulator-default")


def retired_copy(catalog_path: Path, workdir: Path) -> Path:
    """The catalog with `retire: true` on every environment, as a team commits it."""
    raw = yaml.safe_load(catalog_path.read_text())
    for entry in raw["environments"]:
        entry["retire"] = True
    retired = workdir / f"{catalog_path.stem}-retired.yaml"
    retired.write_text(yaml.safe_dump(raw, sort_keys=False))
    return retired


@pytest.fixture(scope="module")
def applied(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cycle]:
    work = tmp_path_factory.mktemp("applied-default")
    synth = synthesize_catalog(load_catalog(DEFAULT_CATALOG), work / "cdktf.out", str(DEFAULT_CATALOG.relative_to(ROOT)))
    cycle = Cycle(emulator, synth, work / "terraform.log")
    cycle.apply()
    yield cycle


def test_every_stack_replans_empty_after_its_apply(applied: Cycle) -> None:
    assert applied.replan() == {stack: [] for stack in applied.synth.stacks}


def test_the_state_the_apply_wrote_holds_no_secret(applied: Cycle) -> None:
    """Passwords live in Secrets Manager only: the real state files hold their ARNs, never a
    value (the scan's patterns and their planted-password control: tests/test_security.py)."""
    states = sorted((applied.synth.outdir.parent / "terraform-state").rglob("*.tfstate"))
    assert len(states) == len(applied.synth.stacks)
    for path in states:
        text = path.read_text()
        for pattern in SECRET_PATTERNS:
            assert not pattern.search(text), (path, pattern.pattern)


def test_aws_received_the_integration_the_article_creates(applied: Cycle, emulator: Emulator) -> None:
    source = applied.outputs("demo-source")
    warehouse = applied.outputs("demo-warehouse")
    [created] = emulator.calls("CreateIntegration")
    assert created["params"]["SourceArn"] == source["cluster_arn_tickit"]
    assert created["params"]["TargetArn"] == warehouse["namespace_arn"]
    assert created["params"]["IntegrationName"] == "zero-etl-demo"
    assert created["error"] is None


def test_the_resource_policy_authorizes_exactly_the_source(applied: Cycle, emulator: Emulator) -> None:
    [put] = emulator.calls("PutResourcePolicy")
    policy = json.loads(put["params"]["Policy"])
    statements = {s["Sid"]: s for s in policy["Statement"]}
    source_arn = applied.outputs("demo-source")["cluster_arn_tickit"]
    assert statements["AuthorizedIntegrationSources"]["Condition"] == {"StringEquals": {"aws:SourceArn": [source_arn]}}
    assert statements["AuthorizedPrincipals"]["Action"] == "redshift:CreateInboundIntegration"


def test_the_target_database_is_created_from_the_integration_once(applied: Cycle, emulator: Emulator) -> None:
    integration_arn = applied.outputs("demo-integration")["integration_arn_tickit"]
    sql = [c["params"]["Sql"] for c in emulator.calls("ExecuteStatement")]
    # First apply: no database to drop yet (Redshift's DROP DATABASE has no IF EXISTS).
    assert sql[0] == "SELECT 1"
    assert sql[1] == (
        f"CREATE DATABASE aurora_zeroetl FROM INTEGRATION '{integration_arn.rsplit(':', 1)[1]}' SET ACCEPTINVCHARS = FALSE "
        "QUERY_ALL_STATES = FALSE REFRESH_INTERVAL 0 TRUNCATECOLUMNS = FALSE HISTORY_MODE = FALSE"
    )
    assert [s.split(" INTEGRATION")[0] for s in sql[2:]] == ["ALTER DATABASE aurora_zeroetl"]
    assert all(c["error"] is None for c in emulator.calls("ExecuteStatement"))


# --- day 2 on the state the apply wrote (the made-up-state versions: tests/test_day2.py) ---


def test_a_day_later_the_expired_statements_plan_nothing(applied: Cycle, emulator: Emulator) -> None:
    """The Data API forgets statements after ~24 h; DescribeStatement then answers the
    ValidationException the provider turns into an empty statement. Nothing may run again."""
    assert emulator.post("expire-statements")["expired"] == 3
    assert applied.changes("demo-target-database") == []


def test_a_changed_setting_reaches_the_live_database_through_alter_only(applied: Cycle, emulator: Emulator) -> None:
    before = len(emulator.calls("ExecuteStatement"))
    applied.apply_one("demo-target-database", "-var", "refresh_interval_tickit=600")
    ran = [c for c in emulator.calls("ExecuteStatement")[before:]]
    assert [c["params"]["Sql"].split(" SET ")[0] for c in ran] == ["ALTER DATABASE aurora_zeroetl INTEGRATION"]
    assert "REFRESH_INTERVAL 600" in ran[0]["params"]["Sql"] and ran[0]["error"] is None
    applied.apply_one("demo-target-database")  # back to the catalog's value
    assert applied.changes("demo-target-database") == []


def test_a_console_edit_of_a_binlog_parameter_is_put_back_in_place(applied: Cycle, emulator: Emulator) -> None:
    rds = client(emulator, "rds", "111111111111", "us-east-1")
    group = rds.describe_db_clusters(DBClusterIdentifier="zero-etl-source-ams")["DBClusters"][0]["DBClusterParameterGroup"]
    rds.modify_db_cluster_parameter_group(
        DBClusterParameterGroupName=group,
        Parameters=[{"ParameterName": "binlog_format", "ParameterValue": "MIXED", "ApplyMethod": "pending-reboot"}],
    )
    plan = applied.plan("demo-source")
    [name] = applied.synth.stacks["demo-source"]["resource"]["aws_rds_cluster_parameter_group"]
    assert [c.split(":")[0] for c in planned_changes(plan)] == [f"aws_rds_cluster_parameter_group.{name}"]
    assert check_plan(plan, "demo-source") == []
    applied.apply_one("demo-source")
    parameters = rds.describe_db_cluster_parameters(DBClusterParameterGroupName=group)["Parameters"]
    assert {p["ParameterName"]: p.get("ParameterValue") for p in parameters}["binlog_format"] == "ROW"


def test_a_rotated_master_secret_and_a_minor_upgrade_by_aws_plan_nothing(applied: Cycle, emulator: Emulator) -> None:
    secret = applied.outputs("demo-source")["master_user_secret_arn_tickit"]
    client(emulator, "secretsmanager", "111111111111", "us-east-1").put_secret_value(SecretId=secret, SecretString='{"password": "rotated"}')
    client(emulator, "rds", "111111111111", "us-east-1").modify_db_cluster(
        DBClusterIdentifier="zero-etl-source-ams", EngineVersion="8.0.mysql_aurora.3.10.4", ApplyImmediately=True,
    )
    assert applied.changes("demo-source") == []


def test_a_reviewed_replacement_of_the_integration_recreates_its_database_with_no_manual_sql(applied: Cycle, emulator: Emulator) -> None:
    """A changed data filter replaces the integration in provider 5.100.0 (REFERENCE.md). The
    guard refuses it unless allowed for the run; allowed, the new integration's id reaches the
    target database stack, which drops the database bound to the deleted integration and
    creates it from the new one: no SQL by hand, and both stacks plan clean after."""
    old_id = applied.outputs("demo-integration")["integration_id_tickit"]
    narrower = ("-var", "data_filter_tickit=include: demodb.*")
    plan = applied.plan("demo-integration", *narrower)
    [integration] = [c["address"] for c in plan["resource_changes"] if c["type"] == "aws_rds_integration"]
    assert [f.address for f in check_plan(plan, "demo-integration")] == [integration]
    assert check_plan(plan, "demo-integration", frozenset({integration})) == []
    before = len(emulator.calls("ExecuteStatement"))
    applied.apply_one("demo-integration", *narrower)
    new_id = applied.outputs("demo-integration")["integration_id_tickit"]
    assert new_id != old_id
    assert check_plan(applied.plan("demo-target-database"), "demo-target-database") == []
    applied.apply_one("demo-target-database")
    ran = emulator.calls("ExecuteStatement")[before:]
    assert [c["params"]["Sql"].split(" SET ")[0] for c in ran] == [
        "DROP DATABASE aurora_zeroetl FORCE", f"CREATE DATABASE aurora_zeroetl FROM INTEGRATION '{new_id}'",
    ]
    assert [c["error"] for c in ran] == [None, None]
    assert applied.changes("demo-target-database") == []
    assert applied.changes("demo-integration", *narrower) == []
    # Back to the catalog's filter: a second replacement, the same way.
    applied.apply_one("demo-integration")
    applied.apply_one("demo-target-database")
    assert all(c["error"] is None for c in emulator.calls("ExecuteStatement")[before:])
    assert applied.changes("demo-integration") == [] and applied.changes("demo-target-database") == []


def test_retired_then_destroyed_leaves_nothing(applied: Cycle, emulator: Emulator, tmp_path: Path) -> None:
    retired_path = retired_copy(DEFAULT_CATALOG, tmp_path)
    retired = synthesize_catalog(load_catalog(retired_path), applied.synth.outdir.parent / "cdktf.out-retired", str(retired_path))
    applied.destroy(retired)
    rds = client(emulator, "rds", "111111111111", "us-east-1")
    assert rds.describe_db_clusters()["DBClusters"] == []
    kept = rds.describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"]
    assert [s["DBClusterSnapshotIdentifier"] for s in kept] == ["zero-etl-source-ams-final"]
    assert client(emulator, "rds", "111111111111", "us-east-1").describe_integrations()["Integrations"] == []
