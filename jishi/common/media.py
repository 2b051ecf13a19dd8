"""The public folders of the uploads (a project's progress photos, an outreach site's
pictures), served by the app in every mode: the demo has no web server in front of it, and
behind one the proxy may serve the same folders itself. Nothing else under media is reachable
here: case attachments and exports go through views that check who is asking."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest
from django.urls import re_path
from django.views.static import serve

PUBLIC_FOLDERS = ("projects/photos", "outreach/sites")
# Only pictures are published: the type is guessed from the name, so anything else kept in
# these folders (a file stored before the uploads were re-encoded) must not be served as,
# say, a page of this site.
PICTURES = (".jpg", ".jpeg", ".png", ".webp", ".gif")


def public_media(request: HttpRequest, path: str) -> FileResponse:
    if not path.lower().endswith(PICTURES):
        raise Http404("不是公开的图片")
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
