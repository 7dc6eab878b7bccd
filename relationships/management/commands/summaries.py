"""`manage.py summaries check` compares every kept summary with a computation from scratch
and fails when one differs; `manage.py summaries rebuild` computes them all again (after
restoring a dump taken without triggers, say). See relationships/summaries.py."""

from django.core.management.base import BaseCommand, CommandError

from relationships import summaries


class Command(BaseCommand):
    help = "Check the health summaries against the rows beneath them, or rebuild them."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["check", "rebuild"])

    def handle(self, *args, action, **options):
        if action == "rebuild":
            summaries.rebuild()
            self.stdout.write("Summaries rebuilt.")
            return
        differing = summaries.differences()
        if differing:
            listed = ", ".join(f"{table}: {count} rows" for table, count in differing.items())
            raise CommandError(
                f"Summaries differ from their rows: {listed}. Run `manage.py summaries rebuild`."
            )
        self.stdout.write("Every summary agrees with the rows beneath it.")
