from __future__ import annotations

from django.apps import AppConfig


class AccessKeysConfig(AppConfig):
    name = "accesskeys"
    verbose_name = "AccessKey pairs"
