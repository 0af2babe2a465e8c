"""The README's main job through the real cdktf-cli: `cdktf synth` on the default catalog."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.harness import OFFLINE_PROVIDER
from zeroetl.catalog.naming import Layer
from zeroetl.render.tfvars import TFVARS_FILE

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.cli


def _cdktf(*args: str) -> str:
    done = subprocess.run([str(ROOT / "scripts" / "cdktf"), *args], cwd=ROOT, capture_output=True, text=True, timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


def test_cdktf_synth_then_plan_uses_the_rendered_variable_file(tmp_path: Path) -> None:
    outdir = tmp_path / "cdktf.out"
    output = _cdktf("synth", "--output", str(outdir))
    assert "Generated Terraform code for the stacks" in output
    for layer in Layer:
        stack = f"demo-{layer.value}"
        assert stack in output
        assert (outdir / "stacks" / stack / "cdk.tf.json").is_file()
        assert (outdir / "stacks" / stack / TFVARS_FILE).is_file()
    # jsii runs on Node 22 from tooling/, so Node 20's end-of-life banner never shows.
    assert "end-of-life" not in output and "!!!!" not in output, output

    # `cdktf plan <stack>` runs Terraform in the stack's directory, which reads terraform.tfvars.
    (outdir / "stacks" / "demo-source" / "override.tf.json").write_text(json.dumps({"provider": {"aws": OFFLINE_PROVIDER}}))
    plan = _cdktf("plan", "demo-source", "--skip-synth", "--skip-provider-lock", "--output", str(outdir))
    assert '"db.r6g.2xlarge"' in plan and "to add, 0 to change, 0 to destroy" in plan, plan
