from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "needlecare.scheduling"
    label = "scheduling"
    verbose_name = "Scheduling"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from needlecare.clinics.models import Clinic
        from needlecare.scheduling.services.setup import on_clinic_saved

        post_save.connect(on_clinic_saved, sender=Clinic, dispatch_uid="scheduling_default_types")
