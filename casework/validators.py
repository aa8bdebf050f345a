"""Validators for Chinese identifiers: resident ID (GB 11643) and unified social credit code
(GB 32100). Both carry a check character that catches most typing errors."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def resident_id_is_valid(value: str) -> bool:
    if len(value) != 18 or not value[:17].isdigit() or not value[:17].isascii():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17].upper()


def credit_code_is_valid(value: str) -> bool:
    value = value.upper()
    if len(value) != 18 or any(char not in _USCC_ALPHABET for char in value):
        return False
    total = sum(_USCC_ALPHABET.index(char) * weight for char, weight in zip(value[:17], _USCC_WEIGHTS, strict=True))
    check = (31 - total % 31) % 31
    return _USCC_ALPHABET[check] == value[17]


def validate_party_identifier(kind: str, value: str) -> None:
    if kind == "organisation":
        if not credit_code_is_valid(value):
            raise ValidationError(
                _("%(value)s is not a valid unified social credit code: check the 18 characters and the last (check) character."),
                code="invalid_credit_code",
                params={"value": value},
            )
    elif not resident_id_is_valid(value):
        raise ValidationError(
            _("%(value)s is not a valid resident ID number: it must be 18 characters and the last (check) digit must match."),
            code="invalid_resident_id",
            params={"value": value},
        )
