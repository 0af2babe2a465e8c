"""The mutation score of the last `mutmut run`, per module (`python -m tests.mutation.score`).

A mutant counts as killed when a test failed or hung on it (mutmut's timeout). Every other
outcome (survived, no tests, not checked, suspicious) counts against the module unless the
mutant is in EQUIVALENT below, which says why no test can tell it from the original. Exits 1
when a module is under TARGET, or when an EQUIVALENT entry names a mutant that no longer
exists or is now killed (the list must not go stale)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import defaultdict

from rich.console import Console
from rich.table import Table

TARGET = 0.90
KILLED = {"killed", "timeout"}
# mutmut names a mutant <module>.x_<function>__mutmut_<n>, or <module>.xǁ<Class>ǁ<method>__mutmut_<n>
NAME = re.compile(r"^(?P<module>[\w.]+)\.xǁ?[^.]*__mutmut_\d+$")

# Reviewed like checkov's skips: mutant -> why no caller can observe the change. mutmut numbers
# a function's mutants in order, so an edit to a listed function can renumber them: the list is
# checked against every run (a stale entry fails it).
# TF_IN_AUTOMATION only drops Terraform's advice to a person ("run terraform apply next"); the
# plan step keeps a captured command's output only when it fails, and errors carry no advice.
CAPTURED_ADVICE = "Terraform without TF_IN_AUTOMATION in a captured call: only its advice to a person changes, and a captured output is kept only on failure, where none is given"
NO_TERMINAL = "-input=false dropped: no job (and no test) has a terminal, so Terraform cannot prompt; the flag says so explicitly"
UTF8_LOCALE = "encoding=None reads with the locale's encoding, UTF-8 on the runners and here (PEP 538 coerces the C locale)"
EQUIVALENT: dict[str, str] = {
    "zeroetl.checks.plan_guard.x__action__mutmut_12": 'change_kind(...) or "XXXX" for or "": neither is a key of the map, None either way',
    "zeroetl.checks.plan_guard.x_deprecated_versions__mutmut_6": UTF8_LOCALE,
    "zeroetl.checks.plan_guard.x_deprecated_versions__mutmut_8": '"UTF-8" for "utf-8": the same codec',
    "zeroetl.checks.plan_guard.x_check_files__mutmut_13": UTF8_LOCALE,
    "zeroetl.checks.plan_guard.x_check_files__mutmut_15": '"UTF-8" for "utf-8": the same codec',
    # pipeline.py
    "zeroetl.checks.pipeline.x__terraform_env__mutmut_3": 'TF_IN_AUTOMATION="XX1XX": Terraform reads any non-empty value as set',
    "zeroetl.checks.pipeline.x__terraform__mutmut_3": CAPTURED_ADVICE,
    "zeroetl.checks.pipeline.x__terraform__mutmut_8": CAPTURED_ADVICE,
    "zeroetl.checks.pipeline.x_plan__mutmut_67": NO_TERMINAL,
    "zeroetl.checks.pipeline.x_plan__mutmut_99": NO_TERMINAL,
    "zeroetl.checks.pipeline.x_plan__mutmut_152": "`terraform show` of a saved plan outside the stack's directory: a terraform_data stack needs no provider schema to show; a stack with the AWS provider does, and fails there with \"Failed to load plugin schemas\" (tried; act's rollouts would fail, outside mutmut's scope)",
    "zeroetl.checks.pipeline.x_plan__mutmut_196": 'ZEROETL_GUARD_ALLOW unset read as "XXXX": no resource address is a bare word (an address is TYPE.NAME)',
    "zeroetl.checks.pipeline.x_plan__mutmut_25": UTF8_LOCALE,
    "zeroetl.checks.pipeline.x_plan__mutmut_27": UTF8_LOCALE,
    "zeroetl.checks.pipeline.x_plan__mutmut_31": '"UTF-8" for "utf-8": the same codec',
    "zeroetl.checks.pipeline.x_plan__mutmut_184": UTF8_LOCALE,
    "zeroetl.checks.pipeline.x_plan__mutmut_186": UTF8_LOCALE,
    "zeroetl.checks.pipeline.x_plan__mutmut_189": '"UTF-8" for "utf-8": the same codec',
    "zeroetl.checks.pipeline.x__plan_summary__mutmut_6": UTF8_LOCALE,
    "zeroetl.checks.pipeline.x__plan_summary__mutmut_8": '"UTF-8" for "utf-8": the same codec',
    "zeroetl.checks.pipeline.x__record__mutmut_8": UTF8_LOCALE,
    "zeroetl.checks.pipeline.x__record__mutmut_10": UTF8_LOCALE,
    "zeroetl.checks.pipeline.x__record__mutmut_22": '"UTF-8" for "utf-8": the same codec',
    "zeroetl.checks.pipeline.x_role__mutmut_3": UTF8_LOCALE,
    "zeroetl.checks.pipeline.x_role__mutmut_11": '"UTF-8" for "utf-8": the same codec',
    "zeroetl.checks.pipeline.x__rows__mutmut_3": UTF8_LOCALE,
    "zeroetl.checks.pipeline.x__rows__mutmut_5": '"UTF-8" for "utf-8": the same codec',
    # changes.py: names and flags of git calls whose outcome the code reads only as an exit code
    "zeroetl.checks.changes.x_changes__mutmut_18": "the prefix of a temporary directory's name: any name is as good",
    "zeroetl.checks.changes.x_changes__mutmut_19": "the prefix of a temporary directory's name: any name is as good",
    "zeroetl.checks.changes.x_changes__mutmut_20": "the prefix of a temporary directory's name: any name is as good",
    "zeroetl.checks.changes.x__commit__mutmut_7": "check=None for check=False: _git raises only on a true check",
    "zeroetl.checks.changes.x__commit__mutmut_10": "rev-parse without --verify: a ref that is no commit still exits non-zero, the only thing read on failure",
    "zeroetl.checks.changes.x__commit__mutmut_11": "rev-parse without --quiet: its message goes to the captured stderr, never shown",
    "zeroetl.checks.changes.x__commit__mutmut_19": "rev-parse --QUIET: git accepts the option in either case (tried: same exit codes)",
    "zeroetl.checks.changes.x_synthesize_commit__mutmut_3": "the name of a directory inside a fresh temporary directory",
    "zeroetl.checks.changes.x_synthesize_commit__mutmut_4": "the name of a directory inside a fresh temporary directory",
    "zeroetl.checks.changes.x_synthesize_commit__mutmut_6": "the name of a directory inside a fresh temporary directory",
    "zeroetl.checks.changes.x_synthesize_commit__mutmut_7": "the name of a directory inside a fresh temporary directory",
    "zeroetl.checks.changes.x_synthesize_commit__mutmut_18": "worktree add without --detach: given a commit id (never a branch name, _commit resolves it), git detaches anyway",
    "zeroetl.checks.changes.x_synthesize_commit__mutmut_19": "worktree add without --quiet: its output goes to the captured stdout, never shown",
    "zeroetl.checks.changes.x_synthesize_commit__mutmut_82": "check=None for check=False on the clean-up: _git raises only on a true check",
    "zeroetl.checks.changes.x_synthesize_commit__mutmut_88": "the clean-up's check dropped: removing a worktree this call added, in its own temporary directory, does not fail",
    "zeroetl.checks.changes.x_synthesize_commit__mutmut_96": "the clean-up's check=True: removing a worktree this call added, in its own temporary directory, does not fail",
}


def outcomes() -> dict[str, str]:
    done = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"], capture_output=True, text=True, check=True)
    found = {}
    for line in done.stdout.splitlines():
        name, sep, status = line.strip().partition(": ")
        if sep and NAME.match(name):
            found[name] = status
    return found


def module_of(name: str) -> str:
    match = NAME.match(name)
    assert match, name
    return match["module"]


def main() -> int:
    found = outcomes()
    console = Console(highlight=False, width=200)
    by_module: dict[str, list[str]] = defaultdict(list)
    for name in found:
        by_module[module_of(name)].append(name)
    table = Table("module", "mutants", "killed", "equivalent", "score", title=f"mutation score (target {TARGET:.0%} killed per module)")
    failed = False
    survivors = []
    for module, names in sorted(by_module.items()):
        killed = sum(found[name] in KILLED for name in names)
        equivalent = sum(name in EQUIVALENT and found[name] not in KILLED for name in names)
        counted = len(names) - equivalent
        score = killed / counted if counted else 1.0
        failed |= score < TARGET
        table.add_row(module, str(len(names)), str(killed), str(equivalent), f"{score:.1%}", style=None if score >= TARGET else "red")
        survivors += [(name, found[name]) for name in names if found[name] not in KILLED and name not in EQUIVALENT]
    console.print(table)
    for name, status in survivors:
        console.print(f"  {status:12} {name}   (mutmut show {name})")
    stale = sorted(name for name in EQUIVALENT if found.get(name, "killed") in KILLED)
    for name in stale:
        console.print(f"  stale EQUIVALENT entry (gone or killed now): {name}", style="red")
    return 1 if failed or stale or not found else 0


if __name__ == "__main__":
    sys.exit(main())
