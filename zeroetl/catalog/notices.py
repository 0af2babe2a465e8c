"""What a valid catalog still asks of its team: warnings, not refusals. main.py prints them after
synthesis; each names the environment and field, what to change and when.

- An environment whose alerts reach no one (no monitoring.alarm_emails): allowed in wave 0,
  refused later (the model's rule); subscriptions also stay pending until each address confirms.
- An engine version AWS has since deprecated (catalog/engine_versions.yaml): an existing
  cluster keeps running and Terraform ignores its version after creation, so the environment
  keeps synthesizing; only creating a cluster with it fails (CreateDBCluster refuses it), and
  the plan guard refuses that plan before it is applied (zeroetl/checks/plan_guard.py).
- A rollout repository without reviewers (rollout.reviewers empty): every wave's apply runs on
  merge, without anyone's approval (main.py github-environments).
"""

from __future__ import annotations

from zeroetl.catalog.facts import FACTS
from zeroetl.catalog.model import Catalog, Environment, Source


def deprecated_sources(env: Environment) -> list[tuple[int, Source]]:
    """(index, source) of the sources whose cluster the stacks create, on a deprecated version."""
    return [
        (index, source)
        for index, source in enumerate(env.sources)
        if source.create_cluster and FACTS.engine_versions.status.get(source.engine_version) == "deprecated"
    ]


def notices(catalog: Catalog) -> list[str]:
    found = [
        f"environment {env.name!r}: monitoring.alarm_emails is empty, so its alarms and integration events reach no one "
        "(allowed in wave 0, for dev and demos; every later wave must name an address)"
        for env in catalog.environments
        if not env.monitoring.alarm_emails and not env.retire
    ]
    for env in catalog.environments:
        for index, source in deprecated_sources(env):
            found.append(
                f"environment {env.name!r}, sources[{index}].engine_version = {source.engine_version}: deprecated by AWS "
                f"(catalog/engine_versions.yaml). A cluster that exists keeps running and this value is ignored for it; "
                f"before the cluster is created again (a new environment, a replacement, a restore), set it to "
                f"{FACTS.engine_versions.default}: the plan guard refuses creating a cluster with a deprecated version"
            )
    rollout = catalog.rollout
    if rollout.github_repository and not rollout.reviewers:
        found.append(
            "rollout.reviewers is empty: every wave of "
            f"{rollout.github_repository} applies on merge without anyone's approval; name the approvers "
            "(team:SLUG or user:LOGIN) and run main.py github-environments --apply"
        )
    return found
