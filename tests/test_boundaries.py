"""AWS's name limits at the exact boundary, both sides (issue 23): a name of the longest length
AWS allows loads, one character more is refused naming the field, the length and the limit.
The limits are written here from AWS's pages, not read from the product."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from zeroetl.catalog.loader import CatalogError, load_catalog

ROOT = Path(__file__).resolve().parents[1]
BASE = yaml.safe_load((ROOT / "catalog" / "default.yaml").read_text())


def _load(tmp_path: Path, edit) -> None:
    data = copy.deepcopy(BASE)
    edit(data["environments"][0])
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data))
    load_catalog(path)


def _identifier(length: int) -> str:
    return ("a" + "b" * (length - 1))[:length]


# CreateDBInstance, DBInstanceIdentifier: "1 to 63 letters, numbers, or hyphens". The stacks
# name instance N of a cluster "<cluster_identifier>-N" (instances 1 and 2 by default).
@pytest.mark.parametrize("cluster_length, refused", [(61, False), (62, True)])
def test_an_aurora_instance_identifier_of_63_characters_loads_and_64_is_refused(tmp_path: Path, cluster_length: int, refused: bool) -> None:
    edit = lambda env: env["sources"][0].update(cluster_identifier=_identifier(cluster_length))  # noqa: E731
    if not refused:
        _load(tmp_path, edit)
        return
    with pytest.raises(CatalogError) as error:
        _load(tmp_path, edit)
    assert ".cluster_identifier: Aurora instance name" in str(error.value) and "has 64 characters; AWS allows 63" in str(error.value), str(error.value)


# CreateDBCluster, DBClusterIdentifier: 1 to 63 letters, numbers or hyphens, a letter first, no
# two consecutive hyphens, no hyphen at the end. A brought-in cluster has no instances the stacks
# name, so its identifier alone meets the limit.
@pytest.mark.parametrize("length, refused", [(63, False), (64, True)])
def test_a_brought_in_cluster_identifier_of_63_characters_loads_and_64_is_refused(tmp_path: Path, length: int, refused: bool) -> None:
    edit = lambda env: env["sources"][0].update(cluster_identifier=_identifier(length), create_cluster=False)  # noqa: E731
    if not refused:
        _load(tmp_path, edit)
        return
    with pytest.raises(CatalogError) as error:
        _load(tmp_path, edit)
    assert "cluster_identifier" in str(error.value) and "1-63" in str(error.value), str(error.value)


# CreateDBClusterParameterGroup, DBClusterParameterGroupName: 1 to 255 letters, numbers or
# hyphens, a letter first, no two consecutive hyphens, no hyphen at the end.
@pytest.mark.parametrize("length, refused", [(255, False), (256, True)])
def test_a_binlog_parameter_group_name_of_255_characters_loads_and_256_is_refused(tmp_path: Path, length: int, refused: bool) -> None:
    edit = lambda env: env["sources"][0].update(create_cluster=False, binlog_parameter_group=_identifier(length))  # noqa: E731
    if not refused:
        _load(tmp_path, edit)
        return
    with pytest.raises(CatalogError) as error:
        _load(tmp_path, edit)
    assert "binlog_parameter_group" in str(error.value) and "1-255" in str(error.value), str(error.value)
