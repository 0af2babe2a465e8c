"""Read a catalog file into typed models, or fail with messages a person can act on."""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from zeroetl.catalog.fleet_rules import check_fleet
from zeroetl.catalog.model import Catalog


class CatalogError(Exception):
    """A catalog that cannot be used; str() is the complete message for the user."""


class DuplicateKeyError(yaml.YAMLError):
    def __init__(self, key: object, line: int) -> None:
        super().__init__(f"duplicate key {key!r}")
        self.key, self.line = key, line


class UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys without a word, so an environment, a source or
    a region could vanish from a catalog silently; here a repeated key is an error."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, (str, int, float, bool)) and key in seen:
                raise DuplicateKeyError(key, key_node.start_mark.line + 1)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_catalog(path: Path) -> Catalog:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read the catalog ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{path}: byte {exc.start} is not UTF-8 (0x{exc.object[exc.start]:02x}); save the catalog as UTF-8 text") from exc
    try:
        raw = yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except DuplicateKeyError as exc:
        raise CatalogError(f"{path}: line {exc.line}: key {exc.key!r} appears twice in the same mapping; YAML would keep only the last one") from exc
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" line {where.line + 1}" if where else ""
        raise CatalogError(f"{path}:{line} is not valid YAML ({getattr(exc, 'problem', exc)})") from exc
    if not isinstance(raw, dict):
        raise CatalogError(f"{path}: the catalog must be a mapping with 'environments', got {type(raw).__name__}")
    raw = _apply_defaults(path, raw)
    try:
        catalog = Catalog.model_validate(raw)
    except ValidationError as exc:
        lines = [_describe(path, raw, error) for error in exc.errors()]
        raise CatalogError("\n".join(lines)) from exc
    try:
        check_fleet(catalog)
    except ValueError as exc:
        raise CatalogError("\n".join(f"{path}: catalog: {line}" for line in str(exc).splitlines())) from exc
    return catalog


DEFAULTS_SECTIONS = ("environment", "source")


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
        allowed = ", ".join(sorted(_model_at(loc[:-1]).model_fields))
        return f"{path}: {where}: unknown field; allowed fields here: {allowed}"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "missing":
        return f"{path}: {where}: required field is missing"
    if isinstance(error["input"], dict):
        # A rule over a whole section: its message names the fields itself.
        return "\n".join(f"{path}: {where}: {line}" for line in message.splitlines())
    return f"{path}: {where} = {_shown(error['input'])}: {message}"


def _shown(value: Any, limit: int = 80) -> str:
    """The bad value, shortened so one huge value cannot bury the message."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def _field_path(raw: dict[str, Any], loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for index, key in enumerate(loc):
        if isinstance(key, int):
            parts[-1] += f"[{key}]"
            if loc[:index] == ("environments",):
                name = _env_name(raw, key)
                parts[-1] += f" (environment {name!r})" if name else ""
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
