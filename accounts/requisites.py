"""Checks of Russian requisites (DESIGN.md §13): lengths and check digits, each refusal
naming its field in Russian. INN and OGRN/OGRNIP through python-stdnum; the bank
account key (the BIK-based control digit) is not in stdnum, so it is computed here by the
Central Bank's rule (Положение ЦБ РФ № 385-П: weights 7, 1, 3 over the 23 digits)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidLength, ValidationError
from stdnum.ru import inn as stdnum_inn
from stdnum.ru import ogrn as stdnum_ogrn

from config.errors import ValidationError as DomainValidationError

_WEIGHTS = (7, 1, 3)


def _digits(value: str) -> str:
    # People paste numbers with spaces or dashes from bank letters.
    return "".join(value.split()).replace("-", "")


def account_key_ok(*, bik: str, account: str, correspondent: bool = False) -> bool:
    """Whether a 20-digit account passes the BIK-based key check: a settlement account is
    checked with the BIK's last three digits before it, a correspondent account with «0»
    and the BIK's 5th and 6th digits (the settlement centre). The sum of the last digits of
    the products by 7, 1, 3, … is a multiple of 10."""
    prefix = "0" + bik[4:6] if correspondent else bik[-3:]
    number = prefix + account
    total = sum((int(d) * _WEIGHTS[i % 3]) % 10 for i, d in enumerate(number))
    return total % 10 == 0


def inn_clean(value: str, *, field: str = "inn") -> str:
    value = _digits(value or "")
    if not value:
        return ""
    if not value.isdigit() or len(value) not in (10, 12):
        raise DomainValidationError(_("ИНН состоит из 10 или 12 цифр."), field=field)
    if not stdnum_inn.is_valid(value):
        raise DomainValidationError(
            _("ИНН не проходит проверку контрольного числа: проверьте цифры."), field=field
        )
    return value


def kpp_clean(value: str, *, field: str = "kpp") -> str:
    value = _digits(value or "")
    if value and (len(value) != 9 or not value.isdigit()):
        raise DomainValidationError(_("КПП состоит из 9 цифр."), field=field)
    return value


def ogrn_clean(value: str, *, field: str = "ogrn") -> str:
    value = _digits(value or "")
    if not value:
        return ""
    if not value.isdigit() or len(value) not in (13, 15):
        raise DomainValidationError(_("ОГРН состоит из 13 цифр, ОГРНИП — из 15 цифр."), field=field)
    try:
        stdnum_ogrn.validate(value)
    except InvalidChecksum:
        raise DomainValidationError(
            _("ОГРН не проходит проверку контрольной цифры: проверьте цифры."), field=field
        ) from None
    except (InvalidComponent, InvalidLength, ValidationError):
        raise DomainValidationError(
            _("ОГРН начинается не с 0, ОГРНИП — с 3 или 4."), field=field
        ) from None
    return value


def bik_clean(value: str, *, field: str = "bik") -> str:
    value = _digits(value or "")
    if value and (len(value) != 9 or not value.isdigit() or not value.startswith("04")):
        raise DomainValidationError(_("БИК состоит из 9 цифр и начинается с 04."), field=field)
    return value


def account_clean(value: str, *, bik: str, field: str, correspondent: bool = False) -> str:
    value = _digits(value or "")
    if not value:
        return ""
    if len(value) != 20 or not value.isdigit():
        raise DomainValidationError(_("Номер счёта состоит из 20 цифр."), field=field)
    if not bik:
        raise DomainValidationError(
            _("Укажите БИК: номер счёта проверяется вместе с ним."), field="bik"
        )
    if correspondent and not value.startswith("30101"):
        raise DomainValidationError(
            _("Корреспондентский счёт банка начинается с 30101."), field=field
        )
    if not account_key_ok(bik=bik, account=value, correspondent=correspondent):
        raise DomainValidationError(
            _("Номер счёта не сходится с БИК по контрольному ключу: проверьте счёт и БИК."),
            field=field,
        )
    return value
