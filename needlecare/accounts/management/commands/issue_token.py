"""Print a new API token for a user: manage.py issue_token EMAIL [--clinic SLUG] [--name NAME]."""

from django.core.management.base import BaseCommand, CommandError

from needlecare.accounts.models import User
from needlecare.accounts.services import issue_token
from needlecare.clinics.selectors import memberships_of


class Command(BaseCommand):
    help = "Print a new API token for the user with this e-mail (in their first clinic, or --clinic)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("email")
        parser.add_argument("--clinic", help="the clinic's slug, when the user belongs to several")
        parser.add_argument("--name", default="issued on the command line")

    def handle(self, *args, email, clinic, name, **options):  # type: ignore[no-untyped-def]
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No user with the e-mail {email!r}.")
        memberships = memberships_of(user)
        if clinic:
            memberships = memberships.filter(clinic__slug=clinic)
        membership = memberships.first()
        if membership is None:
            raise CommandError(
                f"{email} is not an active member of {'clinic ' + clinic if clinic else 'any clinic'}."
            )
        # An operator at the server's shell stands behind this token: it counts as issued after a
        # second factor (docs/architecture.md, "Two-step sign-in").
        _, raw = issue_token(membership=membership, name=name, verified=True)
        self.stdout.write(raw)
