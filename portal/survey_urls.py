from django.urls import path

from portal import views

app_name = "survey"

urlpatterns = [
    # Before the link's pattern: "thanks" is never a token (those are 43 characters).
    path("thanks/", views.public_survey_thanks, name="thanks"),
    path("<str:token>/", views.public_survey, name="answer"),
    # The link in every survey e-mail and its List-Unsubscribe header: stop the surveys.
    path("stop/<str:token>/", views.public_survey_opt_out, name="opt-out"),
]
