"""Run checkov over synthesized stacks or plan JSON, with the reviewed skip list.

An entry of security/checkov-skips.yaml is either a reason (the check is skipped everywhere)
or `resources` (globs of the Terraform addresses it does not apply to) and `why`: the check
runs, and only its findings on those resources are dropped. checkov's own inline suppression
(a `checkov:skip` comment) is read from HCL only, not from the JSON cdktf writes or a plan.

checkov pins old libraries, so scripts/setup installs it into its own virtualenv
(.cache/checkov/); this module only runs it.
"""

from __future__ import annotations

import json
import subprocess
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from zeroetl import PROJECT_ROOT

CHECKOV = PROJECT_ROOT / ".cache" / "checkov" / "bin" / "checkov"
SKIPS_FILE = PROJECT_ROOT / "security" / "checkov-skips.yaml"


def _documents(text: str) -> list[dict[str, Any]]:
    """checkov prints one JSON document per target (a list, an object, or several objects)."""
    decoder, position, found = json.JSONDecoder(), 0, []
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        value, position = decoder.raw_decode(text, position)
        found += value if isinstance(value, list) else [value]
    return found


class Scoped(BaseModel):
    """A check that runs, except on the resources whose addresses match `resources`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    resources: list[str] = Field(min_length=1)
    why: str


def reviewed() -> dict[str, str | Scoped]:
    """Every entry of the reviewed list: a reason (skipped everywhere) or a Scoped one."""
    return TypeAdapter(dict[str, str | Scoped]).validate_python(yaml.safe_load(SKIPS_FILE.read_text(encoding="utf-8")))


def skips() -> dict[str, str]:
    """The checks skipped everywhere, and why."""
    return {check: entry for check, entry in reviewed().items() if isinstance(entry, str)}


def scoped() -> dict[str, Scoped]:
    return {check: entry for check, entry in reviewed().items() if isinstance(entry, Scoped)}


def excused(finding: dict[str, Any], entries: dict[str, Scoped]) -> bool:
    entry = entries.get(finding["check_id"])
    return entry is not None and any(fnmatchcase(finding["resource"], pattern) for pattern in entry.resources)


def scan(targets: list[Path], framework: str) -> list[dict[str, Any]]:
    """Failed checks (checkov's own records) over directories or files, offline, less those
    the reviewed list excuses."""
    args = [str(CHECKOV), "--framework", framework, "--skip-download", "--quiet", "--compact", "-o", "json"]
    args += ["--skip-check", ",".join(sorted(skips()))]
    for target in targets:
        args += ["-d", str(target)] if target.is_dir() else ["-f", str(target)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=900)
    if not done.stdout.strip():
        raise RuntimeError(f"checkov printed nothing (exit {done.returncode}): {done.stderr[-2000:]}")
    reports = _documents(done.stdout)
    failed = [check for report in reports for check in report.get("results", {}).get("failed_checks", [])]
    parsing = [error for report in reports for error in report.get("results", {}).get("parsing_errors", [])]
    if parsing:
        raise RuntimeError(f"checkov could not parse: {parsing}")
    entries = scoped()
    return [finding for finding in failed if not excused(finding, entries)]
