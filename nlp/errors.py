"""Errors the routing intelligence raises for bad input files and arguments."""

from __future__ import annotations


class NlpInputError(Exception):
    """Report a problem with a file or argument given to the nlp tools, safe to print as one line."""

    def __init__(self, message: str) -> None:
        """Keep the one-line message for the command line."""
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        """Return the one-line message."""
        return self.message
