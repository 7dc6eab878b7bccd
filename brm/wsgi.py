import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "brm.settings")

application = get_wsgi_application()

# What is loaded now (Django, the apps, every view through the URLconf) lives as long as the
# process. Frozen, it is left out of the garbage collector's full passes, which otherwise
# walk all of it every few requests and add some 40 ms to a page that builds many objects
# (the whole organisation's health, measured with the benchmark's data).
get_resolver().url_patterns  # noqa: B018 - imported for its side effect: the views loaded
gc.collect()  # the garbage of the start first: a frozen object is never freed
gc.freeze()
