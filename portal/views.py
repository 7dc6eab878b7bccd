"""The self-service portal of business contacts, the public survey page, and the staff
actions that give or take portal access.

Views parse input, look objects up among the units the person may see (404 otherwise),
call one service and render. The rules live in the services.
"""

import datetime
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordResetConfirmView
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.domain import DomainError, DomainPermissionError
from core.history import history_section
from core.throttling import SurveyLinkThrottle, throttle
from customers import roles
from customers.models import Contact
from customers.selectors import deciding_customer_for, is_deciding_customer, units_decided_by
from customers.services import contact_grant_portal_access, contact_revoke_portal_access
from notifications.models import NotificationPreference
from notifications.pages import preferences_page
from portal import selectors
from portal.forms import (
    SATISFACTION_CHOICES,
    CommentForm,
    DecisionForm,
    EscalateForm,
    EscalationForm,
    OrderForm,
    RequirementForm,
    SurveyForm,
)
from relationships import rules
from relationships import services as relationship_services
from relationships.context_processors import waiting_for_request
from relationships.models import Escalation, EscalationEvent, Requirement, SurveyInvitation, hash_survey_token
from relationships.notifications import (
    survey_mail_delivery_for,
    survey_mail_delivery_set,
    survey_opt_out_contact,
    survey_opt_out_link,
)
from relationships.selectors import escalation_history
from relationships.selectors_survey import survey_answer_summary, survey_subscriptions
from relationships.services import (
    escalation_close,
    escalation_comment,
    escalation_escalate,
    escalation_raise,
    requirement_prepare,
    requirement_submit,
    survey_invitation_state,
    survey_response_submit,
)
from services.models import Agreement, Service, Subscription
from services.services import agreement_sign, subscription_order


def portal_view(view):
    """Signed-in business contacts only. Staff are sent to their own workspace; a login
    without an active contact gets a page that says so."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_staff:
            messages.info(
                request,
                "The self-service portal is for business contacts. You are signed in as IT staff, "
                "so you are in the staff workspace.",
            )
            return redirect("home")
        contacts = selectors.portal_contacts(user=request.user)
        if not contacts:
            return render(request, "portal/no_access.html", status=403)
        request.portal_contacts = contacts
        return view(request, *args, **kwargs)

    return wrapper


def _units(request):
    """The person's units, read once per request."""
    if not hasattr(request, "_portal_units"):
        request._portal_units = list(selectors.portal_units(user=request.user))
    return request._portal_units


# --- Home ------------------------------------------------------------------------------


@portal_view
def home(request):
    context = {**selectors.portal_home(user=request.user), "waiting": waiting_for_request(request)}
    return render(request, "portal/home.html", {**context, "nav": "home"})


# --- Requirements ----------------------------------------------------------------------


@portal_view
def requirement_list(request):
    units = _units(request)
    requirements = selectors.portal_requirements(units=units).order_by("-updated_at")
    status = request.GET.get("status", "")
    if status in Requirement.Status.values:
        requirements = requirements.filter(status=status)
    else:
        status = ""
    page = Paginator(requirements, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/requirement_list.html",
        {
            "page": page,
            "status": status,
            "statuses": Requirement.Status.choices,
            "decides_for": units_decided_by(user=request.user, units=units),
            "nav": "requirements",
        },
    )


def _requirement_services(units):
    # One filter() call: both conditions must hold for the same subscription.
    current = [Subscription.Status.ACTIVE, Subscription.Status.REQUESTED]
    return (
        Service.objects.filter(subscriptions__unit__in=units, subscriptions__status__in=current)
        .distinct()
        .order_by("name")
    )


@portal_view
def requirement_create(request):
    units = selectors.portal_units(user=request.user)
    form_kwargs = {"units": units, "services": _requirement_services(_units(request))}
    if request.method == "POST":
        form = RequirementForm(request.POST, **form_kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    requirement = requirement_prepare(
                        unit=data["unit"],
                        by=request.user,
                        title=data["title"],
                        description=data["description"],
                        kind=data["kind"],
                        service=data["service"],
                        priority=data["priority"],
                        desired_by=data["desired_by"],
                    )
                    if request.POST.get("action") == "submit":
                        requirement_submit(requirement=requirement, by=request.user)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                if requirement.status == Requirement.Status.SUBMITTED:
                    messages.success(request, "Your request was sent to your deciding customer.")
                else:
                    messages.success(request, "Your request is saved as a draft. Submit it when it is ready.")
                return redirect("portal:requirement-detail", pk=requirement.pk)
    else:
        form = RequirementForm(**form_kwargs)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "portal/requirement_form.html", {"form": form, "nav": "requirements"}, status=status
    )


