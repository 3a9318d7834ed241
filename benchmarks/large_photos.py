"""24-megapixel photos: time and peak memory of fastquant, libimagequant and Pillow.

For each photo (``futuristic_full.jpg``, ``rosetta_nebula_full.jpg``), K and contender,
a fresh Python process reads the photo, makes one untimed warm-up call on a 512x512
crop (numba's cache, lazy initialisation), times ``--rounds`` calls on the whole photo
(the minimum is kept) and reports its ``VmHWM`` (peak resident memory, from
``/proc/self/status``) together with the resident memory just before the first full
call: the difference is what the call itself needed on top of the photo. The
contenders are those of ``rich_photos.py`` (same calls, dithering off or on).

Decoding the JPEG needs about 3.3x the photo's bytes for a moment (Pillow's RGBX
buffer and the array), more than any contender's call: the peak of the read is
reported apart ("read MiB"), and where Linux allows it the peak is reset after the read
(``/proc/self/clear_refs``), so that "peak MiB" is that of the calls (the interpreter,
the imports and the photo included). ``--fresh`` skips the warm-up call and times one
round: the process of a user who imports, reads and quantizes once (numba's cache must
be warm: run once without it first).

Run from the repository root::

    PYTHONPATH=. python benchmarks/large_photos.py --images DIR [--dither] [--ks 256]
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from rich_photos import DEFAULT_DIR, contenders, psnr, ssim  # noqa: E402

PHOTOS = ("futuristic_full.jpg", "rosetta_nebula_full.jpg")


def _status(field: str) -> int:
    """A ``/proc/self/status`` field in bytes."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_peak() -> None:
    """Start ``VmHWM`` again from the current resident size (Linux), if allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
    except OSError:
        pass


def _read(path: str) -> np.ndarray:
    """The photo as an (h, w, 3) uint8 array; Pillow's decoded image is freed on return
    (kept, it would stay resident beside the array: 1.3x the photo)."""
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image if image.mode == "RGB" else image.convert("RGB"))


def child(path: str, contender: str, k: int, dither: bool, rounds: int,
          with_ssim: bool = False, fresh: bool = False) -> dict:
    """One contender on one photo, in this (fresh) process."""
    photo = _read(path)
    read_peak = _status("VmHWM")
    _reset_peak()
    call = contenders(dither)[contender]
    if not fresh:
        call(np.ascontiguousarray(photo[:512, :512]), k)
    before = _status("VmRSS")
    best = np.inf
    for _ in range(rounds):
        output = None  # the previous round's result is not part of this round's peak
        start = time.perf_counter()
        output = call(photo, k)
        best = min(best, time.perf_counter() - start)
    peak = _status("VmHWM")
    scores = {"psnr": psnr(photo, output)}
    if with_ssim:  # after the peak was read: SSIM needs several float64 copies
        scores["ssim"] = ssim(photo, output)
    return {"seconds": best, "peak_bytes": peak, "before_bytes": before,
            "read_peak_bytes": read_peak, "image_bytes": photo.nbytes, **scores}


def run_child(path: Path, contender: str, k: int, dither: bool, rounds: int,
              with_ssim: bool, fresh: bool = False) -> dict:
    """:func:`child` in a fresh interpreter; its result."""
    code = ("import json, sys; sys.path.insert(0, %r); import large_photos; "
            "print(json.dumps(large_photos.child(%r, %r, %d, %r, %d, %r, %r)))"
            % (str(BENCH_DIR), str(path), contender, k, dither, rounds, with_ssim, fresh))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--dither", action="store_true")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--ks", type=int, nargs="+", default=[256])
    parser.add_argument("--contenders", nargs="+",
                        default=["fastquant", "libimagequant", "mediancut", "octree"])
    parser.add_argument("--ssim", action="store_true", help="also SSIM (slow: ~30 s each)")
    parser.add_argument("--json", type=Path, help="write the rows here")
    parser.add_argument("--fresh", action="store_true",
                        help="no warm-up call, one round (a user's one-shot process)")
    args = parser.parse_args()
    rows = []
    print(f"{'photo':<26}{'K':>4} {'contender':<14}{'seconds':>9}{'PSNR':>8}{'SSIM':>8}"
          f"{'read MiB':>9}{'peak MiB':>9}{'call MiB':>9}{'peak/image':>11}")
    for name in PHOTOS:
        for k in args.ks:
            for contender in args.contenders:
                row = run_child(args.images / name, contender, k, args.dither,
                                1 if args.fresh else args.rounds, args.ssim, args.fresh)
                row.update(photo=name, k=k, contender=contender)
                rows.append(row)
                print(f"{name:<26}{k:>4} {contender:<14}{row['seconds']:9.3f}{row['psnr']:8.2f}"
                      f"{row.get('ssim', float('nan')):8.4f}"
                      f"{row['read_peak_bytes'] / 2**20:9.0f}{row['peak_bytes'] / 2**20:9.0f}"
                      f"{(row['peak_bytes'] - row['before_bytes']) / 2**20:9.0f}"
                      f"{row['peak_bytes'] / row['image_bytes']:10.2f}x", flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
