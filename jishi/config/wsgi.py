import os

from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jishi.config.settings")
application = get_wsgi_application()

# A WSGI server runs no system checks: refuse here to serve with the development keys.
_refused = [m for m in run_checks(tags=["jishi_keys"]) if m.is_serious()]
if _refused:
    raise ImproperlyConfigured("\n".join(f"{m.id}: {m.msg} {m.hint or ''}" for m in _refused))
