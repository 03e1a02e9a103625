"""How tests build data: the factories, one builder per thing a test needs (a plan, a session, an
appointment, an assessment, a photo), and the pytest fixtures several apps share (`fixtures`, a plugin
the root conftest.py registers). The demo seed (`needlecare/demo/seed.py`) builds its own data, through the
same services.

Builders are plain functions with keyword arguments and defaults. They go through the services where a
test needs the real path (audit, history); the few that write rows directly say so and why. No test
imports another app's tests or a conftest: what two apps share lives here."""
