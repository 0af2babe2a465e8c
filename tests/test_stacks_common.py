"""What every stack shares: one account and region each, unique state, variables with values."""

from __future__ import annotations

import re

from tests.harness import Synthesized
from zeroetl.catalog.model import Catalog
from zeroetl.catalog.naming import Layer, stack_name, state_key


def test_each_environment_has_its_four_layers(default_synth: Synthesized) -> None:
    env = default_synth.catalog.environments[0]
    assert set(default_synth.stacks) == {stack_name(env, layer) for layer in Layer}


def test_state_keys_are_unique_and_follow_the_naming_rule(default_synth: Synthesized, variant_synth: Synthesized) -> None:
    paths = []
    for synth in (default_synth, variant_synth):
        for env in synth.catalog.environments:
            for layer in Layer:
                backend = synth.stack(env, layer)["terraform"]["backend"]["local"]
                assert backend["path"].endswith(state_key(synth.catalog, env, layer))
                paths.append(backend["path"])
    assert len(paths) == len(set(paths))


def test_providers_pin_account_region_and_tag_everything(default_synth: Synthesized) -> None:
    env = default_synth.catalog.environments[0]
    for name, stack in default_synth.stacks.items():
        (provider,) = stack["provider"]["aws"]
        assert provider["allowed_account_ids"] == [env.source_account.account_id]
        assert provider["region"] == env.region
        tags = provider["default_tags"][0]["tags"]
        assert tags["environment"] == env.name and tags["stack"] == name and tags["owner"] == "data-platform"
        assert stack["terraform"]["required_providers"]["aws"]["version"] == "5.100.0"


def test_every_variable_is_typed_described_and_set_by_the_rendered_tfvars(default_synth: Synthesized) -> None:
    for name, stack in default_synth.stacks.items():
        declared = stack.get("variable", {})
        assert declared, name
        for var, spec in declared.items():
            assert spec["type"] in {"string", "number", "bool"} and spec["description"], (name, var)
            assert "default" not in spec, (name, var)
        assigned = set(re.findall(r"^([a-z_]+)\s*=", default_synth.tfvars[name], re.M))
        assert assigned == set(declared), name


def test_synthesized_json_holds_no_unresolved_values(default_synth: Synthesized) -> None:
    for name in default_synth.stacks:
        text = (default_synth.stack_dir(name) / "cdk.tf.json").read_text()
        assert "undefined" not in text and "TfToken" not in text, name


def test_catalog_names_reach_aws_names(default_synth: Synthesized) -> None:
    catalog: Catalog = default_synth.catalog
    env = catalog.environments[0]
    text = "".join((default_synth.stack_dir(n) / "cdk.tf.json").read_text() for n in default_synth.stacks)
    for name in (env.sources[0].cluster_identifier, env.warehouse.namespace_name, env.warehouse.workgroup_name, env.sources[0].integration.integration_name):
        assert f'"{name}"' in text
