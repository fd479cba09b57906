"""Canonical JSON (RFC 8785): known answers, rejections, and properties.

Known answers for numbers are the IEEE 754 test values of RFC 8785 Appendix B; the structure
and string answers are the RFC's own examples (§3.2.2, §3.2.3).
"""

from __future__ import annotations

import json
import math
import struct
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skyaccord.errors import ValidationError
from skyaccord.ledger.canonical import (
    canonical_bytes,
    canonical_json,
    format_number,
    is_canonical,
    loads,
)

# RFC 8785 Appendix B: IEEE 754 bit pattern → ECMAScript / JCS text.
NUMBERS = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),  # -0 is written 0
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


@pytest.mark.parametrize(("bits", "text"), NUMBERS)
def test_rfc8785_numbers(bits: str, text: str) -> None:
    x = struct.unpack(">d", bytes.fromhex(bits))[0]
    assert format_number(x) == text
    assert canonical_json([x]) == f"[{text}]"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.1, "0.1"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1e-6, "0.000001"),
        (1e-7, "1e-7"),
        (-0.0, "0"),
        (1.0, "1"),
        (-1.5, "-1.5"),
        (123456789.125, "123456789.125"),
        (2**53, "9007199254740992"),
        (-(2**53), "-9007199254740992"),
        (2**60, "1152921504606847000"),  # exact as a double, written as JavaScript would
        (10**21, "1e+21"),
        (True, "true"),
        (None, "null"),
    ],
)
def test_number_and_literal_choices(value: Any, text: str) -> None:
    assert canonical_json(value) == text


def test_rfc8785_structure_example() -> None:
    """RFC 8785 §3.2.2: whitespace removed, numbers and strings normalized, keys sorted."""
    source = (
        '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
        ' "literals": [null, true, false]}'
    )
    expected = (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    assert canonical_json(loads(source)) == expected


def test_rfc8785_sorting_by_utf16_code_units() -> None:
    """RFC 8785 §3.2.3: the emoji (a surrogate pair, 0xD83D…) sorts before U+FB33."""
    obj = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    keys = list(json.loads(canonical_json(obj)))
    assert keys == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


def test_strings_unicode_and_escapes() -> None:
    s = 'Yayladağı "בדיקה" Хмеймим \\ \b\t\n\f\r \x00\x1f\x7f €😀'
    text = canonical_json(s)
    assert text == ('"Yayladağı \\"בדיקה\\" Хмеймим \\\\ \\b\\t\\n\\f\\r \\u0000\\u001f\x7f €😀"')
    assert canonical_bytes(s) == text.encode("utf-8")
    assert loads(text) == s


def test_nested() -> None:
    value = {"b": {"z": [1, {"y": None, "x": [True, False]}], "a": []}, "a": {}}
    assert canonical_json(value) == '{"a":{},"b":{"a":[],"z":[1,{"x":[true,false],"y":null}]}}'
    assert canonical_json(("tuple", 1)) == '["tuple",1]'


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"alt": math.nan}, "payload.alt"),
        ({"a": [1, math.inf]}, "payload.a[1]"),
        ({"a": -math.inf}, "payload.a"),
        ({"n": 2**53 + 1}, "payload.n"),
        ({"n": 10**400}, "payload.n"),
        ({1: "x"}, "payload"),
        ({"s": "\ud800"}, "payload.s"),
        ({"\udc00": 1}, "payload.\udc00"),
        ({"b": b"bytes"}, "payload.b"),
        ({"d": {1, 2}}, "payload.d"),
    ],
)
def test_rejections_name_the_path(value: Any, field: str) -> None:
    with pytest.raises(ValidationError) as e:
        canonical_json(value, "payload")
    assert e.value.field == field


@pytest.mark.parametrize(
    "text",
    ['{"a":1,"a":2}', '{"a":NaN}', "[Infinity]", "[-Infinity]", "{", "", b'"\xff"'],
)
def test_strict_loads(text: str | bytes) -> None:
    with pytest.raises(ValidationError):
        loads(text)


def test_loads_reads_big_integers_as_doubles() -> None:
    assert loads("100000000000000000000") == 1e20
    assert canonical_json(loads("1152921504606847000")) == "1152921504606847000"
    assert loads("9007199254740993") == 9007199254740992.0  # as any JSON (double) reader would


def test_is_canonical() -> None:
    assert is_canonical('{"a":1,"b":[0.5]}')
    assert not is_canonical('{"b":1,"a":2}')
    assert not is_canonical('{"a": 1}')
    assert not is_canonical('{"a":1.0}')
    assert not is_canonical("not json")


# --- properties ------------------------------------------------------------------------------

_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_text, children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_json)
def test_round_trip_is_idempotent(value: Any) -> None:
    text = canonical_json(value)
    assert canonical_json(loads(text)) == text
    assert is_canonical(text)
    assert loads(text) == value  # the same value (== equates -0.0 with 0 and 1.0 with 1)


_no_float_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | _text,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(st.characters(max_codepoint=0xD7FF), max_size=8), children, max_size=4
        )
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_no_float_json)
def test_agrees_with_the_standard_library_without_floats(value: Any) -> None:
    """Without floats and with keys below U+D800 (where UTF-16 and code-point order agree),
    JCS is what ``json.dumps`` writes with sorted keys and no whitespace."""
    expected = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonical_json(value) == expected


@settings(max_examples=500, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_numbers_read_back_exactly(x: float) -> None:
    text = format_number(x)
    assert float(text) == x or (x == 0 and text == "0")
    assert "e" not in text or text[text.index("e") + 1] in "+-"
