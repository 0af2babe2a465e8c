"""The GitHub environments of the rollout's apply jobs, as code.

An apply role trusts `repo:OWNER/REPO:environment:<wave>` (stacks/bootstrap.py), a subject that
carries no branch: any job that names the environment gets it, including a job a pull request
adds to its own copy of the workflow. What stops that job is the environment's deployment
branch policy (only the default branch may deploy to it) and its required reviewers. GitHub
creates a missing environment without either, so each wave environment is made here, from the
catalog, through GitHub's REST API (`gh api`, the GitHub CLI with the administrator's login):

- deployment branches: custom policies, exactly one, the catalog's default branch; any other
  policy (a `*` a team added while debugging) is deleted;
- required reviewers (rollout.reviewers) on the waves from rollout.reviewed_from_wave on,
  who may not approve their own run; earlier waves have none;
- no wait timer.

`main.py github-environments` lists what differs and exits 1 when anything does;
`--apply` changes it and exits 0 once nothing differs. Running it again changes nothing.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from typing import Any, Protocol

from zeroetl.catalog.model import Catalog
from zeroetl.rollout.waves import waves


class GitHubError(RuntimeError):
    pass


@dataclass(frozen=True)
class Wanted:
    """One wave environment as the catalog wants it."""

    name: str
    branch: str
    reviewers: tuple[str, ...]  # "user:LOGIN" / "team:SLUG"


@dataclass
class Difference:
    environment: str
    what: str  # in words, for the table
    calls: list[tuple[str, str, dict[str, Any] | None]] = field(default_factory=list)  # (method, path, body)


class GitHub(Protocol):
    def __call__(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]: ...


def wanted(catalog: Catalog) -> list[Wanted]:
    rollout = catalog.rollout
    result = []
    for wave in waves(catalog):
        if not wave.jobs:
            continue
        number = int(wave.id.split("-")[1])
        reviewers = tuple(rollout.reviewers) if number >= rollout.reviewed_from_wave else ()
        result.append(Wanted(wave.id, rollout.default_branch, reviewers))
    return result


def gh(method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    """GitHub's REST API through the GitHub CLI: (HTTP status, parsed body)."""
    args = ["gh", "api", "--method", method, "--include", path] + (["--input", "-"] if body is not None else [])
    try:
        done = subprocess.run(args, input=json.dumps(body) if body is not None else None, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise GitHubError("the GitHub CLI (gh) is not installed: https://cli.github.com, then `gh auth login` as a repository administrator") from None
    head, _, text = done.stdout.replace("\r\n", "\n").partition("\n\n")
    status_line = head.splitlines()[0] if head else ""
    if not status_line.startswith("HTTP/"):
        raise GitHubError(f"gh api {method} {path}: {done.stderr.strip() or 'no answer'}")
    status = int(status_line.split()[1])
    return status, json.loads(text) if text.strip() else None


ADMIN_HINT = " (gh's login needs admin rights on the repository)"


def _expect(answer: tuple[int, Any], ok: tuple[int, ...], what: str, hint: str = ADMIN_HINT) -> Any:
    status, body = answer
    if status not in ok:
        message = body.get("message", "") if isinstance(body, dict) else ""
        raise GitHubError(f"{what}: GitHub answered {status} {message}{hint if status in (401, 403, 404) else ''}")
    return body


def _reviewer_ids(github: GitHub, repository: str, reviewers: tuple[str, ...], ids: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    owner = repository.split("/")[0]
    result = []
    for reviewer in reviewers:
        if reviewer not in ids:
            kind, name = reviewer.split(":", 1)
            path = f"users/{name}" if kind == "user" else f"orgs/{owner}/teams/{name}"
            hint = " (no such user)" if kind == "user" else f" (no such team in organization {owner}, or gh's login cannot see it)"
            found = _expect(github("GET", path), (200,), f"rollout.reviewers {reviewer!r}", hint)
            ids[reviewer] = {"type": "User" if kind == "user" else "Team", "id": found["id"]}
        result.append(ids[reviewer])
    return result


def differences(github: GitHub, repository: str, environments: list[Wanted]) -> list[Difference]:
    """What differs between GitHub and the catalog, each with the calls that mend it."""
    found: list[Difference] = []
    ids: dict[str, dict[str, Any]] = {}
    for env in environments:
        base = f"repos/{repository}/environments/{env.name}"
        status, current = github("GET", base)
        if status not in (200, 404):
            _expect((status, current), (200,), f"environment {env.name}")
        reviewers = _reviewer_ids(github, repository, env.reviewers, ids)
        settings = {
            "wait_timer": 0,
            "prevent_self_review": bool(reviewers),
            "reviewers": reviewers,
            "deployment_branch_policy": {"protected_branches": False, "custom_branch_policies": True},
        }
        problems = _setting_problems(current, settings) if status == 200 else ["missing (GitHub would create it unprotected)"]
        if problems:
            found.append(Difference(env.name, "; ".join(problems), [("PUT", base, settings)]))
        policies = [] if status == 404 else _branch_policies(github, base)
        kept = [p for p in policies if p["name"] == env.branch and p.get("type", "branch") == "branch"]
        extra = [p for p in policies if p not in kept[:1]]
        calls: list[tuple[str, str, dict[str, Any] | None]] = [("DELETE", f"{base}/deployment-branch-policies/{p['id']}", None) for p in extra]
        if not kept:
            calls.append(("POST", f"{base}/deployment-branch-policies", {"name": env.branch, "type": "branch"}))
        if calls:
            words = ([f"deploys from {', '.join(repr(p['name']) for p in extra)}"] if extra else []) + ([] if kept else [f"not limited to {env.branch!r}"])
            found.append(Difference(env.name, "; ".join(words), calls))
    return found


def _branch_policies(github: GitHub, base: str) -> list[dict[str, Any]]:
    """The environment's custom branch policies; none while custom policies are off (404)."""
    status, body = github("GET", f"{base}/deployment-branch-policies")
    if status == 404:
        return []
    return _expect((status, body), (200,), f"{base} branch policies")["branch_policies"]


def _setting_problems(current: dict[str, Any], settings: dict[str, Any]) -> list[str]:
    rules = {rule["type"]: rule for rule in current.get("protection_rules") or []}
    problems = []
    policy = current.get("deployment_branch_policy") or {}
    if not policy.get("custom_branch_policies") or policy.get("protected_branches"):
        problems.append("any branch may deploy" if not policy else "deploys from protected branches, not one named branch")
    required = rules.get("required_reviewers", {})
    have = sorted((r["type"], r["reviewer"]["id"]) for r in required.get("reviewers", []))
    want = sorted((r["type"], r["id"]) for r in settings["reviewers"])
    if have != want:
        problems.append(f"{len(have)} required reviewer(s), the catalog names {len(want)}")
    if want and not required.get("prevent_self_review"):
        problems.append("a reviewer may approve their own run")
    if rules.get("wait_timer", {}).get("wait_timer", 0):
        problems.append(f"a wait timer of {rules['wait_timer']['wait_timer']} min")
    return problems


def converge(github: GitHub, repository: str, environments: list[Wanted]) -> list[Difference]:
    """Make GitHub match the catalog; what was changed. Each environment's settings come before
    its branch policies (GitHub keeps policies only while custom policies are on)."""
    changed = differences(github, repository, environments)
    for difference in changed:
        for method, path, body in difference.calls:
            _expect(github(method, path, body), (200, 201, 204), f"{method} {path}")
    return changed
