"""The summaries behind the health score: kept on write by database triggers, rebuilt and
verified from scratch by `manage.py summaries`, and added up per subtree when read.

Triggers, not the service functions, keep them: every path that writes the rows beneath
(the services, imports, the ladder's and the survey jobs' bulk updates, COPY in the
benchmark's seed, cascades of a delete) passes through the database, so one definition per
summary holds for all of them, in the writing transaction. The statements below are
written once for PostgreSQL and SQLite (the embedded default); only the trigger wrapping
differs.

Each summary row holds one unit's own figures (relationships/models/summaries.py). A
unit's figures are those of its subtree: `subtree_figures` reads the rows of every unit
below the asked units in one indexed range scan per summary and adds them up.

The statements are SQL put together from model table names and constants, never from
input: hence the `# nosec B608` on each, which bandit cannot tell.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q, Sum

from customers.models import BusinessUnit
from services.models import Measurement, Subscription

from .models import (
    AttainmentSummary,
    Escalation,
    FollowUpAction,
    Interaction,
    OpenActionsSummary,
    OpenEscalationsSummary,
    SurveyCampaign,
    SurveyResponse,
    SurveySummary,
    UnitActivitySummary,
)

ACTIVITY = UnitActivitySummary._meta.db_table
ESCALATIONS = OpenEscalationsSummary._meta.db_table
SURVEY = SurveySummary._meta.db_table
ATTAINMENT = AttainmentSummary._meta.db_table
ACTIONS = OpenActionsSummary._meta.db_table


def _listed(values) -> str:
    return ", ".join(f"'{value}'" for value in values)


ESCALATION_IS_OPEN = f"status IN ({_listed(Escalation.OPEN_STATUSES)})"
ACTION_IS_OPEN = f"status IN ({_listed(FollowUpAction.OPEN_STATUSES)})"


def _escalation_added(row: str) -> str:
    return (
        f"INSERT INTO {ESCALATIONS} (unit_id, level, open_escalations)"  # nosec B608
        f" SELECT {row}.unit_id, {row}.level, 1 WHERE {row}.{ESCALATION_IS_OPEN}"
        f" ON CONFLICT (unit_id, level) DO UPDATE SET open_escalations = {ESCALATIONS}.open_escalations + 1;"
    )


def _escalation_removed(row: str) -> str:
    where = f"unit_id = {row}.unit_id AND level = {row}.level"
    return (
        f"UPDATE {ESCALATIONS} SET open_escalations = open_escalations - 1"  # nosec B608
        f" WHERE {where} AND {row}.{ESCALATION_IS_OPEN};"
        f"DELETE FROM {ESCALATIONS} WHERE {where} AND open_escalations = 0;"
    )


def _interactions_read_again(row: str) -> str:
    # The latest of the unit's interactions: one probe of the (unit, -occurred_at) index,
    # the same after an insert, a changed date or a delete.
    latest = f"(SELECT max(occurred_at) FROM {Interaction._meta.db_table} WHERE unit_id = {row}.unit_id)"  # nosec B608
    return (
        f"INSERT INTO {ACTIVITY} (unit_id, last_interaction_at)"  # nosec B608
        f" SELECT {row}.unit_id, {latest} WHERE TRUE"
        f" ON CONFLICT (unit_id) DO UPDATE SET last_interaction_at = excluded.last_interaction_at;"
        f"DELETE FROM {ACTIVITY} WHERE unit_id = {row}.unit_id AND last_interaction_at IS NULL;"
    )


def _answer_added(row: str) -> str:
    return (
        f"INSERT INTO {SURVEY} (unit_id, campaign_id, answers, satisfaction_total, recommend_total)"  # nosec B608
        f" VALUES ({row}.unit_id, {row}.campaign_id, 1, {row}.overall_satisfaction, {row}.recommend_score)"
        f" ON CONFLICT (unit_id, campaign_id) DO UPDATE SET answers = {SURVEY}.answers + 1,"
        f" satisfaction_total = {SURVEY}.satisfaction_total + excluded.satisfaction_total,"
        f" recommend_total = {SURVEY}.recommend_total + excluded.recommend_total;"
    )


def _answer_removed(row: str) -> str:
    where = f"unit_id = {row}.unit_id AND campaign_id = {row}.campaign_id"
    return (
        f"UPDATE {SURVEY} SET answers = answers - 1,"  # nosec B608
        f" satisfaction_total = satisfaction_total - {row}.overall_satisfaction,"
        f" recommend_total = recommend_total - {row}.recommend_score WHERE {where};"
        f"DELETE FROM {SURVEY} WHERE {where} AND answers = 0;"
    )


def _met(row: str) -> str:
    return f"CASE WHEN {row}.is_met THEN 1 ELSE 0 END"


def _measurement_added(row: str) -> str:
    return (
        f"INSERT INTO {ATTAINMENT} (unit_id, period_start, measurements, met)"  # nosec B608
        f" SELECT s.unit_id, {row}.period_start, 1, {_met(row)}"
        f" FROM {Subscription._meta.db_table} s WHERE s.id = {row}.subscription_id"
        f" ON CONFLICT (unit_id, period_start) DO UPDATE SET measurements = {ATTAINMENT}.measurements + 1,"
        f" met = {ATTAINMENT}.met + excluded.met;"
    )


def _measurement_removed(row: str) -> str:
    where = (
        f"period_start = {row}.period_start AND unit_id ="  # nosec B608
        f" (SELECT unit_id FROM {Subscription._meta.db_table} WHERE id = {row}.subscription_id)"
    )
    return (
        f"UPDATE {ATTAINMENT} SET measurements = measurements - 1, met = met - {_met(row)} WHERE {where};"  # nosec B608
        f"DELETE FROM {ATTAINMENT} WHERE {where} AND measurements = 0;"
    )


def _attainment_select(where: str = "") -> str:
    return (
        f"SELECT s.unit_id, m.period_start, count(*), sum(CASE WHEN m.is_met THEN 1 ELSE 0 END)"  # nosec B608
        f" FROM {Measurement._meta.db_table} m JOIN {Subscription._meta.db_table} s ON s.id = m.subscription_id"
        f" {where} GROUP BY s.unit_id, m.period_start"
    )


def _subscription_unit_read_again(row: str) -> str:
    # A subscription moved to another unit (rare): both units' attainment read again.
    return (
        f"DELETE FROM {ATTAINMENT} WHERE unit_id = {row}.unit_id;"  # nosec B608
        f"INSERT INTO {ATTAINMENT} (unit_id, period_start, measurements, met)"
        f" {_attainment_select(f'WHERE s.unit_id = {row}.unit_id')};"
    )


def _action_added(row: str) -> str:
    return (
        f"INSERT INTO {ACTIONS} (unit_id, due_on, open_actions)"  # nosec B608
        f" SELECT {row}.unit_id, {row}.due_on, 1 WHERE {row}.{ACTION_IS_OPEN}"
        f" ON CONFLICT (unit_id, due_on) DO UPDATE SET open_actions = {ACTIONS}.open_actions + 1;"
    )


def _action_removed(row: str) -> str:
    where = f"unit_id = {row}.unit_id AND due_on = {row}.due_on"
    return (
        f"UPDATE {ACTIONS} SET open_actions = open_actions - 1 WHERE {where} AND {row}.{ACTION_IS_OPEN};"  # nosec B608
        f"DELETE FROM {ACTIONS} WHERE {where} AND open_actions = 0;"
    )


@dataclass(frozen=True)
class Trigger:
    """What one source table's row changes do to the summaries: `removed` undoes an old row
    (update, delete), `added` counts a new one (insert, update)."""

    table: str
    columns: tuple[str, ...]  # an update of other columns changes no summary
    removed: Callable[[str], str]
    added: Callable[[str], str]
    # A subscription's inserts and deletes move no figure: its measurements' own do.
    on_insert_and_delete: bool = True


TRIGGERS = [
    Trigger(
        Escalation._meta.db_table, ("unit_id", "level", "status"), _escalation_removed, _escalation_added
    ),
    Trigger(
        Interaction._meta.db_table,
        ("unit_id", "occurred_at"),
        _interactions_read_again,
        _interactions_read_again,
    ),
    Trigger(
        SurveyResponse._meta.db_table,
        ("unit_id", "campaign_id", "overall_satisfaction", "recommend_score"),
        _answer_removed,
        _answer_added,
    ),
    Trigger(
        Measurement._meta.db_table,
        ("subscription_id", "period_start", "is_met"),
        _measurement_removed,
        _measurement_added,
    ),
    Trigger(FollowUpAction._meta.db_table, ("unit_id", "due_on", "status"), _action_removed, _action_added),
    Trigger(
        Subscription._meta.db_table,
        ("unit_id",),
        _subscription_unit_read_again,
        _subscription_unit_read_again,
        on_insert_and_delete=False,
    ),
]


def _name(trigger: Trigger) -> str:
    return f"{trigger.table}_summaries"


def _postgresql(trigger: Trigger) -> list[str]:
    name, columns = _name(trigger), ", ".join(trigger.columns)
    inserts, deletes = ("INSERT OR ", " OR DELETE") if trigger.on_insert_and_delete else ("", "")
    return [
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        f" IF TG_OP IN ('UPDATE', 'DELETE') THEN {trigger.removed('OLD')} END IF;"
        f" IF TG_OP IN ('INSERT', 'UPDATE') THEN {trigger.added('NEW')} END IF;"
        " RETURN NULL; END $$",
        f"DROP TRIGGER IF EXISTS {name} ON {trigger.table}",
        f"CREATE TRIGGER {name} AFTER {inserts}UPDATE OF {columns}{deletes} ON {trigger.table}"
        f" FOR EACH ROW EXECUTE FUNCTION {name}()",
    ]


def _sqlite(trigger: Trigger) -> list[str]:
    name, columns = _name(trigger), ", ".join(trigger.columns)
    statements = [
        f"DROP TRIGGER IF EXISTS {name}_update",
        f"CREATE TRIGGER {name}_update AFTER UPDATE OF {columns} ON {trigger.table}"
        f" BEGIN {trigger.removed('OLD')} {trigger.added('NEW')} END",
    ]
    if trigger.on_insert_and_delete:
        statements += [
            f"DROP TRIGGER IF EXISTS {name}_insert",
            f"CREATE TRIGGER {name}_insert AFTER INSERT ON {trigger.table} BEGIN {trigger.added('NEW')} END",
            f"DROP TRIGGER IF EXISTS {name}_delete",
            f"CREATE TRIGGER {name}_delete AFTER DELETE ON {trigger.table} BEGIN {trigger.removed('OLD')} END",
        ]
    return statements


def install_triggers(using=None) -> None:
    """Create (or replace) the triggers; run by migration, safe to run again."""
    conn = connection if using is None else using
    render = _postgresql if conn.vendor == "postgresql" else _sqlite
    with conn.cursor() as cursor:
        for trigger in TRIGGERS:
            for statement in render(trigger):
                cursor.execute(statement)


def drop_triggers(using=None) -> None:
    conn = connection if using is None else using
    with conn.cursor() as cursor:
        for trigger in TRIGGERS:
            if conn.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {_name(trigger)} ON {trigger.table}")
                cursor.execute(f"DROP FUNCTION IF EXISTS {_name(trigger)}()")
            else:
                for event in ("insert", "update", "delete"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {_name(trigger)}_{event}")


# From scratch: what each summary table must hold, as (table, columns, SELECT).
FROM_SCRATCH = [
    (
        ACTIVITY,
        "unit_id, last_interaction_at",
        f"SELECT unit_id, max(occurred_at) FROM {Interaction._meta.db_table} GROUP BY unit_id",  # nosec B608
    ),
    (
        ESCALATIONS,
        "unit_id, level, open_escalations",
        f"SELECT unit_id, level, count(*) FROM {Escalation._meta.db_table}"  # nosec B608
        f" WHERE {ESCALATION_IS_OPEN} GROUP BY unit_id, level",
    ),
    (
        SURVEY,
        "unit_id, campaign_id, answers, satisfaction_total, recommend_total",
        f"SELECT unit_id, campaign_id, count(*), sum(overall_satisfaction), sum(recommend_score)"  # nosec B608
        f" FROM {SurveyResponse._meta.db_table} GROUP BY unit_id, campaign_id",
    ),
    (ATTAINMENT, "unit_id, period_start, measurements, met", _attainment_select()),
    (
        ACTIONS,
        "unit_id, due_on, open_actions",
        f"SELECT unit_id, due_on, count(*) FROM {FollowUpAction._meta.db_table}"  # nosec B608
        f" WHERE {ACTION_IS_OPEN} GROUP BY unit_id, due_on",
    ),
]


def rebuild(using=None) -> None:
    """Every summary computed again from the rows beneath it, in one transaction."""
    conn = connection if using is None else using
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        for table, columns, select in FROM_SCRATCH:
            cursor.execute(f"DELETE FROM {table}")  # nosec B608
            cursor.execute(f"INSERT INTO {table} ({columns}) {select}")


def differences(using=None) -> dict[str, int]:
    """Rows that differ between each kept summary and a computation from scratch (missing,
    extra or with other figures), by table; empty when every summary is right."""
    conn = connection if using is None else using

    def rows(cursor):
        # SQLite returns a computed date as text and a column's as a datetime: compare as text.
        return {
            tuple(str(value) if isinstance(value, datetime.date) else value for value in row)
            for row in cursor
        }

    found = {}
    with conn.cursor() as cursor:
        for table, columns, select in FROM_SCRATCH:
            cursor.execute(f"SELECT {columns} FROM {table}")  # nosec B608
            kept = rows(cursor)
            cursor.execute(select)
            expected = rows(cursor)
            if kept != expected:
                found[table] = len(kept ^ expected)
    return found


@dataclass
class SubtreeFigures:
    """A unit's health inputs with its sub-units included."""

    unit_id: int
    satisfaction: float | None = None
    attainment: float | None = None
    open_escalations: int = 0
    escalation_weight: int = 0
    last_interaction: datetime.datetime | None = None
    overdue_actions: int = 0


