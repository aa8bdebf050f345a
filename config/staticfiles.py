"""Static files for production: WhiteNoise's compressed, hashed (cache-busting) storage."""

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's storage, tolerant of CSS that names files its package does not ship.

    viewflow's bundled roboto-fontface.css refers to font weights (Roboto-Thin.woff2, ...) that
    are not in the package, and the strict post-processing of `collectstatic` then fails
    outright. Such a reference is left as it is (the browser gets a 404 for a font the pages
    never use); every file that exists is hashed and compressed as usual.

    Every page draws a dozen {% static %} addresses (viewflow's shell and ours), and each costs
    a manifest look-up, a URL split, join and unquote. The manifest is read once, when the
    storage is created, so a name's address cannot change for the life of the storage: it is
    remembered after the first time.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def hashed_name(self, name, content=None, filename=None):
        try:
            return super().hashed_name(name, content, filename)
        except ValueError:
            if content is not None:
                raise
            return name

    def url(self, name, force=False):
        # DEBUG (unhashed addresses) and force are rare and left to Django; a name missing from
        # the manifest raises each time, as before, and is not remembered.
        if force or settings.DEBUG:
            return super().url(name, force)
        try:
            return self._urls[name]
        except KeyError:
            url = self._urls[name] = super().url(name)
            return url

    def post_process(self, *args, **kwargs):
        # collectstatic rewrites the manifest in this very storage: forget what it answered before.
        self._urls.clear()
        yield from super().post_process(*args, **kwargs)
        self._urls.clear()
