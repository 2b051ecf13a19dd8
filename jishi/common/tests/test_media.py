"""Public photos are served with debug off (as the demo and a bare deployment run); other
uploads are not reachable by URL, and paths cannot climb out of the public folders."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client, override_settings

GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00"
    b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


@pytest.fixture
def media(tmp_path: Path) -> Path:
    for folder in ("projects/photos/2026/12", "outreach/sites/2026/12", "attachments/ab"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "projects/photos/2026/12/site.gif").write_bytes(GIF)
    (tmp_path / "outreach/sites/2026/12/hall.gif").write_bytes(GIF)
    (tmp_path / "attachments/ab/abc.gif").write_bytes(GIF)
    return tmp_path


def test_public_photos_are_served_without_debug(media: Path, client: Client) -> None:
    with override_settings(MEDIA_ROOT=media, DEBUG=False):
        for url in (
            "/media/projects/photos/2026/12/site.gif",
            "/media/outreach/sites/2026/12/hall.gif",
        ):
            response = client.get(url)
            assert response.status_code == 200, url
            assert response["Content-Type"] == "image/gif"
            assert b"".join(response.streaming_content) == GIF  # type: ignore[attr-defined]


def test_other_uploads_and_climbing_paths_are_not(media: Path, client: Client) -> None:
    with override_settings(MEDIA_ROOT=media, DEBUG=False):
        for url in (
            "/media/attachments/ab/abc.gif",
            "/media/projects/photos/2026/12/missing.gif",
            "/media/projects/photos/2026/../../../attachments/ab/abc.gif",
            "/media/projects/photos/2026/12/%2e%2e%2fabc.gif",
        ):
            assert client.get(url).status_code == 404, url


def test_only_pictures_are_published_from_the_public_folders(media: Path, client: Client) -> None:
    """A page stored in a public folder (an upload kept before photos were re-encoded) is not
    served: its type would be guessed from its name, and it would run as this site's page."""
    (media / "projects/photos/2026/12/x.html").write_bytes(b"<script>alert(1)</script>")
    (media / "outreach/sites/2026/12/x.svg").write_bytes(b"<svg onload='alert(1)'/>")
    with override_settings(MEDIA_ROOT=media, DEBUG=False):
        for url in ("/media/projects/photos/2026/12/x.html", "/media/outreach/sites/2026/12/x.svg"):
            assert client.get(url).status_code == 404, url
        assert client.get("/media/projects/photos/2026/12/site.gif").status_code == 200
