"""Aftercare: models."""
