"""Uploaded import files, kept on the server between their preview and the confirmation.

The browser holds only a signed token naming the file, the person and the kind of import;
the confirmation reads the rows from the server's copy, never from the browser. A file
lives under `var/imports/` for BRM_IMPORT_UPLOAD_MAX_AGE_MINUTES and is removed once
imported, or by the next upload after it expired.
"""

import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core import signing

from core.domain import DomainError

SALT = "brm.imports.pending-upload"


class UploadExpired(DomainError):
    """The token is forged, belongs to someone else, or its file is gone."""


@dataclass(frozen=True)
class PendingUpload:
    token: str
    kind: str
    filename: str
    content: bytes


def _upload_dir() -> Path:
    path = Path(settings.VAR_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _max_age_seconds() -> int:
    return settings.BRM_IMPORT_UPLOAD_MAX_AGE_MINUTES * 60


def _purge_expired(directory: Path) -> None:
    cutoff = time.time() - _max_age_seconds()
    for path in directory.glob("*.upload"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:  # another process removed it first
            pass


def pending_upload_save(*, content: bytes, filename: str, kind: str, user) -> str:
    """Keeps the file and returns the token that names it."""
    directory = _upload_dir()
    _purge_expired(directory)
    file_id = secrets.token_hex(16)
    (directory / f"{file_id}.upload").write_bytes(content)
    return signing.dumps({"id": file_id, "user": user.pk, "kind": kind, "name": filename[-200:]}, salt=SALT)


def pending_upload_get(*, token: str, kind: str, user) -> PendingUpload:
    try:
        data = signing.loads(token, salt=SALT, max_age=_max_age_seconds())
    except signing.SignatureExpired as exc:
        raise UploadExpired("This upload has expired: upload the file again.") from exc
    except signing.BadSignature as exc:
        raise UploadExpired("This upload is not known: upload the file again.") from exc
    if data.get("user") != user.pk or data.get("kind") != kind:
        raise UploadExpired("This upload is not known: upload the file again.")
    path = _upload_dir() / f"{data['id']}.upload"
    try:
        content = path.read_bytes()
    except FileNotFoundError as exc:
        raise UploadExpired("This file was imported already or has expired: upload it again.") from exc
    return PendingUpload(token=token, kind=kind, filename=data["name"], content=content)


def pending_upload_delete(*, token: str) -> None:
    """Removes the file of a token already checked by pending_upload_get."""
    data = signing.loads(token, salt=SALT)
    (_upload_dir() / f"{data['id']}.upload").unlink(missing_ok=True)
