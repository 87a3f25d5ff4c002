import gc
import os

from django.core.signals import request_finished
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

application = get_wsgi_application()

# Python's full garbage collection walks every tracked object, and after start-up most of them are the
# application's own (modules, URL patterns, templates, models): ~70 ms each time, about every 12th request of
# the 1,000-row API. Frozen, they are left out of every collection; each worker imports this module and
# freezes its own. The youngest generation is collected less often as well, since a request allocates tens
# of thousands of objects that die with it, and each request's cyclic garbage is collected after its response
# (below; docs/performance.md has the figures).
GC_THRESHOLDS = (50_000, 20, 100)
gc.freeze()
gc.set_threshold(*GC_THRESHOLDS)


def _collect_request_garbage(**kwargs):
    """Collect the youngest generation once the response has been sent (Django sends request_finished when the
    server closes the response, after writing it). Each request leaves its objects in reference cycles (the
    request and its messages storage, a DRF response and its renderer context): the 1,000-row API leaves
    5,300 of them. Left to the thresholds, they were collected every 8th such request, 117 ms at a time,
    during a request; a collection that runs inside a request also promotes what the request still holds,
    and the middle generation then took 280-380 ms. Collected here, each request's garbage costs a few
    milliseconds that no response waits for."""
    gc.collect(0)


request_finished.connect(_collect_request_garbage, dispatch_uid="annex-collect-request-garbage")
