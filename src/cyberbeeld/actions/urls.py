app_name = "actions"

urlpatterns: list = []
