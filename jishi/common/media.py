"""The public folders of the uploads (a project's progress photos, an outreach site's
pictures), served by the app in every mode: the demo has no web server in front of it, and
behind one the proxy may serve the same folders itself. Nothing else under media is reachable
here: case attachments and exports go through views that check who is asking."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, HttpRequest
from django.urls import re_path
from django.views.static import serve

PUBLIC_FOLDERS = ("projects/photos", "outreach/sites")


def public_media(request: HttpRequest, path: str) -> FileResponse:
    response = serve(request, path, document_root=str(settings.MEDIA_ROOT))
    response["Cache-Control"] = "public, max-age=86400"
    return response


urlpatterns = [
    re_path(
        rf"^media/(?P<path>(?:{'|'.join(PUBLIC_FOLDERS)})/[^/]+/[^/]+/[^/]+)$",
        public_media,
        name="public_media",
    )
]
