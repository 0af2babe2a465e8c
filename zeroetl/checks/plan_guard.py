"""The plan guard: reads `terraform show -json` of a plan and refuses the plan when it would
delete or replace a stateful resource, or delete or replace an integration, unless that
address is allowed for this run.

A replaced Aurora cluster, warehouse or key is data lost; a replaced integration re-seeds
every table (20+ minutes of stale analytics). It also refuses a plan that would run CREATE
DATABASE ... FROM INTEGRATION again for an integration whose id has not changed: the database
exists, the statement would fail, and every later apply of the stack with it (this happens if
the provider drops an expired Data API statement from state). Destroying the integration stack on purpose
(the article's clean-up) stays possible: allow its addresses for that run.

It refuses an in-place change AWS carries out as an outage (an Aurora instance's class, a
provisioned warehouse's node type or count) unless allowed for the run: the stacks apply
changes immediately, so the approval is the maintenance window.

It refuses, too, a plan that creates an Aurora cluster with an engine version marked
deprecated in catalog/engine_versions.yaml (AWS refuses CreateDBCluster with it): the catalog
still loads such a version, so that environments whose cluster exists keep synthesizing, and
the refusal comes at the plan that would create one. Synthesis lists the deprecated versions
in cdktf.out/rollout/guard.json (GUARD_FACTS) for the workflow and `main.py guard`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GUARD_FACTS = Path("rollout") / "guard.json"  # under cdktf.out/

# Resources whose loss is data loss (or, for keys, unreadable data).
STATEFUL_TYPES = frozenset(
    {
        "aws_rds_cluster",
        "aws_redshift_cluster",
        "aws_redshiftserverless_namespace",
        "aws_kms_key",
    }
)
# Resources whose deletion or replacement is an outage the plan does not show, and why.
REPLACEMENT_SENSITIVE: dict[str, str] = {
    "aws_rds_integration": "the integration stops, and a new one re-seeds every table (20+ minutes of stale analytics); "
    "its target database is then dropped and created again from the new one (with history_mode, the history kept so far is lost)",
    # Redshift guide, "zero-etl-using.redshift-iam": the namespace's resource policy is what
    # authorizes each integration; without it they stop (REDSHIFT-INTEGRATION-EVENT-0008).
    "aws_redshift_resource_policy": "it authorizes every integration into the warehouse; while it is gone they stop, and a replacement may drop a source",
    # A replaced writer is a failover and a restart; a removed instance is lost capacity.
    "aws_rds_cluster_instance": "an Aurora instance goes away: a writer's replacement is a failover (an outage for writes), a reader's is lost capacity",
    # The workgroup holds the endpoint every client and the Data API use.
    "aws_redshiftserverless_workgroup": "the warehouse's endpoint goes away until the new workgroup is available; the integrations' target stays the namespace",
}


# In-place updates AWS carries out as an outage. The stacks apply changes immediately
# (apply_immediately: a change deferred to the maintenance window is planned again by every
# plan until then), so the reviewer's approval is the window: ask.
DISRUPTIVE_UPDATES: dict[tuple[str, str], str] = {
    ("aws_rds_cluster_instance", "instance_class"): "a new instance class restarts the instance now; the writer's is a failover (minutes without writes)",
    ("aws_redshift_cluster", "node_type"): "a resize: the warehouse is read-only, then briefly unavailable, while it runs",
    ("aws_redshift_cluster", "number_of_nodes"): "a resize: the warehouse is read-only, then briefly unavailable, while it runs",
}


@dataclass(frozen=True)
class Finding:
    plan: str
    address: str
    action: str
    why: str

    def __str__(self) -> str:
        return f"{self.plan}: {self.address} would be {self.action}: {self.why}"


def change_kind(actions: list[str]) -> str | None:
    """What a resource change's actions (`terraform show -json`) do to it: add, change,
    replace (create and delete, in either order) or destroy; None for no-op and read."""
    if sorted(actions) == ["create", "delete"]:
        return "replace"
    return {("create",): "add", ("update",): "change", ("delete",): "destroy"}.get(tuple(actions))


def _action(actions: list[str]) -> str | None:
    return {"destroy": "deleted", "replace": "replaced"}.get(change_kind(actions) or "")


# stacks/constructs/target_database.py: the statements and the trigger holding their
# integration id are siblings, named <construct>_create-database_<hash>,
# <construct>_drop-replaced-database_<hash> and <construct>_integration-id_<hash>.
CREATE_DATABASE, DROP_DATABASE, INTEGRATION_ID = "_create-database_", "_drop-replaced-database_", "_integration-id_"
# What running each again for an integration whose id did not change would do.
RUN_AGAIN = {
    CREATE_DATABASE: "CREATE DATABASE would run again for an integration whose id did not change, and fail on the existing database",
    DROP_DATABASE: "DROP DATABASE would run for an integration whose id did not change: the live replicated database would be lost",
}


def _would_run_again(change: dict[str, Any], part: str) -> bool:
    """Whether a statement of that part is created by this plan with SQL that matters: any
    CREATE, and a drop whose SQL is known to be DROP DATABASE (on a stack's first apply, or the
    apply that adds the statement, its SQL is not known at plan and resolves to SELECT 1)."""
    if "create" not in change["change"]["actions"]:
        return False
    if part == CREATE_DATABASE:
        return True
    sql = (change["change"].get("after") or {}).get("sql")
    return isinstance(sql, str) and sql.lstrip().upper().startswith("DROP DATABASE")


def _create_database_again(changes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(address, why) of each CREATE DATABASE or DROP DATABASE statement the plan runs while
    the trigger that holds its integration id stays as it is (the statement left the state)."""
    triggers = {c["name"].split(INTEGRATION_ID)[0]: c["change"]["actions"] for c in changes if c["type"] == "terraform_data" and INTEGRATION_ID in c["name"]}
    found = []
    for change in changes:
        if change["type"] != "aws_redshiftdata_statement":
            continue
        for part, why in RUN_AGAIN.items():
            if part in change["name"] and _would_run_again(change, part) and triggers.get(change["name"].split(part)[0]) == ["no-op"]:
                found.append((change["address"], why))
    return found


