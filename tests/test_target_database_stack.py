"""The target database stack: CREATE DATABASE ... FROM INTEGRATION run by Terraform."""

from __future__ import annotations

import pytest

from tests.harness import PlanResult, Synthesized, resources

pytestmark = pytest.mark.terraform


def _statements(result: PlanResult) -> dict[str, dict]:
    return {c["name"]: c["change"]["after"] for c in result.plan["resource_changes"] if c["type"] == "aws_redshiftdata_statement"}


def _integration_id(result: PlanResult) -> str:
    arn = next(v for outputs in result.upstream.values() for k, v in outputs.items() if "aws_rds_integration" in k)
    return arn.split(":")[-1]


def test_create_database_from_integration_with_catalog_settings(default_plans: dict[str, PlanResult]) -> None:
    result = default_plans["demo-target-database"]
    statements = _statements(result)
    create = next(s for n, s in statements.items() if "create-database" in n)
    assert create["sql"] == (
        f"CREATE DATABASE aurora_zeroetl FROM INTEGRATION '{_integration_id(result)}' SET "
        "ACCEPTINVCHARS = FALSE QUERY_ALL_STATES = FALSE REFRESH_INTERVAL 0 TRUNCATECOLUMNS = FALSE HISTORY_MODE = FALSE"
    )
    assert create["database"] == "dev"
    assert create["workgroup_name"] == "zero-etl-target-rs-wg"
    assert create["secret_arn"].startswith("arn:aws:secretsmanager:")


def test_settings_change_reaches_a_live_database_through_alter(variant_plans: dict[str, PlanResult]) -> None:
    statements = _statements(variant_plans["variant-target-database"])
    alter = next(s for n, s in statements.items() if "apply-settings" in n)
    assert alter["sql"] == (
        "ALTER DATABASE orders_replica INTEGRATION SET "
        "ACCEPTINVCHARS = FALSE QUERY_ALL_STATES = FALSE REFRESH_INTERVAL 3600 TRUNCATECOLUMNS = TRUE HISTORY_MODE = TRUE"
    )


def test_create_runs_once_and_again_only_for_a_new_integration(default_synth: Synthesized) -> None:
    stack = default_synth.stacks["demo-target-database"]
    create = next(s for n, s in resources(stack, "aws_redshiftdata_statement").items() if "create-database" in n)
    trigger_name, trigger = next((n, t) for n, t in resources(stack, "terraform_data").items() if "integration-id" in n)
    assert create["lifecycle"] == {"ignore_changes": "all", "replace_triggered_by": [f"terraform_data.{trigger_name}"]}
    assert "aws_rds_integration" in trigger["triggers_replace"]["integration_id"]
