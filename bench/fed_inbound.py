"""The inbound federation benchmark (`python -m bench.federation inbound`): a fake remote
actor, ann, on a loopback server (bench/fed_peers.py serves her actor document and its RSA
key, as a peer would) posts a thread to Parley's shared inbox: a root Note, then
`--activities` replies to it, each a Create signed with draft-cavage and addressed to (and
mentioning) the local account that follows her. The signed requests are made before the
clock starts (a peer's signing is the peer's CPU), then sent over `--connections` keep-alive
connections as fast as they are answered. Measured: accepted/s at the inbox (202s), stored/s
(her posts appearing in the database), Parley's CPU per activity, split into the inbox's
part (until the last answer) and the receive jobs' part (after it), and the receive jobs
still queued when the last answer came (the worker's backlog).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from bench.delivery import DeliveryCounter, wait_jobs_idle
from bench.fed_common import (
    AS_JSON,
    LIMIT_S,
    Parley,
    default_destination,
    get_document,
    parley,
    peers,
    stats,
)
from bench.fed_seed import Remote, seed
from bench.federation_crypto import key_pair

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
CONTEXT = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"]
_RECEIVE_PENDING = "SELECT count(*) FROM jobs WHERE kind = 'federation.receive'"


def actor_document(ann: Remote, public_pem: str) -> dict[str, Any]:
    return {"@context": CONTEXT, "id": ann.uri, "type": "Person",
            "preferredUsername": ann.username, "name": "Ann", "inbox": f"{ann.uri}/inbox",
            "outbox": f"{ann.uri}/outbox", "followers": f"{ann.uri}/followers",
            "endpoints": {"sharedInbox": f"http://{ann.domain}/inbox"},
            "publicKey": {"id": f"{ann.uri}#main-key", "owner": ann.uri,
                          "publicKeyPem": public_pem}}


def create(ann: Remote, number: int, local_uri: str, local_handle: str,
           root: str | None) -> dict[str, Any]:
    """The Create of Note `number` of ann's thread (a reply to `root`, if given)."""
    published = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    note_id = f"{ann.uri}/statuses/{number}"
    note = {"id": note_id, "type": "Note", "attributedTo": ann.uri, "published": published,
            "url": note_id, "to": [PUBLIC], "cc": [f"{ann.uri}/followers", local_uri],
            "inReplyTo": root, "sensitive": False,
            "content": f'<p><span class="h-card"><a href="{local_uri}" class="u-url mention">'
                       f"@<span>{local_handle}</span></a></span> Reply number {number} of "
                       "the benchmark thread, with a few more words to store.</p>",
            "tag": [{"type": "Mention", "href": local_uri, "name": f"@{local_handle}"}]}
    return {"@context": CONTEXT, "id": f"{note_id}/activity", "type": "Create",
            "actor": ann.uri, "published": published, "to": note["to"], "cc": note["cc"],
            "object": note}


def signed_request(inbox: str, activity: dict[str, Any], key_id: str, private_pem: str
                   ) -> bytes:
    """The whole HTTP/1.1 request, signed as Parley's own deliveries are."""
    from parley.federation.signatures import sign_request

    body = orjson.dumps(activity)
    headers = sign_request("POST", inbox, key_id=key_id, private_key_pem=private_pem,
                           body=body, content_type=AS_JSON)
    headers = {name.lower(): value for name, value in headers.items()}
    headers.setdefault("content-type", AS_JSON)
    headers["content-length"] = str(len(body))
    path = urlsplit(inbox).path
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return f"POST {path} HTTP/1.1\r\n{head}\r\n".encode() + body


async def send_all(port: int, requests: list[bytes], connections: int
                   ) -> dict[str, Any]:
    """Send the requests over `connections` keep-alive connections, each taking the next
    from a shared queue as soon as its previous one was answered."""
    queue = iter(requests)
    statuses: dict[int, int] = {}
    last = 0.0

    async def connection() -> None:
        nonlocal last
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for request in queue:
                writer.write(request)
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
                status = int(head.split(" ", 2)[1])
                length = next((int(line.split(":", 1)[1]) for line in head.split("\r\n")
                               if line.lower().startswith("content-length:")), 0)
                await reader.readexactly(length)
                statuses[status] = statuses.get(status, 0) + 1
                last = time.perf_counter()
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(connection() for _ in range(connections))),
                           LIMIT_S)
    return {"statuses": statuses, "seconds": last - started, "started": started}


async def peer_stats(port: int) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        return await stats(client)


