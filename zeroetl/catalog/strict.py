"""The base of every catalog model."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, ValidatorFunctionWrapHandler, field_validator, model_validator


def _contained(check: ValidatorFunctionWrapHandler, value: Any) -> Any:
    """Run a check; whatever it raises besides a validation error becomes one, so pydantic
    reports it at the field's path like any other problem. A catalog's content can then never
    end in a traceback, whichever rule a new field brings (issue 22, class 2)."""
    try:
        return check(value)
    except (ValidationError, ValueError, AssertionError):
        raise
    except Exception as exc:  # noqa: BLE001 - the point: no exception type escapes validation
        raise ValueError(f"cannot be checked ({type(exc).__name__}: {str(exc)[:120]}); see README.md, Catalog reference") from exc


class Strict(BaseModel):
    """Unknown fields are errors: a typo must not silently fall back to a default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="wrap")
    @classmethod
    def _field_contained(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return _contained(handler, value)

    @model_validator(mode="wrap")
    @classmethod
    def _model_contained(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return _contained(handler, data)
