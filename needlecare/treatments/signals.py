"""What a recorded session tells the apps above treatments (they connect in their ``AppConfig.ready``).

``session_recorded`` is sent inside ``record_treatment``'s transaction, after the session, its zones and
its audit event are written, with ``treatment``, ``by`` and ``request``. Receivers run at once, in that
transaction: what they write commits or rolls back with the session, and an exception they raise undoes
the session. Aftercare listens to build the session's aftercare timeline and reminders
(needlecare/aftercare/apps.py).
"""

from django.dispatch import Signal

session_recorded = Signal()
