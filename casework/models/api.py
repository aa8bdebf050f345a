from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A key for the JSON API (`Authorization: Token <key>`).

    Only a SHA-256 digest of the key is stored: the key itself is shown once, when issued.
    `password_fingerprint` is the user's session hash at issue (an HMAC of the password hash,
    as Django binds sessions to passwords), so a token stops working as soon as the password
    changes, whichever way it was changed: the password-change page, a reset, the admin, the
    shell.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("person")
    )
    key_digest = models.CharField(_("key digest"), max_length=64, unique=True)
    prefix = models.CharField(_("key prefix"), max_length=8, help_text=_("The key's first characters, to recognise it."))
    password_fingerprint = models.CharField(_("password fingerprint"), max_length=128)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}…"
