from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "needlecare.patients"
    label = "patients"
    verbose_name = "Patients"

    def ready(self) -> None:
        from needlecare.patients import history, panels

        history.discover()
        panels.discover()
