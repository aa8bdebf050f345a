"""Optional second factor (TOTP authenticator apps) for supervisors and above."""

from __future__ import annotations

import time

import pyotp
import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.errors import InvalidInput, NotAllowed
from casework.models import Role, User
from casework.models.security import TotpDevice

TOTP_ROLES = frozenset({Role.SUPERVISOR, Role.LEGAL_REVIEWER, Role.HEAD_OF_OFFICE, Role.ADMINISTRATOR})
# A code from the previous or the next 30-second step is accepted too (phone clocks drift).
VALID_WINDOW = 1


def totp_may_enrol(user: User) -> bool:
    """Supervisors and above may protect their sign-in with an authenticator app."""
    return user.is_authenticated and bool(user.roles & TOTP_ROLES)


def totp_new_secret() -> str:
    return pyotp.random_base32()


def totp_provisioning_svg(*, user: User, secret: str) -> str:
    """The enrolment QR code as inline SVG (made here, no outside service involved)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=settings.OFFICE_NAME)
    return segno.make(uri, error="m").svg_inline(scale=5, border=2)


def _matching_step(secret: str, code: str, at: float) -> int | None:
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    step = int(at) // totp.interval
    for candidate in range(step - VALID_WINDOW, step + VALID_WINDOW + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(candidate), code):
            return candidate
    return None


@transaction.atomic
def totp_enrol(*, user: User, secret: str, code: str) -> TotpDevice:
    """Confirm an authenticator app: the code it shows proves it holds the secret."""
    if not totp_may_enrol(user):
        raise NotAllowed(_("Two-factor sign-in is offered to supervisors and above."))
    if TotpDevice.objects.filter(user=user).exists():
        raise NotAllowed(_("Two-factor sign-in is already on; an administrator can reset it."))
    step = _matching_step(secret, code, time.time())
    if step is None:
        raise InvalidInput(_("The code is not correct. Check the phone's time and enter the current code."),
                           fields={"code": [_("Wrong code.")]})
    return TotpDevice.objects.create(user=user, secret=secret, confirmed_at=timezone.now(), last_used_step=step)


@transaction.atomic
def totp_check(*, user: User, code: str) -> bool:
    """Is the code right for the user's device? Each code is accepted once only."""
    device = TotpDevice.objects.select_for_update().filter(user=user).first()
    if device is None:
        return False
    step = _matching_step(device.secret, code, time.time())
    if step is None or step <= device.last_used_step:
        return False
    device.last_used_step = step
    device.save(update_fields=["last_used_step"])
    return True


@transaction.atomic
def totp_reset(*, user: User, actor: User) -> bool:
    """An administrator removes a user's device (lost phone); returns whether one existed."""
    if not actor.has_role(Role.ADMINISTRATOR):
        raise NotAllowed(_("Only an administrator can reset two-factor sign-in."))
    deleted, _rows = TotpDevice.objects.filter(user=user).delete()
    return deleted > 0
