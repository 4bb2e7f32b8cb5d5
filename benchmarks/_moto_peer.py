"""The peer of benchmarks/side_by_side.py: moto's IAM emulator, seeded with the users ramconsole has.

Seeding goes straight into moto's in-memory IAM backend (no HTTP call, not timed), in the process
that then serves it:

    python benchmarks/_moto_peer.py --users N --port P      # one process, as `moto_server` serves
    gunicorn --preload 'benchmarks._moto_peer:seeded_app(N)' # workers share the seeded state (fork)

The users mirror benchmarks/_bulk.py and load.py's seed: user000000… with a login profile each, one
or two access keys (a third have two), an enabled virtual MFA device on every other one; plus the
named identities load.py creates through the services (bench-admin, bench-logon-N).
"""

from __future__ import annotations

import argparse
import threading

from moto.core import DEFAULT_ACCOUNT_ID
from moto.iam.models import iam_backends
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

REGION = "us-east-1"
NAMED_USERS = ("bench-admin", *(f"bench-logon-{n}" for n in range(8)))


def seed(users: int) -> int:
    """Create the users in moto's backend of the default account; returns how many there are."""
    backend = iam_backends[DEFAULT_ACCOUNT_ID]["aws"]
    names = [*NAMED_USERS, *(f"user{i:06d}" for i in range(users))]
    for i, name in enumerate(names):
        backend.create_user(REGION, name)
        backend.create_login_profile(name, "Bench-user-pass-2030")
        for _ in range(2 if i % 3 == 0 else 1):
            backend.create_access_key(name)
        if i % 2 == 0:
            device = backend.create_virtual_mfa_device(name, "/")
            backend.enable_mfa_device(name, device.serial_number, "123456", "654321")
    return len(backend.users)


def seeded_app(users: int) -> DomainDispatcherApplication:
    """gunicorn's application factory: seed, then the WSGI app `moto_server` serves."""
    seed(users)
    return DomainDispatcherApplication(create_backend_app)


def main() -> None:
    parser = argparse.ArgumentParser(description="moto, seeded, in one process (ThreadedMotoServer)")
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    count = seed(args.users)
    ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=False).start()
    print(f"moto: {count} IAM users on 127.0.0.1:{args.port}", flush=True)
    threading.Event().wait()  # serve until killed


if __name__ == "__main__":
    main()
