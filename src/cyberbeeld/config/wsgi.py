import os

from django.core.wsgi import get_wsgi_application

# Served by a production server: production settings unless told otherwise (manage.py and the
# `cyberbeeld` command default to the development settings).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cyberbeeld.config.settings.production")
application = get_wsgi_application()

# The redaction and classification models: under `cyberbeeld serve --production` (gunicorn --preload)
# loaded here, in the master, before the workers are forked, so they share one copy; under any other
# server they load beside the first requests, not in one.
from cyberbeeld.incidents.preload import preload_before_fork, preload_in_background  # noqa: E402

if os.environ.get("CYBERBEELD_PRELOAD_IN_MASTER") == "1":
    preload_before_fork()
else:
    preload_in_background()