def _disruptive_updates(changes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(address, why) of each in-place update of an attribute AWS changes with an outage."""
    found = []
    for change in changes:
        if change.get("mode") != "managed" or change["change"]["actions"] != ["update"]:
            continue
        before, after = change["change"].get("before") or {}, change["change"].get("after") or {}
        for (type_, attribute), why in DISRUPTIVE_UPDATES.items():
            if change["type"] == type_ and attribute in before and before.get(attribute) != after.get(attribute):
                found.append((change["address"], f"{attribute} {before.get(attribute)} -> {after.get(attribute)}: {why}"))
    return found


def deprecated_versions(outdir: Path) -> frozenset[str]:
    """The engine versions synthesis marked deprecated (none when the file is absent)."""
    path = outdir / GUARD_FACTS
    if not path.is_file():
        return frozenset()
    return frozenset(json.loads(path.read_text(encoding="utf-8"))["deprecated_engine_versions"])


def _created_on_a_deprecated_version(changes: list[dict[str, Any]], deprecated: frozenset[str]) -> list[tuple[str, str]]:
    found = []
    for change in changes:
        version = (change["change"].get("after") or {}).get("engine_version")
        if change["type"] == "aws_rds_cluster" and "create" in change["change"]["actions"] and version in deprecated:
            found.append((
                change["address"],
                f"engine_version {version} is deprecated (catalog/engine_versions.yaml) and CreateDBCluster refuses it: "
                "set the source's engine_version to a supported version in the catalog",
            ))
    return found


def check_plan(plan: dict[str, Any], name: str, allowed: frozenset[str] = frozenset(), deprecated: frozenset[str] = frozenset()) -> list[Finding]:
    """deprecated: the engine versions no cluster may be created with (deprecated_versions)."""
    changes = plan.get("resource_changes", [])
    findings = [Finding(name, address, "created again", why) for address, why in _create_database_again(changes) if address not in allowed]
    findings += [Finding(name, address, "created", why) for address, why in _created_on_a_deprecated_version(changes, deprecated)]
    findings += [Finding(name, address, "changed in place", why) for address, why in _disruptive_updates(changes) if address not in allowed]
    for change in plan.get("resource_changes", []):
        if change.get("mode") != "managed" or change["address"] in allowed:
            continue
        action = _action(change["change"]["actions"])
        if action is None:
            continue
        type_ = change["type"]
        if type_ in STATEFUL_TYPES:
            findings.append(Finding(name, change["address"], action, f"{type_} holds data; this loses it"))
        elif type_ in REPLACEMENT_SENSITIVE:
            findings.append(Finding(name, change["address"], action, REPLACEMENT_SENSITIVE[type_]))
    return findings


def check_files(paths: list[Path], allowed: frozenset[str], deprecated: frozenset[str] = frozenset()) -> list[Finding]:
    findings = []
    for path in paths:
        findings += check_plan(json.loads(path.read_text(encoding="utf-8")), str(path), allowed, deprecated)
    return findings
