"""Settings the chosen shape does not use are refused, not ignored.

A reviewer reading `node_type: ra3.4xlarge` under a Serverless warehouse, or `base_capacity`
under a warehouse the team brought, believes it; the stacks never read it. Each rule below says
which shape a field applies to, from what the stacks build (stacks/), so the message can name
it. Only what the catalog file writes in the environment itself is checked: `defaults` are
shared by every environment and apply where they fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from zeroetl.catalog.model import Catalog, Environment, Source
from zeroetl.catalog.network import Network
from zeroetl.catalog.warehouse import Warehouse


@dataclass(frozen=True)
class Rule:
    fields: tuple[str, ...]
    applies: Callable[[Any], bool]
    only_to: str  # what the fields apply to, in words
    this_one: Callable[[Any], str]  # what the shape at hand is, in words


def _warehouse_shape(w: Warehouse) -> str:
    return f"this one is {'a new' if w.create_warehouse else 'an existing'} {w.type} warehouse"


WAREHOUSE_RULES = (
    Rule(("namespace_name", "base_capacity", "max_capacity"), lambda w: w.type == "serverless" and w.create_warehouse,
         "a Serverless warehouse created here", _warehouse_shape),
    Rule(("workgroup_name",), lambda w: w.type == "serverless", "a Serverless warehouse", _warehouse_shape),
    Rule(("node_type", "number_of_nodes", "automated_snapshot_retention_period"), lambda w: w.type == "provisioned" and w.create_warehouse,
         "a provisioned warehouse created here", _warehouse_shape),
    Rule(("cluster_identifier",), lambda w: w.type == "provisioned", "a provisioned warehouse", _warehouse_shape),
    Rule(("admin_username", "log_exports"), lambda w: w.create_warehouse, "a warehouse created here (create_warehouse: true)", _warehouse_shape),
)
SOURCE_RULES = (
    Rule(
        ("engine_version", "instance_class", "instance_count", "master_username", "backup_retention_period",
         "preferred_backup_window", "preferred_maintenance_window"),
        lambda s: s.create_cluster, "a cluster created here (create_cluster: true)",
        lambda s: "this source is an existing cluster (create_cluster: false), whose settings the team keeps",
    ),
    Rule(
        ("binlog_parameter_group",), lambda s: not s.create_cluster, "an existing cluster (create_cluster: false)",
        lambda s: "this source's cluster is created here with the group the source stack makes",
    ),
)
ENVIRONMENT_RULES = (
    # stacks/environment.py: one account and a cluster created here means the warehouse joins
    # the source's network; only otherwise is a network built from target_network.
    Rule(
        ("target_network",),
        lambda e: e.warehouse.create_warehouse and (e.cross_account or not any(s.create_cluster for s in e.sources)),
        "a warehouse created here with a network of its own (another target account, or no cluster created here)",
        lambda e: "this environment's warehouse " + ("is an existing one" if not e.warehouse.create_warehouse else "joins the source's network"),
    ),
)
NETWORK_RULES = (
    Rule(("vpc_cidr",), lambda n: n.create_vpc, "a VPC created here (create_vpc: true)",
         lambda n: "this network is an existing VPC (create_vpc: false)"),
)


def check_applicable(raw_environments: list[Any], catalog: Catalog) -> list[tuple[tuple[Any, ...], Any, str]]:
    """(location, value, message) for every field written in an environment that its shape
    does not use."""
    problems: list[tuple[tuple[Any, ...], Any, str]] = []
    for index, (raw, env) in enumerate(zip(raw_environments, catalog.environments)):
        if not isinstance(raw, dict):
            continue
        at = ("environments", index)
        problems += _check(raw, env, ENVIRONMENT_RULES, at)
        problems += _check(raw.get("warehouse"), env.warehouse, WAREHOUSE_RULES, (*at, "warehouse"))
        for s, (raw_source, source) in enumerate(zip(_list(raw.get("sources")), env.sources)):
            problems += _check(raw_source, source, SOURCE_RULES, (*at, "sources", s))
        for section in ("network", "target_network"):
            model = getattr(env, section)
            if model is not None:
                problems += _check(raw.get(section), model, NETWORK_RULES, (*at, section))
    return problems


def check_state(raw_state: Any, catalog: Catalog) -> list[tuple[tuple[Any, ...], Any, str]]:
    if not isinstance(raw_state, dict) or catalog.state.backend == "s3":
        return []
    return [
        (("state", field), raw_state[field], "applies only to backend: s3; this catalog keeps its state locally (backend: local)")
        for field in ("bucket", "replica_regions")
        if field in raw_state
    ]


def check_rollout(raw_rollout: Any, catalog: Catalog) -> list[tuple[tuple[Any, ...], Any, str]]:
    """The bootstrap (stacks/bootstrap.py) creates the state buckets the workflow's roles use:
    it exists only for the s3 backend."""
    if not isinstance(raw_rollout, dict) or catalog.state.backend == "s3":
        return []
    return [
        (("rollout", field), raw_rollout[field], "applies only to backend: s3 (the bootstrap creates the state buckets); this catalog keeps its state locally")
        for field in ("github_repository", "github_subject_prefix", "bootstrap_backend")
        if field in raw_rollout
    ]


def _check(raw: Any, model: Environment | Source | Network | Warehouse, rules: tuple[Rule, ...], loc: tuple[Any, ...]) -> list:
    if not isinstance(raw, dict):
        return []
    problems = []
    for rule in rules:
        if rule.applies(model):
            continue
        for field in rule.fields:
            if field in raw:
                problems.append(((*loc, field), raw[field], f"applies only to {rule.only_to}; {rule.this_one(model)}: remove it"))
    return problems


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []
