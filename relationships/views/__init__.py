"""Staff pages of the relationship: dashboard, search, interactions, actions,
requirements, opportunities, escalations, surveys and service reviews.

Views parse input, check access, call a selector or a service and render. Every write goes
through relationships.services, so the messages people see are the API's.
"""

from .activity import (
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
from .common import Column, autosubmit, form_error_from, list_page, next_url, staff_required
from .dashboard import dashboard, search
from .escalations import escalation_board, escalation_detail, escalation_raise
from .notifications import notification_settings
from .requirements import (
    opportunity_edit,
    opportunity_list,
    requirement_board,
    requirement_create,
    requirement_detail,
    requirement_edit,
)
from .surveys import campaign_detail, campaign_list, service_review

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
