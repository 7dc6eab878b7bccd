"""The production-like stack the load and fault tests drive, each part a process the
tests start, break and stop: a Redis server of their own, the PostgreSQL relay of
`pgproxy`, gunicorn (DEBUG off) and a Celery worker, both reaching PostgreSQL through the
relay and Redis as their broker."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from celery import Celery

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Only for the test server: DEBUG off refuses the development key.
SECRET_KEY = "load-test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(predicate, *, seconds: float, what: str, process: subprocess.Popen | None = None, log=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what}: the process exited.\n{tail(log)}")
        if predicate():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what}: not ready within {seconds:.0f} s.\n{tail(log)}")


def tail(log: Path | None, lines: int = 40) -> str:
    if log is None or not log.exists():
        return ""
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def stop(
    process: subprocess.Popen | None, *, group: bool = False, seconds: float = 10, sig=signal.SIGTERM
) -> None:
    """`sig` (SIGTERM), then SIGKILL if it lingers. `group`: the process leads its own group
    (a worker's or gunicorn's children go too)."""
    if process is None or process.poll() is not None:
        return
    kill = (lambda sig: os.killpg(process.pid, sig)) if group else process.send_signal
    try:
        kill(sig)
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        kill(signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


class RedisServer:
    """redis-server on a port of its own, without persistence, like a fresh restart."""

    def __init__(self, port: int, log: Path):
        self.port = port
        self.log = log
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
                + ["--save", "", "--appendonly", "no", "--loglevel", "warning"],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        _wait(self._answers, seconds=10, what="redis-server", process=self.process, log=self.log)

    def kill(self) -> None:
        """As a crash: SIGKILL, queued messages lost with it."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class PostgresProxy:
    """The `pgproxy` relay in its own process; `refuse()` starts an outage, `accept()` ends it."""

    def __init__(self, port: int, target: tuple[str, int]):
        self.port = port
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.load.pgproxy", str(port), target[0], str(target[1])],
            cwd=BASE_DIR,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._expect("accepting")
        self.refusing = False

    def _expect(self, state: str) -> None:
        line = self.process.stdout.readline().strip()  # the relay answers at once, or has died
        if line != state:
            raise RuntimeError(f"the PostgreSQL relay said {line!r}, expected {state!r}")

    def refuse(self) -> None:
        self.process.send_signal(signal.SIGUSR1)
        self._expect("refusing")
        self.refusing = True

    def accept(self) -> None:
        self.process.send_signal(signal.SIGUSR2)
        self._expect("accepting")
        self.refusing = False

    def close(self) -> None:
        stop(self.process)


@dataclass
class Stack:
    base_url: str
    redis: RedisServer
    proxy: PostgresProxy
    mail_dir: Path
    logs: dict[str, Path]
    worker_name: str
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def _probe(self, action):
        """Run `action(app)` with a Celery client of the stack's broker: an app of its own
        with the broker as read and write URL, since Celery takes CELERY_BROKER_URL from the
        environment (the tests' own broker) over a configured `broker_url`."""
        probe = Celery("load-probe", set_as_current=False)
        probe.conf.broker_read_url = probe.conf.broker_write_url = self.redis.url
        try:
            return action(probe)
        finally:
            probe.close()

    def worker_answers(self, timeout: float = 0.5) -> bool:
        try:
            return bool(
                self._probe(lambda app: app.control.ping(destination=[self.worker_name], timeout=timeout))
            )
        except Exception:  # noqa: BLE001 - broker still away: not answering
            return False

    def wait_for_worker(self, seconds: float = 30) -> None:
        _wait(self.worker_answers, seconds=seconds, what="the Celery worker", log=self.logs["worker"])

    def send_task(self, name: str) -> None:
        """Publish a task by name to the stack's worker (as beat would)."""
        self._probe(lambda app: app.send_task(name))

    def heal(self) -> None:
        """Whatever a test broke is running again."""
        if self.proxy.refusing:
            self.proxy.accept()
        if not self.redis.running:
            self.redis.start()

    def log_tails(self) -> str:
        return "\n".join(f"--- {name} ---\n{tail(path)}" for name, path in self.logs.items())


