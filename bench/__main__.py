"""``python -m bench``: raw nats-py baselines, then the kit on SQLite and PostgreSQL, in one run."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext

from bench import env, kit, raw
from bench.report import (
    RESULTS,
    KitFigures,
    Rate,
    RawFigures,
    Report,
    medians,
    render,
    write_json,
)
from pilar_contracts.consumers import ANALYTICS_REGISTRY
from pilar_kit.natsfast import install as install_nats_fast_paths
from pilar_kit.serve import settle_heap

DATABASES = ("sqlite", "postgresql")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--events",
        type=int,
        default=20_000,
        help="N (default 20,000; below a few thousand, start-up dominates)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="full runs, each raw then kit; the verdict is on the median ratio (default 3)",
    )
    parser.add_argument("--report-to", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--only", choices=DATABASES, help="run the kit on one database only")
    parser.add_argument(
        "--window", type=int, default=kit.RUNTIME_WINDOW, help="publish window (relay_window)"
    )
    parser.add_argument(
        "--batch", type=int, default=kit.RUNTIME_BATCH, help="fetch batch (batch_size)"
    )
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("PILAR_BENCH_PG_URL", env.DEFAULT_PG_ADMIN_URL),
        help="PostgreSQL admin URL; a fresh database is created there and dropped after",
    )
    parser.add_argument(
        "--no-middlewares",
        action="store_true",
        help="drop the Runtime's FastStream telemetry/Prometheus middlewares (diagnosis only)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the kit phases into bench/results/"
    )
    args = parser.parse_args(argv)
    if args.events < 1:
        parser.error("--events must be at least 1")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


def say(text: str) -> None:
    """Progress on stderr, so that stdout holds only the table."""
    print(text, file=sys.stderr, flush=True)


async def raw_figures(nc: Client, args: argparse.Namespace) -> RawFigures:
    """The raw nats-py baselines on a stream of their own: plain, then kit-shaped messages."""
    js = nc.jetstream()
    await raw.create_stream(js)
    plain = await raw_pair(js, raw.PLAIN, args)
    shaped = await raw_pair(js, kit.KIT_SHAPED, args)
    await raw.delete_stream(js)
    return RawFigures(plain[0], plain[1], shaped_publish=shaped[0], shaped_fetch_ack=shaped[1])


async def raw_fast_paths(nc: Client, args: argparse.Namespace) -> Rate:
    """Raw fetch+ack of kit-shaped messages with the kit's nats-py fast paths (information)."""
    js = nc.jetstream()
    await raw.create_stream(js)
    say(f"raw fetch/ack of {args.events:,} kit-shaped messages on the kit's fast paths ...")
    await raw.publish_rate(js, kit.KIT_SHAPED, args.events, args.window)
    max_ack_pending = ANALYTICS_REGISTRY.max_ack_pending
    rate = await raw.fetch_ack_rate(js, kit.KIT_SHAPED, args.events, args.batch, max_ack_pending)
    await raw.delete_stream(js)
    return rate


async def raw_pair(
    js: JetStreamContext, shape: raw.Shape, args: argparse.Namespace
) -> tuple[Rate, Rate]:
    """Publish then fetch+ack ``args.events`` messages of one shape."""
    say(f"raw publish_async + fetch/ack of {args.events:,} {shape.name} messages ...")
    publish = await raw.publish_rate(js, shape, args.events, args.window)
    max_ack_pending = ANALYTICS_REGISTRY.max_ack_pending
    fetch_ack = await raw.fetch_ack_rate(js, shape, args.events, args.batch, max_ack_pending)
    return publish, fetch_ack


