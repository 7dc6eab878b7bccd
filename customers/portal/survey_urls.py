from django.urls import path

from . import views

app_name = "survey"

urlpatterns = [
    # Before the link's pattern: "thanks" is never a token (those are 43 characters).
    path("thanks/", views.public_survey_thanks, name="thanks"),
    path("<str:token>/", views.public_survey, name="answer"),
]
