from django.apps import AppConfig


class AftercareConfig(AppConfig):
    name = "needlecare.aftercare"
    label = "aftercare"
    verbose_name = "Aftercare"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from needlecare.aftercare.services import on_appointment_saved, on_session_recorded
        from needlecare.scheduling.models import Appointment
        from needlecare.treatments.signals import session_recorded

        session_recorded.connect(on_session_recorded, dispatch_uid="aftercare_session")

        post_save.connect(on_appointment_saved, sender=Appointment, dispatch_uid="aftercare_appointment")
