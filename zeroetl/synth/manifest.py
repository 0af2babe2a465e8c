"""cdktf's manifest.json, merged from the synthesis workers' partial ones.

Each worker's cdktf App writes a manifest of its own stacks. cdktf formats it with the npm
package json-stable-stringify (keys sorted, two-space indent, and empty lists and objects
broken over two lines), so the merged file is written the same way: byte for byte what one
App holding every stack writes (tests/test_fast_path.py checks).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MANIFEST_FILE = "manifest.json"


def stable_stringify(value: Any, indent: str = "  ", level: int = 0) -> str:
    """json-stable-stringify(value, {space: 2}) for the JSON types a manifest holds."""
    pad = "\n" + indent * level
    if isinstance(value, dict):
        items = [f"{pad}{indent}{json.dumps(k, ensure_ascii=False)}: {stable_stringify(v, indent, level + 1)}" for k, v in sorted(value.items())]
        return "{" + ",".join(items) + pad + "}"
    if isinstance(value, list):
        items = [f"{pad}{indent}{stable_stringify(v, indent, level + 1)}" for v in value]
        return "[" + ",".join(items) + pad + "]"
    return json.dumps(value, ensure_ascii=False)


def merge_manifests(parts: list[Path], target: Path) -> None:
    """Write one manifest holding the stacks of every part (each a worker's manifest.json)."""
    write_manifest([json.loads(part.read_text(encoding="utf-8")) for part in parts], target)


def write_manifest(parts: list[dict[str, Any]], target: Path) -> None:
    """Write one manifest holding the stacks of every part (a worker's manifest, or a cached
    environment's share of one)."""
    merged: dict[str, Any] = {"stacks": {}}
    for manifest in parts:
        if merged.setdefault("version", manifest["version"]) != manifest["version"]:
            raise ValueError(f"cdktf version {manifest['version']} differs from {merged['version']}")
        clashes = merged["stacks"].keys() & manifest["stacks"].keys()
        if clashes:
            raise ValueError(f"stacks {sorted(clashes)} were synthesized twice")
        merged["stacks"].update(manifest["stacks"])
    target.write_text(stable_stringify(merged), encoding="utf-8")
