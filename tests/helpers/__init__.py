"""Helpers the tests share (data, builders, fakes): plain modules, imported as `helpers.<name>`; no tests here.
Shared pytest fixtures live in tests/conftest.py."""
