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
UTF8_LOCALE = "encoding=None reads with the locale's encoding, UTF-8 on the runners and here (PEP 538 coerces the C locale)"
EQUIVALENT: dict[str, str] = {
    "zeroetl.checks.plan_guard.x__action__mutmut_12": 'change_kind(...) or "XXXX" for or "": neither is a key of the map, None either way',
    "zeroetl.checks.plan_guard.x_deprecated_versions__mutmut_6": UTF8_LOCALE,
    "zeroetl.checks.plan_guard.x_deprecated_versions__mutmut_8": '"UTF-8" for "utf-8": the same codec',
    "zeroetl.checks.plan_guard.x_check_files__mutmut_13": UTF8_LOCALE,
    "zeroetl.checks.plan_guard.x_check_files__mutmut_15": '"UTF-8" for "utf-8": the same codec',
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
