"""The README's main job through the real cdktf-cli: `cdktf synth` on the default catalog."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from zeroetl.naming import Layer
from zeroetl.render import TFVARS_FILE

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.cli


def test_cdktf_synth_lists_the_stacks_and_writes_their_variable_files(tmp_path: Path) -> None:
    outdir = tmp_path / "cdktf.out"
    done = subprocess.run(
        [str(ROOT / "scripts" / "cdktf"), "synth", "--output", str(outdir)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Generated Terraform code for the stacks" in output
    for layer in Layer:
        stack = f"demo-{layer.value}"
        assert stack in output
        assert (outdir / "stacks" / stack / "cdk.tf.json").is_file()
        assert (outdir / "stacks" / stack / TFVARS_FILE).is_file()
    # jsii runs on Node 22 from tooling/, so Node 20's end-of-life banner never shows.
    assert "end-of-life" not in output and "!!!!" not in output, output
