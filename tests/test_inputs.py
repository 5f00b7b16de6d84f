"""The shared reading guards (cyberbeeld/inputs.py), without Django."""

from __future__ import annotations

import io
import json
import random
import zipfile
from decimal import Decimal

import pytest

from cyberbeeld import inputs


@pytest.mark.parametrize(("data", "text", "encoding"), [
    ("café;x\n".encode(), "café;x\n", "utf-8"),
    (b"\xef\xbb\xbfcaf\xc3\xa9", "café", "utf-8-sig"),
    ("\ufeffcafé".encode("utf-16-le"), "café", "utf-16"),
    ("\ufeffcafé".encode("utf-16-be"), "café", "utf-16"),
    ("café – “Zuid”".encode("cp1252"), "café – “Zuid”", "cp1252"),
])
def test_decode_accepts_the_encodings_people_save_in(data, text, encoding):
    assert inputs.decode(data, "f.csv") == (text, encoding)


@pytest.mark.parametrize(("data", "reason"), [
    (b"caf\x81", "0x81"),
    ("titel".encode("utf-16-le"), "UTF-16"),
    (b"\x01\x02\x03\xff\xfe\x00\x00", "NUL"),
    (b"a\x1bb", "U+001B"),
])
def test_decode_refuses_with_the_reason(data, reason):
    with pytest.raises(inputs.InputRefused) as info:
        inputs.decode(data, "f.csv")
    assert reason in str(info.value) and "f.csv" in str(info.value)


def test_unterminated_quote_names_the_row_where_it_starts():
    _d, rows = inputs.csv_rows('a;b\n1;x\n2;"open\n3;y\n4;z\n', "f.csv")
    with pytest.raises(inputs.InputRefused) as info:
        list(rows)
    assert info.value.row == 3 and "aanhalingsteken" in info.value.nl and "quote" in info.value.en


def test_limits_are_configurable_and_named():
    try:
        inputs.configure(max_columns=3, max_field_chars=10, max_rows=2)
        with pytest.raises(inputs.InputRefused, match="max_columns"):
            inputs.csv_rows("a,b,c,d\n", "f.csv")
        with pytest.raises(inputs.InputRefused, match="max_field_chars"):
            list(inputs.csv_rows("a\n" + "x" * 11 + "\n", "f.csv")[1])
        with pytest.raises(inputs.InputRefused, match="max_rows"):
            list(inputs.csv_rows("a\n1\n2\n3\n", "f.csv")[1])
        with pytest.raises(ValueError, match="unknown input limits"):
            inputs.configure(max_colums=3)
    finally:
        inputs.configure()


@pytest.mark.parametrize(("text", "reason"), [
    ('{"a": 1, "a": 2}', "twee keer"),
    ('{"a": NaN}', "NaN"),
    ('{"a": -Infinity}', "Infinity"),
    ('{"a": 1e400}', "1e400"),
    ("[" * 100 + "]" * 100, "max_json_depth"),
    ('{"a": ', "ongeldige JSON"),
])
def test_json_refusals(text, reason):
    with pytest.raises(inputs.InputRefused) as info:
        inputs.load_json(text, "f.json")
    assert reason in str(info.value)


def test_json_depth_is_counted_exactly_at_the_limit():
    lim = inputs.limits().max_json_depth
    assert inputs.load_json("[" * lim + "]" * lim, "f") is not None
    inside = '{"a": ' * (lim - 1) + "[]" + "}" * (lim - 1)  # objects and lists count alike
    assert inputs.load_json(inside, "f") is not None
    for text in ("[" * (lim + 1) + "]" * (lim + 1), '{"a": ' * lim + "[]" + "}" * lim,
                 "[" * 50_000 + "]" * 50_000):  # the last one deeper than the decoder's own recursion limit
        with pytest.raises(inputs.InputRefused, match="max_json_depth"):
            inputs.load_json(text, "f")


def test_json_depth_ignores_brackets_in_strings():
    text = '{"a": "' + "[" * 100 + '\\"]"}'
    assert inputs.load_json(text, "f") == {"a": "[" * 100 + '"]'}


def test_zip_guard_reads_the_central_directory():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b" " * (20 * 1024 * 1024))
    with pytest.raises(inputs.InputRefused, match="max_zip_ratio"):
        inputs.check_zip(buf.getvalue(), "bom.xlsx")
    with pytest.raises(inputs.InputRefused, match="zip"):
        inputs.check_zip(b"PK\x03\x04 nope", "x.xlsx")


