"""Rules over the whole fleet, beyond one environment: AWS quotas and names that would clash.

Each message names the environment and field, the value and the limit, like field errors do.
"""

from __future__ import annotations

from collections import defaultdict

from zeroetl.catalog.facts import FACTS
from zeroetl.catalog.model import Catalog
from zeroetl.catalog.naming import (
    CASE_INSENSITIVE_KINDS,
    Layer,
    created_names,
    stack_name,
    state_bucket,
    state_key,
)
from zeroetl.catalog.rules import quoted, s3_bucket_problem

# What check_fleet enforces, for the README's catalog reference.
RULES = (
    "Environment names are unique; so are stack names and state keys, which derive from them.",
    "Every state bucket the pattern gives is a valid S3 bucket name (S3 general purpose bucket naming rules: 3-63 lowercase "
    "letters, digits, dots, hyphens, no '..', not an IP address, none of S3's reserved prefixes and suffixes).",
    "Names AWS compares without case (IAM roles and policies, RDS and Redshift identifiers) clash when they differ only in case.",
    "Every AWS name the stacks create (table below) is unique where AWS keeps it unique and fits AWS's length limit; "
    "two environments may not manage the resource policy of one existing namespace.",
    "state.replica_regions names only regions where the catalog's environments keep state.",
    f"Quotas: {FACTS.integrations_per_source} integrations per source cluster, {FACTS.integrations_per_target} per target "
    f"warehouse, {FACTS.integrations_per_account_region} per account and region.",
)


def check_fleet(catalog: Catalog) -> None:
    """Raises ValueError with one line per problem."""
    problems: list[str] = []
    seen: dict[tuple, str] = {}

    reported: set[tuple[str, str]] = set()

    def claim(key: tuple, where: str, what: str) -> None:
        """The first clash between two fields is reported; the names derived from the same
        two fields would only repeat it."""
        if key not in seen:
            seen[key] = where
        elif (where, seen[key]) not in reported:
            reported.add((where, seen[key]))
            problems.append(f"{where}: {what} clashes with {seen[key]}")

    per_cluster: dict[tuple, list[str]] = defaultdict(list)
    per_target: dict[tuple, list[str]] = defaultdict(list)
    per_account: dict[tuple, list[str]] = defaultdict(list)
    first_named: dict[str, int] = {}
    too_long: set[str] = set()
    for e, env in enumerate(catalog.environments):
        at = f"environments[{e}] ({env.name!r})"
        if env.name in first_named:
            # Every stack, state key and name of a copy would clash too: say it once.
            problems.append(f"{at}.name: environment name {env.name!r} is already used by environments[{first_named[env.name]}]; each environment needs its own")
            continue
        first_named[env.name] = e
        source_account, target_account = env.source_account.account_id, env.target.account_id
        for layer in Layer:
            claim(("stack", stack_name(env, layer)), f"{at} stack", f"stack name {stack_name(env, layer)!r}")
            claim(("state", state_key(catalog, env, layer)), f"{at} stack {layer.value}", f"state key {state_key(catalog, env, layer)!r}")
            bucket_problem = s3_bucket_problem(state_bucket(catalog, env, layer)) if catalog.state.backend == "s3" else None
            if bucket_problem:
                problems.append(f"{at}: state bucket {state_bucket(catalog, env, layer)!r} from pattern {catalog.state.bucket!r} is not a valid S3 bucket name: {bucket_problem}")
        warehouse = env.warehouse
        target_id = warehouse.namespace_arn or f"{warehouse.namespace_name or warehouse.cluster_identifier!r} ({target_account}, {env.region})"
        for name in created_names(catalog, env):
            where = f"{at}.{name.field}"
            if len(name.name) > name.max_length and where not in too_long:
                too_long.add(where)  # the first of a field's names that is too long says it
                problems.append(f"{where}: {name.kind} name {quoted(name.name, 70)} has {len(name.name)} characters; AWS allows {name.max_length}")
            compared = name.name.lower() if name.kind in CASE_INSENSITIVE_KINDS else name.name
            claim(("name", name.kind, name.scope, compared), where, f"{name.kind} {quoted(name.name, 70)} ({_scope(name.scope)})")
        for s, source in enumerate(env.sources):
            where = f"{at}.sources[{s}] ({source.name!r})"
            cluster = (source_account, env.region, source.cluster_identifier)
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
    kept = sorted({env.region for env in catalog.environments})
    for region in catalog.state.replica_regions:
        if region not in kept:
            problems.append(f"state.replica_regions: {region!r} keeps no state in this catalog (its environments are in {', '.join(kept)}); name only those regions")
    if problems:
        # Stacks of one account and region share a bucket: its problem is said once.
        raise ValueError("\n".join(dict.fromkeys(problems)))


def _scope(scope: tuple[str, ...]) -> str:
    """Where AWS keeps the name unique, in words."""
    if scope[0] == "account":
        return f"unique in account {scope[1]}"
    if scope[0] == "region":
        return f"unique in account {scope[1]}, {scope[2]}"
    return f"unique in a VPC of account {scope[1]}, {scope[2]}"

