"""Time to download KMOU NER through a local HTTP server: 1,427 files one by one (as before) vs one archive.

    .venv/bin/python bench/kmou_download.py [--latency-ms 0] [--handshake-ms 0] [--repeat 3] [--folder /dev/shm]

GitHub cannot be reached here, so the corpus is faked with the real manifest's shape: one file per row of
``nbhelpers/ner/kmou_ner_manifest.tsv`` (1,427 files, the same sizes, 23.8 MB) made of the embedded NER
sample's lines, their git blob ids in a test manifest, and the zip GitHub would build for the commit
(``NER-<commit>/말뭉치 - 형태소_개체명/*.txt``) behind GitHub's redirect. A local server has no network
delay; ``--latency-ms`` adds a wait before every response (a round trip) and ``--handshake-ms`` one per new
connection (TCP + TLS), to see what the ways cost on a real network. Three ways are timed, each into an
empty folder, every file verified against its blob id:

* per file, a new connection per request (urllib, what ``HttpTransport`` did before);
* per file, one kept-alive connection (``HttpTransport`` now; the fallback when the archive fails);
* the archive in one request (``download_corpus`` now), every entry verified before it is written.

The CPU time is the whole process's (the server runs in it too), a steadier number than the wall clock
on a machine shared with other work.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the test suite's local server and fake corpus

from corpus_server import ServerState, fake_kmou, manifest_sizes, serve  # noqa: E402

from nbhelpers.download import HttpTransport, fetch_file  # noqa: E402
from nbhelpers.ner.kmou import KMOU_MANIFEST  # noqa: E402
from nbhelpers.registry import CORPORA, download_corpus, get_corpus  # noqa: E402


class ConnectionPerRequest:
    """The transport as it was: ``urlopen`` for every file, so a new connection each time."""

    def open(self, url: str, start: int) -> tuple[Iterable[bytes], int | None, bool]:
        request = urllib.request.Request(url, headers={"User-Agent": "nbhelpers"})
        response = urllib.request.urlopen(request, timeout=60)  # noqa: S310 (local server)
        length = response.headers.get("Content-Length")

        def chunks() -> Iterable[bytes]:
            with response:
                yield from iter(lambda: response.read(1 << 16), b"")

        return chunks(), int(length) if length is not None else None, False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="wait before every response")
    parser.add_argument("--handshake-ms", type=float, default=0.0, help="wait for every new connection")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--folder", default=None,
                        help="where to write the files (default: the system's temp folder); creating a file costs "
                             "2.4 ms in this machine's /tmp and 0.1 ms in /dev/shm, which can hide the network")
    args = parser.parse_args()

    state = ServerState(delay=args.latency_ms / 1000, connect_delay=args.handshake_ms / 1000)
    with serve(state) as base:
        kmou = fake_kmou(base, manifest_sizes(KMOU_MANIFEST))
        archive = kmou.archive_bytes()
        kmou.serve_on(state, archive=archive)
        spec = dataclasses.replace(get_corpus("ner"), name="kmou-bench", train_files=kmou.remotes, val_files=(),
                                   archive=kmou.archive, korpora_name=None)
        CORPORA[spec.name] = spec
        total = sum(len(data) for data in kmou.contents.values())
        print(f"{len(kmou.remotes):,} files, {total:,} bytes; archive {len(archive):,} bytes; "
              f"latency {args.latency_ms:g} ms, handshake {args.handshake_ms:g} ms, best of {args.repeat}")

        def per_file(transport: object) -> None:
            with tempfile.TemporaryDirectory(dir=args.folder) as folder:
                for remote in kmou.remotes:
                    fetch_file(remote, Path(folder) / remote.filename, transport=transport, progress=False)

        def archive_way() -> None:
            with tempfile.TemporaryDirectory(dir=args.folder) as folder:
                transport = HttpTransport()
                files = download_corpus(spec.name, folder, transport=transport, progress=False)
                transport.close()
                assert len(files.train) == len(kmou.remotes)

        ways = {
            "per file, new connection each (before)": lambda: per_file(ConnectionPerRequest()),
            "per file, kept-alive connection (fallback)": lambda: per_file(HttpTransport()),
            "archive, one request (now)": archive_way,
        }
        for label, way in ways.items():
            times, cpu, requests, connections = [], [], 0, 0
            for _ in range(args.repeat):
                before_requests, before_connections = len(state.requests), state.connections
                start, start_cpu = time.perf_counter(), time.process_time()
                way()
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)  # client and server: both run in this process
                requests, connections = len(state.requests) - before_requests, state.connections - before_connections
            print(f"{label:<44} {min(times):7.2f} s wall (median {statistics.median(times):.2f} s), "
                  f"{min(cpu):5.2f} s CPU, {requests:,} requests, {connections:,} connections")


if __name__ == "__main__":
    main()