class _Totals:
    """One unit's summary rows added up, then its sub-units' totals added to them."""

    __slots__ = (
        "open_escalations",
        "escalation_weight",
        "last_interaction",
        "measurements",
        "met",
        "overdue",
        "answers",
    )

    def __init__(self):
        self.open_escalations = self.escalation_weight = self.measurements = self.met = self.overdue = 0
        self.last_interaction = None
        self.answers = {}  # campaign's rank (newest highest) -> [answers, satisfaction total]

    def add(self, other: "_Totals") -> None:
        self.open_escalations += other.open_escalations
        self.escalation_weight += other.escalation_weight
        self.measurements += other.measurements
        self.met += other.met
        self.overdue += other.overdue
        if other.last_interaction is not None and (
            self.last_interaction is None or other.last_interaction > self.last_interaction
        ):
            self.last_interaction = other.last_interaction
        for campaign, (answers, total) in other.answers.items():
            sums = self.answers.setdefault(campaign, [0, 0])
            sums[0] += answers
            sums[1] += total

    def figures(self, unit_id: int) -> SubtreeFigures:
        # Satisfaction is that of the subtree's newest campaign with an answer: the answers
        # are keyed by the campaign's rank, oldest first.
        answers, total = self.answers[max(self.answers)] if self.answers else (0, 0)
        return SubtreeFigures(
            unit_id,
            total / answers if answers else None,
            100.0 * self.met / self.measurements if self.measurements else None,
            self.open_escalations,
            self.escalation_weight,
            self.last_interaction,
            self.overdue,
        )


