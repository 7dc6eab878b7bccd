"""POST /api/v1/imports/<kind>/: the spreadsheet import of the staff pages, in one call.

The same importers, rules and rights as the import pages (core/importing.py): `dry_run`
previews and writes nothing; otherwise every line is imported in one transaction when all
are valid, or only the valid lines with `valid_only`. A file with errors and neither option
imports nothing and answers 400 with the same line-by-line report.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import IsStaff
from api.schema import ERROR_BODY
from core.domain import DomainPermissionError
from core.importing import ImportFileError, importers, read_upload

ACTIONS = ["create", "update", "unchanged", "error"]


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="The CSV (UTF-8, comma or semicolon separated) or Excel (.xlsx) file, with a "
        "header line; the file name's extension tells which. A template per kind: "
        "/imports/<kind>/template.csv (or .xlsx), signed in as staff."
    )
    dry_run = serializers.BooleanField(default=False, help_text="Only preview: write nothing.")
    valid_only = serializers.BooleanField(
        default=False, help_text="Import the valid lines and leave out the rejected ones."
    )


class ImportChangeSerializer(serializers.Serializer):
    old = serializers.CharField()
    new = serializers.CharField()


class ImportLineSerializer(serializers.Serializer):
    line = serializers.IntegerField(
        help_text="The line number as a spreadsheet shows it: the header is line 1."
    )
    action = serializers.ChoiceField(choices=ACTIONS, help_text="What the line does (or would do).")
    label = serializers.CharField(help_text="What the line is about, for a person.")
    errors = serializers.ListField(
        child=serializers.CharField(), help_text="Why a rejected line is rejected."
    )
    changes = serializers.DictField(
        child=ImportChangeSerializer(),
        help_text="For an update: the old and new value of each field that changes.",
    )


class ImportCountsSerializer(serializers.Serializer):
    create = serializers.IntegerField()
    update = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    error = serializers.IntegerField()


class ImportResultSerializer(serializers.Serializer):
    kind = serializers.CharField()
    dry_run = serializers.BooleanField()
    committed = serializers.BooleanField(help_text="Whether anything was written.")
    is_valid = serializers.BooleanField(help_text="Whether every line is valid.")
    counts = ImportCountsSerializer()
    lines = ImportLineSerializer(many=True)


def _report_data(report, *, dry_run: bool) -> dict:
    return {
        "kind": report.kind,
        "dry_run": dry_run,
        "committed": report.committed,
        "is_valid": report.is_valid,
        "counts": report.counts,
        "lines": [
            {
                "line": line.line,
                "action": line.action,
                "label": line.label,
                "errors": line.errors,
                "changes": {name: {"old": old, "new": new} for name, (old, new) in line.changes.items()},
            }
            for line in report.lines
        ],
    }


class ImportView(APIView):
    permission_classes = [IsStaff]
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="imports_create",
        summary="Import units, contacts, services, subscriptions or measurements from a spreadsheet",
        description=(
            "Services (with their targets) are imported by IT management; units, contacts, "
            "subscriptions and measurements by IT staff into the units they may change (a line "
            "that would change another unit, or add a unit under it, is rejected). Importing the "
            "same file again changes nothing."
        ),
        parameters=[
            OpenApiParameter(
                "kind",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                enum=list(importers()),
                description="What the file holds.",
            )
        ],
        request={"multipart/form-data": ImportRequestSerializer},
        responses={
            200: ImportResultSerializer,
            400: OpenApiResponse(
                ERROR_BODY,
                description="A file that cannot be read (`detail`, `file`), or lines with errors and "
                "neither `dry_run` nor `valid_only`: nothing imported, with the report of every line.",
            ),
            415: OpenApiResponse(ERROR_BODY, description="Send the file as multipart/form-data."),
        },
    )
    def post(self, request, kind):
        importer = importers().get(kind)
        if importer is None:
            raise NotFound("No such import.")
        if not importer.allowed_for(request.user):
            raise DomainPermissionError(f"You may not import {importer.title.lower()}.")
        serializer = ImportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload = data["file"]
        try:
            report = importer(by=request.user).run(
                content=read_upload(upload),
                filename=upload.name,
                commit=not data["dry_run"],
                skip_invalid=data["valid_only"],
            )
        except ImportFileError as error:
            raise ImportFileError(error.message, field="file") from error
        body = _report_data(report, dry_run=data["dry_run"])
        if not data["dry_run"] and not report.committed:
            errors = report.counts["error"]
            body["detail"] = (
                f"Nothing imported: {errors} line{'s' if errors != 1 else ''} with errors. Fix them, "
                "or send valid_only=true to import the valid lines alone."
            )
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(body)
