"""Every stack passes terraform init + validate + plan offline against the real AWS provider,
downstream stacks with realistic upstream outputs, and the plan creates exactly what was
synthesized."""

from __future__ import annotations

import subprocess

import pytest

from tests.harness import PlanResult, Synthesized, addresses

pytestmark = pytest.mark.terraform


def _planned(result: PlanResult) -> dict[str, dict]:
    return {change["address"]: change for change in result.plan["resource_changes"]}


@pytest.mark.parametrize("which", ["default", "variant", "fleet"])
def test_every_stack_validates_and_plans_only_creates(which: str, request: pytest.FixtureRequest) -> None:
    synth: Synthesized = request.getfixturevalue(f"{which}_synth")
    plans: dict[str, PlanResult] = request.getfixturevalue(f"{which}_plans")
    assert set(plans) == set(synth.stacks)
    for name, result in plans.items():
        assert result.validate["valid"], (name, result.validate["diagnostics"])
        assert result.validate["warning_count"] == 0, (name, result.validate["diagnostics"])
        planned = _planned(result)
        # Resource names are the synthesized ones (instances of multi-instance resources aside).
        assert {address.split("[")[0] for address in planned} == addresses(synth.stacks[name]), name
        assert {tuple(change["change"]["actions"]) for change in planned.values()} == {("create",)}, name


@pytest.mark.parametrize(
    ("stack", "assignment", "message"),
    [
        ("demo-warehouse", "base_capacity=12", "Must be 4, or a multiple of 8"),
        ("demo-target-database", "refresh_interval_tickit=432001", "Must be from 0 to 432000."),
        ("demo-source", "instance_class_tickit=r6g.large", "Must look like db.r6g.2xlarge."),
    ],
)
def test_hand_edited_values_are_refused_by_variable_validation(
    default_synth: Synthesized, default_plans: dict[str, PlanResult], stack: str, assignment: str, message: str
) -> None:
    assert stack in default_plans  # the directory is initialized and plans cleanly with the rendered values
    done = subprocess.run(
        ["terraform", "plan", "-input=false", "-no-color", "-lock=false", f"-var={assignment}"],
        cwd=default_synth.stack_dir(stack), capture_output=True, text=True, timeout=300,
    )
    assert done.returncode != 0
    assert message in done.stderr, done.stderr
