from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.domain import DomainError
from core.importing import importers


class Command(BaseCommand):
    help = (
        "Import units, contacts, services, subscriptions or measurements from a CSV or Excel file. Without --commit it only "
        "previews what each line would do. Use --template to print the file's template."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(importers()))
        parser.add_argument("file", nargs="?", help="a .csv or .xlsx file")
        parser.add_argument("--user", help="the staff user the import acts as (their rights apply)")
        parser.add_argument("--commit", action="store_true", help="write the changes (default: preview)")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="with --commit: import the valid lines only"
        )
        parser.add_argument("--template", action="store_true", help="print a template CSV and stop")

    def handle(self, *args, kind, file, user, commit, skip_invalid, template, **options):
        importer_class = importers()[kind]
        if template:
            self.stdout.write(importer_class.template(), ending="")
            return
        if not file:
            raise CommandError("Name the file to import.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        by = get_user_model().objects.filter(username=user, is_staff=True).first() if user else None
        if by is None:
            raise CommandError("Name an existing staff user with --user: the import acts with their rights.")
        try:
            report = importer_class(by=by).run(
                content=path.read_bytes(), filename=path.name, commit=commit, skip_invalid=skip_invalid
            )
        except DomainError as error:
            raise CommandError(error.message) from error
        for line in report.lines:
            if line.action == "error":
                self.stdout.write(
                    self.style.ERROR(f"line {line.line}: {line.label}: {' '.join(line.errors)}")
                )
            elif line.action != "unchanged" and options["verbosity"] > 1:
                self.stdout.write(f"line {line.line}: {line.action} {line.label}")
        counts = ", ".join(f"{n} {action}" for action, n in report.counts.items())
        if report.committed:
            self.stdout.write(self.style.SUCCESS(f"Imported: {counts}."))
        elif commit:
            raise CommandError(
                f"Nothing imported, the file has errors ({counts}). Fix them or use --skip-invalid."
            )
        else:
            self.stdout.write(f"Preview (nothing written): {counts}. Run again with --commit to import.")
