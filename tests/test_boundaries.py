"""AWS's name limits at the exact boundary, both sides (issue 23): a name of the longest length
AWS allows loads, one character more is refused naming the field and the limit. The limits are
written here from AWS's pages, not read from the product."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from zeroetl.catalog.loader import CatalogError, load_catalog

ROOT = Path(__file__).resolve().parents[1]
BASE = yaml.safe_load((ROOT / "catalog" / "default.yaml").read_text())


def _identifier(length: int) -> str:
    return "a" + "b" * (length - 1)


# (what, the source's fields for a name of `n` characters, the longest n AWS allows, what the refusal says)
LIMITS = {
    # CreateDBInstance, DBInstanceIdentifier: "1 to 63 letters, numbers, or hyphens". The stacks
    # name instance N of a created cluster "<cluster_identifier>-N": 61 + "-1" is the longest.
    "Aurora instance identifier": (
        lambda n: {"cluster_identifier": _identifier(n)}, 61, ".cluster_identifier: Aurora instance name",
    ),
    # CreateDBCluster, DBClusterIdentifier: 1 to 63 letters, numbers or hyphens, a letter first, no
    # "--", no hyphen at the end. A brought-in cluster has no instances the stacks name.
    "brought-in cluster identifier": (
        lambda n: {"cluster_identifier": _identifier(n), "create_cluster": False}, 63, "cluster_identifier",
    ),
    # CreateDBClusterParameterGroup, DBClusterParameterGroupName: 1 to 255, the same characters.
    "binlog parameter group name": (
        lambda n: {"create_cluster": False, "binlog_parameter_group": _identifier(n)}, 255, "binlog_parameter_group",
    ),
}


def _load(tmp_path: Path, fields: dict) -> None:
    data = copy.deepcopy(BASE)
    data["environments"][0]["sources"][0].update(fields)
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data))
    load_catalog(path)


@pytest.mark.parametrize("what", LIMITS)
def test_the_longest_name_aws_allows_loads_and_one_more_character_is_refused(tmp_path: Path, what: str) -> None:
    fields, longest, field = LIMITS[what]
    _load(tmp_path, fields(longest))
    with pytest.raises(CatalogError) as refused:
        _load(tmp_path, fields(longest + 1))
    message = str(refused.value)
    assert field in message and ("63" in message if longest < 255 else "255" in message), (what, message)


def test_a_value_quoted_in_a_rules_message_is_cut_at_its_limit_and_marked_as_cut() -> None:
    from zeroetl.catalog.rules import quoted

    assert quoted("x" * 60) == "'" + "x" * 60 + "'"
    assert quoted("x" * 61) == "'" + "x" * 60 + "...'"
    assert quoted("x" * 71, 70) == "'" + "x" * 70 + "...'"


def test_a_long_bad_name_is_shown_shorter_so_the_rule_that_refuses_it_is_read_whole(tmp_path: Path) -> None:
    with pytest.raises(CatalogError) as refused:
        _load(tmp_path, {"create_cluster": False, "binlog_parameter_group": _identifier(256)})
    message = str(refused.value)
    assert message.endswith("(a default group such as default.aurora-mysql8.0 cannot hold the binlog settings)"), message
    assert "binlog_parameter_group = 'abbb" in message and len(message.splitlines()) == 1
