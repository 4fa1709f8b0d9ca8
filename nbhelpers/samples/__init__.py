"""Embedded sample corpora written by this project in the upstream formats (used by the smoke profile and tests)."""
