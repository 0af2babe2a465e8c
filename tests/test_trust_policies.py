"""The bootstrap roles' trust policies as zeroetl/rollout/policies.py writes them, straight from
the catalog (no synthesis), evaluated against the claims of every job of the rendered workflow:
the check tests/test_bootstrap.py makes on the synthesized stacks, fast enough for
scripts/mutation to run against each mutant. Likewise the permissions boundary and the apply
role's hold on it (tests/test_permissions_boundary.py on the synthesized stacks)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from tests.boundary import LOOSENINGS, beyond_the_stacks, boundary_problems
from tests.iam_eval import allowed
from tests.trust import AUD, HOST, loosenings, may_assume, violations
from zeroetl.catalog.loader import load_catalog
from zeroetl.catalog.model import Catalog
from zeroetl.catalog.naming import SOURCE_NETWORK, WAREHOUSE_NETWORK, aws_name, flow_logs_group_name
from zeroetl.rollout.accounts import AccountPlan, account_plans
from zeroetl.rollout.files import render_rollout
from zeroetl.rollout.policies import apply_policy, boundary_policy, trust_policy

ROOT = Path(__file__).resolve().parents[1]
PROVIDER = "arn:aws:iam::{account}:oidc-provider/token.actions.githubusercontent.com"


@pytest.fixture(scope="module")
def fleet() -> tuple[Catalog, dict, dict[tuple[str, str], dict]]:
    catalog = load_catalog(ROOT / "catalog" / "fleet.yaml")
    workflow = yaml.safe_load(render_rollout(catalog, "catalog/fleet.yaml")["github-workflow.yml"])
    roles = {(plan.account_id, kind): trust_policy(catalog, plan, kind, PROVIDER.format(account=plan.account_id)) for plan in account_plans(catalog) for kind in ("plan", "apply")}
    return catalog, workflow, roles


def test_each_job_can_assume_exactly_the_roles_it_needs(fleet: tuple[Catalog, dict, dict]) -> None:
    catalog, workflow, roles = fleet
    assert {account for account, _ in roles} == {a for env in catalog.environments for a in (env.source_account.account_id, env.target.account_id)}
    assert violations(catalog, workflow, roles) == []


@pytest.mark.parametrize("loosen", loosenings())
def test_a_loosened_trust_policy_is_caught(fleet: tuple[Catalog, dict, dict], loosen) -> None:
    catalog, workflow, roles = fleet
    roles = copy.deepcopy(roles)
    loosen(roles[("333333333333", "apply")]["Statement"][0]["Condition"])
    assert violations(catalog, workflow, roles), "a loosened apply-role trust went unnoticed"


def test_only_this_repository_and_its_own_provider_are_trusted(fleet: tuple[Catalog, dict, dict]) -> None:
    catalog, _, roles = fleet
    repository = catalog.rollout.github_repository
    for (account, kind), trust in roles.items():
        (statement,) = trust["Statement"]
        assert statement["Principal"] == {"Federated": PROVIDER.format(account=account)}
        assert trust["Version"] == "2012-10-17"
        own = {f"{HOST}:aud": AUD, f"{HOST}:sub": f"repo:{repository}:pull_request"}
        assert may_assume(trust, own) == (kind == "plan")
        assert not may_assume(trust, {**own, f"{HOST}:sub": f"repo:{repository}-fork:pull_request"})
        assert not may_assume(trust, {**own, f"{HOST}:sub": f"repo:{repository}:ref:refs/heads/feature"})
        assert may_assume(trust, {**own, f"{HOST}:sub": f"repo:{repository}:ref:refs/heads/{catalog.rollout.default_branch}"}) == (kind == "plan")


@pytest.fixture(scope="module")
def accounts(fleet: tuple[Catalog, dict, dict]) -> list[tuple[AccountPlan, list[dict], list[dict]]]:
    """Per account: its plan, the apply role's statements, the boundary's statements."""
    catalog = fleet[0]
    keys = ["arn:aws:kms:eu-west-1:111111111111:key/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"]
    return [(plan, apply_policy(catalog, plan, keys)["Statement"], boundary_policy(catalog, plan)["Statement"]) for plan in account_plans(catalog)]


def test_the_apply_role_grants_a_role_permissions_only_within_the_boundary(fleet: tuple[Catalog, dict, dict], accounts: list) -> None:
    catalog = fleet[0]
    assert len(accounts) >= 4
    for plan, apply, _ in accounts:
        for env in plan.environments:
            assert boundary_problems(apply, catalog, plan.account_id, plan.regions[0], env) == [], (plan.account_id, env)


def test_an_environment_named_rollout_reaches_neither_the_rollouts_roles_nor_the_boundary(tmp_path: Path) -> None:
    """Its names `<app>-rollout-*` are the apply role's to manage, and the bootstrap's roles and
    boundary are named so too: the apply role's denies hold them apart."""
    data = yaml.safe_load((ROOT / "catalog" / "fleet.yaml").read_text())
    data["environments"][0]["name"] = "rollout"
    (tmp_path / "fleet.yaml").write_text(yaml.safe_dump(data))
    catalog = load_catalog(tmp_path / "fleet.yaml")
    keys = ["arn:aws:kms:eu-west-1:111111111111:key/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"]
    plans = [plan for plan in account_plans(catalog) if "rollout" in plan.environments]
    assert plans
    for plan in plans:
        apply = apply_policy(catalog, plan, keys)["Statement"]
        assert boundary_problems(apply, catalog, plan.account_id, plan.regions[0], "rollout") == [], plan.account_id
        assert allowed(apply, "iam:DeleteRolePolicy", f"arn:aws:iam::{plan.account_id}:role/zeroetl-rollout-monitoring"), "the test reaches the names"
        unguarded = [s for s in apply if s.get("Sid") != "NeverTheRolloutsOwnRoles"]
        assert boundary_problems(unguarded, catalog, plan.account_id, plan.regions[0], "rollout") != [], "without its deny, the apply role would reach them"


