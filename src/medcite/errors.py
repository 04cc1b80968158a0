"""Exceptions raised by medcite. Every one carries a message fit to show a user, and the exit
status the command line ends with when it stops a command (README, "Exit statuses")."""

from __future__ import annotations

from typing import ClassVar

# Exit statuses of the ``medcite`` command (documented in the README).
EXIT_OK = 0
EXIT_INCOMPLETE = 1  # the command ran, but not everything succeeded (or there was nothing to show)
EXIT_BAD_INPUT = 2  # usage, arguments, settings, a question or patient details that cannot be used
EXIT_NOT_VERIFIED = 3  # `medcite ask`: the answer did not pass verification
EXIT_MISSING_EXTRA = 4  # an optional package is not installed
EXIT_STORE = 5  # the store or a database cannot be opened, read or written, or its server reached
EXIT_INTERRUPTED = 130  # Ctrl-C (SIGINT): what was committed before stays; the line says how to go on


class MedciteError(Exception):
    """Base class for medcite errors."""

    exit_status: ClassVar[int] = EXIT_BAD_INPUT


class ConfigError(MedciteError):
    """A setting (config file, environment variable or flag) has a value medcite cannot use."""


class ParseError(MedciteError):
    """A source file could not be parsed; the message says why."""


class UnsupportedFormat(ParseError):
    """No parser recognises the file."""


class StoreError(MedciteError):
    """The store could not be opened or written."""

    exit_status: ClassVar[int] = EXIT_STORE


class Interrupted(MedciteError):
    """The user stopped a command (Ctrl-C); the message says how far it got and how to go on."""

    exit_status: ClassVar[int] = EXIT_INTERRUPTED


class MissingExtra(MedciteError):
    """An optional feature needs a package that is not installed."""

    exit_status: ClassVar[int] = EXIT_MISSING_EXTRA

    def __init__(self, feature: str, extra: str, package: str) -> None:
        super().__init__(
            f"{feature} needs the optional package {package!r}: "
            f"pip install 'medcite[{extra}]'"
        )
        self.extra = extra


class ClusterError(MedciteError):
    """A compute cluster (Ray, for ``--ray``) cannot be reached or cannot run medcite."""

    exit_status: ClassVar[int] = EXIT_STORE
