"""Resource addresses are pinned: a refactor that renames a construct path would turn a
database into destroy-and-create, and this snapshot fails first. Update it only for a change
that means to move resources (and then with `moved` handling in the plan review)."""

from __future__ import annotations

from tests.harness import Synthesized, addresses


def test_resource_addresses_are_stable(default_synth: Synthesized, snapshot) -> None:
    assert {name: sorted(addresses(stack)) for name, stack in default_synth.stacks.items()} == snapshot


def test_the_fleet_and_variant_addresses_are_stable(fleet_synth: Synthesized, variant_synth: Synthesized, snapshot) -> None:
    """The other shapes (issue 23): cross-account and brought-in environments, several sources,
    a provisioned target, the bootstrap stacks; each has addresses the default catalog lacks."""
    pinned = {
        shape: {name: sorted(addresses(stack)) for name, stack in synth.stacks.items()}
        for shape, synth in (("fleet", fleet_synth), ("variant", variant_synth))
    }
    assert pinned == snapshot
