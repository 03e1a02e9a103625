"""Calendar pages, one module per concern: booking, series, feeds, setup."""
