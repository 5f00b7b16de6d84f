import os

from django.core.wsgi import get_wsgi_application

# Served by a production server: production settings unless told otherwise (manage.py and the
# `cyberbeeld` command default to the development settings).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cyberbeeld.config.settings.production")
application = get_wsgi_application()

# The redaction and classification models load beside the first requests, not in one.
from cyberbeeld.incidents.preload import preload_in_background  # noqa: E402

preload_in_background()
