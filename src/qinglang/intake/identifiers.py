"""Identifiers a report carries: the unified social credit code, phone numbers, e-mail."""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum.cn import uscc


def credit_code(value: str) -> str | None:
    """The normalised unified social credit code (GB 32100, with its check digit), or None."""
    compact = value.strip().upper().replace(" ", "").replace("-", "")
    return compact if uscc.is_valid(compact) else None


def phone(value: str) -> str | None:
    """A phone number that parses as a valid Chinese (or +-prefixed) number, in E.164."""
    try:
        number = phonenumbers.parse(value.strip(), "CN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email(value: str) -> str | None:
    """A syntactically valid e-mail address, normalised; no network look-up is made."""
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return None
