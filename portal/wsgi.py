import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

application = get_wsgi_application()

# Python's full garbage collection walks every tracked object, and after start-up most of them are the
# application's own (modules, URL patterns, templates, models): ~70 ms each time, about every 12th request of
# the 1,000-row API. Frozen, they are left out of every collection; each worker imports this module and
# freezes its own. The youngest generation is collected less often as well, since a request allocates tens
# of thousands of objects that die with it (docs/performance.md has the figures).
GC_THRESHOLDS = (50_000, 20, 100)
gc.freeze()
gc.set_threshold(*GC_THRESHOLDS)
