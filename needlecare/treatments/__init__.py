"""Sessions as performed: devices, cartridges, zones, adverse events.

Pages say "session"; the model is `Treatment` because `Session` is Django's word.
"""
