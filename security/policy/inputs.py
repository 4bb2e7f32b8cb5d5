"""Which characters and lengths any input may have, whatever it is: every API parameter (names
included) and every console form field and query string. Each field's own RAM rule (UserName
1-64 of `[A-Za-z0-9._-]`, Comments 128, ...) is checked after this, where it already is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.utils.translation import gettext as _

from security.errors import InvalidParameter

# Any one value: far above every field's own limit (the longest, a console mask list, is 1,024),
# low enough that refusing a huge value costs nothing.
MAX_INPUT_LENGTH = 8192
# A call's parameters, signature ones included: the widest action (IMS SetSecurityPreference)
# sends about 25. Django's own cap (DATA_UPLOAD_MAX_NUMBER_FIELDS, 1000) lies above this one.
MAX_API_PARAMETERS = 100
MAX_PARAMETER_NAME_LENGTH = 128
# The stored nonce's column. A longer nonce is refused, not cut: two nonces that share their
# first 128 characters must not count as one.
SIGNATURE_NONCE_MAX_LENGTH = 128
# IMS MetadataDocument is a whole XML document in Base64, past the general cap: far above any
# IdP's metadata (a few KB with two certificates), low enough to parse at once.
MAX_METADATA_DOCUMENT_LENGTH = 131072
_MAX_LENGTH_OF_PARAMETER = {
    "SignatureNonce": SIGNATURE_NONCE_MAX_LENGTH,
    "MetadataDocument": MAX_METADATA_DOCUMENT_LENGTH,
}

INPUT_TOO_LONG = "Length"
INPUT_INVALID_CHARS = "InvalidChars"

# Refused: C0 and C1 control characters except tab, line feed and carriage return (a console
# textarea sends CR LF, and notes may span lines; fields that must be one line refuse them by
# their own rule); lone surrogates (not text: no UTF-8 for them, no database column takes them);
# and U+FFFD, which is what Django decodes undecodable bytes of a query string or form to.
_INVALID_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffd]")


def has_invalid_chars(value: str) -> bool:
    return _INVALID_CHARS.search(value) is not None


def input_problem(value: str, *, max_length: int = MAX_INPUT_LENGTH) -> str | None:
    """INPUT_TOO_LONG, INPUT_INVALID_CHARS, or None for a value any input may have."""
    if len(value) > max_length:
        return INPUT_TOO_LONG
    if has_invalid_chars(value):
        return INPUT_INVALID_CHARS
    return None


def check_api_parameter(name: str, value: str) -> None:
    """One API parameter (RAM-API.md §8 wording): `InvalidParameter.<Name>.InvalidChars` or `.Length`.

    A bad name is not echoed into the error code: the code is recorded and shown as it is."""
    if input_problem(name, max_length=MAX_PARAMETER_NAME_LENGTH):
        raise InvalidParameter(
            _("A parameter name is longer than %(n)d characters or contains invalid chars.")
            % {"n": MAX_PARAMETER_NAME_LENGTH},
            code="InvalidParameter",
        )
    problem = input_problem(value, max_length=_MAX_LENGTH_OF_PARAMETER.get(name, MAX_INPUT_LENGTH))
    if problem == INPUT_TOO_LONG:
        raise InvalidParameter(
            _('The parameter - "%(p)s" beyond the length limit.') % {"p": name}, code=f"InvalidParameter.{name}.Length"
        )
    if problem == INPUT_INVALID_CHARS:
        raise InvalidParameter(
            _('The parameter - "%(p)s" contains invalid chars.') % {"p": name},
            code=f"InvalidParameter.{name}.InvalidChars",
        )


def check_api_parameters(params: Mapping[str, str]) -> None:
    """Every parameter of one API call, before any action reads one."""
    if len(params) > MAX_API_PARAMETERS:
        raise InvalidParameter(
            _("The request has more than %(n)d parameters.") % {"n": MAX_API_PARAMETERS}, code="InvalidParameter"
        )
    for name, value in params.items():
        check_api_parameter(name, value)
