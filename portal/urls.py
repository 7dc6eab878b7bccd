from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("requests/", views.requirement_list, name="requirement-list"),
    path("requests/new/", views.requirement_create, name="requirement-create"),
    path("requests/<int:pk>/", views.requirement_detail, name="requirement-detail"),
    path("requests/<int:pk>/submit/", views.requirement_submit_view, name="requirement-submit"),
    path("requests/<int:pk>/decide/", views.requirement_decide, name="requirement-decide"),
    path("services/<int:pk>/", views.subscription_detail, name="subscription-detail"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("order/", views.order, name="order"),
    path("escalations/", views.escalation_list, name="escalation-list"),
    path("escalations/new/", views.escalation_create, name="escalation-create"),
    path("escalations/<int:pk>/", views.escalation_detail, name="escalation-detail"),
    path("escalations/<int:pk>/comment/", views.escalation_comment_view, name="escalation-comment"),
    path("escalations/<int:pk>/escalate/", views.escalation_escalate_view, name="escalation-escalate"),
    path("escalations/<int:pk>/close/", views.escalation_close_view, name="escalation-close"),
    path("notes/", views.interaction_list, name="interaction-list"),
    path("notes/<int:pk>/", views.interaction_detail, name="interaction-detail"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement-detail"),
    path("agreements/<int:pk>/sign/", views.agreement_sign_view, name="agreement-sign"),
    path("surveys/<int:pk>/", views.survey_answer, name="survey-answer"),
    path("notifications/", views.notification_settings, name="notification-settings"),
    path("access/<uidb64>/<token>/", views.AccessConfirmView.as_view(), name="access-confirm"),
    path("staff/contacts/<int:pk>/grant-access/", views.staff_grant_access, name="staff-grant-access"),
    path("staff/contacts/<int:pk>/revoke-access/", views.staff_revoke_access, name="staff-revoke-access"),
]
