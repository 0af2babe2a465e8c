"""The package layout stays the architecture: stages that depend only on earlier stages, and
no module that imports another which imports it back (read from the source, not by import)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "zeroetl"
# Each stage may import itself and the stages listed for it.
STAGES = {
    "catalog": set(),
    "render": {"catalog"},
    "rollout": {"catalog", "render"},
    "synth": {"catalog", "render", "rollout"},
    "checks": {"catalog", "render", "rollout", "synth"},
}


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """{module: the zeroetl modules it imports, at any depth of its code}."""
    modules = {_module(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("zeroetl"):
                imported |= {f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in modules else node.module for alias in node.names}
            elif isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names if alias.name.startswith("zeroetl")}
        graph[name] = {m for m in imported if m in modules and m != name}
    return graph


def test_stages_are_subpackages_with_a_docstring() -> None:
    for stage in STAGES:
        init = PACKAGE / stage / "__init__.py"
        assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), f"{init} must say what the stage takes and gives"
    assert {p.name for p in PACKAGE.glob("*.py")} == {"__init__.py"}, "every module belongs to a stage"


def test_stages_depend_only_on_earlier_stages() -> None:
    for module, imported in import_graph().items():
        stage = module.split(".")[1] if module.count(".") else None
        for target in imported:
            other = target.split(".")[1] if target.count(".") else None
            if stage and other and other != stage:
                assert other in STAGES[stage], f"{module} (stage {stage}) imports {target} (stage {other})"


def test_no_import_cycles() -> None:
    graph = import_graph()
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph[node]):
            assert state.get(nxt) != "open", "import cycle: " + " -> ".join([*path, node, nxt][path.index(nxt) if nxt in path else 0:])
            if nxt not in state:
                visit(nxt, [*path, node])
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [])


def test_the_cycle_check_can_fail(monkeypatch) -> None:
    """A made-up cycle is found, so the test above is not vacuous."""
    import tests.test_layout as layout

    cyclic = {"a": {"b"}, "b": {"c"}, "c": {"a"}}
    monkeypatch.setattr(layout, "import_graph", lambda: cyclic)
    try:
        layout.test_no_import_cycles()
    except AssertionError as found:
        assert "a -> b -> c -> a" in str(found)
    else:
        raise AssertionError("a cycle went unnoticed")


def test_the_workflow_steps_run_on_a_bare_python() -> None:
    """The plan and apply jobs install Terraform only and run pipeline.py with the runner's
    python3: it, and all it imports, must need nothing beyond the standard library."""
    bare = Path(sys.base_prefix) / "bin" / "python3"
    done = subprocess.run([str(bare), "-S", "-c", "import zeroetl.checks.pipeline"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    broken = subprocess.run([str(bare), "-S", "-c", "import zeroetl.checks.verify"], cwd=ROOT, capture_output=True, text=True)
    assert broken.returncode != 0 and "ModuleNotFoundError" in broken.stderr, "-S must keep the third-party packages out"
