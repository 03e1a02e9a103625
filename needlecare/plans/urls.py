from django.urls import path

from needlecare.plans import views

app_name = "plans"
P = "patients/<uuid:patient_id>/plans/"
urlpatterns = [
    path(P, views.plan_list, name="list"),
    path(P + "new/", views.plan_create, name="create"),
    path(P + "<uuid:plan_id>/", views.plan_detail, name="detail"),
    path(P + "<uuid:plan_id>/edit/", views.plan_edit, name="edit"),
    path(P + "<uuid:plan_id>/status/", views.plan_status, name="status"),
]