def _get_requirement(request, pk):
    return get_object_or_404(selectors.portal_requirements(units=_units(request)), pk=pk)


def _render_requirement(request, requirement, *, decision_form=None, permission_error=None, status=200):
    decider = deciding_customer_for(unit=requirement.unit)
    can_decide = requirement.status == Requirement.Status.SUBMITTED and is_deciding_customer(
        user=request.user, decider=decider
    )
    return render(
        request,
        "portal/requirement_detail.html",
        {
            "requirement": requirement,
            "decider": decider,
            "can_decide": can_decide,
            "can_submit": requirement.status == Requirement.Status.DRAFT,
            "decision_form": decision_form or DecisionForm(),
            "permission_error": permission_error,
            "steps": _requirement_steps(requirement),
            # Only this unit's record (the lookup above is scoped), without IT's own fields.
            "history": history_section(requirement, viewer=request.user),
            "nav": "requirements",
        },
        status=status,
    )


def _requirement_steps(requirement):
    order = [
        (Requirement.Status.DRAFT, "Prepared"),
        (Requirement.Status.SUBMITTED, "Awaiting decision"),
        (Requirement.Status.APPROVED, "Approved"),
        (Requirement.Status.IN_DELIVERY, "In delivery"),
        (Requirement.Status.DELIVERED, "Delivered"),
    ]
    if requirement.status == Requirement.Status.REJECTED:
        order = [*order[:2], (Requirement.Status.REJECTED, "Rejected")]
    reached = [value for value, _ in order].index(requirement.status)
    return [
        {"label": label, "done": index < reached, "current": index == reached}
        for index, (_, label) in enumerate(order)
    ]


@portal_view
def requirement_detail(request, pk):
    return _render_requirement(request, _get_requirement(request, pk))


