"""Forms of the security app: input shape only."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from security.selectors import RESULT_FILTER_FAILURE, RESULT_FILTER_SUCCESS


class EventFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.CharField(label=_("Operator"), required=False, max_length=255)
    result = forms.ChoiceField(
        label=_("Result"),
        required=False,
        choices=[
            ("", _("All")),
            (RESULT_FILTER_SUCCESS, _("Success")),
            (RESULT_FILTER_FAILURE, _("Failure")),
        ],
    )
    since = forms.DateField(
        label=_("From (UTC)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To (UTC)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: object, actions: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("All")), *((a, a) for a in actions)]
        self.helper = FormHelper(self)
        self.helper.form_method = "get"
        self.helper.form_id = "event-filter-form"
        self.helper.layout = Layout(
            Row(
                Column("action", css_class="col-md-3"),
                Column("actor", css_class="col-md-3"),
                Column("result", css_class="col-md-2"),
                Column("since", css_class="col-md-2"),
                Column("until", css_class="col-md-2"),
            )
        )
        self.helper.add_input(Submit("filter", _("Search"), css_class="btn-sm"))

    def clean(self) -> dict:
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end date must not be before the start date."))
        return cleaned

    def filters(self) -> dict:
        """Selector arguments; `until` includes the whole chosen day."""
        data = self.cleaned_data if self.is_valid() else {}

        def start_of(day: object) -> datetime | None:
            return datetime.combine(day, time.min, tzinfo=UTC) if day else None

        until = start_of(data.get("until"))
        return {
            "action": data.get("action", ""),
            "actor": data.get("actor", ""),
            "result": data.get("result", ""),
            "since": start_of(data.get("since")),
            "until": until + timedelta(days=1) if until else None,
        }
