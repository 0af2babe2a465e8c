"""Read a catalog file into typed models, or fail with messages a person can act on."""

from __future__ import annotations

import datetime
import difflib
import reprlib
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from zeroetl.catalog.applicability import check_applicable, check_rollout, check_state
from zeroetl.catalog.fleet_rules import check_fleet
from zeroetl.catalog.model import Catalog
from zeroetl.catalog.yaml12 import CatalogLoader, DuplicateKeyError, invisible_character


class CatalogError(Exception):
    """A catalog that cannot be used; str() is the complete message for the user."""


def load_catalog(path: Path) -> Catalog:
    """The catalog, or CatalogError: whatever a file holds, reading it ends in one of the two.
    An exception no rule foresaw is still a message naming the file, never a traceback."""
    try:
        return _load(path)
    except CatalogError:
        raise
    except Exception as exc:  # noqa: BLE001 - the guarantee is structural, not a list of types
        raise CatalogError(f"{path}: the catalog cannot be read ({type(exc).__name__}: {str(exc)[:160]}); check it against README.md, Catalog reference") from exc


def _load(path: Path) -> Catalog:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read the catalog ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{path}: byte {exc.start} is not UTF-8 (0x{exc.object[exc.start]:02x}); save the catalog as UTF-8 text") from exc
    try:
        raw = _parse(text)
    except DuplicateKeyError as exc:
        raise CatalogError(f"{path}: line {exc.line}: key {_shown(exc.key)} appears twice in the same mapping; YAML would keep only the last one") from exc
    except RecursionError as exc:
        raise CatalogError(f"{path}: the YAML is nested too deeply to be a catalog") from exc
    except ExpansionError as exc:
        raise CatalogError(f"{path}: {exc}") from exc
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise CatalogError(f"{path}: line {line} is not valid YAML (character {exc.character!r} is not allowed in YAML text)") from exc
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" line {where.line + 1}" if where else ""
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
        invisible = invisible_character(text)
        if invisible:
            # The parser's complaint points at the symptom; the paste is the cause.
            problem += f"; line {invisible[1]} holds the invisible character {invisible[0]}: retype it as a plain space or delete it"
        raise CatalogError(f"{path}:{line} is not valid YAML ({problem[:260]})") from exc
    if not isinstance(raw, dict):
        raise CatalogError(f"{path}: the catalog must be a mapping with 'environments', got {type(raw).__name__}")
    written = raw.get("environments"), raw.get("state"), raw.get("rollout")
    raw = _apply_defaults(path, raw)
    try:
        catalog = Catalog.model_validate(raw)
    except ValidationError as exc:
        lines = [_describe(path, raw, error) for error in exc.errors()]
        if len(lines) > MAX_LINES:
            lines[MAX_LINES:] = [f"{path}: ... and {len(lines) - MAX_LINES} more problems; fix these first"]
        raise CatalogError("\n".join(lines)) from exc
    inapplicable = check_state(written[1], catalog) + check_rollout(written[2], catalog) + (check_applicable(written[0], catalog) if isinstance(written[0], list) else [])
    if inapplicable:
        lines = [
            _fit(f"{path}: {_field_path(raw, loc)}: {message}", path) if isinstance(value, dict) else _valued(path, _field_path(raw, loc), value, message)
            for loc, value, message in inapplicable
        ]
        raise CatalogError("\n".join(lines[:MAX_LINES]))
    try:
        check_fleet(catalog)
    except ValueError as exc:
        raise CatalogError("\n".join(_fit(f"{path}: catalog: {line}", path) for line in str(exc).splitlines())) from exc
    return catalog


DEFAULTS_SECTIONS = ("environment", "source")
# A catalog of 1,000 environments is ~100,000 values; aliases that expand far beyond that are an
# attack (the "billion laughs") or a mistake, and would take the validation down with them.
MAX_VALUES = 2_000_000
MAX_LINES = 40
MAX_LINE = 300


class ExpansionError(Exception):
    pass


