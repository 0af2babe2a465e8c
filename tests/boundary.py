"""The apply role's hold on the permissions boundary (stacks/boundary.py), evaluated as IAM
does (tests/iam_eval.py): the check tests/test_permissions_boundary.py makes on the synthesized
bootstrap stacks and tests/test_trust_policies.py on the policies straight from the catalog, and
the ways a team loosens the apply role's policy, each of which it must catch."""

from __future__ import annotations

from tests.iam_eval import allowed
from zeroetl.catalog.facts import partition
from zeroetl.catalog.model import Catalog
from zeroetl.rollout.accounts import ROLLOUT_ROLES, boundary_arn, role_arn
from zeroetl.rollout.policies import IAM_GRANT


def boundary_problems(apply: list[dict], catalog: Catalog, account: str, region: str, env: str) -> list[str]:
    """How the apply role's policy could let a role of `env` escape the boundary."""
    boundary = boundary_arn(catalog, account, region)
    p = partition(region)
    role = f"arn:{p}:iam::{account}:role/{catalog.app}-{env}-any"
    others = [None, f"arn:{p}:iam::aws:policy/AdministratorAccess", f"arn:{p}:iam::{account}:policy/{catalog.app}-{env}-wide"]
    problems = []
    for action in IAM_GRANT:
        if not allowed(apply, action, role, {"iam:PermissionsBoundary": boundary}):
            problems.append(f"cannot {action} with the boundary")
        for other in others:
            if allowed(apply, action, role, {"iam:PermissionsBoundary": other} if other else {}):
                problems.append(f"may {action} with boundary {other}")
    if allowed(apply, "iam:DeleteRolePermissionsBoundary", role):
        problems.append("may delete a role's boundary")
    for action in ("iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicyVersion", "iam:DeletePolicy"):
        if allowed(apply, action, boundary):
            problems.append(f"may {action} on the boundary")
    if not allowed(apply, "iam:CreatePolicyVersion", f"arn:{p}:iam::{account}:policy/{catalog.app}-{env}-rds-integrations"):
        problems.append("cannot change the environment's own policies")
    for kind in ROLLOUT_ROLES:  # an environment named `rollout` names them too
        own = role_arn(catalog, account, region, kind)
        for action in (*IAM_GRANT, "iam:UpdateAssumeRolePolicy", "iam:DeleteRolePolicy", "iam:DeleteRolePermissionsBoundary", "iam:DeleteRole"):
            if allowed(apply, action, own, {"iam:PermissionsBoundary": boundary}):
                problems.append(f"may {action} on the rollout's own {kind} role")
    return problems


def beyond_the_stacks(catalog: Catalog, account: str, p: str = "aws", region: str = "eu-west-1") -> list[tuple[str, str]]:
    """(action, resource): what a role the apply role rewrote might try, none of which the
    stacks grant their roles, so the boundary must refuse each."""
    return [
        ("iam:CreateRole", f"arn:{p}:iam::{account}:role/anything"),
        ("iam:PutRolePolicy", f"arn:{p}:iam::{account}:role/{catalog.app}-rollout-apply"),
        ("sts:AssumeRole", f"arn:{p}:iam::{account}:role/{catalog.app}-rollout-apply"),
        ("s3:GetObject", f"arn:{p}:s3:::{catalog.app}-tfstate-{account}-{region}/{catalog.app}/{account}/state.tfstate"),
        ("s3:PutObject", f"arn:{p}:s3:::redshift-downloads/tickit/x"),
        ("secretsmanager:GetSecretValue", f"arn:{p}:secretsmanager:{region}:{account}:secret:x"),
        ("redshift:GetClusterCredentials", f"arn:{p}:redshift:{region}:{account}:dbuser:c/admin"),
        ("redshift-serverless:GetCredentials", f"arn:{p}:redshift-serverless:{region}:{account}:workgroup/w"),
        ("logs:GetLogEvents", f"arn:{p}:logs:{region}:{account}:log-group:/aws/lambda/payments:log-stream:x"),
        ("logs:PutLogEvents", f"arn:{p}:logs:{region}:{account}:log-group:/aws/lambda/payments:log-stream:x"),
        ("logs:DeleteLogGroup", f"arn:{p}:logs:{region}:{account}:log-group:RDSOSMetrics"),
        ("kms:Decrypt", f"arn:{p}:kms:{region}:{account}:key/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"),
    ]


def _drop_condition(statements: list[dict]) -> None:
    next(s for s in statements if s.get("Sid") == "GrantTheEnvironmentsRolesOnlyWithinTheBoundary").pop("Condition")


def _boundary_like(statements: list[dict]) -> None:
    grant = next(s for s in statements if s.get("Sid") == "GrantTheEnvironmentsRolesOnlyWithinTheBoundary")
    grant["Condition"] = {"ArnLike": {"iam:PermissionsBoundary": "arn:aws:iam::*:policy/*"}}


def _drop_deny(statements: list[dict]) -> None:
    """The deny is what keeps the boundary out of reach when the policies the apply role manages
    could match its name (an environment named `rollout`, or a team's `<app>-*`)."""
    statements[:] = [s for s in statements if s.get("Sid") != "NeverTheBoundary"]
    next(s for s in statements if s.get("Sid") == "ManageTheEnvironmentsPolicies")["Resource"].append("arn:aws:iam::*:policy/zeroetl-*")


def _may_unbound(statements: list[dict]) -> None:
    next(s for s in statements if s.get("Sid") == "ManageTheEnvironmentsRoles")["Action"].append("iam:DeleteRolePermissionsBoundary")


def _grant_unconditioned(statements: list[dict]) -> None:
    next(s for s in statements if s.get("Sid") == "ManageTheEnvironmentsRoles")["Action"].append("iam:PutRolePolicy")


LOOSENINGS = [_drop_condition, _boundary_like, _drop_deny, _may_unbound, _grant_unconditioned]
