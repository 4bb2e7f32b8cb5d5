"""Page weight (issue 18): bytes on the wire and requests of a cold and a warm load of Overview and Users.

Run by hand or by `make bench` (loopback only, under a minute; needs Debian's /usr/bin/chromium):

    .venv/bin/python benchmarks/page_weight.py              # make run: runserver, DEBUG on
    .venv/bin/python benchmarks/page_weight.py --serve      # make serve's static files: DEBUG off, collected

1. Migrates and seeds the demo account into a SQLite file of its own (a temporary directory),
   collects the static files into a temporary STATIC_ROOT and starts `manage.py runserver` on it,
   as `make run` does (`--serve`: DEBUG off and gunicorn with make serve's configuration).
2. Logs on as the demo root in Chromium, then loads each page in a fresh browser context that has
   only the session cookie (a cold cache), and again in the same context (warm: what the cache
   spares). Counts every request and the bytes Chromium received for it (headers and body as sent,
   so compression counts), from the DevTools Network events.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, sync_playwright

ROOT_DIR = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT_DIR / ".venv" / "bin" / "python")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PAGES = {"Overview": "/overview/", "Users": "/users/"}


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(workdir: Path, serve: bool) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="ramconsole.settings",
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        RAMCONSOLE_DEMO_MODE="1",
        DJANGO_DEBUG="0" if serve else "1",
        RAMCONSOLE_COLLECTED_STATIC="1",  # as make run and make serve: collected, compressed, hashed
        DJANGO_STATIC_ROOT=str(workdir / "static"),
    )
    env.pop("REDIS_URL", None)
    if serve:
        env.update(
            DJANGO_SECRET_KEY="bench-only-secret-key-" + "x" * 40,
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            DJANGO_SECURE_SSL_REDIRECT="0",
            DJANGO_SECURE_COOKIES="0",
        )
    return env


def manage(env: dict[str, str], *args: str) -> bytes:
    command = [PYTHON, str(ROOT_DIR / "manage.py"), *args]
    return subprocess.run(command, env=env, check=True, cwd=ROOT_DIR, capture_output=True).stdout  # noqa: S603


def start_server(workdir: Path, port: int, serve: bool) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    env = server_env(workdir, serve)
    manage(env, "migrate", "--noinput")
    seeded = manage(env, "seed_demo", "--json")
    root = next(login for login in json.loads(seeded)["logins"] if "(root)" in login["role"])
    manage(env, "collectstatic", "--noinput")
    if serve:
        command = [
            str(ROOT_DIR / ".venv" / "bin" / "gunicorn"),
            "--config",
            str(ROOT_DIR / "ramconsole" / "gunicorn.conf.py"),
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
        ]
    else:
        command = [PYTHON, str(ROOT_DIR / "manage.py"), "runserver", "--noreload", f"127.0.0.1:{port}"]
    server = subprocess.Popen(command, env=env, cwd=ROOT_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("the server did not start") from None
            time.sleep(0.3)
    return server, {"logon_name": root["logon_name"], "password": root["password"]}


def load(context: BrowserContext, url: str) -> dict[str, Any]:
    """One navigation: every request and the bytes received for it (encodedDataLength: on the wire)."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    received: dict[str, int] = {}
    served_from_cache: set[str] = set()
    urls: dict[str, str] = {}

    def sent(event: dict[str, Any]) -> None:
        if event["request"]["url"].startswith("http"):  # not the data: images inside the CSS
            urls[event["requestId"]] = event["request"]["url"]

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.requestServedFromCache", lambda e: served_from_cache.add(e["requestId"]))
    statuses: dict[str, int] = {}

    def responded(event: dict[str, Any]) -> None:
        statuses[event["requestId"]] = event["response"]["status"]
        if event["response"].get("fromDiskCache"):
            served_from_cache.add(event["requestId"])

    cdp.on("Network.responseReceived", responded)
    cdp.on("Network.loadingFinished", lambda e: received.__setitem__(e["requestId"], e["encodedDataLength"]))
    page.goto(url, wait_until="networkidle")
    page.close()
    on_wire = {rid: size for rid, size in received.items() if rid in urls and rid not in served_from_cache}
    return {
        "requests": len(urls),
        "from_network": len(on_wire),
        "bytes": sum(on_wire.values()),
        "files": sorted(
            (urls[rid].split("?")[0].rstrip("/").rsplit("/", 1)[-1], statuses.get(rid), size)
            for rid, size in on_wire.items()
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--serve", action="store_true", help="DEBUG off, static files collected, gunicorn")
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        server, root = start_server(Path(tmp), port, args.serve)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                logon = browser.new_context()
                page = logon.new_page()
                page.goto(f"{base}/login/")
                page.get_by_label("Logon name").fill(root["logon_name"])
                page.get_by_label("Password").fill(root["password"])
                page.get_by_role("button", name="Log On").click()
                page.wait_for_url("**/overview/")
                cookies = logon.cookies()
                logon.close()
                results = {}
                for name, path in PAGES.items():
                    context = browser.new_context()
                    context.add_cookies(cookies)
                    cold = load(context, base + path)
                    warm = load(context, base + path)
                    context.close()
                    results[name] = {"cold": cold, "warm": warm}
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    mode = "make serve (DEBUG off, collected static, gunicorn)" if args.serve else "make run (runserver, DEBUG on)"
    print(f"page weight under {mode}, Chromium {sys.platform}")
    for name, result in results.items():
        for kind in ("cold", "warm"):
            r = result[kind]
            print(
                f"{name:9} {kind}: {r['requests']} requests, {r['from_network']} from the network, "
                f"{r['bytes'] / 1024:.1f} KiB received"
            )
            for file, status, size in r["files"]:
                print(f"    {size / 1024:8.1f} KiB  {status}  {file}")


if __name__ == "__main__":
    main()
