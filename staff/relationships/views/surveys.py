"""Survey campaigns with their results, and the service review meeting of an agreement."""

from django.contrib import messages
from django.db.models import Avg, Count, FloatField
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify

from core.domain import DomainError, DomainPermissionError
from core.exporting import export_rows
from customers.selectors import unit_is_editable_by
from relationships import selectors, services
from relationships.models import SurveyCampaign, SurveyResponse
from relationships.selectors_survey import campaign_results
from services.models import Agreement
from staff.common import Column, form_error_from, list_page, staff_required
from staff.relationships.forms import ReviewForm

# --- Surveys -------------------------------------------------------------------------------


@staff_required
def campaign_list(request):
    campaigns = SurveyCampaign.objects.annotate(
        invited=Count("invitations", distinct=True),
        answered=Count("responses", distinct=True),
        satisfaction=Avg("responses__overall_satisfaction", output_field=FloatField()),
    ).order_by("-opens_at")

    def rate(c):
        return f"{round(100 * c.answered / c.invited)}%" if c.invited else ""

    return list_page(
        request,
        title="Survey campaigns",
        lead="Satisfaction rounds sent to the business, with their results.",
        queryset=campaigns,
        columns=[
            Column(
                "Campaign",
                lambda c: c.name,
                link=lambda c: reverse("relationships:campaign-detail", args=[c.pk]),
            ),
            Column(
                "Status",
                lambda c: c.get_status_display(),
                badge=lambda c: "success" if c.status == "open" else "light",
            ),
            Column("Opens", lambda c: timezone.localtime(c.opens_at).date()),
            Column("Closes", lambda c: timezone.localtime(c.closes_at).date()),
            Column("Invited", lambda c: c.invited),
            Column("Answered", lambda c: c.answered),
            Column("Response rate", rate),
            Column("Satisfaction", lambda c: f"{c.satisfaction:.1f}" if c.satisfaction is not None else ""),
        ],
        filename="survey-campaigns",
        nav="surveys",
        empty="No survey campaigns yet. They are opened by the scheduler for units that are due.",
        extra={"trend": selectors.satisfaction_trend()},
        template="relationships/campaign_list.html",
    )


CAMPAIGN_RESULT_COLUMNS = [
    ("Unit", lambda r: r.unit_name),
    ("Unit code", lambda r: r.unit_code),
    ("Invited", lambda r: r.invited),
    ("Answered", lambda r: r.responded),
    ("Response rate (%)", lambda r: r.response_rate),
    ("Average satisfaction (1-5)", lambda r: r.average_satisfaction),
    ("Net promoter score", lambda r: r.nps),
    ("Promoters", lambda r: r.promoters),
    ("Detractors", lambda r: r.detractors),
]


@staff_required
def campaign_detail(request, pk):
    campaign = get_object_or_404(SurveyCampaign, pk=pk)
    results = campaign_results(campaign)
    if request.GET.get("export") in ("csv", "xlsx"):
        # The per-unit table, then the overall line.
        return export_rows(
            rows=[*results.units, results.overall],
            columns=CAMPAIGN_RESULT_COLUMNS,
            export_format=request.GET["export"],
            filename=f"survey-results-{slugify(campaign.name) or campaign.pk}",
        )
    responses = SurveyResponse.objects.filter(campaign=campaign)
    spread = dict(responses.values_list("overall_satisfaction").annotate(n=Count("pk")).order_by())
    spread_chart = {
        "labels": ["1 very poor", "2", "3", "4", "5 excellent"],
        "datasets": [{"label": "Answers", "data": [spread.get(score, 0) for score in range(1, 6)]}],
    }
    comments = responses.exclude(comment="").select_related("unit").order_by("-submitted_at")[:20]
    return render(
        request,
        "relationships/campaign_detail.html",
        {
            "campaign": campaign,
            "results": results,
            "spread_chart": spread_chart,
            "comments": comments,
            "nav": "surveys",
        },
    )


# --- Service review ------------------------------------------------------------------------


@staff_required
def service_review(request, agreement_pk):
    """The agenda of a service review of an agreement (its whole scope, grouped by unit),
    pre-filled from the data, and recording the review held from it
    (services.agreement_review_record)."""
    agreement = get_object_or_404(Agreement.objects.select_related("unit", "signed_by"), pk=agreement_pk)
    unit = agreement.unit
    editable = unit_is_editable_by(user=request.user, unit=unit)
    agenda = selectors.service_review_agenda(agreement=agreement)
    initial = {
        "subject": f"Service review: {agreement.title}",
        "occurred_at": timezone.localtime().replace(second=0, microsecond=0),
        "notes": agenda["agenda"],
    }
    form = ReviewForm(request.POST or None, initial=initial, user=request.user)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.agreement_review_record(
                agreement=agreement,
                by=request.user,
                occurred_at=data["occurred_at"],
                subject=data["subject"],
                notes=data["notes"],
                sentiment=data["sentiment"],
                is_shared_with_business=data["is_shared_with_business"],
                actions=data["actions"],
            )
        except DomainPermissionError as error:
            messages.error(request, error.message)
            status = 403
        except DomainError as error:
            form_error_from(form, error)
        else:
            agreement.refresh_from_db(fields=["last_reviewed_on", "next_review_on"])
            messages.success(
                request,
                f"Service review recorded. The next review of {agreement.title} is due "
                f"{date_format(agreement.next_review_on, 'j M Y')}.",
            )
            return redirect("services:agreement-detail", agreement.pk)
    return render(
        request,
        "relationships/service_review.html",
        {
            "agreement": agreement,
            "unit": unit,
            "form": form,
            "agenda": agenda,
            "editable": editable,
            "can_record": editable and agreement.status == Agreement.Status.ACTIVE,
            "today": timezone.localdate(),
            "nav": "services",
        },
        status=400 if request.method == "POST" and status == 200 else status,
    )
