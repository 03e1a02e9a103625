"""Treatment plans: dosing.py proposes depths, series and dates from the protocol (pure; no Django)."""
