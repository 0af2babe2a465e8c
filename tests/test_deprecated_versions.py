"""An update of the product that marks an engine version deprecated does not block a fleet
whose clusters run it (issue 20, item 8): the catalog loads and synthesizes with a warning that
names the environment, the field and what to set; a plan that would create a cluster with the
version is refused by the guard (AWS's CreateDBCluster refuses it), while the plan of a cluster
that exists passes. The version below is deprecated in catalog/engine_versions.yaml, as the
Aurora MySQL release notes have it (3.05.2 reached its end of standard support)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.day2 import simulate_apply
from tests.harness import Synthesized, plan_offline
from zeroetl.catalog.loader import load_catalog
from zeroetl.checks.plan_guard import check_plan, deprecated_versions
from zeroetl.render.tfvars import TFVARS_FILE

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "tests" / "catalogs" / "valid" / "engine-deprecated-existing.yaml"
DEPRECATED = "8.0.mysql_aurora.3.05.2"
pytestmark = pytest.mark.terraform


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> tuple[Synthesized, subprocess.CompletedProcess[str]]:
    """The catalog synthesized the way a user runs it: main.py, its warnings on stderr."""
    outdir = tmp_path_factory.mktemp("deprecated") / "cdktf.out"
    done = subprocess.run(
        [sys.executable, "main.py", "--catalog", str(CATALOG), "--no-cache"],
        cwd=ROOT, env={**os.environ, "CDKTF_OUTDIR": str(outdir), "COLUMNS": "400"}, capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    synth = Synthesized(catalog=load_catalog(CATALOG), outdir=outdir)
    for stack_dir in sorted((outdir / "stacks").iterdir()):
        synth.stacks[stack_dir.name] = json.loads((stack_dir / "cdk.tf.json").read_text())
        synth.tfvars[stack_dir.name] = (stack_dir / TFVARS_FILE).read_text()
    return synth, done


def test_the_catalog_synthesizes_and_says_what_to_change(synthesized: tuple[Synthesized, subprocess.CompletedProcess[str]]) -> None:
    synth, done = synthesized
    assert set(synth.stacks) == {"demo-source", "demo-warehouse", "demo-integration", "demo-target-database"}
    warning = " ".join(done.stderr.split())
    assert f"environment 'demo', sources[0].engine_version = {DEPRECATED}: deprecated by AWS" in warning
    assert "set it to 8.0.mysql_aurora." in warning and "the plan guard refuses creating a cluster" in warning
    assert DEPRECATED in deprecated_versions(synth.outdir)
    runbook = (synth.outdir / "runbooks" / "demo" / "README.md").read_text()
    assert f"- `tickit`: `{DEPRECATED}`" in runbook, "the runbook names the source and its version"


def test_creating_a_cluster_with_it_is_refused_at_plan(synthesized: tuple[Synthesized, subprocess.CompletedProcess[str]]) -> None:
    synth, _ = synthesized
    plan = plan_offline(synth, "demo-source").plan
    findings = check_plan(plan, "demo-source", deprecated=deprecated_versions(synth.outdir))
    assert [(f.address.split(".")[0], f.action) for f in findings] == [("aws_rds_cluster", "created")]
    assert f"engine_version {DEPRECATED} is deprecated" in findings[0].why
    assert check_plan(plan, "demo-source") == [], "without the synthesized facts the guard knows no deprecated version"


def test_the_plan_of_a_cluster_that_exists_passes(synthesized: tuple[Synthesized, subprocess.CompletedProcess[str]], tmp_path: Path) -> None:
    synth, _ = synthesized
    applied = simulate_apply(synth, "demo-source", tmp_path)
    plan = applied.plan()
    assert check_plan(plan, "demo-source", deprecated=deprecated_versions(synth.outdir)) == []
