"""Path converters of the console's URLs. Importing this module registers them."""

from __future__ import annotations

from django.urls import register_converter

from security import policy


class SegmentConverter:
    """`<segment:name>`: one path segment naming a row (a user ID, an AccessKey ID), as Django's
    `str`, except that a segment no input may hold (NUL and other controls, undecodable bytes:
    security/policy/inputs.py) matches no URL. It is a 404 then, not a query PostgreSQL refuses."""

    regex = "[^/]+"

    def to_python(self, value: str) -> str:
        if policy.input_problem(value):
            raise ValueError(value)  # Django's resolver: this pattern does not match
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(SegmentConverter, "segment")
