"""Resource addresses are pinned: a refactor that renames a construct path would turn a
database into destroy-and-create, and this snapshot fails first. Update it only for a change
that means to move resources (and then with `moved` handling in the plan review)."""

from __future__ import annotations

from tests.harness import Synthesized, addresses


def test_resource_addresses_are_stable(default_synth: Synthesized, snapshot) -> None:
    assert {name: sorted(addresses(stack)) for name, stack in default_synth.stacks.items()} == snapshot
