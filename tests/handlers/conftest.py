"""Flow tests use the suite-wide district fixtures of tests/conftest.py."""

from tests.districts import District

__all__ = ["District"]
