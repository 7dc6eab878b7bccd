"""Staff pages of the relationship: dashboard, search, interactions, actions,
requirements, opportunities, escalations, surveys and service reviews.

Views parse input, check access, call a selector or a service and render. Every write goes
through relationships.services, so the messages people see are the API's.
"""

from staff.common import Column, autosubmit, form_error_from, list_page, next_url, staff_required
from staff.relationships.views.activity import (
    action_create,
    action_detail,
    action_edit,
    action_list,
    action_reopen,
    action_status,
    interaction_detail,
    interaction_edit,
    interaction_list,
    interaction_log,
)
from staff.relationships.views.dashboard import dashboard, search
from staff.relationships.views.escalations import escalation_board, escalation_detail, escalation_raise
from staff.relationships.views.notifications import notification_settings
from staff.relationships.views.requirements import (
    opportunity_edit,
    opportunity_list,
    requirement_board,
    requirement_create,
    requirement_detail,
    requirement_edit,
)
from staff.relationships.views.surveys import campaign_detail, campaign_list, service_review

__all__ = [
    "Column",
    "action_create",
    "action_detail",
    "action_edit",
    "action_list",
    "action_reopen",
    "action_status",
    "autosubmit",
    "campaign_detail",
    "campaign_list",
    "dashboard",
    "escalation_board",
    "escalation_detail",
    "escalation_raise",
    "form_error_from",
    "interaction_detail",
    "interaction_edit",
    "interaction_list",
    "interaction_log",
    "list_page",
    "next_url",
    "notification_settings",
    "opportunity_edit",
    "opportunity_list",
    "requirement_board",
    "requirement_create",
    "requirement_detail",
    "requirement_edit",
    "search",
    "service_review",
    "staff_required",
]
