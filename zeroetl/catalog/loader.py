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


def load_catalog(path: Path) -> Catalog:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read the catalog ({exc.strerror})") from exc
    try:
        raw = yaml.safe_load(text)
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
    if not isinstance(defaults, dict) or set(defaults) - set(DEFAULTS_SECTIONS):
        raise CatalogError(f"{path}: defaults: allowed sections are {', '.join(DEFAULTS_SECTIONS)}, got {defaults!r}")
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