async def kit_figures(
    name: str, root: Path, nc: Client, nats_url: str, args: argparse.Namespace
) -> KitFigures:
    """The kit on one fresh database (a temp SQLite file or a new PostgreSQL database)."""
    options = kit.Options(
        count=args.events,
        window=args.window,
        batch_size=args.batch,
        middlewares=not args.no_middlewares,
        profile_dir=RESULTS.parent if args.profile else None,
    )
    say(f"kit on {name}: stage, relay, consume {args.events:,} events ...")
    if name == "sqlite":
        return await kit.measure(name, env.sqlite_url(root), nc, nats_url, options)
    async with env.postgres_database(args.pg_url) as url:
        return await kit.measure(name, url, nc, nats_url, options)


async def run(args: argparse.Namespace) -> Report:
    """One full run against a private nats-server in a temp folder."""
    settle_heap()  # as every service does before it serves (pilar_kit.serve); raw runs after it
    versions = env.versions()
    pg_version = await env.postgres_version(args.pg_url) if args.only != "sqlite" else None
    if pg_version:
        versions["postgresql"] = pg_version
    with (
        tempfile.TemporaryDirectory(prefix="pilar-bench-") as tmp,
        env.nats_server(Path(tmp)) as server,
    ):
        say(f"nats-server on {server.url} (store {tmp})")
        nc = await nats.connect(server.url)
        try:
            report = Report(
                events=args.events,
                window=args.window,
                batch_size=args.batch,
                machine=env.machine(),
                versions=versions,
                raw=await raw_figures(nc, args),
                middlewares=not args.no_middlewares,
            )
            # raw nats-py as shipped above; the kit runs as the Runtime does, on its fast paths
            fast = install_nats_fast_paths()
            versions["kit's nats-py fast paths"] = "installed" if fast else "not installed"
            if fast:
                fast_fetch_ack = await raw_fast_paths(nc, args)
                report.raw = dataclasses.replace(report.raw, fast_fetch_ack=fast_fetch_ack)
            await _kit_runs(report, Path(tmp), nc, server.url, args, pg_version)
        finally:
            await nc.close()
    return report


async def _kit_runs(
    report: Report,
    root: Path,
    nc: Client,
    nats_url: str,
    args: argparse.Namespace,
    pg_version: str | None,
) -> None:
    """Run the kit on each selected database; note PostgreSQL as skipped when unreachable."""
    for name in DATABASES:
        if args.only and name != args.only:
            continue
        if name == "postgresql" and pg_version is None:
            report.skipped[name] = f"PostgreSQL unreachable at {args.pg_url}"
            say(f"PostgreSQL unreachable at {args.pg_url}: skipped")
            continue
        report.kit.append(await kit_figures(name, root, nc, nats_url, args))


def main(argv: Sequence[str] | None = None) -> int:
    """Run, print the table and the medians, write ``bench/results/latest.json``."""
    args = parse_args(argv)
    if args.report_to:  # one round of a parent's run
        args.report_to.write_bytes(pickle.dumps(asyncio.run(run(args))))
        return 0
    reports = [one_round(args, n) for n in range(1, args.rounds + 1)]
    print(render(reports[-1]))
    print()
    print(medians(reports))
    path = write_json(reports[-1])
    print(f"\nwrote {path} (the last round)")
    return 0


def one_round(args: argparse.Namespace, number: int) -> Report:
    """One full run in a fresh process: the fast paths it installs must not reach the next raw."""
    say(f"round {number} of {args.rounds}")
    command = [sys.executable, "-m", "bench", "--events", str(args.events)]
    command += ["--window", str(args.window), "--batch", str(args.batch), "--pg-url", args.pg_url]
    command += ["--only", args.only] if args.only else []
    command += ["--no-middlewares"] if args.no_middlewares else []
    command += ["--profile"] if args.profile else []
    with tempfile.TemporaryDirectory(prefix="pilar-bench-round-") as tmp:
        out = Path(tmp) / "report.pickle"
        subprocess.run([*command, "--report-to", str(out)], check=True)
        report: Report = pickle.loads(out.read_bytes())  # our own child process wrote it
    return report


if __name__ == "__main__":
    sys.exit(main())
