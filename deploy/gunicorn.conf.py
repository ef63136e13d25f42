"""gunicorn settings for kosodate: `gunicorn -c deploy/gunicorn.conf.py app:app`.

Every value can be overridden on the command line or through GUNICORN_CMD_ARGS.
"""

import ctypes
import gc
import os

bind = os.environ.get("KOSODATE_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("KOSODATE_WORKERS", "2"))
# A worker that dies mid-request is replaced; nginx retries the GET on the other node.
timeout = 60
graceful_timeout = 30
# Behind nginx on the same machine: trust its X-Forwarded-* (the app's ProxyFix reads them).
forwarded_allow_ips = "127.0.0.1"
errorlog = "-"  # requests are logged by nginx in front
loglevel = os.environ.get("KOSODATE_LOG_LEVEL", "info")
#: glibc's mallopt parameter (malloc.h) and the size from which blocks are mapped on their own
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 4 * 1024 * 1024


def post_worker_init(worker):
    """Move everything loaded so far out of the garbage collector's reach.

    The app's modules, templates and SQLAlchemy mappings live as long as the worker; without this,
    the collection that follows a large page walks them all again, and a list's p95 was 3–4× its
    median. `post_fork` is too early: the app is loaded after it.
    """
    gc.collect()
    gc.freeze()
    _give_large_blocks_back()


def _give_large_blocks_back() -> None:
    """argon2id takes 19 MiB at each sign-in; glibc keeps a freed block that large in the worker's heap
    (its dynamic threshold has grown past it), so the worker stays 19 MiB larger after the first login.
    Blocks from 4 MiB up are mapped on their own and returned when freed (MALLOC_MMAP_THRESHOLD_ does
    the same from the environment, but only for a process started with it)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: its allocator decides
        return
    libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
