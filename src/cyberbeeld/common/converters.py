"""Path converters shared by the apps' URL configurations (registered when this module is imported)."""

from __future__ import annotations

from django.urls import register_converter


class KeyConverter:
    """A database key in a path: 1 to 18 digits, so that it always fits a 64-bit column (a longer
    number does not match the pattern and is a 404, instead of an overflow error in the query)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(KeyConverter, "key")
