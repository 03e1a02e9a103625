from django.apps import AppConfig


class TreatmentsConfig(AppConfig):
    name = "needlecare.treatments"
    label = "treatments"
    verbose_name = "Sessions (treatments)"

    def ready(self) -> None:
        # Scheduling (below treatments) asks which sessions were recorded: answer it (scheduling/sessions.py).
        from needlecare.scheduling import sessions
        from needlecare.treatments.selectors import session_days_of_plan, sessions_performed_between

        sessions.answer_with(days_of_plan=session_days_of_plan, performed_between=sessions_performed_between)
