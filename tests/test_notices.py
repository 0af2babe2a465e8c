"""What a valid catalog still asks of its team (zeroetl/catalog/notices.py): one warning per
environment whose alerts reach no one, and per source whose cluster would be created on a
deprecated engine version; none where there is nothing to say."""

from __future__ import annotations

from pathlib import Path

from zeroetl.catalog.loader import load_catalog
from zeroetl.catalog.notices import notices

ROOT = Path(__file__).resolve().parent.parent


def test_each_environment_without_a_subscriber_is_named_once() -> None:
    found = notices(load_catalog(ROOT / "catalog" / "fleet.yaml"))
    # fleet.yaml: dev and legacy (wave 0) have no address; prod and eu (wave 1) must and do.
    assert [n.split(":")[0] for n in found] == ["environment 'dev'", "environment 'legacy'"]
    assert all("reach no one" in n for n in found)


def test_a_deprecated_version_and_a_silent_environment_are_both_said() -> None:
    found = notices(load_catalog(ROOT / "tests" / "catalogs" / "valid" / "engine-deprecated-existing.yaml"))
    assert len(found) == 2
    assert "monitoring.alarm_emails is empty" in found[0]
    assert found[1].startswith("environment 'demo', sources[0].engine_version = 8.0.mysql_aurora.3.05.2: deprecated by AWS")


def test_nothing_to_say_says_nothing() -> None:
    found = notices(load_catalog(ROOT / "tests" / "catalogs" / "valid" / "emails.yaml"))
    assert found == []


def test_a_rollout_without_reviewers_is_said_once() -> None:
    text = (ROOT / "catalog" / "fleet.yaml").read_text()
    assert "reviewers: [team:data-platform-leads]" in text
    without = ROOT / "tests" / "catalogs" / "valid" / "s3-state-dotted-bucket.yaml"
    found = [n for n in notices(load_catalog(without)) if "rollout.reviewers" in n]
    assert len(found) == 1 and "applies on merge without anyone's approval" in found[0]
    assert not [n for n in notices(load_catalog(ROOT / "catalog" / "fleet.yaml")) if "rollout.reviewers" in n]
