"""Terraform variables for the knobs that differ between environments.

Each variable has a type, a description and a validation; its value comes from the stack's
terraform.tfvars, rendered by templates/<layer>.tfvars.j2 from the catalog. The catalog
already checked the value; the validation guards a hand-edited tfvars file.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Callable

from cdktf import TerraformVariable
from constructs import Construct

# A rule receives the variable's reference (var.<name>) and returns (condition, message).
# Conditions are written as Terraform expressions rather than built with cdktf's Op and Fn:
# each Op/Fn call is a round trip to the jsii node process, and those calls were about a
# quarter of the round trips it takes to build an environment (~340 before, ~250 after). The
# strings are exactly what Op and Fn wrote (the synthesized fleet was byte for byte the same),
# and Terraform parses every one of them in the tests' offline plans.
Rule = Callable[[str], tuple[str, str]]


def variable(
    scope: Construct,
    name: str,
    type_: str,
    description: str,
    rules: list[Rule] = (),
    nullable: bool = False,
) -> TerraformVariable:
    """Declare a required variable (no default: the rendered tfvars must set it)."""
    declared = TerraformVariable(scope, name, type=type_, description=description, nullable=nullable)
    reference = f"var.{declared.friendly_unique_id}"
    for rule in rules:
        condition, message = rule(reference)
        declared.add_validation(condition=f"${{{condition}}}", error_message=message)
    return declared


def within(low: float, high: float, step: float = 1) -> Rule:
    """A number from low to high, in steps of step."""

    def rule(value: str) -> tuple[str, str]:
        condition = f"(({value} >= {low}) && ({value} <= {high}))"
        if step != 1:
            condition = f"({condition} && (({value} % {step}) == 0))"
        steps = f" in steps of {step}" if step != 1 else ""
        return condition, f"Must be from {low} to {high}{steps}."

    return rule


def one_of(values: Sequence[float], message: str) -> Rule:
    """A number from a list (the list written out: Terraform checks it without the catalog)."""

    def rule(value: str) -> tuple[str, str]:
        return f"contains([{', '.join(str(v) for v in values)}], {value})", message

    return rule


def matches(pattern: str, example: str) -> Rule:
    """A string the regular expression matches."""

    def rule(value: str) -> tuple[str, str]:
        return f"can(regex({json.dumps(pattern)}, {value}))", f"Must look like {example}."

    return rule


def at_most_patterns(limit: int) -> Rule:
    """At most limit comma separated patterns; null counts as the one default pattern."""

    def rule(value: str) -> tuple[str, str]:
        return f'(length(split(",", coalesce({value}, "include: *.*"))) <= {limit})', f"At most {limit} patterns."

    return rule