def test_json_depth_finds_the_one_deep_record_among_flat_ones():
    """A level of flat records is typed in one pass; a single nested value anywhere still opens the next level."""
    lim = inputs.limits().max_json_depth
    deep = "[" * (lim - 3) + "]" * (lim - 3)  # under an object, a list and a record
    flat = ", ".join('{"a": 1, "b": "x", "c": null}' for _ in range(50))
    assert inputs.load_json('{"value": [' + flat + ', {"d": ' + deep + "}]}", "f") is not None  # exactly lim
    with pytest.raises(inputs.InputRefused, match="max_json_depth"):
        inputs.load_json('{"value": [' + flat + ', {"d": [' + deep + "]}]}", "f")


@pytest.mark.parametrize("data", [b"ok\nline \x07 two", b"\xef\xbb\xbfok\n\x1f", "caf\u00e9 \x0b".encode()])
def test_control_characters_are_found_in_utf8_with_and_without_bom(data):
    with pytest.raises(inputs.InputRefused, match="stuurteken"):
        inputs.decode(data, "f.csv")
    assert inputs.decode("caf\u00e9\ttab\r\n\x0cform".encode(), "f.csv")[0] == "caf\u00e9\ttab\r\n\x0cform"


def _guarded_reference(text: str, parse_float: object) -> object:
    """What load_json gave before its hook-free first decode: the hooks alone, then the depth check."""
    try:
        data = json.loads(text, object_pairs_hook=inputs._pairs, parse_constant=inputs._constant,
                           parse_float=inputs._float(parse_float))
    except inputs._Duplicate as exc:
        return ("duplicate", exc.args[0])
    except inputs._NotFinite as exc:
        return ("not finite", exc.args[0][:20])
    except ValueError:
        return ("invalid",)
    except RecursionError:
        return ("deep",)
    return ("deep",) if inputs._too_deep(data, inputs.limits().max_json_depth) else ("ok", data)


def _outcome(text: str, parse_float: object) -> object:
    try:
        return ("ok", inputs.load_json(text, "f", parse_float=parse_float))
    except inputs.InputRefused as exc:
        reason = exc.reason_en
        if "occurs twice" in reason:
            return ("duplicate", reason.split("'")[1])
        if "not finite" in reason:
            return ("not finite", reason.split("'")[1])
        return ("deep",) if "max_json_depth" in reason else ("invalid",)


def test_json_hook_free_decode_refuses_and_returns_exactly_what_the_hooks_do():
    """load_json first decodes without hooks and proves the result (colon count, finite numbers, depth); random
    documents with duplicate keys (also nested, also inside a duplicate), ':' in keys and values, escaped colons,
    huge numbers and deep nesting must come out exactly as the hooks alone decide."""
    rnd = random.Random(14)
    keys = ["a", "b", "a:", ":", "\\u003a", "b\\u003A", "\\u0061", "x y"]
    strings = ['"p"', '":"', '"q: r"', '"\\u003a"', '"\\\\u003a"', '""']
    numbers = ["1", "-2", "2.5", "1e5", "-1.5E3", "1e400", "-1e309", "0." + "9" * 400, "9" * 320 + ".5", "1" * 30]

    def value(depth: int) -> str:
        r = rnd.random()
        if depth > 5 or r < 0.2 + 0.15 * depth:
            return rnd.choice(strings + numbers + ["null", "true"])
        if r < 0.55:
            return "[" + ", ".join(value(depth + 1) for _ in range(rnd.randint(0, 3))) + "]"
        members = [(rnd.choice(keys), value(depth + 1)) for _ in range(rnd.randint(0, 4))]
        return "{" + ", ".join(f'"{k}": {v}' for k, v in members) + "}"

    seen = set()
    for _ in range(3000):
        wrap = rnd.choice([0, 0, 0, 60, 62, 64])  # around the depth limit (64)
        text = "[" * wrap + value(0) + "]" * wrap
        for parse_float in (Decimal, float):
            expected = _guarded_reference(text, parse_float)
            seen.add(expected[0])
            assert _outcome(text, parse_float) == expected, text
    assert seen == {"ok", "duplicate", "not finite", "deep"}  # every kind of outcome was exercised


def test_json_colons_in_strings_do_not_hide_a_duplicate_key():
    # one member dropped for a duplicate; a ':' in a string literal makes up for it only if counted as a member
    for text in ('{"a": 1, "a": ":"}', '{"a": ":", "b": {"c": 1, "c": 2}}', '{"\\u003a": 1, "a": 1, "a": 2}',
                 '[{"k:": "v"}, {"k": 1, "k": 1}]'):
        with pytest.raises(inputs.InputRefused, match="twee keer"):
            inputs.load_json(text, "f")
    assert inputs.load_json('{"a:": "b:c", "d": ["::"], "e": "\\u003a"}', "f") == {"a:": "b:c", "d": ["::"], "e": ":"}
