"""`main.py verify`: every stack of a fleet checked by offline Terraform plans of a few roots."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.harness import Synthesized, addresses
from zeroetl.catalog.naming import replica_region
from zeroetl.checks.verify import BATCH_STACKS, VerifyError, batches, verify
from zeroetl.render.tfvars import TFVARS_FILE

# The fleet's 16 environment stacks and the bootstrap stack of each of its 5 accounts.
FLEET_STACKS = 16 + 5


def copy_output(outdir: Path, to: Path) -> None:
    """A copy of what synthesis wrote in outdir. Other tests' `terraform init` left links to the
    ~700 MB provider in the stack directories, which a plain copytree copies as files (16 of
    them per copy filled a CI disk)."""
    generated = shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "*.tfstate*", "override.tf.json", "offline-upstream")
    shutil.copytree(outdir, to, ignore=generated, symlinks=True)


def test_fleet_verifies_with_every_resource_of_every_stack_planned(fleet_synth: Synthesized, tmp_path: Path) -> None:
    result = verify(fleet_synth.outdir, tmp_path / "root")
    assert result.stacks == len(fleet_synth.stacks) == FLEET_STACKS
    assert result.resources == sum(len(addresses(config)) for config in fleet_synth.stacks.values())
    # and where the bootstrap keeps its state buckets' replicas
    catalog = fleet_synth.catalog
    assert result.regions == sorted({r for env in catalog.environments for r in (env.region, replica_region(catalog, env.region))})
    assert result.warnings == []
    # Downstream modules read the made-up upstream states, not the unreachable S3 ones.
    module = json.loads((tmp_path / "root" / "batch-001" / "modules" / "prod-integration" / "cdk.tf.json").read_text())
    remote = module["data"]["terraform_remote_state"]["cross-stack-reference-input-prod-source"]
    assert remote["backend"] == "local" and Path(remote["config"]["path"]).is_file()


@pytest.mark.parametrize("batch", [BATCH_STACKS, 5], ids=["one-root", "roots-of-5"])
def test_verify_names_each_broken_stack_and_its_file(fleet_synth: Synthesized, tmp_path: Path, batch: int) -> None:
    outdir = tmp_path / "cdktf.out"
    copy_output(fleet_synth.outdir / "stacks", outdir / "stacks")
    # 1. a hand-edited variable file with a value the variable's validation refuses
    tfvars = outdir / "stacks" / "prod-source" / TFVARS_FILE
    text, count = re.subn(r"(?m)^backup_retention_period_orders(\s*)= 35$", r"backup_retention_period_orders\1= 99", tfvars.read_text())
    assert count == 1
    tfvars.write_text(text)
    line = 1 + text[: text.index("= 99")].count("\n")
    # 2. a resource argument the provider schema does not have
    stack = outdir / "stacks" / "eu-warehouse" / "cdk.tf.json"
    config = json.loads(stack.read_text())
    next(iter(config["resource"]["aws_redshift_cluster"].values()))["node_typo"] = "ra3.xlplus"
    stack.write_text(json.dumps(config))
    # 3. a downstream stack reading an output its upstream no longer has
    source = outdir / "stacks" / "dev-source" / "cdk.tf.json"
    config = json.loads(source.read_text())
    config["output"] = {k: v for k, v in config["output"].items() if not k.startswith("cross-stack-output-aws_rds_cluster")}
    source.write_text(json.dumps(config))

    with pytest.raises(VerifyError) as raised:
        verify(outdir, tmp_path / "root", batch=batch)
    assert len(list((tmp_path / "root").iterdir())) == -(-FLEET_STACKS // batch), "one root per batch"
    message = str(raised.value)
    assert (
        "prod-source: Invalid value for variable (var.backup_retention_period_orders is 99): Must be from 1 to 35. "
        f"({outdir}/stacks/prod-source/{TFVARS_FILE}:{line})"
    ) in message
    assert re.search(rf"eu-warehouse: Extraneous JSON object property: .*node_typo.* \({outdir}/stacks/eu-warehouse/cdk.tf.json\)", message)
    assert re.search(rf"dev-integration: Unsupported attribute .*cross-stack-output-aws_rds_cluster.*\({outdir}/stacks/dev-integration/cdk.tf.json\)", message)
    assert "__" not in message, "the combined root's prefixed names stay out of the report"
    assert message.startswith(f"terraform plan of {FLEET_STACKS} stacks found 3 problem(s):"), "each problem once"


def test_stacks_are_cut_into_as_few_even_batches_as_the_size_allows() -> None:
    for count in range(1, 450):
        names = [f"s{i:04d}" for i in range(count)]
        for size in (1, 7, 200):
            parts = batches(names, size)
            assert [name for part in parts for name in part] == names, "every stack once, in order"
            assert len(parts) == -(-count // size) and all(parts), "as few roots as the size allows"
            assert max(map(len, parts)) <= size and max(map(len, parts)) - min(map(len, parts)) <= 1


def test_verify_command_exits_1_with_the_problems(fleet_synth: Synthesized, tmp_path: Path) -> None:
    outdir = tmp_path / "cdktf.out"
    copy_output(fleet_synth.outdir / "stacks", outdir / "stacks")
    (outdir / "stacks" / "legacy-integration" / TFVARS_FILE).write_text('data_filter_crm = ["include: a.*"]\n')
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "main.py", "verify", "--outdir", str(outdir)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "legacy-integration:" in done.stderr and "Traceback" not in done.stderr


def test_verify_since_an_earlier_output_plans_what_changed_and_what_reads_it(fleet_synth: Synthesized, tmp_path: Path) -> None:
    from zeroetl.checks.verify import changed_stacks

    earlier, now = tmp_path / "earlier", tmp_path / "now"
    copy_output(fleet_synth.outdir, earlier)
    copy_output(fleet_synth.outdir, now)
    assert changed_stacks(now, earlier) == set()
    tfvars = now / "stacks" / "prod-source" / TFVARS_FILE
    edited = re.sub(r"(backup_retention_period_orders\s*=) 35", r"\1 30", tfvars.read_text())
    assert edited != tfvars.read_text()
    tfvars.write_text(edited)
    changed = changed_stacks(now, earlier)
    # The source stack changed; the integration reads it, and the target database the integration.
    assert changed == {"prod-source", "prod-integration", "prod-target-database"}
    result = verify(now, tmp_path / "root", only=changed)
    assert result.stacks == 3
    assert result.resources == sum(len(addresses(fleet_synth.stacks[name])) for name in changed)
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "main.py", "verify", "--outdir", str(earlier), "--since", str(earlier)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0 and "nothing to verify" in done.stdout, done.stdout + done.stderr
