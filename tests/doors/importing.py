"""The two import doors, as a person (the import page) and a tool (the import API) use them."""

import re
from urllib.parse import unquote

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse


def through_import_page(client, *, kind: str, filename: str, text: str) -> bool:
    """Upload the file on the import page and confirm all of it, as a person would."""
    upload = client.post(
        reverse("imports:start"), {"kind": kind, "file": SimpleUploadedFile(filename, text.encode())}
    )
    if upload.status_code != 302 or "upload=" not in upload["Location"]:
        return False
    token = unquote(re.search(r"upload=([^&]+)", upload["Location"]).group(1))
    done = client.post(reverse("imports:confirm", args=[kind]), {"upload": token, "mode": "all"})
    return done.status_code == 200


def through_import_api(api, *, kind: str, filename: str, text: str) -> bool:
    """POST the file to the import API, as a tool would; True if all of it was committed."""
    file = SimpleUploadedFile(filename, text.encode())
    response = api.post(f"/api/v1/imports/{kind}/", {"file": file}, format="multipart")
    return response.status_code == 200 and response.json()["committed"]
