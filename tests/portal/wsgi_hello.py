"""A minimal WSGI app for tests that start gunicorn with Annex's gunicorn.conf.py."""


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
