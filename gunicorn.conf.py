"""gunicorn settings for Annex (loaded with `-c gunicorn.conf.py`; `make run`, `make bench` and docs/deployment.md
use it).

The `Server` response header names no software: gunicorn would otherwise announce itself (ASVS 14.3.3).
"""

import gunicorn.http.wsgi

gunicorn.http.wsgi.SERVER = "web"
