"""Run a synthesized stack against the emulator: the override that points the provider at it,
and apply / plan / destroy as a user runs them.

The override changes only where the provider sends its calls and with which credentials: the
account, region, role to assume, allowed account ids and default tags stay the catalog's. Each
stack's base credentials act in the account the catalog gives it; where the catalog names a
role, the provider assumes it through the emulator's STS, as it would in AWS."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from tests.emulator.app import access_key_for

# Provider 5.100.0's names for the services the stacks call (provider docs, "Custom Service
# Endpoints").
SERVICES = (
    "cloudwatch", "cloudwatchlogs", "ec2", "eventbridge", "iam", "kms", "rds", "redshift",
    "redshiftdata", "redshiftserverless", "s3", "secretsmanager", "sns", "sts",
)
OVERRIDE = "emulator_override.tf.json"  # beside cdk.tf.json; Terraform merges override files last


def provider_override(url: str, account_id: str) -> dict[str, Any]:
    return {
        "access_key": access_key_for(account_id),
        "secret_key": "emulator",
        "skip_credentials_validation": True,
        "skip_metadata_api_check": True,
        "s3_use_path_style": True,
        # Every endpoint is on loopback, so a retry is cheap; under load the emulator (one Python
        # process for every account) can answer slowly enough for the SDK to drop a connection.
        "max_retries": 10,
        "endpoints": [{service: url for service in SERVICES}],
    }


def run(stack_dir: Path, *args: str, check: bool = True, log: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
    done = subprocess.run(["terraform", *args], cwd=stack_dir, env=env, capture_output=True, text=True, timeout=3600)
    if log:
        with log.open("a") as out:
            out.write(f"$ terraform {' '.join(args)}  [{stack_dir.name}] -> {done.returncode}\n{done.stdout}\n{done.stderr}\n")
    if check and done.returncode != 0:
        raise AssertionError(f"terraform {' '.join(args)} failed in {stack_dir}:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    return done
