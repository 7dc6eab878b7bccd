from django.contrib import admin

from core.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import (
    Escalation,
    EscalationEvent,
    FollowUpAction,
    Interaction,
    Opportunity,
    Requirement,
    ServiceRating,
    SurveyCampaign,
    SurveyInvitation,
    SurveyResponse,
)
from .selectors_survey import campaign_progress, campaign_results


@admin.register(Interaction)
class InteractionAdmin(ReadOnlyAdmin):
    list_display = ("subject", "unit", "kind", "occurred_at", "sentiment", "is_shared_with_business")
    list_filter = ("kind", "sentiment", "is_shared_with_business")
    search_fields = ("subject", "notes", "unit__name")
    list_select_related = ("unit",)
    autocomplete_fields = ("unit",)
    filter_horizontal = ("contacts", "staff")
    date_hierarchy = "occurred_at"


@admin.register(FollowUpAction)
class FollowUpActionAdmin(ReadOnlyAdmin):
    list_display = ("title", "unit", "owner", "due_on", "status")
    list_filter = ("status", "owner")
    search_fields = ("title", "description", "unit__name")
    list_select_related = ("unit", "owner")
    raw_id_fields = ("interaction", "survey_response", "escalation", "agreement")
    autocomplete_fields = ("unit",)


@admin.register(Requirement)
class RequirementAdmin(ReadOnlyAdmin):
    list_display = ("title", "unit", "kind", "status", "priority", "prepared_by", "decided_by", "decided_at")
    list_filter = ("status", "kind", "priority")
    search_fields = ("title", "description", "unit__name")
    list_select_related = ("unit", "prepared_by", "decided_by")
    raw_id_fields = ("prepared_by", "decided_by", "service")
    autocomplete_fields = ("unit",)
    # The decision record is written by the decision workflow only.
    readonly_fields = ("decided_by", "decided_at", "decision_reason", "submitted_at")


@admin.register(Opportunity)
class OpportunityAdmin(ReadOnlyAdmin):
    list_display = ("title", "unit", "kind", "status", "estimated_annual_value", "owner")
    list_filter = ("kind", "status")
    search_fields = ("title", "description", "unit__name")
    list_select_related = ("unit", "owner")
    autocomplete_fields = ("unit",)


@admin.register(SurveyCampaign)
class SurveyCampaignAdmin(ReadOnlyAdmin):
    list_display = ("name", "status", "opens_at", "closes_at", "dispatch")
    list_filter = ("status",)
    search_fields = ("name",)
    readonly_fields = ("dispatch", "results")
    list_per_page = 25  # the dispatch column reads two counts per campaign

    @admin.display(description="Invitations sent")
    def dispatch(self, campaign):
        progress = campaign_progress(campaign)
        failed = f", {progress.failed} failed" if progress.failed else ""
        return f"{progress.sent} / {progress.total} ({progress.percent}%){failed}"

    @admin.display(description="Results")
    def results(self, campaign):
        overall = campaign_results(campaign).overall
        satisfaction = (
            "—" if overall.average_satisfaction is None else f"{overall.average_satisfaction:.1f} / 5"
        )
        return (
            f"{overall.responded} of {overall.invited} answered · satisfaction {satisfaction} · NPS "
            f"{'—' if overall.nps is None else overall.nps}"
        )


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(ReadOnlyAdmin):
    list_display = ("contact", "unit", "campaign", "status", "sent_at", "reminder_count", "responded_at")
    list_filter = ("status", "campaign")
    search_fields = ("contact__first_name", "contact__last_name", "contact__email", "unit__name")
    list_select_related = ("contact", "unit", "campaign")
    raw_id_fields = ("contact", "unit", "campaign")
    readonly_fields = ("token_hash",)


class ServiceRatingInline(ReadOnlyInline):
    model = ServiceRating
    raw_id_fields = ("subscription",)


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ReadOnlyAdmin):
    list_display = (
        "invitation",
        "unit",
        "campaign",
        "overall_satisfaction",
        "recommend_score",
        "submitted_at",
    )
    list_filter = ("campaign", "overall_satisfaction")
    search_fields = ("comment", "unit__name")
    list_select_related = ("invitation__contact", "invitation__campaign", "unit", "campaign")
    raw_id_fields = ("invitation", "unit", "campaign")
    inlines = [ServiceRatingInline]


class EscalationEventInline(ReadOnlyInline):
    model = EscalationEvent
    fields = ("created_at", "kind", "from_level", "to_level", "actor_user", "actor_contact", "note")
    readonly_fields = fields


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ("subject", "unit", "severity", "level", "status", "respond_by", "raised_at")
    list_filter = ("status", "level", "severity")
    search_fields = ("subject", "description", "unit__name")
    list_select_related = ("unit",)
    raw_id_fields = ("raised_by_contact", "raised_by_user", "service")
    autocomplete_fields = ("unit",)
    inlines = [EscalationEventInline]
