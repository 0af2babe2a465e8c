"""GitHub's OIDC claims for each job of the rendered workflow, and IAM's evaluation of a
web-identity trust policy against them, for tests/test_bootstrap.py (the synthesized bootstrap
stacks) and tests/test_trust_policies.py (the policies straight from the catalog).

The claims follow GitHub's documented `sub` forms (REFERENCE.md, written here, not taken from
the product): `repo:O/R:pull_request`, `repo:O/R:ref:refs/heads/BRANCH`,
`repo:O/R:environment:NAME`. A trust policy is evaluated as IAM does (StringEquals /
StringLike, every key of a condition must match, any value of a key may)."""

from __future__ import annotations

import fnmatch
import json

from zeroetl.catalog.model import Catalog
from zeroetl.rollout.accounts import BOOTSTRAP_PREFIX
from zeroetl.rollout.waves import waves

AUD = "sts.amazonaws.com"
HOST = "token.actions.githubusercontent.com"
EVENTS = ("pull_request", "push", "schedule", "workflow_dispatch")


def claims(job: dict, event: str, repository: str, branch: str = "main") -> dict[str, str] | None:
    """The token a job gets for an event, or None when it can mint none."""
    if (job.get("permissions") or {}).get("id-token") != "write":
        return None
    if "environment" in job:
        sub = f"repo:{repository}:environment:{job['environment']}"
    elif event == "pull_request":
        sub = f"repo:{repository}:pull_request"
    else:
        sub = f"repo:{repository}:ref:refs/heads/{branch}"
    return {f"{HOST}:aud": AUD, f"{HOST}:sub": sub}


def bootstrap_trust(stacks: dict[str, dict]) -> dict[tuple[str, str], dict]:
    """(account, role name): the trust policy of each role of the synthesized bootstrap stacks
    among `stacks` (stack name: its cdk.tf.json)."""
    found = {}
    for name, config in stacks.items():
        if name.startswith(BOOTSTRAP_PREFIX):
            for role in config["resource"]["aws_iam_role"].values():
                found[(name.removeprefix(BOOTSTRAP_PREFIX), role["name"])] = json.loads(role["assume_role_policy"])
    return found


def matches(operator: str, wanted: object, actual: str | None) -> bool:
    values = wanted if isinstance(wanted, list) else [wanted]
    if actual is None:
        return False
    if operator == "StringEquals":
        return actual in values
    if operator in ("StringLike", "ArnLike", "ArnEquals"):  # IAM's ArnEquals takes wildcards too
        return any(fnmatch.fnmatchcase(actual, str(v)) for v in values)
    if operator == "Bool":  # IAM compares "true"/"false" without regard to case
        return actual.lower() in {str(v).lower() for v in values}
    raise AssertionError(f"unexpected condition operator {operator}")


def may_assume(trust: dict, token: dict[str, str] | None) -> bool:
    """Whether a web-identity token passes the trust policy (no Deny statements are used)."""
    if token is None:
        return False
    for statement in trust["Statement"]:
        if statement["Effect"] != "Allow" or statement["Action"] != "sts:AssumeRoleWithWebIdentity":
            continue
        conditions = statement.get("Condition", {})
        if all(matches(op, wanted, token.get(key)) for op, block in conditions.items() for key, wanted in block.items()):
            return True
    return False


def violations(catalog: Catalog, workflow: dict, roles: dict[tuple[str, str], dict]) -> list[str]:
    """Every way a job could assume a role it should not, or not the one it needs; roles:
    (account, plan|apply): trust policy."""
    repository = catalog.rollout.github_repository
    accounts_of_wave = {wave.id: {job.account_id for job in wave.jobs} for wave in waves(catalog)}
    problems = []
    for job_id, job in workflow["jobs"].items():
        for event in EVENTS:
            token = claims(job, event, repository)
            for (account, kind), trust in roles.items():
                allowed = may_assume(trust, token)
                if job_id.startswith("apply-"):
                    expected = kind == "apply" and account in accounts_of_wave[job["environment"]]
                elif job_id.startswith("plan-"):
                    expected = kind == "plan"
                else:
                    expected = False
                if allowed != expected:
                    problems.append(f"{job_id} on {event}: {'may' if allowed else 'may not'} assume {kind} role of {account}")
                # the same claims minted for another audience (GitHub's default is the owner's URL)
                if token and may_assume(trust, {**token, f"{HOST}:aud": "https://github.com/example-org"}):
                    problems.append(f"{job_id} on {event}: a token for another audience may assume {kind} role of {account}")
    return problems


def loosenings() -> list:
    """Ways a team loosens an apply role's trust condition, each of which must be caught."""
    return [
        lambda c: c["StringEquals"].__setitem__(f"{HOST}:sub", "repo:example-org/data-platform:*"),  # StringEquals is literal: nothing matches
        lambda c: c.setdefault("StringLike", {}).__setitem__(f"{HOST}:sub", "repo:example-org/data-platform:*") or c["StringEquals"].pop(f"{HOST}:sub"),
        lambda c: c["StringEquals"].pop(f"{HOST}:sub"),
        lambda c: c["StringEquals"][f"{HOST}:sub"].append("repo:example-org/data-platform:pull_request"),
        lambda c: c["StringEquals"].pop(f"{HOST}:aud"),
    ]
