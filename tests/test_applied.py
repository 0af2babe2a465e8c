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

import boto3
import pytest

from tests.conftest import DEFAULT_CATALOG, ROOT
from tests.emulator.app import access_key_for
from tests.emulator.cycle import Cycle
from tests.emulator.fixture import Emulator
from tests.harness import Synthesized, synthesize_catalog
from zeroetl.catalog.loader import load_catalog


def retired_copy(catalog_path: Path, workdir: Path) -> Path:
    """The catalog with `retire: true` on every environment, as a team commits it."""
    text = catalog_path.read_text()
    retired = workdir / f"{catalog_path.stem}-retired.yaml"
    retired.write_text(text.replace("\n  - name: ", "\n  - retire: true\n    name: "))
    return retired


@pytest.fixture(scope="module")
def applied(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cycle]:
    work = tmp_path_factory.mktemp("applied-default")
    synth = synthesize_catalog(load_catalog(DEFAULT_CATALOG), work / "cdktf.out", str(DEFAULT_CATALOG.relative_to(ROOT)))
    cycle = Cycle(emulator, synth, work / "terraform.log")
    cycle.apply()
    yield cycle


def client(emulator: Emulator, service: str, account: str, region: str = "us-east-1"):  # noqa: ANN201
    return boto3.client(
        service, region_name=region, endpoint_url=emulator.url,
        aws_access_key_id=access_key_for(account), aws_secret_access_key="emulator",
    )


def outputs(synth: Synthesized, stack: str) -> dict[str, str]:
    path = (synth.stack_dir(stack) / synth.stacks[stack]["terraform"]["backend"]["local"]["path"]).resolve()
    return {name: value["value"] for name, value in json.loads(path.read_text())["outputs"].items()}


def test_every_stack_replans_empty_after_its_apply(applied: Cycle) -> None:
    assert applied.replan() == {stack: [] for stack in applied.synth.stacks}


def test_aws_received_the_integration_the_article_creates(applied: Cycle, emulator: Emulator) -> None:
    source = outputs(applied.synth, "demo-source")
    warehouse = outputs(applied.synth, "demo-warehouse")
    [created] = emulator.calls("CreateIntegration")
    assert created["params"]["SourceArn"] == source["cluster_arn_tickit"]
    assert created["params"]["TargetArn"] == warehouse["namespace_arn"]
    assert created["params"]["IntegrationName"] == "zero-etl-demo"
    assert created["error"] is None


def test_the_resource_policy_authorizes_exactly_the_source(applied: Cycle, emulator: Emulator) -> None:
    [put] = emulator.calls("PutResourcePolicy")
    policy = json.loads(put["params"]["Policy"])
    statements = {s["Sid"]: s for s in policy["Statement"]}
    source_arn = outputs(applied.synth, "demo-source")["cluster_arn_tickit"]
    assert statements["AuthorizedIntegrationSources"]["Condition"] == {"StringEquals": {"aws:SourceArn": [source_arn]}}
    assert statements["AuthorizedPrincipals"]["Action"] == "redshift:CreateInboundIntegration"


def test_the_target_database_is_created_from_the_integration_once(applied: Cycle, emulator: Emulator) -> None:
    integration_arn = outputs(applied.synth, "demo-integration")["integration_arn_tickit"]
    sql = [c["params"]["Sql"] for c in emulator.calls("ExecuteStatement")]
    assert sql[0] == (
        f"CREATE DATABASE aurora_zeroetl FROM INTEGRATION '{integration_arn.rsplit(':', 1)[1]}' SET ACCEPTINVCHARS = FALSE "
        "QUERY_ALL_STATES = FALSE REFRESH_INTERVAL 0 TRUNCATECOLUMNS = FALSE HISTORY_MODE = FALSE"
    )
    assert [s.split(" INTEGRATION")[0] for s in sql[1:]] == ["ALTER DATABASE aurora_zeroetl"]
    assert all(c["error"] is None for c in emulator.calls("ExecuteStatement"))


def test_retired_then_destroyed_leaves_nothing(applied: Cycle, emulator: Emulator, tmp_path: Path) -> None:
    retired_path = retired_copy(DEFAULT_CATALOG, tmp_path)
    retired = synthesize_catalog(load_catalog(retired_path), applied.synth.outdir.parent / "cdktf.out-retired", str(retired_path))
    applied.destroy(retired)
    rds = client(emulator, "rds", "111111111111")
    assert rds.describe_db_clusters()["DBClusters"] == []
    kept = rds.describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"]
    assert [s["DBClusterSnapshotIdentifier"] for s in kept] == ["zero-etl-source-ams-final"]
    assert client(emulator, "rds", "111111111111").describe_integrations()["Integrations"] == []
