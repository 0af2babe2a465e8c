"""The rollout plan: every stack of the fleet in dependency waves, rendered for humans and as
a GitHub Actions workflow (one matrix job per stack).

Order: environments by rollout_wave (dev before prod); within a wave, sources first, then
warehouses (one in the source's account and VPC reads the source's state), then integrations,
then target databases: every stack after each stack whose state it reads
(tests/test_fleet.py checks this against the synthesized remote states).
"""

from __future__ import annotations

from dataclasses import dataclass

from zeroetl.catalog.model import Catalog
from zeroetl.catalog.naming import Layer, layer_account, stack_name

STEPS: tuple[tuple[str, tuple[Layer, ...]], ...] = (
    ("sources", (Layer.SOURCE,)),
    ("warehouses", (Layer.WAREHOUSE,)),
    ("integrations", (Layer.INTEGRATION,)),
    ("databases", (Layer.TARGET_DATABASE,)),
)


@dataclass(frozen=True)
class StackJob:
    stack: str
    environment: str
    layer: str
    account_id: str
    region: str


@dataclass(frozen=True)
class Wave:
    id: str
    title: str
    jobs: tuple[StackJob, ...]


def waves(catalog: Catalog) -> list[Wave]:
    result = []
    for number in sorted({env.rollout_wave for env in catalog.environments}):
        envs = [env for env in catalog.environments if env.rollout_wave == number]
        for step, layers in STEPS:
            jobs = tuple(
                StackJob(stack_name(env, layer), env.name, layer.value, layer_account(env, layer).account_id, env.region)
                for env in envs
                for layer in layers
            )
            result.append(Wave(id=f"wave-{number}-{step}", title=f"wave {number} {step}", jobs=jobs))
    return result

