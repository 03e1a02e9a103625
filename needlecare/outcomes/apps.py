from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "needlecare.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from needlecare.consent.models import ConsentSignature
        from needlecare.outcomes.models import Photo
        from needlecare.outcomes.signals import follow_photo_consent, remove_photo_files

        post_delete.connect(remove_photo_files, sender=Photo, dispatch_uid="outcomes-photo-files")

        post_save.connect(
            follow_photo_consent, sender=ConsentSignature, dispatch_uid="outcomes-photo-consent"
        )
