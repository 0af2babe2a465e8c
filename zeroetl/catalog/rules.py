"""AWS rules the catalog models share: tags, windows, reserved names, ARNs, repeated values.

Each function raises ValueError with the message the user sees after the field's path; each
names the AWS page it comes from, so a reviewer can check it.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Annotated, Any, Callable

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator

from zeroetl.catalog.facts import (
    FACTS,
    MAX_TAGS_PER_RESOURCE,
    PRODUCT_TAG_KEYS,
    partition,
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY, WEEK = 24 * 60, 7 * 24 * 60
# RDS API reference, CreateDBCluster: PreferredBackupWindow and PreferredMaintenanceWindow
# "must be at least 30 minutes" and "must not conflict with" each other.
MIN_WINDOW_MINUTES = 30
# Tagging AWS resources, "Tag naming limits and requirements": keys 1-128 characters, values up
# to 256, letters, numbers, spaces and _ . : / = + - @; the aws: prefix is reserved.
TAG_TEXT_RE = re.compile(r"[\w .:/=+\-@]*\Z")
MAX_TAG_KEY, MAX_TAG_VALUE = 128, 256


def _first_repeat(values: list, key: Callable[[Any], Any] = lambda value: value) -> tuple[Any, Any] | None:
    """(earlier value, repeating value) of the first value whose key was seen before."""
    seen: dict[Any, Any] = {}
    for value in values:
        if key(value) in seen:
            return seen[key(value)], value
        seen[key(value)] = value
    return None


def _no_repeats(values: list) -> list:
    found = _first_repeat(values)
    if found:
        raise ValueError(f"lists {str(found[1])!r} more than once; give each value once")
    return values


# A list in which each value may appear once: a repeated subnet, address or pattern is a
# mistake AWS either refuses or turns into two resources fighting over one thing.
Unique = AfterValidator(_no_repeats)


def check_tags(tags: dict[str, str]) -> None:
    allowed = MAX_TAGS_PER_RESOURCE - len(PRODUCT_TAG_KEYS)
    if len(tags) > allowed:
        raise ValueError(
            f"{len(tags)} tags; AWS allows {MAX_TAGS_PER_RESOURCE} per resource and the product adds {len(PRODUCT_TAG_KEYS)} "
            f"({', '.join(PRODUCT_TAG_KEYS)}), so at most {allowed}"
        )
    product = {key.lower(): key for key in PRODUCT_TAG_KEYS}
    seen: dict[str, str] = {}
    for key, value in tags.items():
        shown = quoted(key)
        if not 1 <= len(key) <= MAX_TAG_KEY or not TAG_TEXT_RE.match(key):
            raise ValueError(f"tag key {shown}: 1-{MAX_TAG_KEY} letters, digits, spaces or _ . : / = + - @")
        if len(value) > MAX_TAG_VALUE or not TAG_TEXT_RE.match(value):
            raise ValueError(f"tag {shown} value {quoted(value)}: at most {MAX_TAG_VALUE} letters, digits, spaces or _ . : / = + - @")
        if key.lower().startswith("aws:") or value.lower().startswith("aws:"):
            raise ValueError(f"tag {shown}: the aws: prefix is reserved for AWS")
        if key.lower() in product:
            raise ValueError(f"tag key {shown}: the product sets {product[key.lower()]!r} on every resource; choose another key")
        # IAM compares tag keys case-insensitively (IAM User Guide, "Tagging IAM resources").
        if key.lower() in seen:
            raise ValueError(f"tag keys {seen[key.lower()]!r} and {key!r} differ only in case; IAM refuses that")
        seen[key.lower()] = key


def _window_minutes(text: str, with_day: bool) -> tuple[int, int]:
    """(start, length) in minutes of the day, or of the week with a day."""
    start, end = text.split("-")

    def minutes(point: str) -> int:
        parts = point.split(":")
        day = WEEKDAYS.index(parts.pop(0)) * DAY if with_day else 0
        return day + int(parts[0]) * 60 + int(parts[1])

    period = WEEK if with_day else DAY
    return minutes(start), (minutes(end) - minutes(start)) % period


def check_windows(backup: str, maintenance: str) -> None:
    """Both already match their hh:mm patterns."""
    backup_start, backup_length = _window_minutes(backup, with_day=False)
    maintenance_start, maintenance_length = _window_minutes(maintenance, with_day=True)
    for name, text, length in (("preferred_backup_window", backup, backup_length), ("preferred_maintenance_window", maintenance, maintenance_length)):
        if length < MIN_WINDOW_MINUTES:
            raise ValueError(f"{name} {text!r} lasts {length} minutes; RDS needs at least {MIN_WINDOW_MINUTES}")
    for day in range(7):
        start = day * DAY + backup_start
        if (start - maintenance_start) % WEEK < maintenance_length or (maintenance_start - start) % WEEK < backup_length:
            raise ValueError(
                f"preferred_backup_window {backup!r} overlaps preferred_maintenance_window {maintenance!r} on "
                f"{WEEKDAYS[day]}; RDS needs them apart"
            )


def check_not_reserved(value: str, what: str, *reserved: frozenset[str]) -> str:
    if any(value.lower() in words for words in reserved):
        raise ValueError(f"{value!r} is reserved by {what}; choose another name (catalog/reserved_words.yaml)")
    return value


# The validator factories run once, at import, before scripts/mutation picks a mutant: mutants of
# their own lines could never run (their checks, module-level functions, are mutated).
def _not_reserved(what: str, *reserved: frozenset[str]) -> AfterValidator:  # pragma: no mutate block
    return AfterValidator(lambda value: check_not_reserved(value, what, *reserved))


# Name fields that must not be a name the database keeps for itself (catalog/reserved_words.yaml).
MysqlUser = Annotated[str, _not_reserved("MySQL or RDS", FACTS.reserved.mysql_words, FACTS.reserved.mysql_users)]
MysqlDatabase = Annotated[str, _not_reserved("MySQL", FACTS.reserved.mysql_words, FACTS.reserved.mysql_databases)]
RedshiftUser = Annotated[str, _not_reserved("Amazon Redshift", FACTS.reserved.redshift_words, FACTS.reserved.redshift_users)]
RedshiftDatabase = Annotated[str, _not_reserved("Amazon Redshift", FACTS.reserved.redshift_words, FACTS.reserved.redshift_databases)]


def check_arn(arn: str | None, field: str, region: str, account: str | None = None) -> None:
    """An ARN the catalog gives must be in the environment's partition (aws-cn only in the cn-
    regions), and, where given, in its region and account."""
    if arn is None:
        return
    parts = arn.split(":")
    if len(parts) < 6:
        return  # the field's own pattern reports it
    arn_partition, arn_region, arn_account = parts[1], parts[3], parts[4]
    if arn_partition != partition(region):
        raise ValueError(f"{field} {quoted(arn)} is in partition {arn_partition}; region {region} is in {partition(region)}")
    if arn_region and arn_region != region:
        raise ValueError(f"{field} {quoted(arn)} is in {arn_region}; zero-ETL needs everything in the environment's region {region}")
    if account is not None and arn_account != account:
        raise ValueError(f"{field} {quoted(arn)} is in account {arn_account}, not {account}")


def quoted(text: str, limit: int = 60) -> str:
    """A name or value in a message: quoted, and cut at `limit` characters."""
    return repr(text) if len(text) <= limit else repr(text[:limit] + "...")


# Amazon S3 User Guide, "General purpose bucket naming rules": 3-63 characters of lowercase
# letters, digits, periods and hyphens; a letter or digit at each end; no two adjacent periods;
# not an IP address; the prefixes and suffixes S3 keeps for its own features.
S3_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\Z")
S3_IP_RE = re.compile(r"^[0-9]+(\.[0-9]+){3}\Z")
S3_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
S3_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
S3_BUCKET_RULE = "3-63 lowercase letters, digits, '.' or '-', a letter or digit at each end, no '..' (S3 general purpose bucket naming rules)"


def s3_bucket_problem(name: str) -> str | None:
    """Why S3 would refuse this bucket name, or None."""
    if not S3_BUCKET_RE.match(name):
        return S3_BUCKET_RULE
    if ".." in name:
        return "two adjacent periods; S3 refuses them"
    if S3_IP_RE.match(name):
        return "formatted like an IP address; S3 refuses that"
    for prefix in S3_RESERVED_PREFIXES:
        if name.startswith(prefix):
            return f"starts with {prefix!r}, which S3 reserves"
    for suffix in S3_RESERVED_SUFFIXES:
        if name.endswith(suffix):
            return f"ends with {suffix!r}, which S3 reserves"
    return None


def _s3_bucket(name: str) -> str:
    problem = s3_bucket_problem(name)
    if problem:
        raise ValueError(problem)
    return name


S3BucketName = Annotated[str, AfterValidator(_s3_bucket)]


def _email(address: str) -> str:
    """An address SNS can deliver to, by RFC 5322's addr-spec as the email-validator library
    reads it (no display name, no mailto:, no quoted local part). Capitals are kept; a domain
    must be given in its ASCII (xn--) form, which is what SNS sends to."""
    try:
        checked = validate_email(address, check_deliverability=False, allow_quoted_local=False, allow_display_name=False)
    except EmailNotValidError as exc:
        raise ValueError(f"not an e-mail address: {exc}") from exc
    if not address.isascii():
        raise ValueError(f"write it in ASCII: {checked.ascii_email!r}" if checked.ascii_email else "SNS needs an ASCII address")
    return address


EmailAddress = Annotated[str, AfterValidator(_email)]


def ec2_id_pattern(prefix: str) -> str:
    """Amazon EC2 User Guide, "Resource IDs": the prefix, then 8 hexadecimal characters (the
    older form) or 17; nothing in between."""
    return rf"^{prefix}-([0-9a-f]{{8}}|[0-9a-f]{{17}})$"


def check_unique_ignoring_case(values: list[str], why: str, each: str) -> list[str]:
    found = _first_repeat(values, str.lower)
    if found:
        first, value = found
        same = "" if first == value else f" (as {first!r}: {why})"
        raise ValueError(f"lists {value!r} more than once{same}; give each {each} once")
    return values


# The validators below call module-level checks rather than closures, so that a check runs the
# code as it is when it is called, not as it was at import (scripts/mutation swaps it per mutant).
def unique_ignoring_case(why: str, each: str) -> AfterValidator:  # pragma: no mutate block
    """A list whose values may each appear once, compared without case (`why` says whose rule
    that is; `each` names one value)."""
    return AfterValidator(partial(check_unique_ignoring_case, why=why, each=each))


# IAM User Guide, "IAM object quotas" / "Friendly names and paths": names are not distinguished
# by case, so Ops and ops are one role.
UniqueIgnoringCase = unique_ignoring_case("IAM names ignore case", "role")


def check_matching(value: str, pattern: re.Pattern[str], rule: str) -> str:
    if not pattern.match(value):
        raise ValueError(rule)
    return value


def matching(pattern: re.Pattern[str], rule: str) -> AfterValidator:  # pragma: no mutate block
    """A text `pattern` must match; `rule` says in words what is allowed."""
    return AfterValidator(partial(check_matching, pattern=pattern, rule=rule))
