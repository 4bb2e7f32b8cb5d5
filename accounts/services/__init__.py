"""Writes of accounts, RAM users, logon profiles, passwords and console logons, one module per concern.

Every service checks the policy first, writes, then records its event in the same transaction.
Import the module you need (`from accounts.services import users as user_services`); this package
re-exports nothing, so each service has one place.

- accounts: account_create, account_clock_move (the sandbox clock), principal_language_update
- users: ram_user_create, ram_user_update, ram_user_delete, policy_attach, policy_detach
- login_profiles: login_profile_create/update/unlock/delete, how a password is chosen and stored,
  password expiry notices
- passwords: password_change, logon_password_change, root_password_change
- verification: root_identity_verify, verification_code_send and the emailed codes
- logon: the console logon pipeline (its steps, the one hash per attempt), console_logon, console_logout
- hashing: hashed_ahead, the password hashing done before a service's transaction
- ids: unique_digits, the random 16-digit account and user IDs
"""
