"""The configure-aws-credentials stand-in's first step: what GitHub and AWS STS would decide
when the job asks for its role (`assume.py ROLE_ARN AUDIENCE`), as the real action meets them:

- GitHub runs a job that names an environment only on a branch the environment's deployment
  branch policy allows: the policy `main.py github-environments --apply` sets on every wave
  environment (the catalog's default branch). Elsewhere the job fails before any step.
- The job's OIDC token carries the claims of tests/trust.py's `claims`, for the job as this
  run's workflow file defines it (a pull request's own copy of the workflow included: GitHub
  runs that copy), the run's event and branch (a schedule's is the default branch), and the
  audience the step asked for.
- STS lets the token become the role only if the role's trust policy, as the administrator
  applied it, allows it (tests/trust.py's `may_assume`, IAM's evaluation). The applied policies
  are those of main's first commit's bootstrap stacks, written by tests/act/engine.make_world
  to $ZEROETL_ACT_TRUST: a pull request cannot change them by changing its own synthesis.

Appends `JOB EVENT ROLE allowed|refused WHY` to $ZEROETL_ACT_STATE/assumed.log and exits 1,
with the real action's words, when refused. A catalog without bootstrap stacks (no
ZEROETL_ACT_TRUST) names roles the team made itself: their requests are logged `unchecked`."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.act.engine import WORKFLOW
from tests.trust import HOST, claims, may_assume


def decide(role: str, audience: str, env: dict[str, str], trust: dict, workflow: dict) -> str:
    """Why the job may not become the role, or "" when it may."""
    job = workflow["jobs"][env["GITHUB_JOB"]]
    event, ref = env["GITHUB_EVENT_NAME"], env["GITHUB_REF"]
    if event == "schedule":
        # GitHub runs a schedule on the default branch's latest commit; act names the ref the
        # checkout is at (the deployed tag, after a rollout)
        ref = f"refs/heads/{trust['default_branch']}"
    environment = job.get("environment")
    if isinstance(environment, dict):
        environment = environment.get("name")
    if environment is not None:
        branch = trust["environments"].get(environment)
        if branch is None or event == "pull_request" or ref != f"refs/heads/{branch}":
            return f'GitHub: "{ref}" is not allowed to deploy to {environment} due to environment protection rules'
    token = claims(job, event, trust["repository"], ref.removeprefix("refs/heads/"))
    if token is None:
        return "GitHub: the job has no id-token: write permission, so it gets no OIDC token"
    token[f"{HOST}:aud"] = audience
    policy = trust["roles"].get(role)
    if policy is None or not may_assume(policy, token):
        return f"STS: Not authorized to perform sts:AssumeRoleWithWebIdentity ({token[f'{HOST}:sub']})"
    return ""


def main(role: str, audience: str) -> int:
    if "ZEROETL_ACT_TRUST" in os.environ:
        trust = json.loads(Path(os.environ["ZEROETL_ACT_TRUST"]).read_text(encoding="utf-8"))
        workflow = yaml.safe_load((Path(os.environ["GITHUB_WORKSPACE"]) / WORKFLOW).read_text(encoding="utf-8"))
        refused = decide(role, audience, dict(os.environ), trust, workflow)
        verdict = f"refused {refused}" if refused else "allowed"
    else:  # a catalog without bootstrap stacks: its roles are the team's own, their trust unknown here
        refused, verdict = "", "unchecked"
    with (Path(os.environ["ZEROETL_ACT_STATE"]) / "assumed.log").open("a", encoding="utf-8") as log:
        log.write(f"{os.environ['GITHUB_JOB']} {os.environ['GITHUB_EVENT_NAME']} {role} {verdict}\n")
    if refused:
        print(f"Could not assume role with OIDC: {refused}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
