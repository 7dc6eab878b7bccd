from django.urls import path

from staff.relationships import views

app_name = "relationships"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("search/", views.search, name="search"),
    path("interactions/", views.interaction_list, name="interaction-list"),
    path("interactions/<int:pk>/", views.interaction_detail, name="interaction-detail"),
    path("interactions/<int:pk>/edit/", views.interaction_edit, name="interaction-edit"),
    path("interactions/log/<int:unit_pk>/", views.interaction_log, name="interaction-log"),
    path("actions/", views.action_list, name="action-list"),
    path("actions/new/", views.action_create, name="action-create"),
    path("actions/<int:pk>/", views.action_detail, name="action-detail"),
    path("actions/<int:pk>/edit/", views.action_edit, name="action-edit"),
    path("actions/<int:pk>/status/", views.action_status, name="action-status"),
    path("actions/<int:pk>/reopen/", views.action_reopen, name="action-reopen"),
    path("requirements/", views.requirement_board, name="requirement-board"),
    path("requirements/new/", views.requirement_create, name="requirement-create"),
    path("requirements/<int:pk>/", views.requirement_detail, name="requirement-detail"),
    path("requirements/<int:pk>/edit/", views.requirement_edit, name="requirement-edit"),
    path("opportunities/", views.opportunity_list, name="opportunity-list"),
    path("opportunities/new/", views.opportunity_edit, name="opportunity-create"),
    path("opportunities/<int:pk>/", views.opportunity_edit, name="opportunity-edit"),
    path("escalations/", views.escalation_board, name="escalation-board"),
    path("escalations/new/", views.escalation_raise, name="escalation-raise"),
    path("escalations/<int:pk>/", views.escalation_detail, name="escalation-detail"),
    path("surveys/", views.campaign_list, name="campaign-list"),
    path("surveys/<int:pk>/", views.campaign_detail, name="campaign-detail"),
    path("reviews/<int:agreement_pk>/", views.service_review, name="service-review"),
    path("settings/notifications/", views.notification_settings, name="notification-settings"),
]
