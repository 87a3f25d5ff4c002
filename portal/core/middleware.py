CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


NO_STORE = "no-store, private"


class SecurityHeadersMiddleware:
    """A strict Content-Security-Policy and a restrictive Permissions-Policy on every response; on every response
    to a signed-in user (browser session or API token), `Cache-Control: no-store, private`, so no browser or
    proxy keeps a copy of a page meant for one person (ASVS 8.2.1). Set here once, not view by view.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CSP)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        user = getattr(request, "user", None)  # unset when a request never reached the authentication middleware
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = NO_STORE
            response.headers.pop("Expires", None)
        return response