@pytest.mark.parametrize("loosen", LOOSENINGS)
def test_a_loosened_apply_role_is_caught(fleet: tuple[Catalog, dict, dict], accounts: list, loosen) -> None:
    plan, apply, _ = accounts[0]
    apply = copy.deepcopy(apply)
    loosen(apply)
    assert boundary_problems(apply, fleet[0], plan.account_id, plan.regions[0], plan.environments[0]) != []


def _needed(catalog: Catalog, plan: AccountPlan) -> list[tuple[str, str]]:
    """(action, resource) of what the stacks grant their roles in this account, from the catalog:
    flow logs of each network, enhanced monitoring, warehouse discovery, LOAD DATA FROM S3."""
    needed = [("redshift:DescribeClusters", "*"), ("redshift-serverless:ListNamespaces", "*")]
    for env in catalog.environments:
        logs = f"arn:aws:logs:{env.region}:{plan.account_id}:log-group:"
        for network, account in ((SOURCE_NETWORK, env.source_account), (WAREHOUSE_NETWORK, env.target)):
            if account.account_id == plan.account_id:
                group = logs + flow_logs_group_name(aws_name(catalog, env, network))
                needed += [(a, f"{group}:log-stream:eni-1") for a in ("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams")]
        if env.source_account.account_id == plan.account_id:
            needed += [(a, logs + "RDSOSMetrics") for a in ("logs:CreateLogGroup", "logs:PutRetentionPolicy")]
            needed += [("logs:GetLogEvents", logs + "RDSOSMetrics:log-stream:db-ABC")]
            for bucket in {b for source in env.sources for b in source.s3_import_buckets}:
                needed += [("s3:ListBucket", f"arn:aws:s3:::{bucket}"), ("s3:GetObject", f"arn:aws:s3:::{bucket}/tickit/allusers_pipe.txt")]
                needed += [("s3:GetObjectVersion", f"arn:aws:s3:::{bucket}/tickit/allusers_pipe.txt")]
    return needed


def test_the_boundary_allows_what_the_stacks_grant_and_nothing_more(fleet: tuple[Catalog, dict, dict], accounts: list) -> None:
    catalog = fleet[0]
    for plan, _, boundary in accounts:
        needed = _needed(catalog, plan)
        assert any(action == "s3:GetObject" for action, _ in needed) == any(env.source_account.account_id == plan.account_id for env in catalog.environments)
        assert [request for request in needed if not allowed(boundary, *request)] == [], plan.account_id
        assert [request for request in beyond_the_stacks(catalog, plan.account_id) if allowed(boundary, *request)] == [], plan.account_id
        # another account's log groups and another region's are outside it
        for region in plan.regions:
            assert not allowed(boundary, "logs:PutLogEvents", f"arn:aws:logs:{region}:999999999999:log-group:RDSOSMetrics:log-stream:x")
        assert not allowed(boundary, "logs:PutLogEvents", f"arn:aws:logs:ap-south-2:{plan.account_id}:log-group:RDSOSMetrics:log-stream:x")
        assert all(s["Effect"] == "Allow" and s["Sid"] for s in boundary)
