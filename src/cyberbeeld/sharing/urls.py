from django.urls import path

from . import views

app_name = "sharing"

urlpatterns = [
    path("", views.casebook, name="list"),
    path("bibliotheek/", views.library, name="library"),
    path("bijlage/<uuid:uuid>/", views.attachment_download, name="attachment"),
    path("incident/<uuid:uuid>/casus-maken/", views.promote, name="promote"),
    path("vraag/<uuid:uuid>/antwoord/", views.answer_give, name="answer"),
    path("casus/<uuid:uuid>/vraag/", views.question_ask, name="ask"),
    path("aanpak/<uuid:uuid>/overnemen/", views.adopt, name="adopt"),
    path("<slug:slug>/nieuw/", views.item_edit, name="create"),
    path("<slug:slug>/<uuid:uuid>/", views.item_detail, name="detail"),
    path("<slug:slug>/<uuid:uuid>/bewerken/", views.item_edit, name="edit"),
    path("<slug:slug>/<uuid:uuid>/delen/", views.item_share, name="share"),
    path("<slug:slug>/<uuid:uuid>/intrekken/", views.item_withdraw, name="withdraw"),
    path("<slug:slug>/<uuid:uuid>/bijlage/", views.attachment_upload, name="upload"),
]
