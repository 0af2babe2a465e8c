"""Redshift resource policies (the integration's authorization), which moto 5.2.5 lacks.

Imitates (Amazon Redshift API Reference): PutResourcePolicy, GetResourcePolicy,
DeleteResourcePolicy (https://docs.aws.amazon.com/redshift/latest/APIReference/API_PutResourcePolicy.html).
PutResourcePolicy replaces the whole document, as AWS does. The integration addition reads the
policies to decide whether a source may integrate with a target.
"""

from __future__ import annotations

import json
from typing import Any

from tests.emulator.additions import redshift_serverless
from tests.emulator.additions.store import LOCK, arn_parts
from tests.emulator.protocol import ApiError, Call

SERVICE = "redshift"
PROTOCOL = "query"
XMLNS = "http://redshift.amazonaws.com/doc/2012-12-01/"
POLICIES: dict[str, str] = {}  # namespace ARN -> policy document


def _namespace_exists(namespace_arn: str) -> bool:
    parts = arn_parts(namespace_arn)
    if parts.get("service") == "redshift-serverless":
        return any(item["namespaceArn"] == namespace_arn for item in redshift_serverless.NAMESPACES.items.values())
    return parts.get("service") == "redshift" and parts.get("resource", "").startswith("namespace:")


def put_resource_policy(call: Call) -> dict[str, Any]:
    target, policy = call.params["ResourceArn"], call.params["Policy"]
    if not _namespace_exists(target):
        raise ApiError("InvalidParameterValue", f"The resource {target} is not a namespace that exists")
    try:
        json.loads(policy)
    except ValueError:
        raise ApiError("InvalidPolicyFault", "The resource policy is not valid JSON") from None
    with LOCK:
        POLICIES[target] = policy
    return {"ResourcePolicy": {"ResourceArn": target, "Policy": policy}}


def get_resource_policy(call: Call) -> dict[str, Any]:
    target = call.params["ResourceArn"]
    if target not in POLICIES:
        raise ApiError("ResourceNotFoundFault", f"No resource policy for {target}", 404)
    return {"ResourcePolicy": {"ResourceArn": target, "Policy": POLICIES[target]}}


def delete_resource_policy(call: Call) -> dict[str, Any]:
    with LOCK:
        if POLICIES.pop(call.params["ResourceArn"], None) is None:
            raise ApiError("ResourceNotFoundFault", f"No resource policy for {call.params['ResourceArn']}", 404)
    return {}


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def authorizes(target: str, source_arn: str, caller_account: str) -> str | None:
    """Why the target's policy refuses an integration from source_arn created by a principal
    of caller_account, or None when it allows it (Redshift management guide, "Configure
    authorization for your Amazon Redshift data warehouse": both halves are needed)."""
    if target not in POLICIES:
        return f"the target {target} has no resource policy"
    statements = _listed(json.loads(POLICIES[target]).get("Statement", []))
    principal_ok = source_ok = False
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        actions = _listed(statement.get("Action", []))
        principal = statement.get("Principal", {})
        if "redshift:CreateInboundIntegration" in actions:
            for who in _listed(principal.get("AWS", [])):
                if who == caller_account or arn_parts(who).get("account") == caller_account:
                    principal_ok = True
        if "redshift:AuthorizeInboundIntegration" in actions and "redshift.amazonaws.com" in _listed(principal.get("Service", [])):
            sources = _listed(statement.get("Condition", {}).get("StringEquals", {}).get("aws:SourceArn", []))
            source_ok = source_ok or source_arn in sources
    if not principal_ok:
        return f"account {caller_account} is not an authorized principal of {target}"
    if not source_ok:
        return f"{source_arn} is not an authorized integration source of {target}"
    return None


HANDLERS = {
    "PutResourcePolicy": put_resource_policy,
    "GetResourcePolicy": get_resource_policy,
    "DeleteResourcePolicy": delete_resource_policy,
}
