"""Canonical JSON: one byte string per JSON value, so that hashes and signatures are reproducible.

The encoding follows RFC 8785, the JSON Canonicalization Scheme (JCS), and is written here from
that specification.  Anyone can reproduce it with an RFC 8785 library in their own language:

* **Structure.** No whitespace anywhere.  Objects: members sorted by key, comparing the keys as
  sequences of UTF-16 code units (so ``"\\U0001F600"`` sorts *before* ``"\\uFB33"``).  Arrays keep
  their order.  ``null``, ``true``, ``false`` as such.
* **Strings.** UTF-8.  Only ``"`` and ``\\`` and the controls U+0000–U+001F are escaped: ``\\b``,
  ``\\t``, ``\\n``, ``\\f``, ``\\r`` in short form, the other controls as ``\\u00xx`` (lower-case
  hex); every other character, including non-ASCII and U+007F, is written as itself.
* **Numbers** are IEEE 754 doubles written as ECMAScript's ``Number.prototype.toString`` writes
  them: the shortest digit string that reads back as the same double; plain notation for
  1e-6 ≤ \\|x\\| < 1e21, otherwise ``d.ddde±x``; ``1.0`` is written ``1``, ``1e21`` is ``1e+21``,
  ``1e-7`` is ``1e-7``, ``0.1`` is ``0.1``.

Choices where the specification leaves room or Python differs from JavaScript:

* ``-0.0`` is written ``0`` (as RFC 8785 says); after a round trip it reads back as ``0``, so
  ``0.0`` and ``-0.0`` hash alike.
* NaN and ±infinity are rejected (JSON has no such values).
* A Python ``int`` is a double too: it is accepted when a double holds it exactly (every integer
  up to 2**53 in magnitude, and larger ones such as ``2**60`` that happen to be exact) and
  written as that double (``2**60`` is written ``1152921504606847000``, as JavaScript would);
  one that a double would round (``2**53 + 1``) is rejected rather than silently changed.
  :func:`loads` reads integer literals beyond 2**53 as ``float``, so that decoding and
  re-encoding canonical text always gives the same text back.
* Object keys must be strings; tuples count as arrays; any other type (``Decimal``, ``bytes``,
  ``datetime``…) is rejected.  Strings with lone surrogates are rejected (not valid Unicode).

Rejections raise :class:`~skyaccord.errors.ValidationError` whose field is the path to the
offending value, e.g. ``payload.tracks[3].alt``.

Decoding (:func:`loads`) is strict in the same spirit: duplicate keys and the non-standard
``NaN``/``Infinity`` literals are refused, so that what was hashed is what is read back.

>>> canonical_json({"b": [1.0, 0.1, 1e21, 1e-7, -0.0], "a": "é\\n"})
'{"a":"é\\\\n","b":[1,0.1,1e+21,1e-7,0]}'
>>> canonical_bytes({"€": 1}) == b'{"\\xe2\\x82\\xac":1}'
True
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from skyaccord.errors import ValidationError

__all__ = ["canonical_bytes", "canonical_json", "format_number", "is_canonical", "loads"]

_MAX_EXACT_INT = 2**53
_ESCAPE = re.compile(r'[\x00-\x1f"\\]')
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_SHORT = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def canonical_json(value: object, path: str = "value") -> str:
    """``value`` (dict, list, tuple, str, int, float, bool, None) as RFC 8785 canonical JSON.

    ``path`` names ``value`` in error messages.
    """
    out: list[str] = []
    try:
        _encode(value, out)
    except _Bad as e:
        raise ValidationError(path + "".join(reversed(e.where)), e.reason) from None
    except RecursionError:
        raise ValidationError(path, "nested too deeply") from None
    return "".join(out)


def canonical_bytes(value: object, path: str = "value") -> bytes:
    """:func:`canonical_json` as UTF-8 bytes: what is hashed and signed."""
    text = canonical_json(value, path)
    return text.encode("utf-8")


def is_canonical(text: str) -> bool:
    """Whether ``text`` is valid JSON already written in canonical form."""
    try:
        return canonical_json(loads(text)) == text
    except ValidationError:
        return False


def loads(text: str | bytes, path: str = "value") -> Any:
    """Strict JSON decoding: refuses duplicate keys, ``NaN``/``Infinity`` and invalid UTF-8."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ValidationError(path, f"not valid UTF-8 at byte {e.start}") from None
    try:
        return json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constant,
            parse_int=_parse_int,
        )
    except _Refused as e:
        raise ValidationError(path, str(e)) from None
    except json.JSONDecodeError as e:
        raise ValidationError(path, f"not valid JSON: {e.msg} at character {e.pos}") from None
    except ValueError as e:  # e.g. an integer literal beyond Python's digit limit
        raise ValidationError(path, f"not valid JSON: {e}") from None
    except RecursionError:
        raise ValidationError(path, "nested too deeply") from None


