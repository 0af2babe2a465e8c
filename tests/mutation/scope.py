"""The tests scripts/mutation runs against each mutant (`-p tests.mutation.scope`): those that
synthesize no whole catalog, plan nothing with the provider, start no emulator and run no
cdktf-cli. mutmut runs each mutant's tests in a fresh pytest session, so a test that
synthesizes or plans a catalog would cost tens of seconds to minutes per mutant, hundreds of
times; the suite's other tests still cover those paths, without a mutation score."""

from __future__ import annotations

import inspect

import pytest

from tests.parallel import SHARED

HEAVY_FIXTURES = SHARED | {"emulator"}
HEAVY_MARKS = ("terraform", "cli", "slow")
# Modules whose every test synthesizes a catalog or fleet, or runs act or the emulator, and the
# injection sweep (every field, many payloads: half a second a test, ten minutes in all).
HEAVY_MODULES = {
    "test_injection", "test_synth_cache", "test_fast_path", "test_catalog_mutations", "test_properties", "test_partitions", "test_changed",
    "test_github_environments", "test_deprecated_versions", "test_rollout_act", "test_applied", "test_applied_fleet",
}

# Tests that import the project with a bare python (no site-packages), which cannot import the
# mutmut trampolines every mutated module starts with.
BARE_PYTHON = {"test_the_workflow_steps_run_on_a_bare_python"}


def _heavy(item: pytest.Item, picks_by_name: bool) -> bool:
    return (
        item.name in BARE_PYTHON
        or bool(HEAVY_FIXTURES & set(item.fixturenames))
        or any(item.get_closest_marker(mark) for mark in HEAVY_MARKS)
        or (picks_by_name and "request" in item.fixturenames)  # request.getfixturevalue("default_synth")
        or item.module.__name__.rsplit(".", 1)[-1] in HEAVY_MODULES
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    picks = {module: "getfixturevalue" in inspect.getsource(module) for module in {item.module for item in items}}
    keep, heavy = [], []
    for item in items:
        (heavy if _heavy(item, picks[item.module]) else keep).append(item)
    if heavy:
        config.hook.pytest_deselected(items=heavy)
        items[:] = keep
