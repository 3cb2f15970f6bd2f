"""Media pipeline benchmark: the image library choice, a video transcode, and a server's
memory under concurrent uploads. Figures, not assertions.

    .venv/bin/python -m bench.media_bench photo [--runs 5]      # libvips vs Pillow, 12 MP
    .venv/bin/python -m bench.media_bench video                 # 10 s of 720p WebM -> MP4
    .venv/bin/python -m bench.media_bench uploads [--count 50]  # RSS of a server under load

`photo` makes a 12 MP JPEG (4000x3000, camera-like: gradients, noise, EXIF orientation) and
runs, in a fresh subprocess per library so that each peak RSS is its own, the whole job an
upload needs: decode, orientation, metadata dropped, the original resized within 3840x2160
in area, a 640x360-area preview, a blurhash. libvips runs Parley's own pipeline
(parley.media.images); Pillow the same steps written with Pillow's best tools (draft mode,
reducing_gap). `video` generates its input with PyAV and times parley.media.video.
`uploads` starts `parley run` on a fresh SQLite database and posts the photo `--count` times
at once to /api/v2/media, sampling the server's RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PHOTO_SIZE = (4000, 3000)


def make_photo(path: Path) -> None:
    """A camera-like 12 MP JPEG: smooth gradients with sensor noise, EXIF orientation 1."""
    from PIL import Image

    width, height = PHOTO_SIZE
    noise = Image.effect_noise((width, height), 24)
    horizontal = Image.linear_gradient("L").resize((width, height))
    vertical = Image.linear_gradient("L").rotate(90).resize((width, height))
    channels = [Image.blend(horizontal, noise, 0.3), Image.blend(vertical, noise, 0.3),
                Image.blend(horizontal, vertical, 0.5)]
    photo = Image.merge("RGB", channels)
    exif = Image.Exif()
    exif[0x0112] = 1
    exif[0x010F] = "BenchCam"
    photo.save(path, format="JPEG", quality=92, exif=exif.tobytes())


def _pillow_pipeline(path: Path) -> tuple[int, int, str]:
    """The same work as parley.media.images.process_image, with Pillow."""
    import blurhash
    from PIL import Image, ImageOps

    from parley.media.images import _within
    from parley.media.limits import ORIGINAL_PIXELS, SMALL_PIXELS

    with Image.open(path) as image:
        target = _within(image.width, image.height, ORIGINAL_PIXELS)
        image.draft("RGB", target)  # DCT scaling when it can halve (not at 12 -> 8.3 MP)
        upright = ImageOps.exif_transpose(image).convert("RGB")
    upright.thumbnail(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    original = io.BytesIO()
    upright.save(original, format="JPEG", quality=85)
    small = upright.copy()
    small.thumbnail(_within(upright.width, upright.height, SMALL_PIXELS),
                    Image.Resampling.LANCZOS, reducing_gap=3.0)
    preview = io.BytesIO()
    small.save(preview, format="JPEG", quality=85, optimize=True, progressive=True)
    tiny = small.copy()
    tiny.thumbnail((32, 32))
    pixels = list(tiny.getdata())
    rows = [[list(pixels[y * tiny.width + x]) for x in range(tiny.width)]
            for y in range(tiny.height)]
    return len(original.getvalue()), len(preview.getvalue()), blurhash.encode(rows, 4, 4)


def _vips_pipeline(path: Path) -> tuple[int, int, str]:
    from parley.media.images import process_image

    done = process_image(path)
    return len(done.original.data), len(done.small.data), done.blurhash


def _rss_kb() -> int:
    """This process's peak RSS. VmHWM, not ru_maxrss: after fork and exec Linux carries the
    parent's peak into ru_maxrss, and the parent made the photo."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_one(library: str, path: Path, runs: int) -> dict[str, Any]:
    """In a subprocess of its own: the library's pipeline `runs` times on the photo."""
    pipeline = _vips_pipeline if library == "libvips" else _pillow_pipeline
    if library == "libvips":
        from parley.media.images import _vips

        _vips()
    else:
        import PIL.Image  # noqa: F401
    import blurhash  # noqa: F401

    baseline = _rss_kb()
    times, cpu, first_peak = [], [], 0
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        sizes = pipeline(path)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        first_peak = first_peak or _rss_kb()
    return {"library": library, "runs": runs, "best_s": min(times),
            "median_s": sorted(times)[len(times) // 2], "median_cpu_s": sorted(cpu)[len(cpu) // 2],
            "baseline_rss_mb": baseline / 1024, "first_run_peak_rss_mb": first_peak / 1024,
            "peak_rss_mb": _rss_kb() / 1024,
            "peak_above_baseline_mb": (_rss_kb() - baseline) / 1024,
            "original_bytes": sizes[0], "preview_bytes": sizes[1]}


def photo(runs: int) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "photo.jpg"
        make_photo(path)
        results = []
        for library in ("libvips", "pillow"):
            out = subprocess.run([sys.executable, "-m", "bench.media_bench", "_one", library,
                                  str(path), "--runs", str(runs)], check=True,
                                 capture_output=True, text=True)
            results.append(json.loads(out.stdout))
        print(json.dumps({"photo_bytes": path.stat().st_size, "results": results}, indent=2))
        return results


def make_video(path: Path, seconds: int = 10, size: tuple[int, int] = (1280, 720),
               fps: int = 30) -> None:
    """10 s of 720p VP8 WebM, no sound: a turning gradient (encoded fast, realtime)."""
    import av
    from PIL import Image

    base = Image.linear_gradient("L").resize(size)
    with av.open(str(path), mode="w", format="webm") as container:
        stream = container.add_stream("libvpx", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.options = {"deadline": "realtime", "cpu-used": "8", "b": "2M"}
        for index in range(seconds * fps):
            shifted = base.rotate(index % 360)
            picture = Image.merge("RGB", (shifted, base, shifted))
            container.mux(stream.encode(av.VideoFrame.from_image(picture)))
        container.mux(stream.encode(None))


def video() -> dict[str, Any]:
    from parley.media import images
    from parley.media.video import probe, transcode

    with tempfile.TemporaryDirectory() as work:
        source, target = Path(work) / "in.webm", Path(work) / "out.mp4"
        make_video(source)
        start, start_cpu = time.perf_counter(), time.process_time()
        found = probe(source)
        done = transcode(source, found, target)
        if done.poster is not None:
            images.preview_of_pixels(*done.poster)
        result = {"input_bytes": source.stat().st_size, "output_bytes": target.stat().st_size,
                  "seconds": time.perf_counter() - start,
                  "cpu_seconds": time.process_time() - start_cpu,
                  "peak_rss_mb": _rss_kb() / 1024, "meta": done.meta}
    print(json.dumps(result, indent=2))
    return result


def _server_rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


async def _upload_all(base_url: str, token: str, data: bytes, count: int) -> list[int]:
    import httpx

    async with httpx.AsyncClient(base_url=base_url, timeout=600) as client:
        async def one() -> int:
            response = await client.post(
                "/api/v2/media", headers={"Authorization": f"Bearer {token}"},
                files={"file": ("photo.jpg", data, "image/jpeg")})
            return response.status_code

        return list(await asyncio.gather(*(one() for _ in range(count))))


def _token(base_url: str) -> str:
    import httpx

    app = httpx.post(f"{base_url}/api/v1/apps", data={
        "client_name": "bench", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
        "scopes": "read write"}).json()
    grant = httpx.post(f"{base_url}/oauth/token", data={
        "grant_type": "client_credentials", "client_id": app["client_id"],
        "client_secret": app["client_secret"], "scope": "read write"}).json()
    account = httpx.post(f"{base_url}/api/v1/accounts", headers={
        "Authorization": f"Bearer {grant['access_token']}"}, data={
        "username": "bench", "email": "bench@example.com", "password": "bench password 1",
        "agreement": "true", "locale": "en"}).json()
    return str(account["access_token"])


def _start_server(work: Path, port: int) -> subprocess.Popen[bytes]:
    import httpx

    env = {**os.environ, "PARLEY_DATA_DIR": str(work), "PARLEY_ENVIRONMENT": "test",
           "PARLEY_RATE_LIMITS": "0",  # one token uploads them all
           "PARLEY_BASE_URL": f"http://127.0.0.1:{port}",
           "PARLEY_DATABASE_URL": f"sqlite:///{work / 'parley.sqlite3'}"}
    server = subprocess.Popen([sys.executable, "-m", "parley", "run", "--host", "127.0.0.1",
                               "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/instance").status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("parley did not start")


async def _sample(pid: int, peak: list[int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], _server_rss_kb(pid))
        await asyncio.sleep(0.02)


async def _measure(base_url: str, token: str, data: bytes, count: int, pid: int
                   ) -> tuple[list[int], int, float]:
    peak, stop = [0], asyncio.Event()
    sampler = asyncio.create_task(_sample(pid, peak, stop))
    start = time.perf_counter()
    codes = await _upload_all(base_url, token, data, count)
    elapsed = time.perf_counter() - start
    stop.set()
    await sampler
    return codes, peak[0], elapsed


def uploads(count: int) -> dict[str, Any]:
    import socket

    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        make_photo(work / "photo.jpg")
        data = (work / "photo.jpg").read_bytes()
        with socket.socket() as probe_socket:
            probe_socket.bind(("127.0.0.1", 0))
            port = int(probe_socket.getsockname()[1])
        server = _start_server(work, port)
        try:
            base_url = f"http://127.0.0.1:{port}"
            token = _token(base_url)
            asyncio.run(_upload_all(base_url, token, data, 1))  # warm: libraries loaded
            idle = _server_rss_kb(server.pid)
            codes, peak, elapsed = asyncio.run(_measure(base_url, token, data, count,
                                                        server.pid))
        finally:
            server.terminate()
            server.wait(30)
    result = {"uploads": count, "photo_bytes": len(data), "statuses": sorted(set(codes)),
              "idle_rss_mb": idle / 1024, "peak_rss_mb": peak / 1024,
              "seconds": elapsed, "uploads_per_second": count / elapsed}
    print(json.dumps(result, indent=2))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["photo", "video", "uploads", "_one"])
    parser.add_argument("library", nargs="?", default="")
    parser.add_argument("path", nargs="?", default="")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--count", type=int, default=50)
    args = parser.parse_args()
    if args.what == "_one":
        print(json.dumps(run_one(args.library, Path(args.path), args.runs)))
    elif args.what == "photo":
        photo(args.runs)
    elif args.what == "video":
        video()
    else:
        uploads(args.count)


if __name__ == "__main__":
    main()
