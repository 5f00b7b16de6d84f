import os

from django.core.asgi import get_asgi_application

# Served by a production server: production settings unless told otherwise (manage.py and the
# `cyberbeeld` command default to the development settings).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cyberbeeld.config.settings.production")
application = get_asgi_application()
