"""The configure-aws-credentials stand-in's work: make every stack of a synthesized output
plan and apply offline, with its state and the states it reads in ZEROETL_ACT_STATE (the
offline "S3"), so that what one job applies, a later job reads. See README.md here."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from zeroetl.checks.upstream import remote_states
from zeroetl.checks.verify import OFFLINE_CREDENTIALS


def main(outdir: Path) -> None:
    state = Path(os.environ["ZEROETL_ACT_STATE"])
    state.mkdir(parents=True, exist_ok=True)
    for stack_dir in sorted((outdir / "stacks").iterdir()):
        config = json.loads((stack_dir / "cdk.tf.json").read_text(encoding="utf-8"))
        override = {
            # No role to assume offline: an empty role_arn is what the provider reads as none.
            "provider": {"aws": {**OFFLINE_CREDENTIALS, "allowed_account_ids": None, "assume_role": [{"role_arn": ""}]}},
            "terraform": {"backend": {"local": {"path": str(state / f"{stack_dir.name}.tfstate")}}},
        }
        reads = {name: {"backend": "local", "config": {"path": str(state / f"{upstream}.tfstate")}} for name, upstream in remote_states(config).items()}
        if reads:
            override["data"] = {"terraform_remote_state": reads}
        (stack_dir / "override.tf.json").write_text(json.dumps(override, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