def format_number(x: int | float, path: str = "value") -> str:
    """A number as ECMAScript writes the double it denotes (see the module docstring).

    >>> [format_number(v) for v in (0, -0.0, 1.5, 100.0, 1e21, 123e-9, 2**60)]
    ['0', '0', '1.5', '100', '1e+21', '1.23e-7', '1152921504606847000']
    """
    try:
        return _number(x)
    except _Bad as e:
        raise ValidationError(path, e.reason) from None


def _number(x: int | float) -> str:
    if isinstance(x, bool):
        raise _Bad("a boolean is not a number")
    if isinstance(x, int):
        x = int(x)  # an IntEnum's value, not its name
        if -_MAX_EXACT_INT <= x <= _MAX_EXACT_INT:
            return str(x)
        try:
            f = float(x)
        except OverflowError:
            raise _Bad("integer too large for a JSON number (double)") from None
        if int(f) != x:
            raise _Bad(f"integer {x} is not exactly representable as a double; send it as a string")
        return _format_double(f)
    if not math.isfinite(x):
        raise _Bad(f"{x!r} is not allowed in JSON (only finite numbers)")
    return _format_double(float(x))


def _format_double(x: float) -> str:
    """ECMA-262 Number::toString(x) for radix 10, from the shortest round-trip digits."""
    if x == 0:
        return "0"  # both +0 and -0
    if x < 0:
        return "-" + _format_double(-x)
    # repr() gives the shortest digit string that reads back as x (correctly rounded).
    mantissa, _, exp_text = repr(x).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = whole + frac
    point = len(whole) + (int(exp_text) if exp_text else 0)  # decimal point after `point` digits
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    k, n = len(digits), point  # x = 0.d1d2...dk × 10**n, as in the specification
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    e = n - 1
    sign = "+" if e >= 0 else "-"
    head = digits[0] if k == 1 else digits[0] + "." + digits[1:]
    return f"{head}e{sign}{abs(e)}"


class _Bad(Exception):
    """A value that has no canonical form; ``where`` collects the path while unwinding."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.where: list[str] = []


def _string(s: str) -> str:
    if _SURROGATE.search(s):
        raise _Bad("not valid Unicode (a lone surrogate)")
    if _ESCAPE.search(s):
        s = _ESCAPE.sub(_escape_char, s)
    return '"' + s + '"'


def _escape_char(m: re.Match[str]) -> str:
    c = m.group(0)
    return _SHORT.get(c) or f"\\u{ord(c):04x}"


def _utf16_key(s: str) -> bytes:
    # Big-endian UTF-16 bytes compare exactly as the sequences of 16-bit code units do.
    return s.encode("utf-16-be", "surrogatepass")


def _encode(value: object, out: list[str]) -> None:
    # Exact types first (the common case, and cheap); subclasses (StrEnum, IntEnum...) after.
    t = type(value)
    if t is str:
        out.append(_string(value))  # type: ignore[arg-type]
    elif t is dict:
        _object(value, out)  # type: ignore[arg-type]
    elif t is int or t is float:
        out.append(_number(value))  # type: ignore[arg-type]
    elif t is list or t is tuple:
        _array(value, out)  # type: ignore[arg-type]
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_string(str.__str__(value)))
    elif isinstance(value, int | float):
        out.append(_number(value))
    elif isinstance(value, dict):
        _object(value, out)
    elif isinstance(value, list | tuple):
        _array(value, out)
    else:
        raise _Bad(f"{type(value).__name__} is not a JSON value")


def _object(d: dict[Any, Any], out: list[str]) -> None:
    for key in d:
        if not isinstance(key, str):
            raise _Bad(f"object keys must be strings, got {key!r}")
    out.append("{")
    first = True
    keys = sorted(d)
    if not all(k.isascii() for k in keys):  # beyond ASCII, code point ≠ UTF-16 order
        keys.sort(key=_utf16_key)
    for key in keys:
        if not first:
            out.append(",")
        first = False
        try:
            out.append(_string(key))
            out.append(":")
            _encode(d[key], out)
        except _Bad as e:
            e.where.append(f".{key}")
            raise
    out.append("}")


def _array(items: list[Any] | tuple[Any, ...], out: list[str]) -> None:
    out.append("[")
    for i, item in enumerate(items):
        if i:
            out.append(",")
        try:
            _encode(item, out)
        except _Bad as e:
            e.where.append(f"[{i}]")
            raise
    out.append("]")


class _Refused(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    d: dict[str, Any] = {}
    for k, v in pairs:
        if k in d:
            raise _Refused(f"duplicate key {k!r}")
        d[k] = v
    return d


def _parse_int(text: str) -> int | float:
    # JSON numbers are doubles (RFC 8785); beyond 2**53 only the double is meaningful.
    value = int(text)
    return value if -_MAX_EXACT_INT <= value <= _MAX_EXACT_INT else float(text)


def _no_constant(name: str) -> Any:
    raise _Refused(f"{name} is not allowed in JSON (only finite numbers)")
