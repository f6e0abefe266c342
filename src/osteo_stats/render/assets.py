"""Where the report templates live, and the only URL fetcher WeasyPrint is given.

Data are hostile text. Even though every value is HTML-escaped, the PDF renderer is given a
fetcher that can read nothing but the package's own template assets (CSS, fonts, images in the
templates directory): no network, no ``file://`` outside that directory, no ``data:`` URLs.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

# Where the templates are is known without WeasyPrint (html.py), which only the PDF layout imports.
from osteo_stats.render.html import templates_dir

__all__ = ["ASSET_TYPES", "AssetRefused", "TemplateAssetFetcher", "templates_dir"]

#: File types a template may reference.
ASSET_TYPES: dict[str, str] = {
    ".css": "text/css",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}


class AssetRefused(ValueError):
    """A URL outside the package's template assets was requested while rendering."""


class TemplateAssetFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves only files inside ``root`` with an asset type.

    Everything else raises :class:`AssetRefused`; WeasyPrint then logs a warning and renders
    without the resource. Refused URLs are kept in :attr:`refused` so callers and tests can see
    what the document tried to load.
    """

    def __init__(self, root: Path | None = None) -> None:
        # No handlers are used: fetch() below never calls urllib.
        super().__init__(timeout=1, allowed_protocols=("file",), allow_redirects=False)
        self.root = (root or templates_dir()).resolve()
        self.refused: list[str] = []

    def resolve(self, url: str) -> Path:
        """The asset file ``url`` names; raises :class:`AssetRefused` for anything else."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise AssetRefused(f"refused to fetch {url!r}: only template assets are served")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.root):
            raise AssetRefused(f"refused to fetch {url!r}: outside the report templates")
        if path.suffix.lower() not in ASSET_TYPES or not path.is_file():
            raise AssetRefused(f"refused to fetch {url!r}: not a template asset")
        return path

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        try:
            path = self.resolve(url)
        except AssetRefused:
            self.refused.append(url)
            raise
        return URLFetcherResponse(
            path.as_uri(),
            path.read_bytes(),
            headers={"Content-Type": ASSET_TYPES[path.suffix.lower()]},
        )
