from dateutil.relativedelta import relativedelta
from django.db import migrations, models


def plan_impossible_reviews_as_signing_would(apps, schema_editor):
    """A next review before the start could be saved until now; it becomes the first
    review signing plans (one interval after the start), so the constraint can hold."""
    Agreement = apps.get_model("services", "Agreement")
    for agreement in Agreement.objects.filter(next_review_on__lt=models.F("valid_from")):
        agreement.next_review_on = agreement.valid_from + relativedelta(months=agreement.review_interval_months)
        agreement.save(update_fields=["next_review_on"])


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0006_contact_email_lower_index"),
        ("services", "0003_measurement_attainment_index"),
    ]

    operations = [
        migrations.RunPython(plan_impossible_reviews_as_signing_would, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="agreement",
            constraint=models.CheckConstraint(
                condition=models.Q(("next_review_on__isnull", True), ("next_review_on__gte", models.F("valid_from")), _connector="OR"),
                name="agreement_review_not_before_start",
                violation_error_message="The next review cannot come before the agreement starts.",
            ),
        ),
        migrations.AlterConstraint(
            model_name="agreement",
            name="agreement_review_interval_range",
            constraint=models.CheckConstraint(
                condition=models.Q(("review_interval_months__gte", 1), ("review_interval_months__lte", 60)),
                name="agreement_review_interval_range",
                violation_error_message="Review between every 1 and every 60 months.",
            ),
        ),
    ]
