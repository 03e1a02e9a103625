"""Scheduling: models."""
