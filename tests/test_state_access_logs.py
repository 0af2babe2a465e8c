"""Server access logging of the bootstrap's state buckets, on the fleet's synthesized stacks
(stacks/constructs/access_logs.py), and the rule that names the log buckets.

S3's rules (Enabling server access logging): the target is another bucket of the same account
and region, and the logging service principal writes it under the bucket policy; logging a
bucket into itself logs each delivery again."""

from __future__ import annotations

import json
import re

from hypothesis import given
from hypothesis import strategies as st

from tests.harness import Synthesized, bootstraps, bucket_keys, encryption_rules, referenced, resources
from tests.iam_eval import allowed
from zeroetl.catalog.naming import access_log_bucket, bucket_key_alias
from zeroetl.catalog.rules import s3_bucket_problem
from zeroetl.rollout.accounts import account_plans

DELIVERY = {"Service": "logging.s3.amazonaws.com"}


def _policy_of(stack: dict, name: str) -> list[dict]:
    (found,) = [json.loads(p["policy"])["Statement"] for p in resources(stack, "aws_s3_bucket_policy").values() if json.loads(p["policy"])["Statement"][0]["Resource"][0] == f"arn:aws:s3:::{name}"]
    return found


def test_every_state_bucket_and_its_replica_log_to_a_bucket_of_their_own_in_their_region(fleet_synth: Synthesized) -> None:
    logged = 0
    for account, stack in bootstraps(fleet_synth).items():
        buckets = resources(stack, "aws_s3_bucket")
        states = {b["bucket"] for b in buckets.values() if not b["bucket"].endswith("-access-logs")}  # and replicas
        configs = resources(stack, "aws_s3_bucket_logging").values()
        assert {referenced(stack, c["bucket"])["bucket"] for c in configs} == states, account
        for config in configs:
            source, target = referenced(stack, config["bucket"]), referenced(stack, config["target_bucket"])
            assert target["bucket"] == access_log_bucket(source["bucket"]) != source["bucket"], account
            assert source.get("provider") == target.get("provider") == config.get("provider"), "same region: S3 refuses another"
            assert config["target_prefix"] == f"{source['bucket']}/"
            assert not resources(stack, "aws_s3_bucket_logging").get(config["target_bucket"]), "a log bucket logs nowhere"
            logged += 1
    # each state bucket and its replica (tests/test_state_replica.py)
    assert logged == 2 * sum(len(plan.buckets) for plan in account_plans(fleet_synth.catalog)) > 8


def test_only_s3_log_delivery_of_that_bucket_and_account_writes_the_logs(fleet_synth: Synthesized) -> None:
    for account, stack in bootstraps(fleet_synth).items():
        for config in resources(stack, "aws_s3_bucket_logging").values():
            source, target = referenced(stack, config["bucket"])["bucket"], referenced(stack, config["target_bucket"])["bucket"]
            statements = _policy_of(stack, target)
            delivered = [s for s in statements if s["Principal"] in (DELIVERY, "*")]
            strangers = [s for s in statements if s["Principal"] == "*"]
            log = f"arn:aws:s3:::{target}/{source}/2026-12-07-10-00-00-ABCDEF"
            own = {"aws:SourceArn": f"arn:aws:s3:::{source}", "aws:SourceAccount": account, "aws:SecureTransport": "true"}
            assert allowed(delivered, "s3:PutObject", log, own), target
            assert not allowed(delivered, "s3:PutObject", log, {**own, "aws:SourceArn": "arn:aws:s3:::someone-elses-bucket"}), target
            assert not allowed(delivered, "s3:PutObject", log, {**own, "aws:SourceAccount": "999999999999"}), target
            assert not allowed(delivered, "s3:PutObject", f"arn:aws:s3:::{target}/elsewhere/x", own), target
            assert not allowed(delivered, "s3:PutObject", log, {**own, "aws:SecureTransport": "false"}), "TLS only, for the service too"
            assert not any(s["Effect"] == "Allow" for s in strangers), target
            assert all(s["Principal"] in (DELIVERY, "*") for s in statements), "no other principal reads the logs through the bucket policy"


def test_log_buckets_use_s3_managed_keys_the_only_default_s3_supports_on_a_log_target(fleet_synth: Synthesized) -> None:
    """SSE-KMS on a log target is not supported (S3 guide): with a key, logs may silently not
    arrive. The buckets they log keep their customer managed keys."""
    for account, stack in bootstraps(fleet_synth).items():
        encryption = bucket_keys(stack)
        defaults = encryption_rules(stack)
        for config in resources(stack, "aws_s3_bucket_logging").values():
            source, target = referenced(stack, config["bucket"])["bucket"], referenced(stack, config["target_bucket"])["bucket"]
            assert defaults[target] == {"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}, target
            assert encryption[target] is None and referenced(stack, encryption[source])["enable_key_rotation"] is True, source
        keys = [json.loads(key["policy"]) for key in resources(stack, "aws_kms_key").values()]
        assert not any(s.get("Principal") == DELIVERY for policy in keys for s in policy["Statement"]), "no key is left for the log delivery"
        lifecycles = [r for l in resources(stack, "aws_s3_bucket_lifecycle_configuration").values() for r in l["rule"] if r["id"] == "expire-old-access-logs"]
        assert lifecycles and all(r["expiration"][0]["days"] == 365 for r in lifecycles), account


@given(st.from_regex(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", fullmatch=True).filter(lambda name: s3_bucket_problem(name) is None))
def test_the_log_bucket_of_any_valid_state_bucket_is_a_valid_name_of_its_own(bucket: str) -> None:
    name = access_log_bucket(bucket)
    assert s3_bucket_problem(name) is None, (bucket, name)
    assert name != bucket and name.endswith("-access-logs")
    if len(bucket) + len("-access-logs") <= 63:
        assert name == f"{bucket}-access-logs"


def test_long_state_buckets_keep_distinct_log_buckets() -> None:
    first, second = "a" * 55 + "-us-east-1", "a" * 55 + "-us-west-2"
    assert len({access_log_bucket(first), access_log_bucket(second)}) == 2
    # cut to 63 - len("-access-logs") - 9 characters, then 8 hex characters of the hash
    assert re.fullmatch(r"a{42}-[0-9a-f]{8}-access-logs", access_log_bucket(first)), access_log_bucket(first)
    assert access_log_bucket("b" * 51) == "b" * 51 + "-access-logs" and len(access_log_bucket("b" * 52)) == 63
    assert re.fullmatch(r"c{40}-[0-9a-f]{8}-access-logs", access_log_bucket("c" * 40 + "..-" + "c" * 20)), "no dot or hyphen before the hash"


def test_a_bucket_keys_alias_is_the_buckets_name_without_periods() -> None:
    assert bucket_key_alias("state.example-replica") == "state_example-replica"