# Above this many units the subtrees' condition on paths is read again instead (the whole
# organisation is one root's range; a list of two thousand ids plans slower than that).
IDS_AT_MOST = 500


def subtree_figures(
    units, *, today: datetime.date, attainment_since: datetime.date, surveys_since: datetime.datetime
) -> dict[int, SubtreeFigures]:
    """Figures per unit id for `units` (BusinessUnits with `path`), each over its subtree, in
    seven queries however many units and rows: the units below the asked ones, the
    campaigns of the period, then each summary of those units once (summed per unit where the database can). Each unit's
    totals are added to its parent's, deepest first, so every unit is added up once."""
    asked = {unit.pk: unit.path for unit in units}
    if not asked:
        return {}
    # The topmost asked units' subtrees hold the others': in path order, a unit below an
    # earlier top comes right after it, so one pass finds the tops.
    below, top = Q(), None
    for path in sorted(asked.values()):
        if top is None or not path.startswith(top):
            top = path
            below |= Q(path__within=top)
    subtrees = BusinessUnit.objects.filter(below)
    tree = list(subtrees.values_list("pk", "parent_id", "depth"))
    totals = {unit_id: _Totals() for unit_id, _, _ in tree}
    if len(totals) <= IDS_AT_MOST:
        # A portfolio of units scattered over the tree is as many ORed path conditions: its
        # ids, once read, are cheaper for Django and PostgreSQL to plan five more times.
        subtrees = list(totals)

    for unit_id, latest in UnitActivitySummary.objects.filter(unit_id__in=subtrees).values_list(
        "unit_id", "last_interaction_at"
    ):
        totals[unit_id].last_interaction = latest
    for unit_id, level, count in OpenEscalationsSummary.objects.filter(unit_id__in=subtrees).values_list(
        "unit_id", "level", "open_escalations"
    ):
        totals[unit_id].open_escalations += count
        totals[unit_id].escalation_weight += count * level
    for unit_id, count, met in (
        AttainmentSummary.objects.filter(unit_id__in=subtrees, period_start__gte=attainment_since)
        .values("unit_id")
        .annotate(count=Sum("measurements"), met=Sum("met"))
        .values_list("unit_id", "count", "met")
    ):
        totals[unit_id].measurements, totals[unit_id].met = count, met
    for unit_id, count in (
        OpenActionsSummary.objects.filter(unit_id__in=subtrees, due_on__lt=today)
        .values("unit_id")
        .annotate(count=Sum("open_actions"))
        .values_list("unit_id", "count")
    ):
        totals[unit_id].overdue = count
    # The campaigns ranked once, so that the rows are integers (thousands of them: no date
    # to convert on each) and the newest of a subtree is the highest rank.
    rank = {
        campaign_id: position
        for position, campaign_id in enumerate(
            SurveyCampaign.objects.filter(opens_at__gte=surveys_since)
            .order_by("opens_at", "pk")
            .values_list("pk", flat=True)
        )
    }
    for unit_id, campaign_id, answers, total in SurveySummary.objects.filter(
        unit_id__in=subtrees, campaign_id__in=list(rank)
    ).values_list("unit_id", "campaign_id", "answers", "satisfaction_total"):
        totals[unit_id].answers[rank[campaign_id]] = [answers, total]

    for unit_id, parent_id, _ in sorted(tree, key=lambda row: -row[2]):
        if parent_id in totals:
            totals[parent_id].add(totals[unit_id])
    return {unit_id: totals[unit_id].figures(unit_id) for unit_id in asked}


def open_escalations_by_level(units) -> dict[int, int]:
    """{level: open escalations} of `units` (a queryset: the units themselves, not their
    subtrees), from one query over their summary rows."""
    return dict(
        OpenEscalationsSummary.objects.filter(unit__in=units)
        .values("level")
        .annotate(count=Sum("open_escalations"))
        .values_list("level", "count")
    )


def overdue_actions_count(units, *, today: datetime.date) -> int:
    """Open follow-up actions of `units` due before `today`, from their summary rows."""
    return (
        OpenActionsSummary.objects.filter(unit__in=units, due_on__lt=today).aggregate(
            count=Sum("open_actions")
        )["count"]
        or 0
    )


def open_escalations_count(where: Q) -> int:
    """Open escalations matching `where`, a condition on `level` and `unit` written as for
    an escalation, from one query over the summary rows."""
    return OpenEscalationsSummary.objects.filter(where).aggregate(count=Sum("open_escalations"))["count"] or 0
