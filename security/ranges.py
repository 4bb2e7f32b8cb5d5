"""The documented ranges of RAM's numeric settings, in one place: the policy layer enforces them,
and the models repeat them as database constraints."""

from __future__ import annotations

# field name: (minimum, maximum, API parameter name)
PASSWORD_POLICY_RANGES = {
    "minimum_length": (8, 32, "MinimumPasswordLength"),
    "minimum_different_characters": (0, 8, "MinimumPasswordDifferentCharacter"),
    "max_password_age_days": (0, 1095, "MaxPasswordAge"),
    "reuse_prevention": (0, 24, "PasswordReusePrevention"),
    "max_login_attempts": (0, 32, "MaxLoginAttemps"),  # sic: RAM's spelling
}
SECURITY_PREFERENCE_RANGES = {
    "login_session_duration_hours": (1, 24, "LoginSessionDuration"),
}

# The largest page (MaxItems, from 1) of IMS ListVirtualMFADevices and GetCredentialReport
# (RAM-API.md §7.7, §7.9), each also the default page. ListUsers': security/policy/users.py.
MFA_DEVICES_MAX_ITEMS = 100
CREDENTIAL_REPORT_MAX_ITEMS = 3501
