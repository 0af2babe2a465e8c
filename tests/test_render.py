"""Variable files render with StrictUndefined and HCL literals."""

from __future__ import annotations

import pytest
from jinja2 import UndefinedError

from tests.harness import Synthesized
from zeroetl.render.templating import hcl, templates


def test_missing_value_is_an_error_not_a_blank(default_synth: Synthesized) -> None:
    env = default_synth.catalog.environments[0]
    with pytest.raises(UndefinedError):
        templates().from_string("x = {{ env.sources[0].no_such_field | hcl }}").render(env=env)


def test_hcl_literals() -> None:
    assert hcl(None) == "null"
    assert hcl(True) == "true"
    assert hcl("include: a.*, exclude: a.tmp_*") == '"include: a.*, exclude: a.tmp_*"'
    assert hcl(["a", 1]) == '["a", 1]'


def test_variant_values_reach_the_variable_files(variant_synth: Synthesized) -> None:
    tfvars = variant_synth.tfvars
    assert 'data_filter_orders = "include: orders.*, exclude: orders./tmp_.*/"' in tfvars["variant-integration"]
    assert "refresh_interval_orders = 3600" in tfvars["variant-target-database"]
    assert "history_mode_orders     = true" in tfvars["variant-target-database"]
    assert "base_capacity = 32" in tfvars["variant-warehouse"]
    assert "backup_retention_period_orders      = 14" in tfvars["variant-source"]
