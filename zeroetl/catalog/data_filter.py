"""Zero-ETL data filters, in the Maxwell filter syntax AWS defines (Aurora guide,
"zero-etl.filtering"): comma-separated patterns, each `include:` or `exclude:` followed by
`database.table`, each part either a literal name, `*` for all, or a regular expression
between slashes (`exclude: orders./tmp_.*/`). A shell glob such as `tmp_*` is not a wildcard
there: it is refused here rather than silently matching no table.
"""

from __future__ import annotations

import re

from zeroetl.catalog.facts import FACTS
from zeroetl.catalog.rules import quoted

PATTERN = re.compile(r"(?P<kind>include|exclude):[ ]*(?P<rest>.*)", re.ASCII | re.DOTALL)
# A part: a regular expression between slashes, *, or a literal MySQL name (unquoted identifier
# characters). The regular expression is taken before the dot that ends the database part.
PART = re.compile(r"/(?P<regex>[^/]+)/|(?P<all>\*)|(?P<literal>[A-Za-z0-9_$]+)", re.ASCII)
PART_RULE = "a literal name (letters, digits, _, $), * or a /regular expression/"


def data_filter_problem(pattern: str) -> str | None:
    """None when the pattern is valid, else why not (short: the caller names the field)."""
    shown = quoted(pattern)
    if len(pattern) > FACTS.max_data_filter_pattern_length:
        return f"pattern {shown} is longer than {FACTS.max_data_filter_pattern_length} characters"
    if "," in pattern:
        return f"pattern {shown} holds a comma: give each pattern as its own list item (AWS joins them with commas)"
    match = PATTERN.fullmatch(pattern)
    if not match:
        return f"pattern {shown} must start with 'include:' or 'exclude:' followed by database.table"
    rest, parts = match["rest"], []
    while rest and len(parts) < 2:
        part = PART.match(rest)
        if not part:
            return f"pattern {shown}: {rest.split('.')[0]!r} is not {PART_RULE}"
        if part["regex"] is not None:
            try:
                re.compile(part["regex"])
            except re.error as exc:
                return f"pattern {shown}: /{part['regex']}/ is not a valid regular expression ({exc})"
        parts.append(part.group(0))
        rest = rest[part.end():]
        if len(parts) == 1:
            if not rest.startswith("."):
                return f"pattern {shown}: write database.table, each part {PART_RULE}"
            rest = rest[1:]
    if len(parts) == 2 and rest:
        return f"pattern {shown}: {parts[1] + rest!r} is not {PART_RULE} (a glob matches no table)"
    if len(parts) != 2:
        return f"pattern {shown} must be database.table, each part {PART_RULE}"
    return None


# A part that matches every name: *, or a regular expression that does (.* and .+ anchored or not).
MATCHES_ALL = re.compile(r"\*|/\^?\.[*+]\$?/")


def data_filter_list_problem(patterns: list[str]) -> str | None:
    """Mistakes AWS would accept but that cannot be meant (each pattern already valid):
    - excluding every table with no include: the integration would replicate nothing (an
      empty filter is `include: *.*`; an include is what brings tables back);
    - the same database.table both included and excluded: the filter contradicts itself."""
    kinds: dict[str, set[str]] = {}
    for pattern in patterns:
        match = PATTERN.fullmatch(pattern)
        if not match:
            continue  # reported pattern by pattern
        target = match["rest"].strip()
        kinds.setdefault(target, set()).add(match["kind"])
    if "include" not in {kind for found in kinds.values() for kind in found}:
        for target in kinds:
            if _matches_everything(target):
                return f"'exclude: {target}' with no include excludes every table: the integration would replicate nothing; remove the integration instead, or add the include patterns of what it should replicate"
    for target, found in kinds.items():
        if found == {"include", "exclude"}:
            return f"{target!r} is both included and excluded; keep the one you mean"
    return None


def _matches_everything(target: str) -> bool:
    database = PART.match(target)
    if not database or target[database.end():database.end() + 1] != ".":
        return False
    table = PART.fullmatch(target, database.end() + 1)
    return bool(table) and all(MATCHES_ALL.fullmatch(part.group(0)) for part in (database, table))
