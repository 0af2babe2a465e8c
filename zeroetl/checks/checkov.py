"""Run checkov over synthesized stacks or plan JSON, with the reviewed skip list.

checkov pins old libraries, so scripts/setup installs it into its own virtualenv
(.cache/checkov/); this module only runs it.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import yaml

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


def skips() -> dict[str, str]:
    return yaml.safe_load(SKIPS_FILE.read_text(encoding="utf-8"))


def scan(targets: list[Path], framework: str) -> list[dict[str, Any]]:
    """Failed checks (checkov's own records) over directories or files, offline."""
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
    return failed