async def wait_stored(counter: DeliveryCounter, author: int, expected: int, since: float
                      ) -> tuple[int, float | None]:
    """Poll the author's post count until `expected`; (count, seconds since `since`)."""
    count = 0
    while time.perf_counter() - since < LIMIT_S:
        count = int(await counter.scalar(
            f"SELECT count(*) FROM posts WHERE account_id = {int(author)}"))
        if count >= expected:
            return count, time.perf_counter() - since
        await asyncio.sleep(0.05)
    return count, None


async def inbound(options: argparse.Namespace) -> dict[str, Any]:
    dest = default_destination("inbound", options.db)
    base_url = f"http://127.0.0.1:{options.port}"
    ann = Remote(f"127.0.0.2:{options.peer_port}", "ann")
    seeded = await seed(dest, base_url, "host", [ann], local_follows_remotes=True)
    ann_id = seeded.remote_ids[0]
    private_pem, public_pem = key_pair()
    local_uri = f"{base_url}/users/host"
    handle = f"host@127.0.0.1:{options.port}"
    inbox = f"{base_url}/inbox"
    root = signed_request(inbox, create(ann, 0, local_uri, handle, None),
                          f"{ann.uri}#main-key", private_pem)
    replies = [signed_request(inbox, create(ann, n, local_uri, handle,
                                            f"{ann.uri}/statuses/0"),
                              f"{ann.uri}#main-key", private_pem)
               for n in range(1, options.activities + 1)]
    log_dir = Path(tempfile.mkdtemp(prefix="parley-fed-bench-"))
    documents = {urlsplit(ann.uri).path: actor_document(ann, public_pem)}
    with peers(options.peer_port, log_dir, documents):
        server = parley(dest, options.port, log_dir, options.workers)
        counter = DeliveryCounter(dest.url)
        try:
            return await _measure(server, counter, root, replies, ann_id, options,
                                  "sqlite" if dest.is_sqlite else "postgresql", log_dir)
        finally:
            await counter.close()
            server.stop()


async def _measure(server: Parley, counter: DeliveryCounter, root: bytes,
                   replies: list[bytes], ann_id: int, options: argparse.Namespace,
                   database: str, log_dir: Path) -> dict[str, Any]:
    # Warm-up: the instance actor's key is made, ann's document and key fetched, the root
    # of the thread stored; none of it measured.
    await get_document(server.url, "/actor")
    warm = await send_all(options.port, [root], 1)
    if warm["statuses"] != {202: 1} or (await wait_stored(counter, ann_id, 1,
                                                          time.perf_counter()))[1] is None:
        raise RuntimeError(f"the root was not taken: {warm['statuses']}; see {log_dir}")
    await wait_jobs_idle(counter, LIMIT_S)
    fetches = (await peer_stats(options.peer_port))["fetches"]
    cpu = server.cpu()
    sent_task = asyncio.create_task(send_all(options.port, replies, options.connections))
    await asyncio.sleep(0)
    sent = await sent_task
    cpu_inbox = server.cpu() - cpu
    backlog = int(await counter.scalar(_RECEIVE_PENDING))
    stored, stored_s = await wait_stored(counter, ann_id, len(replies) + 1, sent["started"])
    await wait_jobs_idle(counter, LIMIT_S)
    cpu_all, wall = server.cpu() - cpu, time.perf_counter() - sent["started"]
    fetches = (await peer_stats(options.peer_port))["fetches"] - fetches
    accepted = sent["statuses"].get(202, 0)
    n = len(replies)
    return {
        "mode": "inbound", "database": database, "activities": n,
        "connections": options.connections, "workers": options.workers,
        "statuses": sent["statuses"],
        "accept_s": round(sent["seconds"], 3),
        "accepted_per_s": round(accepted / sent["seconds"]) if sent["seconds"] else None,
        "receive_jobs_queued_after_last_answer": backlog,
        "stored": stored - 1, "stored_s": round(stored_s, 3) if stored_s else None,
        "stored_per_s": round(n / stored_s) if stored_s else None,
        "cpu_s": round(cpu_all, 3), "cpu_ms_per_activity": round(1000 * cpu_all / n, 3),
        "cpu_ms_per_activity_until_last_answer": round(1000 * cpu_inbox / n, 3),
        # Of one core, from the first request until the jobs were done.
        "cpu_share": round(cpu_all / wall, 2),
        "cpu_share_until_last_answer": round(cpu_inbox / sent["seconds"], 2),
        # The worker alone (the backlog): well under 1, it waits rather than works.
        "cpu_share_after_last_answer": round((cpu_all - cpu_inbox)
                                             / max(1e-3, wall - sent["seconds"]), 2),
        "documents_fetched_from_the_peer": fetches,
        "log_dir": str(log_dir),
    }
