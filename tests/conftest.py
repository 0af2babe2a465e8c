"""Session fixtures: each catalog is synthesized once per test session (the AWS bindings cost
seconds to load), and each stack is planned once, two at a time (the machines have 2 cores)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.emulator.fixture import Emulator
from tests.harness import PlanResult, Synthesized, plan_offline, synthesize_catalog
from zeroetl.catalog.loader import load_catalog
from zeroetl.synth.toolchain import write_cli_config

pytest_plugins = ["tests.parallel"]

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CATALOG = ROOT / "catalog" / "default.yaml"
VARIANT_CATALOG = ROOT / "tests" / "catalogs" / "variant.yaml"
FLEET_CATALOG = ROOT / "catalog" / "fleet.yaml"


@pytest.fixture(scope="session", autouse=True)
def terraform_cli_config(tmp_path_factory: pytest.TempPathFactory) -> None:
    """scripts/test already points Terraform at the mirror; a bare `pytest` gets the same."""
    if not Path(os.environ.get("TF_CLI_CONFIG_FILE", "")).is_file():
        path = tmp_path_factory.mktemp("tf") / "terraform.rc"
        write_cli_config(path)
        os.environ["TF_CLI_CONFIG_FILE"] = str(path)


def _synth(path: Path, tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize_catalog(load_catalog(path), tmp_path_factory.mktemp(path.stem) / "cdktf.out", str(path.relative_to(ROOT)))


def _plan_all(synth: Synthesized) -> dict[str, PlanResult]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        return {result.stack: result for result in pool.map(lambda name: plan_offline(synth, name), synth.stacks)}


@pytest.fixture(scope="session")
def default_synth(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return _synth(DEFAULT_CATALOG, tmp_path_factory)


@pytest.fixture(scope="session")
def variant_synth(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return _synth(VARIANT_CATALOG, tmp_path_factory)


@pytest.fixture(scope="session")
def default_plans(default_synth: Synthesized) -> dict[str, PlanResult]:
    return _plan_all(default_synth)


@pytest.fixture(scope="session")
def variant_plans(variant_synth: Synthesized) -> dict[str, PlanResult]:
    return _plan_all(variant_synth)


@pytest.fixture(scope="session")
def fleet_synth(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return _synth(FLEET_CATALOG, tmp_path_factory)


@pytest.fixture(scope="session")
def fleet_plans(fleet_synth: Synthesized) -> dict[str, PlanResult]:
    return _plan_all(fleet_synth)


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """An emulated AWS (tests/emulator) on a free loopback port, fresh for each test module."""
    running = Emulator(tmp_path_factory.mktemp("emulator") / "emulator.log").start()
    yield running
    running.stop()
