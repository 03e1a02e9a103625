"""Events written before the chain was keyed keep their plain SHA-256 (history is never rewritten). Each
clinic's chain that has such events gets one keyed `audit.rekeyed` event sealing them: its detail holds
their number and a digest of each one's sequence, user id and hash, so from here on the key vouches for
them too (including the user their plain hash left out). verify_chain checks the seal."""

from django.db import migrations
from django.utils import timezone


def seal(apps, schema_editor):  # type: ignore[no-untyped-def]
    from needlecare.audit.chain import GENESIS, REKEYED, UNKEYED, SealDigest, keyed_hash, keyring

    AuditEvent = apps.get_model("audit", "AuditEvent")
    Clinic = apps.get_model("clinics", "Clinic")
    keys = None
    for clinic in Clinic.objects.order_by("pk"):
        events = AuditEvent.objects.filter(clinic=clinic).order_by("seq")
        if not events.filter(key_id=UNKEYED).exists() or events.exclude(key_id=UNKEYED).exists():
            continue
        keys = keys or keyring()
        digest, last = SealDigest(), None
        for event in events.iterator(chunk_size=2000):
            digest.add(event)
            last = event
        event = AuditEvent(
            clinic=clinic,
            seq=last.seq + 1 if last else 1,
            at=timezone.now(),
            user_id=None,
            actor="system",
            action=REKEYED,
            object_type="",
            object_id="",
            patient_id=None,
            ip=None,
            detail={"unkeyed_events": digest.events, "unkeyed_digest": digest.hexdigest()},
            prev_hash=last.hash if last else GENESIS,
            key_id=keys.current_id,
        )
        event.hash = keyed_hash(event, keys.current)
        event.save()


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_keyed_chain"), ("clinics", "0001_initial")]

    operations = [migrations.RunPython(seal, migrations.RunPython.noop)]
