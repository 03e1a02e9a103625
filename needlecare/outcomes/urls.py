from django.urls import path

from needlecare.outcomes import views

app_name = "outcomes"
P = "patients/<uuid:patient_id>/"
urlpatterns = [
    path(P + "outcomes/", views.outcomes_page, name="patient"),
    path(P + "assessments/new/", views.assessment_create, name="assessment_create"),
    path(P + "assessments/<uuid:assessment_id>/", views.assessment_detail, name="assessment"),
    path(P + "photos/new/", views.photo_upload, name="photo_upload"),
    path(P + "photos/compare/", views.photo_compare, name="compare"),
    path(P + "photos/<uuid:photo_id>/", views.photo_detail, name="photo"),
    path(P + "photos/<uuid:photo_id>/image", views.photo_image, name="photo_image"),
    path(P + "photos/<uuid:photo_id>/thumbnail", views.photo_thumbnail, name="photo_thumbnail"),
    path(P + "photos/<uuid:photo_id>/marketing/", views.photo_marketing, name="photo_marketing"),
    path("outcomes/scales/", views.scale_list, name="scales"),
    path("outcomes/scales/new/", views.scale_create, name="scale_create"),
]
