"""The static files storage of collected files (make run and make serve)."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class CollectedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's compressed, hashed files, with hashed URLs under DEBUG too (make run).

    Django hands out the unhashed name while DEBUG is on; a hashed URL is what lets WhiteNoise send
    a year's immutable Cache-Control, so a page load asks the server only for the page.
    """

    def url(self, name: str | None, force: bool = False) -> str:
        return super().url(name, force=True)
