"""Interoperability: models."""
