"""Terraform variables for the knobs that differ between environments.

Each variable has a type, a description and a validation; its value comes from the stack's
terraform.tfvars, rendered by templates/<layer>.tfvars.j2 from the catalog. The catalog
already checked the value; the validation guards a hand-edited tfvars file.
"""

from __future__ import annotations

from typing import Any, Callable

from cdktf import Fn, Op, TerraformVariable, Token
from constructs import Construct

# A rule receives the variable's own value token and returns (condition token, message).
Rule = Callable[[Any], tuple[Any, str]]


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
    value = {"string": declared.string_value, "number": declared.number_value, "bool": declared.boolean_value}[type_]
    for rule in rules:
        condition, message = rule(value)
        declared.add_validation(condition=condition, error_message=message)
    return declared


def _number(value: float) -> Any:
    """A numeric literal for Op: jsii turns a plain 0 into `undefined` in the expression."""
    return Token.as_number(str(value))


def within(low: float, high: float, step: float = 1) -> Rule:
    """A number from low to high, in steps of step."""

    def rule(value: Any) -> tuple[Any, str]:
        condition = Op.and_(Op.gte(value, _number(low)), Op.lte(value, _number(high)))
        if step != 1:
            condition = Op.and_(condition, Op.eq(Op.mod(value, _number(step)), _number(0)))
        steps = f" in steps of {step}" if step != 1 else ""
        return condition, f"Must be from {low} to {high}{steps}."

    return rule


def matches(pattern: str, example: str) -> Rule:
    """A string the regular expression matches."""

    def rule(value: Any) -> tuple[Any, str]:
        return Fn.can(Fn.regex(pattern, value)), f"Must look like {example}."

    return rule


def at_most_patterns(limit: int) -> Rule:
    """At most limit comma separated patterns; null counts as the one default pattern."""

    def rule(value: Any) -> tuple[Any, str]:
        patterns = Fn.split(",", Fn.coalesce([value, "include: *.*"]))
        return Op.lte(Fn.length_of(patterns), _number(limit)), f"At most {limit} patterns."

    return rule