def database_url(db: dict, *, port: int) -> str:
    from urllib.parse import quote

    credentials = quote(db["USER"] or "postgres")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"])
    return f"postgres://{credentials}@127.0.0.1:{port}/{db['NAME']}"


def executable(name: str) -> str | None:
    return shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)


def start_stack(*, db: dict, workdir: Path, gunicorn: str, web_workers: int = 3) -> Stack:
    """Start everything; on failure, stop what had started. The caller stops the rest with
    `stop_stack` (in a `finally`)."""
    logs = {name: workdir / f"{name}.log" for name in ("redis", "gunicorn", "worker")}
    mail_dir = workdir / "mail"
    mail_dir.mkdir()
    redis = RedisServer(free_port(), logs["redis"])
    redis.start()
    proxy = None
    stack = None
    try:
        proxy = PostgresProxy(free_port(), (db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
        web_port = free_port()
        stack = Stack(
            base_url=f"http://127.0.0.1:{web_port}",
            redis=redis,
            proxy=proxy,
            mail_dir=mail_dir,
            logs=logs,
            worker_name=f"loadtest-{uuid.uuid4().hex[:8]}@localhost",
        )
        env = {
            **os.environ,
            # Production settings, but plain HTTP on 127.0.0.1 (no TLS proxy in front here).
            "DEBUG": "false",
            "SECRET_KEY": SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "SECURE_HSTS_SECONDS": "0",
            "DATABASE_URL": database_url(db, port=proxy.port),
            "CONN_MAX_AGE": "60",  # persistent connections, as deployed
            "CELERY_BROKER_URL": redis.url,
            # The API's throttle counters in Redis too, as deployed (see the README).
            "CACHE_URL": redis.url.removesuffix("/0") + "/1",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(mail_dir),
            "BRM_VAR_DIR": str(workdir / "var"),
            "LOG_LEVEL": "WARNING",
        }
        # The worker first: it starts while the static files are collected.
        with logs["worker"].open("ab") as out:
            stack.processes["worker"] = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "brm", "worker", "-P", "solo", "-n", stack.worker_name]
                + ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning"],
                cwd=BASE_DIR,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        # DEBUG off serves static files from the manifest: collect them once.
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
            cwd=BASE_DIR,
            env=env,
            check=True,
        )
        with logs["gunicorn"].open("ab") as out:
            stack.processes["gunicorn"] = subprocess.Popen(
                [gunicorn, "brm.wsgi:application", "-b", f"127.0.0.1:{web_port}", "-w", str(web_workers)]
                + ["--preload", "--timeout", "30", "--graceful-timeout", "5", "--log-level", "warning"],
                cwd=BASE_DIR,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

        def serving() -> bool:
            try:
                with urllib.request.urlopen(f"{stack.base_url}/healthz", timeout=1) as response:  # noqa: S310
                    return response.status == 200
            except OSError:
                return False

        _wait(serving, seconds=30, what="gunicorn", process=stack.processes["gunicorn"], log=logs["gunicorn"])
        stack.wait_for_worker()
        return stack
    except BaseException:
        if stack is not None:
            stop_stack(stack)
        else:
            if proxy is not None:
                proxy.close()
            redis.kill()
        raise


def stop_stack(stack: Stack) -> None:
    """Stop every part, each even if another fails to stop."""
    try:
        for name in ("worker", "gunicorn"):
            try:
                # Nothing is left to finish: SIGKILL the group at once.
                stop(stack.processes.get(name), group=True, sig=signal.SIGKILL)
            except Exception:  # noqa: BLE001, S110 - keep stopping the others
                pass
    finally:
        try:
            stack.proxy.close()
        finally:
            stack.redis.kill()
