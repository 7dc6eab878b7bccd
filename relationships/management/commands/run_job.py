from django.core.management.base import BaseCommand, CommandError

from notifications.mail import email_flush_pending
from relationships.jobs import JOBS


def _flush():
    return email_flush_pending()


COMMANDS = {**JOBS, "email_flush": (_flush, "Send e-mails still waiting in the outbox.")}


class Command(BaseCommand):
    help = "Run one periodic job now, in this process (what Celery beat runs on its schedule)."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="The job to run; leave out to list them.")
        parser.add_argument(
            "--inline",
            action="store_true",
            help="Run the tasks it queues (e-mail sending) in this process instead of on a worker.",
        )

    def handle(self, *args, name=None, inline=False, **options):
        if not name:
            self.stdout.write("Jobs:")
            for job, (_, description) in COMMANDS.items():
                self.stdout.write(f"  {job:<26} {description}")
            return
        if name not in COMMANDS:
            raise CommandError(f"Unknown job {name!r}. Choose one of: {', '.join(COMMANDS)}.")
        function, _ = COMMANDS[name]
        if inline:
            from celery import current_app

            current_app.conf.task_always_eager = True
        result = function()
        self.stdout.write(self.style.SUCCESS(f"{name}: {result}"))
