"""Fleets of any size made from the shipped example fleet (catalog/fleet.yaml).

Environment i copies the example's environment i % 4 (same-account dev, cross-account prod
with two sources, provisioned RA3 in eu-west-1, bring-your-own legacy) under the name
<name><i> (dev007) with its own accounts: every account id in the copy gets the prefix i, so
cluster, warehouse and integration names never clash and each environment has its own
state keys. The result is loaded through the catalog model like any catalog, so a generated
fleet obeys every rule (quotas, names, regions) a hand-written one does.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml

from zeroetl.catalog.loader import load_catalog
from zeroetl.catalog.model import Catalog

EXAMPLE = Path(__file__).resolve().parent.parent / "catalog" / "fleet.yaml"
ACCOUNT_ID = re.compile(r"\b\d{12}\b")


def fleet_document(size: int, example: Path = EXAMPLE, edit: int = 0) -> dict[str, Any]:
    """The fleet of `size` environments; edit > 0 tags the first environment `bench-edit: <edit>`,
    a one-environment change (its four stacks change, no other's)."""
    document = yaml.safe_load(example.read_text(encoding="utf-8"))
    shapes = document["environments"]
    environments = []
    for i in range(size):
        env = copy.deepcopy(shapes[i % len(shapes)])
        env["name"] = f"{env['name']}{i:03d}"
        # The account ids sit in account_id fields and inside ARNs; rewrite them wherever they are.
        text = ACCOUNT_ID.sub(lambda m: f"{i:04d}{m.group()[4:]}", yaml.safe_dump(env, sort_keys=False))
        environments.append(yaml.safe_load(text))
    if edit:
        environments[0]["tags"] = {**environments[0].get("tags", {}), "bench-edit": str(edit)}
    return {**document, "environments": environments}


def write_fleet(size: int, path: Path, edit: int = 0) -> Catalog:
    """Write a fleet of `size` environments to path and return it loaded (and so validated)."""
    path.write_text(yaml.safe_dump(fleet_document(size, edit=edit), sort_keys=False), encoding="utf-8")
    return load_catalog(path)
