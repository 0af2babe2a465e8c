"""Day-2 harness: the state a real apply leaves, made offline, and plans against it later.

An apply writes into state what the plan said, with every value the plan did not know yet
filled in by AWS. `simulate_apply` does the same offline: it plans the stack against the state
so far (`-refresh=false`: nothing to ask AWS), takes each planned resource's `after` values,
fills what was unknown with values of the right type from the provider's own schema (keeping
what an earlier round already filled, as AWS keeps ids), writes that state and plans again,
until the plan is empty. The scenarios then edit that state the way AWS edits it as time passes
(what the provider's refresh would read back) and plan once more.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.harness import Synthesized, stack_copy, terraform
from zeroetl.checks.upstream import state_document

MAX_ROUNDS = 6
BUILTIN = "terraform.io/builtin/terraform"
AWS = "registry.terraform.io/hashicorp/aws"


@dataclass
class Applied:
    """A stack directory whose state is `resources`, as after an apply."""

    workdir: Path
    resources: dict[str, dict[str, Any]]  # address -> attributes
    schemas: dict[str, Any]

    def plan(self) -> dict[str, Any]:
        """`terraform show -json` of a plan against the current state, without refresh."""
        write_state(self)
        terraform(self.workdir, "plan", "-input=false", "-no-color", "-lock=false", "-refresh=false", "-out=day2.tfplan")
        return json.loads(terraform(self.workdir, "show", "-json", "day2.tfplan"))

    def edit(self, address: str, **attributes: Any) -> None:
        """Change attributes of a resource in state, as a refresh would read them back."""
        self.resources[address].update(attributes)


def _real(change: dict[str, Any]) -> bool:
    """A change that alters something. The provider's legacy SDK can plan an in-place update of
    a resource whose every value is the same before and after (its private metadata, which
    a made-up state lacks, differs); such an update changes nothing in AWS and is not counted."""
    actions = change["change"]["actions"]
    if actions == ["no-op"]:
        return False
    if actions == ["update"]:
        return json.dumps(change["change"]["before"], sort_keys=True) != json.dumps(change["change"]["after"], sort_keys=True)
    return True


def changes(plan: dict[str, Any]) -> dict[str, list[str]]:
    """{address: actions} of every resource the plan would really change."""
    return {c["address"]: c["change"]["actions"] for c in plan.get("resource_changes", []) if _real(c)}


def differences(plan: dict[str, Any]) -> dict[str, dict[str, tuple[Any, Any]]]:
    """{address: {attribute: (before, after)}} of every resource the plan would change."""
    found = {}
    for change in plan.get("resource_changes", []):
        before, after = change["change"]["before"] or {}, change["change"]["after"] or {}
        if _real(change):
            found[change["address"]] = {k: (before.get(k), after.get(k)) for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)}
    return found


def simulate_apply(synth: Synthesized, name: str, workdir: Path) -> Applied:
    """A copy of the (planned, initialized) stack directory with the state an apply leaves."""
    copy = stack_copy(synth, name, workdir, "day2.tfstate")
    schemas = json.loads(terraform(copy, "providers", "schema", "-json"))["provider_schemas"]
    applied = Applied(copy, {}, schemas)
    for _ in range(MAX_ROUNDS):
        plan = applied.plan()
        pending = [c for c in plan.get("resource_changes", []) if c["mode"] == "managed" and _real(c)]
        if not pending:
            return applied
        for change in pending:
            if change["change"]["actions"] == ["delete"]:
                applied.resources.pop(change["address"], None)
                continue
            block = _schema(schemas, change)["block"]
            previous = applied.resources.get(change["address"], {})
            filled = _fill(change["change"]["after"], change["change"]["after_unknown"], block, previous, change["type"])
            if change["type"] == "terraform_data":
                filled["output"] = filled.get("input")  # what Terraform's apply sets it to
            applied.resources[change["address"]] = filled
    raise AssertionError(f"{name}: the plan was not empty after {MAX_ROUNDS} simulated applies: {differences(plan)}")


def write_state(applied: Applied) -> None:
    resources = []
    for address, attributes in sorted(applied.resources.items()):
        type_, name = address.split(".", 1)
        provider = BUILTIN if type_ == "terraform_data" else AWS
        version = applied.schemas[provider]["resource_schemas"][type_]["version"]
        resources.append(
            {
                "mode": "managed",
                "type": type_,
                "name": name,
                "provider": f'provider["{provider}"]',
                "instances": [{"schema_version": version, "attributes": json.loads(json.dumps(attributes)), "sensitive_attributes": []}],
            }
        )
    for resource in resources:  # dynamically typed attributes carry their type in state
        schema = applied.schemas[BUILTIN if resource["type"] == "terraform_data" else AWS]["resource_schemas"][resource["type"]]
        attributes = resource["instances"][0]["attributes"]
        for key, spec in schema["block"].get("attributes", {}).items():
            if spec["type"] == "dynamic" and not (isinstance(attributes.get(key), dict) and "type" in attributes[key]):
                attributes[key] = {"value": attributes.get(key), "type": _cty_type(attributes.get(key))}
    document = state_document(applied.workdir.name, {}, resources)
    (applied.workdir / "day2.tfstate").write_text(json.dumps(document, indent=2))


def _cty_type(value: Any) -> Any:
    """The type Terraform gives a JSON value it decodes into a dynamically typed attribute."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return ["object", {key: _cty_type(item) for key, item in value.items()}]
    if isinstance(value, list):
        return ["tuple", [_cty_type(item) for item in value]]
    return "dynamic"


def _schema(schemas: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    provider = BUILTIN if change["type"] == "terraform_data" else AWS
    return schemas[provider]["resource_schemas"][change["type"]]


def _fill(after: Any, unknown: Any, block: dict[str, Any], previous: dict[str, Any], type_: str) -> dict[str, Any]:
    """after with every unknown attribute given a value: the previous round's, else one of its
    type (strings say where they come from, so a test can tell them apart)."""
    values = dict(after or {})
    for name, spec in block.get("attributes", {}).items():
        if unknown is True or (isinstance(unknown, dict) and unknown.get(name) is True):
            values[name] = previous.get(name, _value_of(spec["type"], name, type_))
        elif name not in values:
            values[name] = previous.get(name)
    for name in block.get("block_types", {}):
        values.setdefault(name, previous.get(name, []))
    return values


# Computed strings AWS fills with an identifier; the others read back empty (null), as most
# optional computed settings do, and a made-up value there could fail the provider's checks.
IDENTIFIERS = ("id", "arn", "endpoint", "address", "name", "key")


def _value_of(type_: Any, name: str, resource: str = "") -> Any:
    if type_ == "string" and name.split("_")[-1] == "arn":
        service = resource.split("_")[1] if resource.count("_") else "simulated"
        return f"arn:aws:{service}:us-east-1:111111111111:simulated/{resource}/{name}"
    if type_ == "string":
        return f"simulated-{name}" if name.split("_")[-1] in IDENTIFIERS else None
    if type_ == "number":
        return 0
    if type_ == "bool":
        return False
    if isinstance(type_, list) and type_[0] in ("list", "set"):
        element = type_[1]
        if isinstance(element, list) and element[0] == "object":  # a computed block AWS fills, once
            return [{key: _value_of(sub, key, resource) for key, sub in element[1].items()}]
        return []
    if isinstance(type_, list) and type_[0] == "map":
        return {}
    return None  # dynamic and object types: null, as an unset computed value reads
