"""Catalog text reaches Terraform as the literal text it is.

Terraform reads every string of its JSON syntax (and of a .tfvars file) as a template: `${...}`
is an interpolation and `%{...}` a directive (Terraform language, "Strings and Templates").
A catalog value such as the alarm address `${ONCALL}@example.com` would be evaluated, not
sent. The stacks therefore never see the catalog's own strings: `build` gives them a copy in
which every string (and every mapping key) has both sequences escaped as `$${` and `%%{`, which
Terraform turns back into the text as written. cdktf's Fn.rawString is not used: it leaves
`%{` alone and rewrites newlines.

Names the stacks derive or compare (stack names, construct ids, naming rules) cannot hold either
sequence (their patterns refuse `$`, `%` and braces), so the copy leaves them unchanged.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel

T = TypeVar("T")


def terraform_literal(text: str) -> str:
    return text.replace("${", "$${").replace("%{", "%%{")


def terraform_literals(value: T) -> T:
    """A copy of a catalog model (or value) with every string escaped for Terraform."""
    if isinstance(value, str):
        return terraform_literal(value)  # type: ignore[return-value]
    if isinstance(value, BaseModel):
        return value.model_copy(update={name: terraform_literals(getattr(value, name)) for name in type(value).model_fields})
    if isinstance(value, (list, tuple)):
        return type(value)(terraform_literals(item) for item in value)  # type: ignore[return-value]
    if isinstance(value, dict):
        return {terraform_literals(key): terraform_literals(item) for key, item in value.items()}  # type: ignore[return-value]
    return value
