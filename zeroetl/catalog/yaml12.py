"""The catalog's YAML reader: PyYAML's parser with YAML 1.2 meanings.

Why this reader. PyYAML's safe loader resolves plain scalars by YAML 1.1, so `no`, `on` and
`off` become booleans and `0123` the octal number 83 behind the team's back. YAML 1.2 (the
version of the spec since 2009) reads them as the strings "no", "on", "off" and the decimal
123. Its core schema (YAML 1.2.2, section 10.3.2, "Tag Resolution") is written out below; the
parsing, marks and errors stay PyYAML's, which the rest of the product reads too.

ruamel.yaml (YAML 1.2 by default) was tried and not taken: 0.19.1's safe loader keeps the last
of two equal keys without a word when the mapping also holds a merge key, and a catalog must
never lose a key silently.

On top of the schema:
- a plain number with a leading zero (`012345678901`, `0123`) is kept as the text written, so an
  account id keeps its zeros; a number field still reads `0123` as 123;
- merge keys (`<<: *defaults`, https://yaml.org/type/merge.html), which teams use to share
  blocks: the mapping's own keys win over merged ones, as the merge spec says;
- a key repeated in one mapping (merged keys aside) is an error with its line;
- a scalar that cannot become a value (a 5,000-digit number) is a YAML error with its line.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

TAG = "tag:yaml.org,2002:"

# YAML 1.2.2, 10.3.2: the core schema's regular expressions, and the first characters that
# can start each (PyYAML looks resolvers up by first character).
CORE_SCHEMA: tuple[tuple[str, str, list[str]], ...] = (
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),  # "" is the empty value (`key:`)
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    (
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        list("-+.0123456789"),
    ),
    # Not in the core schema, but in every YAML processor teams use: https://yaml.org/type/merge.html
    ("merge", r"^(?:<<)$", ["<"]),
)

# Characters a paste brings in that look like a space or like nothing at all.
INVISIBLE = {
    "\u00a0": "no-break space",
    "\u00ad": "soft hyphen",
    "\u2007": "figure space",
    "\u2009": "thin space",
    "\u200b": "zero-width space",
    "\u200c": "zero-width non-joiner",
    "\u200d": "zero-width joiner",
    "\u2028": "line separator",
    "\u2029": "paragraph separator",
    "\u202f": "narrow no-break space",
    "\u2060": "word joiner",
    "\u3000": "ideographic space",
    "\ufeff": "byte order mark (zero-width no-break space)",
}


LEADING_ZERO = re.compile(r"^[-+]?0[0-9]+$")


class DuplicateKeyError(yaml.YAMLError):
    def __init__(self, key: object, line: int) -> None:
        super().__init__(f"duplicate key {key!r}")
        self.key, self.line = key, line


class Yaml12Resolver(yaml.resolver.BaseResolver):
    pass


for _name, _regex, _first in CORE_SCHEMA:
    Yaml12Resolver.add_implicit_resolver(TAG + _name, re.compile(_regex), _first)


class Yaml12Constructor(yaml.constructor.SafeConstructor):
    def construct_yaml_int(self, node: yaml.ScalarNode) -> int | str:
        text = self.construct_scalar(node)
        if LEADING_ZERO.match(text):
            # YAML 1.1 read 0123 as octal 83, YAML 1.2 as 123: either way an account id such as
            # 012345678901 loses its zero. The text as written is kept; a number field reads it
            # as the decimal it looks like (pydantic), a text field keeps every digit.
            return text
        if text.startswith("0o"):
            return int(text[2:], 8)
        if text.startswith("0x"):
            return int(text[2:], 16)
        return int(text, 10)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        """Refuse a key repeated among the mapping's own keys; then merge (own keys win)."""
        seen: set = set()
        for key_node, _ in node.value:
            if key_node.tag == TAG + "merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, (str, int, float, bool)):
                continue  # PyYAML refuses unhashable keys itself, with their line
            if isinstance(key, str) and any(char in INVISIBLE for char in key):
                # A pasted no-break space in the indentation makes the rest of the line a key.
                raise yaml.constructor.ConstructorError(None, None, f"key {key!r} holds an invisible character", key_node.start_mark)
            if key in seen:
                raise DuplicateKeyError(key, key_node.start_mark.line + 1)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as exc:
            shown = str(node.value)[:30] if isinstance(node, yaml.ScalarNode) else node.tag
            raise yaml.constructor.ConstructorError(None, None, f"cannot read {shown!r} ({str(exc)[:80]})", node.start_mark) from exc


Yaml12Constructor.add_constructor(TAG + "int", Yaml12Constructor.construct_yaml_int)
# YAML 1.1's timestamps, binary, sets and ordered maps are not in 1.2's core schema: a date
# stays the text it was written as.
for _tag in ("timestamp", "binary", "set", "omap", "pairs"):
    Yaml12Constructor.yaml_constructors.pop(TAG + _tag, None)


class CatalogLoader(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer, Yaml12Constructor, Yaml12Resolver):
    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        Yaml12Constructor.__init__(self)
        Yaml12Resolver.__init__(self)


def invisible_character(text: str) -> tuple[str, int] | None:
    """The first invisible or space-like character a paste left in the text, with its line
    (a byte order mark at the very start is harmless and skipped)."""
    for index, char in enumerate(text):
        if char in INVISIBLE and not (index == 0 and char == "\ufeff"):
            return f"U+{ord(char):04X} ({INVISIBLE[char]})", text.count("\n", 0, index) + 1
    return None
