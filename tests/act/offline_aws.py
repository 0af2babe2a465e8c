"""The configure-aws-credentials stand-in's work: point every stack of a synthesized output at
the test's AWS, with its state and the states it reads in ZEROETL_ACT_STATE (the test's "S3"),
so that what one job applies, a later job reads. See README.md here.

With ZEROETL_ACT_EMULATOR (the emulated AWS of tests/emulator, the act tests' case) each
stack's provider calls the emulator as the stack's catalog account, assuming the catalog's
role there, and `terraform apply PLANFILE` applies for real. Without it (the rollout
benchmark) the provider has offline credentials and bin/terraform records outputs instead."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.emulator.terraform import provider_override
from zeroetl.checks.upstream import remote_states
from zeroetl.checks.verify import OFFLINE_CREDENTIALS


def provider(config: dict, role_arn: str | None) -> dict:
    emulator = os.environ.get("ZEROETL_ACT_EMULATOR")
    if emulator:
        # The job's credentials are an STS session of its account's rollout role (GitHub's token
        # exchanged by configure-aws-credentials); here the emulator's STS issues that session.
        session = [{"role_arn": role_arn, "session_name": "github-actions"}] if role_arn else []
        return {**provider_override(emulator, config["provider"]["aws"][0]["allowed_account_ids"][0]), "assume_role": session}
    # No role to assume offline: an empty role_arn is what the provider reads as none.
    return {**OFFLINE_CREDENTIALS, "allowed_account_ids": None, "assume_role": [{"role_arn": ""}]}


def main(outdir: Path) -> None:
    state = Path(os.environ["ZEROETL_ACT_STATE"])
    state.mkdir(parents=True, exist_ok=True)
    roles = json.loads((outdir / "rollout" / "credentials.json").read_text(encoding="utf-8"))
    for stack_dir in sorted((outdir / "stacks").iterdir()):
        if stack_dir.name not in roles:
            continue  # a bootstrap stack: applied by an administrator, never by the workflow
        config = json.loads((stack_dir / "cdk.tf.json").read_text(encoding="utf-8"))
        override = {
            "provider": {"aws": provider(config, roles[stack_dir.name]["apply_role_arn"])},
            "terraform": {"backend": {"local": {"path": str(state / f"{stack_dir.name}.tfstate")}}},
        }
        reads = {name: {"backend": "local", "config": {"path": str(state / f"{upstream}.tfstate")}} for name, upstream in remote_states(config).items()}
        if reads:
            override["data"] = {"terraform_remote_state": reads}
        (stack_dir / "override.tf.json").write_text(json.dumps(override, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
