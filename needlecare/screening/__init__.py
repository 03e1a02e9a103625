"""Screening: intake + protocol + date -> decision (rules.py is pure; no Django)."""
