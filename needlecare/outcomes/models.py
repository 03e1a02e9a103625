"""Outcomes: models."""
