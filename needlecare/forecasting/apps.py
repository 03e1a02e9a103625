from django.apps import AppConfig


class ForecastingConfig(AppConfig):
    name = "needlecare.forecasting"
    label = "forecasting"
    verbose_name = "Forecasting"

    def ready(self) -> None:
        from needlecare.forecasting.forecasting import forecast_for_patient
        from needlecare.outcomes.forecast_source import forecast_source

        # Outcomes sits below this app and never imports it: the patient's progress page and card ask
        # for the forecast through the function registered here.
        forecast_source(forecast_for_patient)
