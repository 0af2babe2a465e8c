"""The grouping of tests/parallel.py takes effect: xdist schedules by the group it reads into
each test's id. pytest 9.2 with xdist 3.8 silently dropped it (pytest-dev/pytest-xdist#1386),
and the suite then starts the emulator and synthesizes the catalogs once per worker."""

from __future__ import annotations

import os

import pytest


def test_under_scripts_test_each_test_runs_in_its_group(request: pytest.FixtureRequest) -> None:
    # a worker's own dist option reads "no"; xdist sets loadgroup on it for --dist loadgroup
    if "PYTEST_XDIST_WORKER" not in os.environ or not request.config.getoption("loadgroup", False):
        pytest.skip("not run by scripts/test (no xdist workers with --dist loadgroup)")
    assert request.node.nodeid.endswith("@standalone"), request.node.nodeid
