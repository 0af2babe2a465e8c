"""A setting AWS applies later reads back as the old value until then, so every plan and every
drift run repeats it (a perpetual diff for up to a week). The class: every resource the stacks
create whose provider schema offers `apply_immediately` sets it, and the plan guard asks about
the changes AWS makes with an outage (tests/test_plan_guard.py). The list of such types comes
from the provider's own schema (`terraform providers schema -json`), not from the stacks."""

from __future__ import annotations

import json

from tests.harness import PlanResult, Synthesized, terraform


def test_every_resource_that_can_defer_a_change_applies_it_at_once(fleet_synth: Synthesized, fleet_plans: dict[str, PlanResult]) -> None:
    schemas = json.loads(terraform(fleet_synth.stack_dir("eu-warehouse"), "providers", "schema", "-json"))
    aws = next(s for name, s in schemas["provider_schemas"].items() if name.endswith("hashicorp/aws"))["resource_schemas"]
    deferring = {type_ for type_, schema in aws.items() if "apply_immediately" in schema["block"].get("attributes", {})}
    seen = set()
    for name, stack in fleet_synth.stacks.items():
        for type_, blocks in stack.get("resource", {}).items():
            if type_ not in deferring:
                continue
            seen.add(type_)
            for block_name, block in blocks.items():
                assert block.get("apply_immediately") is True, f"{name}: {type_}.{block_name} defers its changes to a maintenance window"
    assert seen == {"aws_rds_cluster", "aws_rds_cluster_instance", "aws_redshift_cluster"}, "the fleet creates these three"
