"""The floor of benchmarks/side_by_side.py: the least a Django view on ramconsole's stack can do for
GetUser — read the user's row by name with one query and answer JSON (no signature, no nonce, no
event, no middleware). Its own settings, URLs and view in this one module:

    gunicorn --config ramconsole/gunicorn.conf.py 'benchmarks._floor:application()'

DATABASE_URL names ramconsole's database (seeded by load.py's seed): the only account's RAM users.
"""

from __future__ import annotations

import os

import dj_database_url
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path

DEBUG = False
SECRET_KEY = "floor-only-" + "x" * 40
ALLOWED_HOSTS = ["127.0.0.1"]
ROOT_URLCONF = __name__
DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}  # as ramconsole.settings
USE_TZ = True

# The same probe as accounts.selectors.ram_user_get_by_name, the account found by its root.
USER_SQL = (
    "SELECT user_id, name, display_name, created_at, updated_at FROM accounts_principal"
    " WHERE account_id = (SELECT account_id FROM accounts_principal WHERE kind = 'root' LIMIT 1)"
    " AND kind = 'ram_user' AND LOWER(name) = %s"
)


def get_user(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute(USER_SQL, [request.GET.get("UserName", "").lower()])
        row = cursor.fetchone()
    if row is None:
        return JsonResponse({"Code": "EntityNotExist.User"}, status=404)
    user_id, name, display_name, created, updated = row
    user = {"UserId": user_id, "UserName": name, "DisplayName": display_name}
    return JsonResponse({"User": {**user, "CreateDate": created.isoformat(), "UpdateDate": updated.isoformat()}})


urlpatterns = [path("", get_user)]


def application() -> WSGIHandler:
    """gunicorn's application factory: Django's WSGI handler with the settings above."""
    os.environ["DJANGO_SETTINGS_MODULE"] = __name__
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()
