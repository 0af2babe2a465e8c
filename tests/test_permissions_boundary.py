"""The permissions boundary on the roles the stacks create (stacks/boundary.py), on the fleet's
synthesized stacks: every such role carries its account's boundary, the boundary allows all the
stacks grant their roles (so it breaks none of them), and the apply role can give a role
permissions only with that boundary on it and can change neither the boundary nor a role's
hold of it. README, Security model of the rollout ("What the apply role may do")."""

from __future__ import annotations

import copy
import json
import re

import pytest

from tests.boundary import LOOSENINGS, beyond_the_stacks, boundary_problems
from tests.harness import Synthesized, resources
from tests.iam_eval import allowed, listed
from zeroetl.catalog.facts import partition
from zeroetl.rollout.accounts import BOOTSTRAP_PREFIX, boundary_arn, boundary_name

# AWS's managed policy service-role/AmazonRDSEnhancedMonitoringRole, which the enhanced
# monitoring role is given (written here from AWS's documentation, not from the product), on the
# log group RDS writes OS metrics to.
ENHANCED_MONITORING = [
    (["logs:CreateLogGroup", "logs:PutRetentionPolicy"], "log-group:RDSOSMetrics"),
    (["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams", "logs:GetLogEvents"], "log-group:RDSOSMetrics:log-stream:db-ABCDEFGHIJKLMNOP"),
]
_LOG_GROUP_ARN = re.compile(r"\$\{aws_cloudwatch_log_group\.([^.}]+)\.arn\}")


def _account_and_region(config: dict) -> tuple[str, str]:
    (provider,) = [p for p in config["provider"]["aws"] if "alias" not in p]
    return provider["allowed_account_ids"][0], provider["region"]


def _bootstrap(synth: Synthesized) -> dict[str, dict]:
    """account: {"boundary": statements, "apply": the apply role's statements}."""
    found = {}
    for name, config in synth.stacks.items():
        if name.startswith(BOOTSTRAP_PREFIX):
            (boundary,) = [p for p in resources(config, "aws_iam_policy").values() if p["name"] == boundary_name(synth.catalog)]
            (apply,) = [p for p in resources(config, "aws_iam_role_policy").values() if p["role"] == "${aws_iam_role.apply-role.name}"]
            found[name.removeprefix(BOOTSTRAP_PREFIX)] = {"boundary": json.loads(boundary["policy"])["Statement"], "apply": json.loads(apply["policy"])["Statement"]}
    return found


def _stacks_with_roles(synth: Synthesized):
    for name, config in synth.stacks.items():
        if not name.startswith(BOOTSTRAP_PREFIX) and resources(config, "aws_iam_role"):
            yield name, config


def test_every_role_a_stack_creates_carries_its_accounts_boundary(fleet_synth: Synthesized) -> None:
    bootstraps = _bootstrap(fleet_synth)
    roles = 0
    for name, config in _stacks_with_roles(fleet_synth):
        account, region = _account_and_region(config)
        assert account in bootstraps, f"{name}: account {account} has no bootstrap stack to create its boundary"
        for address, role in resources(config, "aws_iam_role").items():
            assert role.get("permissions_boundary") == boundary_arn(fleet_synth.catalog, account, region), f"{name}: {address}"
            roles += 1
    assert roles >= 10, roles


def _grants(name: str, config: dict) -> list[tuple[str, str]]:
    """(action, resource) of everything the stack grants its roles, Terraform references to its
    log groups made the ARNs AWS gives them; any other reference fails, so a new one is looked at."""
    account, region = _account_and_region(config)
    p = partition(region)
    groups = {address: group["name"] for address, group in resources(config, "aws_cloudwatch_log_group").items()}
    grants = []
    for address, role_policy in resources(config, "aws_iam_role_policy").items():
        text = _LOG_GROUP_ARN.sub(lambda m: f"arn:{p}:logs:{region}:{account}:log-group:{groups[m[1]]}", role_policy["policy"])
        assert "${" not in text, f"{name}: {address} holds a reference this test cannot resolve: {text}"
        for statement in json.loads(text)["Statement"]:
            assert statement["Effect"] == "Allow", (name, address)
            for action in listed(statement["Action"]):
                for resource in listed(statement["Resource"]):
                    grants.append((action, resource))
    for address, attachment in resources(config, "aws_iam_role_policy_attachment").items():
        assert attachment["policy_arn"] == f"arn:{p}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole", f"{name}: {address} attaches a policy this test does not know"
        for actions, resource in ENHANCED_MONITORING:
            grants += [(action, f"arn:{p}:logs:{region}:{account}:{resource}") for action in actions]
    return grants


def test_the_boundary_allows_all_the_stacks_grant_their_roles(fleet_synth: Synthesized) -> None:
    """A grant's resource may itself be a pattern ("*", "bucket/*"): the boundary must allow it
    as written, which fnmatch checks by matching the pattern's own text."""
    bootstraps = _bootstrap(fleet_synth)
    checked = 0
    for name, config in _stacks_with_roles(fleet_synth):
        account, _ = _account_and_region(config)
        for action, resource in _grants(name, config):
            assert allowed(bootstraps[account]["boundary"], action, resource), f"{name}: the boundary of {account} refuses {action} on {resource}"
            checked += 1
    assert checked >= 40, checked


def test_the_boundary_allows_nothing_the_stacks_do_not_need(fleet_synth: Synthesized) -> None:
    """What a role the apply role rewrote might try: the boundary alone refuses it."""
    for account, found in _bootstrap(fleet_synth).items():
        assert [request for request in beyond_the_stacks(fleet_synth.catalog, account) if allowed(found["boundary"], *request)] == [], account


def _cases(synth: Synthesized):
    for account, found in _bootstrap(synth).items():
        env = next(e for e in synth.catalog.environments if account in (e.source_account.account_id, e.target.account_id))
        yield account, env, found["apply"]


def test_the_apply_role_grants_a_role_permissions_only_within_the_boundary(fleet_synth: Synthesized) -> None:
    cases = list(_cases(fleet_synth))
    assert len(cases) == len(_bootstrap(fleet_synth)) >= 4
    for account, env, apply in cases:
        assert boundary_problems(apply, fleet_synth.catalog, account, env.region, env.name) == [], account


@pytest.mark.parametrize("loosen", LOOSENINGS)
def test_a_loosened_apply_role_is_caught(fleet_synth: Synthesized, loosen) -> None:
    account, env, apply = next(_cases(fleet_synth))
    loosened = copy.deepcopy(apply)
    loosen(loosened)
    assert boundary_problems(loosened, fleet_synth.catalog, account, env.region, env.name) != []
