from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "cyberbeeld.api"
    label = "api"
