"""Rules over the whole fleet, beyond one environment: AWS quotas and names that would clash.

Each message names the environment and field, the value and the limit, like field errors do.
"""

from __future__ import annotations

import re
from collections import defaultdict

from zeroetl.catalog.facts import FACTS
from zeroetl.catalog.model import Catalog
from zeroetl.catalog.naming import Layer, stack_name, state_bucket, state_key

BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\Z")


def check_fleet(catalog: Catalog) -> None:
    """Raises ValueError with one line per problem."""
    problems: list[str] = []
    seen: dict[tuple, str] = {}

    def claim(key: tuple, where: str, what: str) -> None:
        if key in seen:
            problems.append(f"{where}: {what} clashes with {seen[key]}")
        else:
            seen[key] = where

    per_cluster: dict[tuple, list[str]] = defaultdict(list)
    per_target: dict[tuple, list[str]] = defaultdict(list)
    per_account: dict[tuple, list[str]] = defaultdict(list)
    for e, env in enumerate(catalog.environments):
        at = f"environments[{e}] ({env.name!r})"
        source_account, target_account = env.source_account.account_id, env.target.account_id
        for layer in Layer:
            claim(("stack", stack_name(env, layer)), f"{at} stack", f"stack name {stack_name(env, layer)!r}")
            claim(("state", state_key(catalog, env, layer)), f"{at} stack {layer.value}", f"state key {state_key(catalog, env, layer)!r}")
            if catalog.state.backend == "s3" and not BUCKET_RE.match(state_bucket(catalog, env, layer)):
                problems.append(f"{at}: state bucket {state_bucket(catalog, env, layer)!r} from pattern {catalog.state.bucket!r} is not a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)")
        warehouse = env.warehouse
        target_id = warehouse.namespace_arn or (target_account, env.region, warehouse.type, warehouse.namespace_name or warehouse.cluster_identifier)
        if warehouse.create_warehouse:
            if warehouse.type == "serverless":
                claim(("namespace", target_account, env.region, warehouse.namespace_name), f"{at}.warehouse.namespace_name", f"namespace {warehouse.namespace_name!r}")
                claim(("workgroup", target_account, env.region, warehouse.workgroup_name), f"{at}.warehouse.workgroup_name", f"workgroup {warehouse.workgroup_name!r}")
            else:
                claim(("redshift", target_account, env.region, warehouse.cluster_identifier), f"{at}.warehouse.cluster_identifier", f"cluster {warehouse.cluster_identifier!r}")
        for s, source in enumerate(env.sources):
            where = f"{at}.sources[{s}] ({source.name!r})"
            cluster = (source_account, env.region, source.cluster_identifier)
            if source.create_cluster:
                claim(("cluster",) + cluster, f"{where}.cluster_identifier", f"cluster {source.cluster_identifier!r}")
            claim(("integration", source_account, env.region, source.integration.integration_name), f"{where}.integration.integration_name", f"integration {source.integration.integration_name!r}")
            per_cluster[cluster].append(where)
            per_target[target_id].append(where)
            per_account[(source_account, env.region)].append(where)

    for limit, groups, what in (
        (FACTS.integrations_per_source, per_cluster, "integrations on source cluster {key[2]!r} ({key[0]}, {key[1]})"),
        (FACTS.integrations_per_target, per_target, "integrations into warehouse {key}"),
        (FACTS.integrations_per_account_region, per_account, "integrations in account {key[0]}, region {key[1]}"),
    ):
        for key, users in groups.items():
            if len(users) > limit:
                problems.append(f"{users[limit]}: {len(users)} {what.format(key=key)}; the AWS quota is {limit}")
    if problems:
        raise ValueError("\n".join(problems))
