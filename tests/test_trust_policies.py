"""The bootstrap roles' trust policies as zeroetl/rollout/policies.py writes them, straight from
the catalog (no synthesis), evaluated against the claims of every job of the rendered workflow:
the check tests/test_bootstrap.py makes on the synthesized stacks, fast enough for
scripts/mutation to run against each mutant."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from tests.trust import AUD, HOST, loosenings, may_assume, violations
from zeroetl.catalog.loader import load_catalog
from zeroetl.catalog.model import Catalog
from zeroetl.rollout.accounts import account_plans
from zeroetl.rollout.files import render_rollout
from zeroetl.rollout.policies import trust_policy

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