@portal_view
@require_POST
def requirement_submit_view(request, pk):
    requirement = _get_requirement(request, pk)
    try:
        requirement_submit(requirement=requirement, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Submitted: your deciding customer has been asked to decide.")
    return redirect("portal:requirement-detail", pk=pk)


@portal_view
@require_POST
def requirement_decide(request, pk):
    """Approve or reject. The service checks that the person is the deciding customer; a
    purchaser's (forged) request is refused with its message and changes nothing."""
    requirement = _get_requirement(request, pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            requirement = relationship_services.requirement_decide(
                requirement=requirement, by=request.user, **form.cleaned_data
            )
        except DomainPermissionError as error:
            return _render_requirement(
                request, _get_requirement(request, pk), permission_error=error.message, status=403
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            verb = "approved" if form.cleaned_data["decision"] == "approve" else "rejected"
            messages.success(
                request, f"You {verb} “{requirement.title}”. Your relationship manager is informed."
            )
            return redirect("portal:requirement-detail", pk=pk)
    return _render_requirement(request, _get_requirement(request, pk), decision_form=form, status=400)


@portal_view
def subscription_detail(request, pk):
    """One service the unit uses: each target month by month, the agreement that covers
    it, and what the unit raised or asked for about it."""
    units = _units(request)
    found = selectors.portal_subscriptions_with_agreements(user=request.user, units=units, pk=pk)
    if not found:
        raise Http404
    subscription = found[0]
    [levels] = selectors.subscription_levels(subscriptions=[subscription])
    return render(
        request,
        "portal/subscription_detail.html",
        {
            "subscription": subscription,
            "levels": levels,
            "months": selectors.attainment_months(),
            "escalations": selectors.portal_escalations(units=[subscription.unit])
            .filter(service=subscription.service)
            .order_by("-raised_at")[:10],
            "requirements": selectors.portal_requirements(units=[subscription.unit])
            .filter(service=subscription.service)
            .order_by("-updated_at")[:10],
            "nav": "home",
        },
    )


# --- Ordering a service ----------------------------------------------------------------


@portal_view
def catalogue(request):
    units = _units(request)
    used = {
        (sub.service_id, sub.unit_id): sub
        for sub in Subscription.objects.visible_to(request.user, units=units).current()
    }
    services = list(selectors.portal_live_services().order_by("category__name", "name"))
    rows = [
        {
            "service": s,
            "targets": [selectors.target_label(t) for t in s.targets.all()],
            "used_by": [u for u in units if (s.pk, u.pk) in used],
        }
        for s in services
    ]
    return render(request, "portal/catalogue.html", {"rows": rows, "units": units, "nav": "catalogue"})


@portal_view
def order(request):
    units = selectors.portal_units(user=request.user)
    form_kwargs = {"units": units, "services": Service.objects.live().order_by("name")}
    if request.method == "POST":
        form = OrderForm(request.POST, **form_kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                subscription = subscription_order(
                    unit=data["unit"],
                    service=data["service"],
                    by=request.user,
                    quantity=data["quantity"],
                    notes=data["notes"],
                )
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(
                    request,
                    f"{subscription.service.name} is ordered for {subscription.unit.name}. "
                    "IT will let you know when it is ready.",
                )
                return redirect("portal:home")
        return render(request, "portal/order.html", {"form": form, "nav": "catalogue"}, status=400)
    form = OrderForm(initial={"service": request.GET.get("service")}, **form_kwargs)
    return render(request, "portal/order.html", {"form": form, "nav": "catalogue"})


# --- Escalations -----------------------------------------------------------------------


def _route(unit, severity):
    """Who is at each level of the route and how long each has to respond."""
    hours = rules.response_hours(severity)
    return [
        {
            "level": level,
            "label": label.split("—", 1)[-1].strip(),
            "members": roles.level_members(level=level, unit=unit),
            "hours": hours,
        }
        for level, label in Escalation.Level.choices
    ]


@portal_view
def escalation_list(request):
    escalations = selectors.portal_escalations(units=_units(request)).order_by("-raised_at")
    page = Paginator(escalations, 25).get_page(request.GET.get("page"))
    return render(request, "portal/escalation_list.html", {"page": page, "nav": "escalations"})


@portal_view
def escalation_create(request):
    units = selectors.portal_units(user=request.user)
    if request.method == "POST":
        form = EscalationForm(request.POST, units=units)
        if form.is_valid():
            data = form.cleaned_data
            try:
                escalation = escalation_raise(
                    unit=data["unit"],
                    by=request.user,
                    subject=data["subject"],
                    description=data["description"],
                    severity=data["severity"],
                    service=data["service"],
                )
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(
                    request, "Your escalation is raised. Your relationship manager has been alerted."
                )
                return redirect("portal:escalation-detail", pk=escalation.pk)
        status = 400
    else:
        form = EscalationForm(units=units)
        status = 200
    unit_list = _units(request)
    context = {
        "form": form,
        "hours": [(label, rules.response_hours(value)) for value, label in Escalation.Severity.choices],
        "route": _route(unit_list[0], Escalation.Severity.MEDIUM) if unit_list else [],
        "nav": "escalations",
    }
    return render(request, "portal/escalation_form.html", context, status=status)


def _get_escalation(request, pk):
    return get_object_or_404(selectors.portal_escalations(units=_units(request)), pk=pk)


def _render_escalation(request, escalation, *, comment_form=None, escalate_form=None, status=200):
    return render(
        request,
        "portal/escalation_detail.html",
        {
            "escalation": escalation,
            "history_lines": escalation_history(escalation=escalation, viewer=request.user),
            "route": _route(escalation.unit, escalation.severity),
            "level_name": escalation.get_level_display().split("—", 1)[-1].strip(),
            "comment_form": comment_form or CommentForm(),
            "escalate_form": escalate_form or EscalateForm(),
            "is_open": escalation.is_open,
            "can_escalate": escalation.can_escalate,
            "can_close": escalation.status == Escalation.Status.RESOLVED,
            "Kind": EscalationEvent.Kind,
            "nav": "escalations",
        },
        status=status,
    )


@portal_view
def escalation_detail(request, pk):
    return _render_escalation(request, _get_escalation(request, pk))


@portal_view
@require_POST
def escalation_comment_view(request, pk):
    escalation = _get_escalation(request, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            escalation_comment(escalation=escalation, by=request.user, note=form.cleaned_data["note"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, "Your comment is added.")
            return redirect("portal:escalation-detail", pk=pk)
    return _render_escalation(request, escalation, comment_form=form, status=400)


@portal_view
@require_POST
def escalation_escalate_view(request, pk):
    escalation = _get_escalation(request, pk)
    form = EscalateForm(request.POST)
    if form.is_valid():
        try:
            escalation_escalate(escalation=escalation, by=request.user, note=form.cleaned_data["note"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, f"Escalated to {escalation.get_level_display()}.")
            return redirect("portal:escalation-detail", pk=pk)
    return _render_escalation(request, _get_escalation(request, pk), escalate_form=form, status=400)


@portal_view
@require_POST
def escalation_close_view(request, pk):
    escalation = _get_escalation(request, pk)
    try:
        escalation_close(escalation=escalation, by=request.user, note=request.POST.get("note", "")[:5000])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Thank you: the escalation is closed.")
    return redirect("portal:escalation-detail", pk=pk)


# --- Shared notes and agreements ----------------------------------------------------------


@portal_view
def interaction_list(request):
    interactions = selectors.portal_shared_interactions(units=_units(request))
    page = Paginator(interactions, 20).get_page(request.GET.get("page"))
    return render(request, "portal/interaction_list.html", {"page": page, "nav": "notes"})


@portal_view
def interaction_detail(request, pk):
    interaction = get_object_or_404(selectors.portal_shared_interactions(units=_units(request)), pk=pk)
    return render(
        request,
        "portal/interaction_detail.html",
        {
            "interaction": interaction,
            "contacts": interaction.contacts.all(),
            "staff": interaction.staff.all(),
            "nav": "notes",
        },
    )


@portal_view
def agreement_detail(request, pk):
    """An agreement the person reads: their units' own or the one covering their services
    (a purchaser reads the division's). Only the deciding customer is offered to sign."""
    units = _units(request)
    agreement = get_object_or_404(selectors.portal_agreements(user=request.user, units=units), pk=pk)
    subscriptions = selectors.portal_agreement_subscriptions(
        agreement=agreement, user=request.user, units=units
    )
    decider = deciding_customer_for(unit=agreement.unit)
    return render(
        request,
        "portal/agreement_detail.html",
        {
            "agreement": agreement,
            "levels": selectors.subscription_levels(subscriptions=subscriptions),
            "several_units": len({s.unit_id for s in subscriptions}) > 1,
            "of_a_unit_above": agreement.unit_id not in {unit.pk for unit in units},
            # Review notes the person may open: shared, and of a unit they see.
            "reviews": list(selectors.portal_shared_interactions(units=units).filter(agreement=agreement)),
            "can_sign": agreement.status == Agreement.Status.DRAFT
            and is_deciding_customer(user=request.user, decider=decider),
            "nav": "home",
        },
    )


@portal_view
@require_POST
def agreement_sign_view(request, pk):
    agreement = get_object_or_404(
        selectors.portal_agreements(user=request.user, units=_units(request)), pk=pk
    )
    try:
        agreement_sign(agreement=agreement, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"You signed {agreement.title}. It is now active.")
    return redirect("portal:agreement-detail", pk=pk)


# --- Surveys ---------------------------------------------------------------------------


def _survey_form(invitation, data=None):
    return SurveyForm(data, subscriptions=survey_subscriptions(unit_id=invitation.unit_id))


def _survey_submit(invitation, form) -> bool:
    """True if the answer was saved; otherwise the form carries the messages."""
    if not form.is_valid():
        return False
    try:
        survey_response_submit(
            invitation=invitation,
            overall_satisfaction=form.cleaned_data["overall_satisfaction"],
            recommend_score=form.cleaned_data["recommend_score"],
            ratings=form.ratings(),
            comment=form.cleaned_data["comment"],
        )
    except DomainError as error:
        form.add_domain_error(error)
        return False
    return True


@portal_view
def survey_answer(request, pk):
    """A contact answers their own invitation from inside the portal."""
    invitation = get_object_or_404(selectors.portal_invitations(user=request.user), pk=pk)
    state = survey_invitation_state(invitation)
    if state != "open":
        messages.info(request, _STATE_MESSAGES[state])
        return redirect("portal:home")
    if request.method == "POST":
        form = _survey_form(invitation, request.POST)
        if _survey_submit(invitation, form):
            messages.success(request, "Thank you for your answers: they help IT serve you better.")
            return redirect("portal:home")
        status = 400
    else:
        form = _survey_form(invitation)
        status = 200
    return render(
        request,
        "portal/survey.html",
        {"form": form, "invitation": invitation, "nav": "home"},
        status=status,
    )


_STATE_MESSAGES = {
    "used": "This survey link has already been used. Thank you!",
    "expired": "This survey link has expired: the survey is closed.",
    "unknown": "We do not know this survey link.",
}


Delivery = NotificationPreference.Delivery

# The respondent's own browser is told it answered (a cookie signed with SECRET_KEY naming
# the invitation), so the thank-you page and a reopened link can thank them, while any other
# browser, a guesser's included, still gets the one page for every link that is not open.
SURVEY_ANSWERED_COOKIE = "brm_survey_answered"
_SURVEY_ANSWERED_SALT = "brm-survey-answered"
_SURVEY_ANSWERED_MAX_AGE = datetime.timedelta(days=30)
# What they answered is shown back for this long after sending (a shared computer's next
# user should not read it).
_SURVEY_SUMMARY_FOR = datetime.timedelta(hours=1)


def _survey_answered_here(request) -> int | None:
    """The invitation this browser answered lately, from its signed cookie."""
    value = request.get_signed_cookie(
        SURVEY_ANSWERED_COOKIE,
        default="",
        salt=_SURVEY_ANSWERED_SALT,
        max_age=_SURVEY_ANSWERED_MAX_AGE,
    )
    return int(value) if value.isdigit() else None


def _survey_private(response):
    response["Referrer-Policy"] = "same-origin"  # the token never leaves in a Referer; Origin stays for CSRF
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@throttle(SurveyLinkThrottle)
def public_survey(request, token):
    """The survey behind an invitation's link, without login. Only the hash of the token is
    stored and compared (through its unique index), so the lookup leaks nothing about other
    links. A used, expired or unknown link gets one and the same answer, after the same
    work (the hash and the one lookup are done for any token), so neither the page nor its
    timing tells a guesser which links are real; only the browser that answered it is
    thanked instead (its signed cookie names the invitation). Requests are limited per
    client address."""
    try:  # the hash is unique: get(), with no ORDER BY as first() would add
        invitation = SurveyInvitation.objects.select_related("campaign", "unit", "contact").get(
            token_hash=hash_survey_token(token)
        )
    except SurveyInvitation.DoesNotExist:
        invitation = None
    if survey_invitation_state(invitation) != "open":
        return _survey_not_open(request, invitation)
    if request.method == "POST":
        form = _survey_form(invitation, request.POST)
        if _survey_submit(invitation, form):
            response = redirect("survey:thanks")  # POST, redirect, GET: a reload sends nothing again
            response.set_signed_cookie(
                SURVEY_ANSWERED_COOKIE,
                str(invitation.pk),
                salt=_SURVEY_ANSWERED_SALT,
                max_age=int(_SURVEY_ANSWERED_MAX_AGE.total_seconds()),
                path=reverse("survey:thanks").removesuffix("thanks/"),  # the survey pages only
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
            return _survey_private(response)
        refreshed = SurveyInvitation.objects.select_related("campaign").get(pk=invitation.pk)
        if survey_invitation_state(refreshed) != "open":  # answered meanwhile in another tab
            return _survey_not_open(request, refreshed)
        status = 400
    else:
        form = _survey_form(invitation)
        status = 200
    response = render(request, "survey/answer.html", {"form": form, "invitation": invitation}, status=status)
    return _survey_private(response)


@never_cache
@throttle(SurveyLinkThrottle)
def public_survey_thanks(request):
    """Where the survey lands after *Send my answers*: thanks, what was answered and what
    happens next. Only for the browser that answered; any other gets the closed-link page."""
    invitation_id = _survey_answered_here(request)
    summary = survey_answer_summary(invitation_id=invitation_id) if invitation_id else None
    if summary is None:
        return _survey_closed(request)
    return _survey_thanks(request, summary, just_answered=True)


def _survey_not_open(request, invitation):
    """A link that cannot be answered: the browser that answered it is thanked, everybody
    else gets the one closed-link page."""
    if (
        invitation is not None
        and invitation.status == SurveyInvitation.Status.RESPONDED
        and _survey_answered_here(request) == invitation.pk
    ):
        summary = survey_answer_summary(invitation_id=invitation.pk)
        if summary is not None:
            return _survey_thanks(request, summary, just_answered=False)
    return _survey_closed(request)


def _survey_thanks(request, summary, *, just_answered: bool):
    fresh = timezone.now() - summary.response.submitted_at <= _SURVEY_SUMMARY_FOR
    response = render(
        request,
        "survey/thanks.html",
        {
            "summary": summary,
            "answers": _survey_answer_lines(summary) if fresh else [],
            "just_answered": just_answered,
            "opt_out_link": survey_opt_out_link(contact=summary.response.invitation.contact),
        },
    )
    return _survey_private(response)


_SCALE_WORDS = {value: label.split(" — ")[-1] for value, label in SATISFACTION_CHOICES}


def _survey_answer_lines(summary) -> list[tuple[str, str]]:
    """Each question asked and its answer, as the respondent reads them back."""
    response = summary.response
    satisfaction = response.overall_satisfaction
    return [
        ("Overall satisfaction", f"{satisfaction} of 5 · {_SCALE_WORDS[satisfaction]}"),
        ("Likelihood to recommend IT", f"{response.recommend_score} of 10"),
        *[
            (service, f"{rating} of 5 · {_SCALE_WORDS[rating]}" if rating else "No opinion")
            for service, rating in summary.ratings
        ],
    ]


def _survey_closed(request):
    return _survey_private(render(request, "survey/closed.html", status=404))


@csrf_exempt  # RFC 8058: a mail program's one-click POST carries no CSRF token; the signed link is the key
@never_cache
@throttle(SurveyLinkThrottle)
def public_survey_opt_out(request, token):
    """The link in every survey e-mail (and its List-Unsubscribe header): stop, or resume,
    the surveys without signing in. GET only shows the choice (link checkers open links);
    POST makes it, from the page's button or from a mail program's one-click request."""
    contact = survey_opt_out_contact(token=token)
    if contact is None:
        return _survey_private(render(request, "survey/opt_out_invalid.html", status=404))
    changed, error = request.method == "POST", None
    if changed:
        wanted = Delivery.IMMEDIATE if request.POST.get("choice") == "resume" else Delivery.OFF
        try:
            survey_mail_delivery_set(contact=contact, delivery=wanted)
        except DomainError as refused:
            changed, error = False, refused.message
    context = {
        "contact": contact,
        "delivery": survey_mail_delivery_for(contact=contact),
        "changed": changed,
        "error": error,
        "has_login": bool(contact.user_id and contact.user.is_active),
    }
    return _survey_private(render(request, "survey/opt_out.html", context, status=400 if error else 200))


# --- Portal access ---------------------------------------------------------------------


class AccessConfirmView(PasswordResetConfirmView):
    """The link of the access e-mail: choose a password, then land signed in on the portal.
    Django's token makes the link single use and expiring; staff logins are not served."""

    template_name = "portal/access_confirm.html"
    post_reset_login = True
    # Named because django-axes adds a second backend; the password was just proven.
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = reverse_lazy("portal:home")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        if user is None or user.is_staff or not user.is_active:
            return None
        return user

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Your password is set. Welcome to the portal!")
        return response

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        for fld in form.fields.values():
            fld.widget.attrs["class"] = "form-control"
        return form


def _back(request):
    target = request.POST.get("next") or request.headers.get("referer") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("home")


def _staff_contact(request, pk):
    if not request.user.is_staff:
        raise Http404
    return get_object_or_404(Contact.objects.select_related("unit", "user"), pk=pk)


@login_required
@require_POST
def staff_grant_access(request, pk):
    """Staff: give a contact a portal login and e-mail them the set-password link."""
    contact = _staff_contact(request, pk)
    try:
        contact_grant_portal_access(contact=contact, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"{contact.full_name} gets an e-mail at {contact.email} to choose a password."
        )
    return _back(request)


@login_required
@require_POST
def staff_revoke_access(request, pk):
    """Staff: take a contact's portal access away."""
    contact = _staff_contact(request, pk)
    try:
        contact_revoke_portal_access(contact=contact, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{contact.full_name} no longer has access to the portal.")
    return _back(request)


# --- Notification settings --------------------------------------------------------------


@portal_view
def notification_settings(request):
    return preferences_page(
        request, template="portal/notification_settings.html", extra={"nav": "notifications"}
    )
