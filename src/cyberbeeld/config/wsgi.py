import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cyberbeeld.config.settings.dev")
application = get_wsgi_application()

# The redaction and classification models load beside the first requests, not in one.
from cyberbeeld.incidents.preload import preload_in_background  # noqa: E402

preload_in_background()
