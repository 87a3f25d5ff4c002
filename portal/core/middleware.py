"""Response headers that neither Django nor django-csp sets."""


NO_STORE = "no-store, private"


class SecurityHeadersMiddleware:
    """A restrictive Permissions-Policy on every response (the Content-Security-Policy is django-csp's); on every
    response to a signed-in user (browser session or API token), `Cache-Control: no-store, private`, so no browser
    or proxy keeps a copy of a page meant for one person (ASVS 8.2.1). Set here once, not view by view.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        user = getattr(request, "user", None)  # unset when a request never reached the authentication middleware
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = NO_STORE
            response.headers.pop("Expires", None)
        return response
