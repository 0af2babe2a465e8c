"""IAM's evaluation of an identity policy, for the tests: a request (action, resource, the
request's condition keys) is allowed when an Allow statement matches it and no Deny does. A
statement matches when one of its actions (case-insensitive) and one of its resources match,
wildcards as IAM reads them, and every condition matches; a condition key the request lacks
fails its condition, as it does for every operator without IfExists (none is used here)."""

from __future__ import annotations

import fnmatch

from tests.trust import matches


def listed(value: str | list[str]) -> list[str]:
    """A statement's Action or Resource, which IAM takes as one string or a list."""
    return value if isinstance(value, list) else [value]


def _applies(statement: dict, action: str, resource: str, context: dict[str, str]) -> bool:
    return (
        any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in listed(statement["Action"]))
        and any(fnmatch.fnmatchcase(resource, r) for r in listed(statement["Resource"]))
        and all(matches(op, wanted, context.get(key)) for op, block in statement.get("Condition", {}).items() for key, wanted in block.items())
    )


def allowed(statements: list[dict], action: str, resource: str, context: dict[str, str] | None = None) -> bool:
    context = context or {}
    return any(_applies(s, action, resource, context) for s in statements if s["Effect"] == "Allow") and not any(
        _applies(s, action, resource, context) for s in statements if s["Effect"] == "Deny"
    )
