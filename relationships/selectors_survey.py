"""Reads about survey campaigns: results and dispatch progress. The closing job, the API and
the staff UI all call these, so the numbers agree everywhere."""

from dataclasses import dataclass, field

from django.db.models import Avg, Count, Q

from notifications.models import OutgoingEmail
from services.models import Subscription

from . import rules
from .models import FollowUpAction, SurveyCampaign, SurveyInvitation, SurveyResponse


@dataclass(frozen=True)
class SurveyResult:
    """Results of one campaign for one unit (`unit_id` set) or overall (`unit_id` None)."""

    unit_id: int | None
    unit_name: str
    invited: int
    responded: int
    response_rate: float | None  # percent, one decimal
    average_satisfaction: float | None  # 1-5, two decimals
    nps: int | None  # -100..100
    promoters: int
    detractors: int
    unit_code: str = ""


@dataclass(frozen=True)
class CampaignResults:
    overall: SurveyResult
    units: list[SurveyResult] = field(default_factory=list)


def _result(
    *, unit_id, unit_name, invited, responded, satisfaction, promoters, detractors, unit_code=""
) -> SurveyResult:
    return SurveyResult(
        unit_id=unit_id,
        unit_name=unit_name,
        unit_code=unit_code,
        invited=invited,
        responded=responded,
        response_rate=round(100 * responded / invited, 1) if invited else None,
        average_satisfaction=round(satisfaction, 2) if satisfaction is not None else None,
        nps=rules.net_promoter_score(promoters=promoters, detractors=detractors, total=responded),
        promoters=promoters,
        detractors=detractors,
    )


def campaign_results(campaign: SurveyCampaign) -> CampaignResults:
    """Average satisfaction, NPS and response rate per unit and overall.

    Two queries whatever the size: invitations counted per unit, responses aggregated per
    unit; the overall figures are sums of those (the average weighted by responses).
    """
    invited = {
        row["unit_id"]: row
        for row in SurveyInvitation.objects.filter(campaign=campaign)
        .values("unit_id", "unit__name", "unit__code")
        .annotate(n=Count("pk"))
        .order_by()
    }
    answered = {
        row["unit_id"]: row
        for row in SurveyResponse.objects.filter(campaign=campaign)
        .values("unit_id")
        .annotate(
            n=Count("pk"),
            satisfaction=Avg("overall_satisfaction"),
            promoters=Count("pk", filter=Q(recommend_score__gte=rules.PROMOTER_MIN)),
            detractors=Count("pk", filter=Q(recommend_score__lte=rules.DETRACTOR_MAX)),
        )
        .order_by()
    }
    units = []
    for unit_id, row in sorted(invited.items(), key=lambda item: item[1]["unit__name"]):
        answers = answered.get(unit_id, {})
        units.append(
            _result(
                unit_id=unit_id,
                unit_name=row["unit__name"],
                unit_code=row["unit__code"],
                invited=row["n"],
                responded=answers.get("n", 0),
                satisfaction=answers.get("satisfaction"),
                promoters=answers.get("promoters", 0),
                detractors=answers.get("detractors", 0),
            )
        )
    responded = sum(row["n"] for row in answered.values())
    weighted = sum(row["satisfaction"] * row["n"] for row in answered.values())
    overall = _result(
        unit_id=None,
        unit_name="All units",
        invited=sum(row["n"] for row in invited.values()),
        responded=responded,
        satisfaction=weighted / responded if responded else None,
        promoters=sum(row["promoters"] for row in answered.values()),
        detractors=sum(row["detractors"] for row in answered.values()),
    )
    return CampaignResults(overall=overall, units=units)


@dataclass(frozen=True)
class CampaignProgress:
    total: int  # invitations in the campaign
    queued: int  # invitations whose e-mail is in the outbox
    sent: int  # invitation e-mails the mail server took
    failed: int  # invitation e-mails given up on

    @property
    def percent(self) -> int:
        return round(100 * self.sent / self.total) if self.total else 100

    @property
    def is_done(self) -> bool:
        return self.sent + self.failed >= self.total


def invitation_email_key(*, campaign_id: int, invitation_id: int) -> str:
    """The outbox key of an invitation's e-mail: one per invitation, ever."""
    return f"survey-invitation:{campaign_id}:{invitation_id}"


def campaign_progress(campaign: SurveyCampaign) -> CampaignProgress:
    """How far the dispatch of a campaign's invitations is: two queries."""
    invitations = SurveyInvitation.objects.filter(campaign=campaign).aggregate(
        total=Count("pk"), queued=Count("pk", filter=~Q(status=SurveyInvitation.Status.PENDING))
    )
    emails = OutgoingEmail.objects.filter(key__startswith=f"survey-invitation:{campaign.pk}:").aggregate(
        sent=Count("pk", filter=Q(status=OutgoingEmail.Status.SENT)),
        failed=Count("pk", filter=Q(status=OutgoingEmail.Status.FAILED)),
    )
    return CampaignProgress(
        total=invitations["total"], queued=invitations["queued"], sent=emails["sent"], failed=emails["failed"]
    )


# --- One answer, as its respondent reads it back ------------------------------------------


def survey_rated_subscriptions(unit):
    """The subscriptions an answer for `unit` (a unit, its id or an OuterRef) rates, one
    question each: the survey form asks these, the invitation e-mail counts them
    (`rules.survey_question_count`)."""
    return Subscription.objects.active().filter(unit=unit)


def survey_subscriptions(*, unit_id: int) -> list[Subscription]:
    """The services an answer for the unit rates, in the order the form asks them."""
    return list(survey_rated_subscriptions(unit_id).select_related("service").order_by("service__name"))


@dataclass(frozen=True)
class AnswerSummary:
    response: SurveyResponse
    ratings: list[tuple[str, int | None]]  # (service, rating or None: no opinion), as asked
    follow_up: FollowUpAction | None  # the relationship manager's action, for a poor answer

    @property
    def manager(self):
        return self.response.unit.relationship_manager

    @property
    def is_poor(self) -> bool:
        return rules.is_poor_answer(
            overall_satisfaction=self.response.overall_satisfaction,
            recommend_score=self.response.recommend_score,
            ratings=[rating for _, rating in self.ratings if rating is not None],
        )


def survey_answer_summary(*, invitation_id: int) -> AnswerSummary | None:
    """What a respondent answered and who follows it up, for their thank-you page. Four
    queries: the answer with its invitation, unit and manager; its ratings; the services
    asked about; its follow-up action."""
    response = (
        SurveyResponse.objects.select_related("invitation__contact", "campaign", "unit__relationship_manager")
        .filter(invitation_id=invitation_id)
        .first()
    )
    if response is None:
        return None
    rated = dict(response.ratings.values_list("subscription__service__name", "rating"))
    asked = [sub.service.name for sub in survey_subscriptions(unit_id=response.unit_id)]
    ratings = [(name, rated.get(name)) for name in asked]
    ratings += [(name, rating) for name, rating in sorted(rated.items()) if name not in asked]
    return AnswerSummary(
        response=response,
        ratings=ratings,
        follow_up=response.actions.order_by("pk").first(),
    )
