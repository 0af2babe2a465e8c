"""The fast synthesis path (worker processes, bare binding imports, -O) writes exactly what the
plain in-process path writes, and fails as cleanly."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import zeroetl.synth.run
from tests.conftest import FLEET_CATALOG, ROOT, VARIANT_CATALOG
from zeroetl.catalog.loader import load_catalog
from zeroetl.synth.manifest import stable_stringify
from zeroetl.synth.run import SynthError, synthesize_into
from zeroetl.synth.toolchain import ToolchainError, check_terraform_version


def _tree(outdir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(outdir)): p.read_bytes() for p in sorted(outdir.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(
    ("catalog_path", "jobs", "per_worker", "started"),
    [
        (FLEET_CATALOG, 3, 50, "4 environment(s) in 3 slice(s) and the bootstrap stacks, 3 worker process(es) at a time"),
        (FLEET_CATALOG, 2, 1, "4 environment(s) in 4 slice(s) and the bootstrap stacks, 2 worker process(es) at a time"),
        (VARIANT_CATALOG, 2, 50, "1 environment(s) in 1 slice(s), 1 worker process(es) at a time"),
    ],
    ids=["fleet-3-workers", "fleet-capped-slices", "variant"],
)
def test_fast_path_output_is_byte_for_byte_the_plain_output(
    catalog_path: Path, jobs: int, per_worker: int, started: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Slices of at most per_worker environments, `jobs` at a time: partial manifests to merge.
    monkeypatch.setattr(zeroetl.synth.run, "MAX_ENVIRONMENTS_PER_WORKER", per_worker)
    catalog, shown = load_catalog(catalog_path), str(catalog_path.relative_to(ROOT))
    synthesize_into(tmp_path / "plain", catalog, shown, plain=True)
    progress: list[str] = []
    synthesize_into(tmp_path / "fast", catalog, shown, jobs=jobs, progress=progress.append)
    assert progress[0] == started
    plain, fast = _tree(tmp_path / "plain"), _tree(tmp_path / "fast")
    assert sorted(fast) == sorted(plain)
    assert [path for path in plain if fast[path] != plain[path]] == []
    bootstrap = len({env.source_account.account_id for env in catalog.environments} | {env.target.account_id for env in catalog.environments}) if catalog.rollout.github_repository else 0
    assert len([p for p in plain if p.endswith("cdk.tf.json")]) == 4 * len(catalog.environments) + bootstrap


def test_merged_manifest_is_formatted_like_json_stable_stringify() -> None:
    # What cdktf's writer (json-stable-stringify, space 2) makes of these values.
    value = {"b": [], "a": {"y": ["x"], "x": {}}, "c": "q\"uote"}
    assert stable_stringify(value) == (
        '{\n  "a": {\n    "x": {\n    },\n    "y": [\n      "x"\n    ]\n  },\n'
        '  "b": [\n  ],\n  "c": "q\\"uote"\n}'
    )


def test_worker_imports_only_the_binding_modules_the_stacks_use() -> None:
    probe = (
        "from stacks.bindings import register_bare_package; register_bare_package()\n"
        "import stacks.app, sys\n"
        "print(len([m for m in sys.modules if m.startswith('cdktf_cdktf_provider_aws.')]))\n"
    )
    done = subprocess.run([sys.executable, "-O", "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    # The package holds ~2,100 resource modules; the stacks use a few dozen.
    assert 10 < int(done.stdout) < 100


def test_failed_worker_names_its_environments_and_keeps_previous_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outdir = tmp_path / "cdktf.out"
    outdir.mkdir()
    (outdir / "previous.txt").write_text("kept")

    def failing(part: Path) -> list[str]:
        # Writes part of its output, says why it fails, exits non-zero.
        script = f"import sys, pathlib; sys.stdin.buffer.read(); pathlib.Path({str(part)!r}).mkdir(); print('jsii said no'); sys.exit(3)"
        return [sys.executable, "-c", script]

    monkeypatch.setattr(zeroetl.synth.run, "worker_command", failing)
    with pytest.raises(SynthError) as raised:
        synthesize_into(outdir, load_catalog(FLEET_CATALOG), "catalog/fleet.yaml", jobs=2)
    # Whichever of the two workers is seen to fail first is reported.
    assert re.search(r"environment\(s\) (dev\.\.prod|eu\.\.legacy) failed \(worker exit 3\)", str(raised.value))
    assert "jsii said no" in str(raised.value)
    assert [p.name for p in tmp_path.iterdir()] == ["cdktf.out"]
    assert [p.name for p in outdir.iterdir()] == ["previous.txt"]


@pytest.mark.parametrize(
    ("script", "message"),
    [(None, "could not run"), ("echo 'Terraform v1.3.9'", "says Terraform v1.3.9; the stacks need Terraform >= 1.4")],
    ids=["missing", "too-old"],
)
def test_fast_path_checks_the_terraform_version_once(script: str | None, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    binary = tmp_path / "terraform"
    if script:
        binary.write_text(f"#!/bin/sh\n{script}\n")
        binary.chmod(0o755)
    monkeypatch.setenv("TERRAFORM_BINARY_NAME", str(binary))
    with pytest.raises(ToolchainError, match=message):
        check_terraform_version()
