from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "needlecare.portal"
    label = "portal"
    verbose_name = "Patient portal"

    def ready(self) -> None:
        from needlecare.aftercare import reach
        from needlecare.portal.services import hand_out_sign_in_links, sign_in_url

        # Reminders carry sign-in links; each sender run first hands out the links patients asked for.
        reach.answer_with(portal_link=sign_in_url, before_sending=hand_out_sign_in_links)
