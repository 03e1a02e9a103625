from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "needlecare.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from needlecare.aftercare import reach
        from needlecare.consent.models import ConsentSignature
        from needlecare.outcomes.models import Photo
        from needlecare.outcomes.services import upload_checkin_photo
        from needlecare.outcomes.signals import follow_photo_consent, remove_photo_files

        reach.answer_with(store_photo=upload_checkin_photo)  # the patient's check-in photos

        post_delete.connect(remove_photo_files, sender=Photo, dispatch_uid="outcomes-photo-files")

        post_save.connect(
            follow_photo_consent, sender=ConsentSignature, dispatch_uid="outcomes-photo-consent"
        )
