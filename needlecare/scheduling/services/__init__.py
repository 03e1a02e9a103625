"""Writes to the calendar, one module per concern: booking, series, feeds, setup."""
