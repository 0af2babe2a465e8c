"""What each account of the fleet needs before its first rollout, computed from the catalog
alone: the input of its bootstrap stack (stacks/bootstrap.py) and of the workflow's choice of
role per stack (cdktf.out/rollout/credentials.json).

Per account:
- a state bucket in every region where one of its stacks keeps state (the naming rule's
  bucket of that account and region), holding keys under `<app>/<account>/`;
- the GitHub environments (apply waves) holding its stacks: only jobs in those may assume its
  apply role;
- the environments it takes part in: its roles read, and are read by, the other account of
  each such environment (the integration stack reads the warehouse's state, the database
  stack the integration's), and its apply role manages IAM names of those environments only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from zeroetl.catalog.facts import partition, sts_audience
from zeroetl.catalog.model import Catalog, Environment
from zeroetl.catalog.naming import Layer, layer_account, stack_name, state_bucket
from zeroetl.rollout.waves import waves

# The workflow's sessions: a plan job runs up to 60 minutes, an apply job up to 180 (an Aurora
# cluster or an integration can take most of that). A role's MaxSessionDuration caps what
# configure-aws-credentials may ask for; the session is taken straight from GitHub's token,
# never by chaining roles, which AWS caps at one hour.
PLAN_SESSION_SECONDS = 3600
APPLY_SESSION_SECONDS = 3 * 3600
BOOTSTRAP_PREFIX = "bootstrap-"
# The roles each bootstrap creates (role_name): the workflow's two, and S3's for replicating the
# state buckets (stacks/constructs/state_replica.py). The apply role may change none of them.
ROLLOUT_ROLES = ("plan", "apply", "replication")


@dataclass(frozen=True)
class StateShare:
    """Keys of one bucket that another account's roles may read: one environment's states."""

    bucket: str
    region: str
    prefix: str
    account_id: str  # the account whose roles read (for a grant) or own the bucket (for a read)


@dataclass(frozen=True)
class AccountPlan:
    account_id: str
    partition: str
    buckets: tuple[tuple[str, str], ...]  # (region, bucket) where its stacks keep state
    regions: tuple[str, ...]  # every region its stacks deploy into
    apply_environments: tuple[str, ...]  # the GitHub environments (waves) of its apply jobs
    environments: tuple[str, ...]  # catalog environments it takes part in
    reads: tuple[StateShare, ...]  # other accounts' states its roles read
    readers: tuple[StateShare, ...]  # who else reads its buckets
    integration_targets: tuple[tuple[str, str], ...] = ()  # (region, account) of the warehouses its integrations feed

    @property
    def stack(self) -> str:
        return f"{BOOTSTRAP_PREFIX}{self.account_id}"


def role_name(catalog: Catalog, kind: str) -> str:
    """`<app>-rollout-plan` / `-apply` / `-replication`: outside `<app>-<environment>-*`, the names
    the apply role may manage, unless an environment is named `rollout` (the apply role's policy
    denies itself the bootstrap's roles whatever they are named)."""
    return f"{catalog.app}-rollout-{kind}"


def role_arn(catalog: Catalog, account_id: str, region: str, kind: str) -> str:
    return f"arn:{partition(region)}:iam::{account_id}:role/{role_name(catalog, kind)}"


def boundary_name(catalog: Catalog) -> str:
    """`<app>-rollout-boundary`: the permissions boundary every role the stacks create carries
    (stacks/boundary.py), which the bootstrap creates and the apply role may not change."""
    return f"{catalog.app}-rollout-boundary"


def boundary_arn(catalog: Catalog, account_id: str, region: str) -> str:
    return f"arn:{partition(region)}:iam::{account_id}:policy/{boundary_name(catalog)}"


def _env_prefix(catalog: Catalog, env: Environment, account_id: str) -> str:
    return f"{catalog.app}/{account_id}/{env.region}/{env.name}/"


def account_plans(catalog: Catalog) -> list[AccountPlan]:
    """One plan per account, in the order accounts first appear in the catalog."""
    accounts: dict[str, dict] = {}
    for env in catalog.environments:
        for layer in Layer:
            account = layer_account(env, layer).account_id
            entry = accounts.setdefault(account, {"buckets": {}, "regions": {}, "envs": {}, "reads": {}, "readers": {}, "targets": {}, "partition": partition(env.region)})
            entry["regions"][env.region] = None
            entry["envs"][env.name] = None
            if catalog.state.backend == "s3":
                entry["buckets"][env.region] = state_bucket(catalog, env, layer)
            if layer is Layer.INTEGRATION:
                entry["targets"][(env.region, layer_account(env, Layer.WAREHOUSE).account_id)] = None
        if env.cross_account and catalog.state.backend == "s3":
            for reader, owner in ((env.source_account, env.target), (env.target, env.source_account)):
                layer = Layer.WAREHOUSE if owner is env.target else Layer.SOURCE
                share = StateShare(state_bucket(catalog, env, layer), env.region, _env_prefix(catalog, env, owner.account_id), owner.account_id)
                accounts[reader.account_id]["reads"][share] = None
                accounts[owner.account_id]["readers"][StateShare(share.bucket, share.region, share.prefix, reader.account_id)] = None
    apply_envs: dict[str, dict[str, None]] = {account: {} for account in accounts}
    for wave in waves(catalog):
        for job in wave.jobs:
            apply_envs[job.account_id][wave.id] = None
    return [
        AccountPlan(
            account_id=account,
            partition=entry["partition"],
            buckets=tuple(sorted(entry["buckets"].items())),
            regions=tuple(sorted(entry["regions"])),
            apply_environments=tuple(apply_envs[account]),
            environments=tuple(entry["envs"]),
            reads=tuple(entry["reads"]),
            readers=tuple(entry["readers"]),
            integration_targets=tuple(sorted(entry["targets"])),
        )
        for account, entry in accounts.items()
    ]


def bootstrap_enabled(catalog: Catalog) -> bool:
    return catalog.state.backend == "s3" and catalog.rollout.github_repository is not None


def credentials(catalog: Catalog) -> str:
    """cdktf.out/rollout/credentials.json: per stack, the role its plan and apply jobs assume
    straight from GitHub's token, the region of its STS call, the token's audience (STS of
    the partition), and the session each asks for."""
    table = {}
    for env in catalog.environments:
        for layer in Layer:
            account = layer_account(env, layer).account_id
            table[stack_name(env, layer)] = {
                "account_id": account,
                "region": env.region,
                "audience": sts_audience(env.region),
                "plan_role_arn": role_arn(catalog, account, env.region, "plan"),
                "apply_role_arn": role_arn(catalog, account, env.region, "apply"),
                "plan_session_seconds": PLAN_SESSION_SECONDS,
                "apply_session_seconds": APPLY_SESSION_SECONDS,
            }
    return json.dumps(table, indent=1, sort_keys=True) + "\n"
