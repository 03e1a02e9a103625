"""Consent templates (versioned per clinic) and patients' signatures."""
