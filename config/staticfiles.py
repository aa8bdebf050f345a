"""Static files for production: WhiteNoise's compressed, hashed (cache-busting) storage."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's storage, tolerant of CSS that names files its package does not ship.

    viewflow's bundled roboto-fontface.css refers to font weights (Roboto-Thin.woff2, ...) that
    are not in the package, and the strict post-processing of `collectstatic` then fails
    outright. Such a reference is left as it is (the browser gets a 404 for a font the pages
    never use); every file that exists is hashed and compressed as usual.
    """

    def hashed_name(self, name, content=None, filename=None):
        try:
            return super().hashed_name(name, content, filename)
        except ValueError:
            if content is not None:
                raise
            return name
