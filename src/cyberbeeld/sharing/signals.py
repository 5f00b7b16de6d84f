"""Keep ``CasebookItem.form_index`` equal to the item's ``forms``, whoever changes them.

Connected in SharingConfig.ready(). Every way of changing a many-to-many relation (``set``, ``add``,
``remove``, ``clear``, from either side) sends ``m2m_changed``; the index is recomputed from the through
table, so it cannot drift from it.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed

from .models import Approach, Case, form_index_text


def refresh_form_index(model: Any, pks: list[int]) -> dict[int, str]:
    """Recompute ``form_index`` of the ``model`` rows ``pks`` from their form links; returns the new texts."""
    fk = model._meta.model_name + "_id"
    links: dict[int, list[int]] = {pk: [] for pk in pks}
    for pk, form_id in model.forms.through.objects.filter(**{fk + "__in": pks}).values_list(fk, "form_id"):
        links[pk].append(form_id)
    texts = {pk: form_index_text(form_ids) for pk, form_ids in links.items()}
    for pk, text in texts.items():
        model.objects.filter(pk=pk).update(form_index=text)
    return texts


def _changed(sender: Any, instance: Any, action: str, reverse: bool, model: Any, pk_set: Any, **kwargs: Any) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    for item_model in (Case, Approach):
        if sender is not item_model.forms.through:
            continue
        if not reverse:  # item.forms.add(...): one item changed
            instance.form_index = refresh_form_index(item_model, [instance.pk])[instance.pk]
        elif pk_set:  # form.<items>.add(...): the items in pk_set changed
            refresh_form_index(item_model, list(pk_set))
        else:  # form.<items>.clear(): we no longer know which items; recompute those that mention the form
            stale = item_model.objects.filter(form_index__contains=f",{instance.pk},").values_list("pk", flat=True)
            refresh_form_index(item_model, list(stale))


def connect() -> None:
    for item_model in (Case, Approach):
        m2m_changed.connect(_changed, sender=item_model.forms.through, dispatch_uid=f"form_index_{item_model.__name__}")
