"""Realistic upstream outputs: what a downstream stack reads through terraform_remote_state
once its upstream stacks are applied, made up offline in AWS's real formats (ARNs with UUIDs
that only exist after an apply), so downstream stacks can be planned for real before anything
is deployed. Used by `main.py verify` and by the tests' per-stack offline plans.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

REF = re.compile(r"^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\}$")
CROSS_STACK_OUTPUT = "cross-stack-output-"
REMOTE_STATE_PREFIX = "cross-stack-reference-input-"


class UpstreamError(ValueError):
    pass


def fake_id(prefix: str, seed: str) -> str:
    return f"{prefix}-0{hashlib.sha256(seed.encode()).hexdigest()[:16]}"


def fake_uuid(seed: str) -> str:
    return str(uuid.UUID(hashlib.md5(seed.encode()).hexdigest()))


def realistic_value(upstream: dict[str, Any], expression: str) -> Any:
    """What the attribute `expression` of the synthesized stack `upstream` holds after apply."""
    match = REF.match(expression)
    if not match:
        raise UpstreamError(f"cross-stack output {expression!r} is not a plain attribute reference")
    type_, name, attribute = match.groups()
    config = upstream["resource"][type_][name]
    literal = config.get(attribute)
    if isinstance(literal, str) and "${" not in literal:
        return literal  # an argument set to a plain value reads back as that value
    provider = upstream["provider"]["aws"][0]
    region, account = provider["region"], provider["allowed_account_ids"][0]
    if "aws_redshift_cluster" in str(config.get("resource_arn", "")) or type_ == "aws_redshift_cluster":
        namespace_arn = f"arn:aws:redshift:{region}:{account}:namespace:{fake_uuid(name)}"
    else:
        namespace_arn = f"arn:aws:redshift-serverless:{region}:{account}:namespace/{fake_uuid(name)}"
    values = {
        ("aws_vpc", "id"): lambda: fake_id("vpc", name),
        ("aws_subnet", "id"): lambda: fake_id("subnet", name),
        ("aws_rds_cluster", "arn"): lambda: f"arn:aws:rds:{region}:{account}:cluster:{config['cluster_identifier']}",
        ("aws_redshift_resource_policy", "resource_arn"): lambda: namespace_arn,
        ("aws_redshiftserverless_namespace", "arn"): lambda: namespace_arn,
        ("aws_redshiftserverless_namespace", "admin_password_secret_arn"): lambda: (
            f"arn:aws:secretsmanager:{region}:{account}:secret:redshift!{config['namespace_name']}-admin-Ab12Cd"
        ),
        ("aws_redshift_cluster", "cluster_namespace_arn"): lambda: namespace_arn,
        ("aws_redshift_cluster", "master_password_secret_arn"): lambda: (
            f"arn:aws:secretsmanager:{region}:{account}:secret:redshift!{config['cluster_identifier']}-admin-Ef34Gh"
        ),
        ("aws_rds_integration", "arn"): lambda: f"arn:aws:rds:{region}:{account}:integration:{fake_uuid(name)}",
    }
    if (type_, attribute) not in values:
        raise UpstreamError(f"no realistic value known for {type_}.{attribute}: add one to zeroetl/checks/upstream.py")
    return values[(type_, attribute)]()


def upstream_outputs(upstream: dict[str, Any]) -> dict[str, Any]:
    """The outputs cdktf made for other stacks (the rest are for operators), as after apply."""
    outputs = {}
    for output, spec in upstream.get("output", {}).items():
        if output.startswith(CROSS_STACK_OUTPUT):
            value = spec["value"]
            outputs[output] = [realistic_value(upstream, v) for v in value] if isinstance(value, list) else realistic_value(upstream, value)
    return outputs


def state_document(name: str, outputs: dict[str, Any], resources: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A Terraform state file (format 4) of stack `name` holding these outputs and resources."""

    def state_type(value: Any) -> Any:
        return ["list", "string"] if isinstance(value, list) else "string"

    return {
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": 1,
        "lineage": fake_uuid(name),
        "outputs": {k: {"value": v, "type": state_type(v), "sensitive": True} for k, v in outputs.items()},
        "resources": resources or [],
        "check_results": None,
    }


def remote_states(consumer: dict[str, Any]) -> dict[str, str]:
    """{terraform_remote_state name: upstream stack name} of a synthesized stack."""
    return {name: name.removeprefix(REMOTE_STATE_PREFIX) for name in consumer.get("data", {}).get("terraform_remote_state", {})}
