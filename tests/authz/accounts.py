from tests.authz.spec import EVERY_VERIFIED_USER, PUBLIC, Access

ENTRIES = [
    # Signed-in users are sent on from the login page.
    Access("accounts:login", PUBLIC, anonymous=200, ok=302),
    Access("accounts:logout", EVERY_VERIFIED_USER, method="post", ok=302, anonymous=302, mfa_exempt=True),
    Access("accounts:mfa_enrol", EVERY_VERIFIED_USER, mfa_exempt=True),
    Access("accounts:mfa_verify", EVERY_VERIFIED_USER, ok=302, mfa_exempt=True,
           note="a verified session is sent on to where it was going"),
    Access("accounts:mfa_step_up", EVERY_VERIFIED_USER, mfa_exempt=True),
]
