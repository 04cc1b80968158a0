"""Exceptions raised by medcite. Every one carries a message fit to show a user."""

from __future__ import annotations


class MedciteError(Exception):
    """Base class for medcite errors."""


class ParseError(MedciteError):
    """A source file could not be parsed; the message says why."""


class UnsupportedFormat(ParseError):
    """No parser recognises the file."""


class StoreError(MedciteError):
    """The store could not be opened or written."""


class MissingExtra(MedciteError):
    """An optional feature needs a package that is not installed."""

    def __init__(self, feature: str, extra: str, package: str) -> None:
        super().__init__(
            f"{feature} needs the optional package {package!r}: "
            f"pip install 'medcite[{extra}]'"
        )
        self.extra = extra
