"""deploy/gunicorn.conf.py: what each worker does once the app is loaded (run in a process of its own,
as a worker would)."""

import runpy
import subprocess
import sys
from pathlib import Path

import pytest

CONFIG = Path(__file__).parents[1] / "deploy" / "gunicorn.conf.py"

WORKER = f"""
import gc, re, runpy
from argon2 import PasswordHasher

def rss_kb():
    return int(re.search(r"VmRSS:\\s+(\\d+)", open("/proc/self/status").read()).group(1))

settings = runpy.run_path({str(CONFIG)!r})
if {{tuned}}:
    settings["post_worker_init"](None)
hasher = PasswordHasher(memory_cost=19456, time_cost=2, parallelism=1)  # one sign-in's argon2id
hasher.hash("first sign-in")
before = rss_kb()
for _ in range(3):
    hasher.hash("another sign-in")
print(gc.get_freeze_count(), rss_kb() - before)
"""


def worker(tuned: bool) -> tuple[int, int]:
    output = subprocess.run(
        [sys.executable, "-c", WORKER.format(tuned=tuned)], capture_output=True, text=True, check=True
    ).stdout
    frozen, grown_kb = output.split()
    return int(frozen), int(grown_kb)


def test_the_settings_default_to_two_workers_on_loopback(monkeypatch):
    monkeypatch.delenv("KOSODATE_BIND", raising=False)
    monkeypatch.delenv("KOSODATE_WORKERS", raising=False)
    settings = runpy.run_path(str(CONFIG))
    assert (settings["workers"], settings["bind"]) == (2, "127.0.0.1:8000")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the resident set from /proc")
def test_a_worker_freezes_what_is_loaded_and_gives_argon2s_memory_back():
    frozen, grown_kb = worker(tuned=True)
    assert frozen > 10_000  # the modules loaded so far are out of the collector's reach
    assert grown_kb < 4 * 1024  # the 19 MiB of each sign-in went back to the system
    untuned_frozen, untuned_grown_kb = worker(tuned=False)
    assert untuned_frozen == 0 and untuned_grown_kb > 15 * 1024  # without it, a worker keeps them
