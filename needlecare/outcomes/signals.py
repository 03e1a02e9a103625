"""Photo use for marketing follows the patient's separate consent: a new signature that says no, or a
withdrawal, clears every marketing mark on the patient's photos (the consent app need not know). And a
photo's files go with its row, however the row goes (erasure of the patient included)."""

from typing import Any

from django.db import transaction

from needlecare.core.storage import private_storage


def follow_photo_consent(sender: Any, instance: Any, **kwargs: Any) -> None:
    from needlecare.outcomes.services import clear_marketing_without_consent

    # In the signature's own transaction: the withdrawal and the unmarking stand or fall together.
    clear_marketing_without_consent(instance.patient)


def remove_photo_files(sender: Any, instance: Any, **kwargs: Any) -> None:
    names = [n for n in (instance.file, instance.thumbnail) if n]

    def remove() -> None:
        storage = private_storage()
        for name in names:
            storage.delete(name)

    # Only once the deletion is committed: a rolled-back erasure keeps its files.
    transaction.on_commit(remove)
