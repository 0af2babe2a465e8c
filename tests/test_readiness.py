"""A cluster the team brought in (create_cluster: false) is read at plan time, and the
integration stack's plan refuses until the binlog parameter group is attached: the Aurora
guide (zero-etl.setting-up, "Step 1: Create a custom DB cluster parameter group"): "Before you
can create the integration, the reboot must be complete and the new parameter values must be
successfully applied." Here, on the synthesized JSON; against the emulator, where the plan
really refuses and then passes once the group is attached, in tests/test_applied_fleet.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.harness import Synthesized, plan_offline, resources, synthesize_catalog
from zeroetl.catalog.loader import load_catalog

ROOT = Path(__file__).resolve().parent.parent
OWN_GROUP = ROOT / "tests" / "catalogs" / "valid" / "existing-cluster-own-binlog-group.yaml"


@pytest.fixture(scope="module")
def own_group(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize_catalog(load_catalog(OWN_GROUP), tmp_path_factory.mktemp("own-group") / "cdktf.out", str(OWN_GROUP.relative_to(ROOT)))


def reads(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return config.get("data", {}).get("aws_rds_cluster", {})


def conditions(read: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["condition"], c["error_message"]) for c in read["lifecycle"]["postcondition"]]


def test_the_brought_in_cluster_is_read_and_must_have_the_source_stacks_group(fleet_synth: Synthesized) -> None:
    (read,) = reads(fleet_synth.stacks["legacy-integration"]).values()
    assert read["cluster_identifier"] == "crm-aurora-prod"
    (engine, engine_message), (group, group_message) = conditions(read)
    assert engine == '${self.engine == "aurora-mysql"}'
    # The group the source stack creates for it, by the name it has there.
    created = resources(fleet_synth.stacks["legacy-source"], "aws_rds_cluster_parameter_group")
    assert [g["name"] for g in created.values()] == ["crm-aurora-prod-zero-etl"]
    assert group == '${self.db_cluster_parameter_group_name == "crm-aurora-prod-zero-etl"}'
    assert "--db-cluster-identifier crm-aurora-prod --db-cluster-parameter-group-name crm-aurora-prod-zero-etl" in group_message
    assert "reboot-db-instance --region us-west-2" in group_message


def test_clusters_created_here_are_not_read(fleet_synth: Synthesized) -> None:
    readers = {name for name, config in fleet_synth.stacks.items() if reads(config)}
    assert readers == {"legacy-integration"}


def test_a_team_keeping_its_own_binlog_group_gets_no_second_group_and_the_check_names_its_own(own_group: Synthesized) -> None:
    source = own_group.stacks["brought-source"]
    assert resources(source, "aws_rds_cluster_parameter_group") == {}
    assert list(resources(source, "aws_iam_role")), "the S3 import role is still made"
    assert source["output"]["parameter_group_name_orders"]["value"] == "orders-binlog-v2"
    (read,) = reads(own_group.stacks["brought-integration"]).values()
    (_, _), (group, message) = conditions(read)
    assert group == '${self.db_cluster_parameter_group_name == "orders-binlog-v2"}'
    assert "--db-cluster-parameter-group-name orders-binlog-v2" in message


@pytest.mark.terraform
def test_offline_plans_leave_the_read_out_and_still_plan_the_integration(own_group: Synthesized) -> None:
    plan = plan_offline(own_group, "brought-integration").plan
    addresses = [c["address"] for c in plan["resource_changes"]]
    assert any(a.startswith("aws_rds_integration.") for a in addresses), addresses
    assert not [a for a in addresses if a.startswith("data.aws_rds_cluster.")]