def _parse(text: str) -> Any:
    loader = CatalogLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        values = _expanded_size(node, {})
        if values > MAX_VALUES:
            raise ExpansionError(f"YAML aliases expand this catalog to {values:,} values (at most {MAX_VALUES:,}); write it out without nested aliases")
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many values the document holds once every alias is expanded; each node counted once."""
    if id(node) in sizes:
        return sizes[id(node)]
    sizes[id(node)] = 1  # a cycle counts once; SafeLoader builds it as a self-reference
    if isinstance(node, yaml.SequenceNode):
        total = 1 + sum(_expanded_size(child, sizes) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        total = 1 + sum(_expanded_size(key, sizes) + _expanded_size(value, sizes) for key, value in node.value)
    else:
        total = 1
    sizes[id(node)] = total
    return total


def _apply_defaults(path: Path, raw: dict[str, Any]) -> dict[str, Any]:
    """Merge `defaults.environment` under every environment and `defaults.source` under every
    source: the environment's own values win, mappings merge, lists and scalars replace."""
    defaults = raw.pop("defaults", None) or {}
    if not isinstance(defaults, dict):
        raise CatalogError(f"{path}: defaults: must be a mapping with the sections {', '.join(DEFAULTS_SECTIONS)}, got a {type(defaults).__name__}")
    unknown = sorted(map(str, set(defaults) - set(DEFAULTS_SECTIONS)))
    if unknown:
        raise CatalogError(f"{path}: defaults: unknown section(s) {_shown(', '.join(unknown))}; allowed sections are {', '.join(DEFAULTS_SECTIONS)}")
    for section in DEFAULTS_SECTIONS:
        if not isinstance(defaults.get(section) or {}, dict):
            raise CatalogError(f"{path}: defaults.{section}: must be a mapping of fields, got a {type(defaults[section]).__name__}")
    envs = raw.get("environments")
    if not isinstance(envs, list):
        return raw
    merged_envs = []
    for env in envs:
        if isinstance(env, dict):
            env = _merge(defaults.get("environment") or {}, env)
            if isinstance(env.get("sources"), list):
                env["sources"] = [_merge(defaults.get("source") or {}, s) if isinstance(s, dict) else s for s in env["sources"]]
        merged_envs.append(env)
    return {**raw, "environments": merged_envs}


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        merged[key] = _merge(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
    return merged


def _describe(path: Path, raw: dict[str, Any], error: dict[str, Any]) -> str:
    """One line per problem: file, environment, field, bad value, what is allowed."""
    loc = error["loc"]
    where = _field_path(raw, loc)
    if error["type"] == "extra_forbidden":
        model = _model_at(loc[:-1])
        fields = sorted(model.model_fields)
        close = difflib.get_close_matches(str(loc[-1]), fields, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        listed = f"fields here: {', '.join(fields)}" if len(fields) <= 8 else f"{len(fields)} fields are allowed here (README.md, Catalog reference)"
        return f"{path}: {where}: unknown field; {hint}{listed}"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "missing":
        return f"{path}: {where}: required field is missing"
    value = error["input"]
    if error["type"] == "string_type" and isinstance(value, (int, float, bool, datetime.date)):
        message += f"; YAML read this as a {type(value).__name__}: put the value in quotes"
    elif isinstance(value, str) and not value.isascii():
        odd = next(char for char in value if not char.isascii())
        message += f"; it holds the non-ASCII character {odd!r} (U+{ord(odd):04X}), perhaps pasted"
    if isinstance(error["input"], dict):
        # A rule over a whole section: its message names the fields itself.
        return "\n".join(_fit(f"{path}: {where}: {line}", path) for line in message.splitlines())
    if isinstance(value, list) and error["type"] == "value_error":
        # The rule's message names the item at fault: the whole list would only bury it.
        return _fit(f"{path}: {where}: {message}", path)
    return _valued(path, where, value, message)


def _valued(path: Path, where: str, value: Any, message: str) -> str:
    """`path: where = value: message` in one line of at most MAX_LINE characters besides the
    path: a long value is shown shorter before the message, which says what is allowed, is cut."""
    for shown in (_shown(value), _shown(value, TINY)):
        line = f"{path}: {where} = {shown}: {message}"
        if len(line) <= MAX_LINE + len(str(path)):
            return line
    return _fit(line, path)


def _fit(line: str, path: Path) -> str:
    """At most MAX_LINE characters besides the path: one problem, one readable line."""
    limit = MAX_LINE + len(str(path))
    return line if len(line) <= limit else line[: limit - 3] + "..."


SHORT = reprlib.Repr()
SHORT.maxstring, SHORT.maxother, SHORT.maxlist, SHORT.maxdict, SHORT.maxlevel = 60, 60, 4, 4, 2
TINY = reprlib.Repr()  # when the message and a SHORT value do not fit in one line together
TINY.maxstring, TINY.maxother, TINY.maxlist, TINY.maxdict, TINY.maxlevel = 24, 24, 2, 2, 1


def _shown(value: Any, shortener: reprlib.Repr = SHORT) -> str:
    """The bad value, shortened so one huge value cannot bury the message (reprlib never
    builds the whole text, so an alias bomb or a megabyte string costs nothing)."""
    text = shortener.repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _field_path(raw: dict[str, Any], loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for index, key in enumerate(loc):
        if isinstance(key, int) and not parts:
            parts.append(f"[{key}]")
        elif isinstance(key, int):
            parts[-1] += f"[{key}]"
            if loc[:index] == ("environments",):
                name = _env_name(raw, key)
                parts[-1] += f" (environment {_shown(name)})" if name else ""
        else:
            parts.append(str(key))
    return ".".join(parts) or "catalog"


def _env_name(raw: dict[str, Any], index: int) -> str | None:
    envs = raw.get("environments")
    if isinstance(envs, list) and index < len(envs) and isinstance(envs[index], dict):
        return envs[index].get("name")
    return None


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel]:
    """The model class that holds the field at loc, found by walking the annotations."""
    model: type[BaseModel] = Catalog
    for key in loc:
        if isinstance(key, int):
            continue
        annotation = model.model_fields[key].annotation
        model = _inner_model(annotation)
    return model


def _inner_model(annotation: Any) -> type[BaseModel]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        try:
            return _inner_model(arg)
        except TypeError:
            continue
    raise TypeError(f"no model in {annotation}")
