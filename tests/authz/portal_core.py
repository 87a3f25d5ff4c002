from tests.authz.spec import EVERY_VERIFIED_USER, PUBLIC, Access

ENTRIES = [
    Access("portal:healthz", PUBLIC, anonymous=200, mfa_exempt=True),
    Access("portal:dashboard", EVERY_VERIFIED_USER),
    Access("portal:about", EVERY_VERIFIED_USER),
]
