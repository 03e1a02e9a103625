from needlecare.aftercare.tests.conftest import frozen, ready  # noqa: F401 - shared fixtures
