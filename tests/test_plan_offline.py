"""Every stack passes terraform init + validate + plan offline against the real AWS provider,
downstream stacks with realistic upstream outputs, and the plan creates exactly what was
synthesized."""

from __future__ import annotations

import pytest

from tests.harness import PlanResult, Synthesized, addresses

pytestmark = pytest.mark.terraform


def _planned(result: PlanResult) -> dict[str, dict]:
    return {change["address"]: change for change in result.plan["resource_changes"]}


@pytest.mark.parametrize("which", ["default", "variant"])
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
