"""Variable files render with StrictUndefined and HCL literals."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import UndefinedError

from tests.harness import Synthesized
from zeroetl.render.templating import DUMPER, hcl, templates


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


KEYS = st.from_regex(r"[\w .:/=+@-]{1,20}", fullmatch=True)  # field names and tag keys (rules.check_tags)
YAML_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(st.lists(YAML_VALUES, max_size=4) | st.dictionaries(KEYS, YAML_VALUES, max_size=6))
def test_catalog_comments_written_by_libyaml_equal_pure_python(value: object) -> None:
    """catalog_comment uses libyaml's emitter for speed; its text must be PyYAML's own for
    what it is given: a catalog section, a mapping or a list (catalog_sections)."""
    options = {"sort_keys": False, "default_flow_style": False, "width": 1000}
    assert yaml.dump(value, Dumper=DUMPER, **options) == yaml.dump(value, Dumper=yaml.SafeDumper, **options)
