"""Static files in production: WhiteNoise's compressed, hashed storage, tolerant of third-party
CSS that names files its package does not ship.

viewflow's bundled roboto-fontface.css points at font weights (Roboto-Thin.woff2, …) that are
not in the package; ManifestStaticFilesStorage refuses the whole `collectstatic` over them.
Such a reference is left as it is (the browser falls back to another weight); a missing file
that our own code names still fails at `{% static %}` (manifest_strict).
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def hashed_name(self, name, content=None, filename=None):
        try:
            return super().hashed_name(name, content, filename)
        except ValueError:
            if content is not None:
                raise
            # Only a reference from inside a collected CSS file gets here without content.
            return name
