"""Sessions as performed (shown as "session"; Session is Django's word): devices, cartridges, zones, adverse events."""
