"""A TCP relay between the portal and PostgreSQL that can play a database restart.

    python -m tests.load.pgproxy LISTEN_PORT TARGET_HOST TARGET_PORT

SIGUSR1: an outage. Every open connection is cut (as when PostgreSQL restarts) and new
ones are refused (nothing listens on the port). SIGUSR2: the database is back, connections
pass again. Each state is announced on stdout once in force ("accepting", "refusing"), so
the test knows when the outage has begun. It runs in its own process so that relaying
every query never competes with the test's clients for one interpreter.
"""

import asyncio
import signal
import sys


class Relay:
    def __init__(self, listen_port: int, target: tuple[str, int]):
        self.listen_port = listen_port
        self.target = target
        self.server: asyncio.Server | None = None
        self.pairs: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.transport.abort()

    async def _handle(self, client_reader, client_writer) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            return
        pair = (client_writer, upstream_writer)
        self.pairs.add(pair)
        try:
            await asyncio.gather(
                self._pipe(client_reader, upstream_writer), self._pipe(upstream_reader, client_writer)
            )
        except asyncio.CancelledError:
            pass  # the relay is shutting down: its connections are cut already
        finally:
            self.pairs.discard(pair)

    async def accept(self) -> None:
        if self.server is None:
            self.server = await asyncio.start_server(
                self._handle, "127.0.0.1", self.listen_port, reuse_address=True
            )
        print("accepting", flush=True)

    async def refuse(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None
        for client_writer, upstream_writer in list(self.pairs):
            # abort(): a reset, as a server process that died sends; no polite goodbye.
            client_writer.transport.abort()
            upstream_writer.transport.abort()
        print("refusing", flush=True)


async def main(listen_port: int, target_host: str, target_port: int) -> None:
    relay = Relay(listen_port, (target_host, target_port))
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGUSR1, lambda: asyncio.ensure_future(relay.refuse()))
    loop.add_signal_handler(signal.SIGUSR2, lambda: asyncio.ensure_future(relay.accept()))
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await relay.accept()
    await stop.wait()
    await relay.refuse()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3])))
