"""Response headers that neither Django nor django-csp sets."""


class SecurityHeadersMiddleware:
    """A restrictive Permissions-Policy on every response (the Content-Security-Policy is django-csp's)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        return response
