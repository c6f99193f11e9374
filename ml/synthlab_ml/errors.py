"""Error types that map to CLI exit codes."""

from __future__ import annotations


class UserError(Exception):
    """Bad config or bad data: retrying cannot help, so the CLI exits with code 2."""

    exit_code = 2

    def __init__(self, message: str, kind: str = "input") -> None:
        super().__init__(message)
        self.kind = kind


class ConfigError(UserError):
    def __init__(self, message: str) -> None:
        super().__init__(message, kind="config")


class DataError(UserError):
    def __init__(self, message: str) -> None:
        super().__init__(message, kind="data")
