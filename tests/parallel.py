"""How scripts/test spreads the suite over pytest-xdist workers (`--dist loadgroup`).

Run serially, the suite ran past CI's 90 minutes (stop 27): a Terraform apply against the
emulator leaves the CPU idle for long stretches while the provider's waiters sleep between
polls. So the three emulator-apply modules (act's rollouts, the applied default catalog, the
applied fleet) each get a worker of their own, and the rest runs beside them in two groups:
the modules that share the session's synthesized catalogs and plans (one worker synthesizes
and plans them once, as conftest.py promises) and those that need none of them. Measured on
this 2-core machine: both cores busy throughout, 43 minutes in all, act's module the longest.
Stop 31's CI then killed act's first rollout at its 30-minute limit: each act run's synth job
was reinstalling the toolchain (tests/act/engine.py, --no-skip-checkout, says why).

A module names its own group with `pytestmark = pytest.mark.xdist_group("...")`; every other
test is grouped here by the fixtures it uses (by name, or picked by name through
`request.getfixturevalue`). Without xdist (`-n 0`, or a bare `pytest`) the
marks are inert."""

from __future__ import annotations

import inspect

import pytest

SHARED = {"default_synth", "variant_synth", "fleet_synth", "default_plans", "variant_plans", "fleet_plans"}


# before xdist's own hook, which reads the marks into the test ids it schedules by
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    unplaced = [item for item in items if item.get_closest_marker("xdist_group") is None]
    # by module: a module-scoped fixture (the emulator) must not start once per worker
    modules: dict[object, list[pytest.Item]] = {}
    for item in unplaced:
        modules.setdefault(item.module, []).append(item)
    for module, its in modules.items():
        shared = "getfixturevalue" in inspect.getsource(module) or any(SHARED & set(item.fixturenames) for item in its)
        for item in its:
            item.add_marker(pytest.mark.xdist_group("synthesized" if shared else "standalone"))
