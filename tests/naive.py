"""Slow, obviously-correct references the kernels and the engine are checked against.

Written straight from the contract (../shared/spec/cv2-kmeans-contract.md) with plain
Python integers and NumPy, sharing no code with fastquant.
"""

import numpy as np


class MWC:
    """cv::RNG with Python integers."""

    def __init__(self, seed=0):
        self.state = seed % 2**64 or 0xFFFFFFFF

    def next(self):
        self.state = ((self.state & 0xFFFFFFFF) * 4164903690 + (self.state >> 32)) % 2**64
        return self.state & 0xFFFFFFFF

    def uniform_float(self):
        return np.float32(self.next()) * np.float32(2.0**-32)

    def uniform_double(self):
        high = self.next()
        return float((high << 32) | self.next()) * 2.0**-64


def sq_distances(points, centers):
    """(n, k) float32 squared distances summed feature by feature, in cv2's order."""
    total = np.zeros((points.shape[0], centers.shape[0]), dtype=np.float32)
    for j in range(points.shape[1]):
        t = points[:, j : j + 1] - centers[None, :, j]
        total += t * t
    return total


def random_centers(points, k, rng):
    low, high = points.min(axis=0), points.max(axis=0)
    d = points.shape[1]
    margin = np.float32(1) / np.float32(d)
    scale = np.float32(1) + margin * np.float32(2)
    centers = np.empty((k, d), dtype=np.float32)
    for c in range(k):
        for j in range(d):
            centers[c, j] = (rng.uniform_float() * scale - margin) * (high[j] - low[j]) + low[j]
    return centers


def kmeanspp(points, k, rng, trials=3):
    n = points.shape[0]
    chosen = [rng.next() % n]
    dist = sq_distances(points, points[chosen[0]][None])[:, 0]
    potential = float(np.sum(dist, dtype=np.float64))
    for _ in range(1, k):
        best_sum, best_index, best_dist = np.inf, -1, None
        for _ in range(trials):
            p = rng.uniform_double() * potential
            i = 0
            while i < n - 1:
                p -= float(dist[i])
                if p <= 0:
                    break
                i += 1
            trial = np.minimum(dist, sq_distances(points, points[i][None])[:, 0])
            s = float(np.sum(trial, dtype=np.float64))
            if s < best_sum:
                best_sum, best_index, best_dist = s, i, trial
        chosen.append(best_index)
        dist, potential = best_dist, best_sum
    return points[chosen].copy()


def centers_from_labels(points, labels, k):
    """cv2's center update with the empty-cluster repair; labels are changed in place."""
    sums = np.zeros((k, points.shape[1]), dtype=np.float64)
    np.add.at(sums, labels, points.astype(np.float64))
    counts = np.bincount(labels, minlength=k)
    for c in range(k):
        if counts[c]:
            continue
        big = int(np.argmax(counts))
        mean = sums[big].astype(np.float32) * (np.float32(1) / np.float32(counts[big]))
        members = np.flatnonzero(labels == big)
        d = sq_distances(points[members], mean[None])[:, 0]
        far = members[np.flatnonzero(d == d.max())[-1]]
        labels[far] = c
        counts[big] -= 1
        counts[c] += 1
        sums[big] -= points[far]
        sums[c] += points[far]
    return sums.astype(np.float32) * (np.float32(1) / counts.astype(np.float32))[:, None]


def kmeans_attempt(points, k, max_iter, eps, centers=None, labels=None):
    """One cv2 attempt; returns (compactness, labels, centers, passes done)."""
    it = 0
    while True:
        if it == 0 and centers is not None:
            shift = np.inf
        else:
            new = centers_from_labels(points, labels, k)
            shift = np.inf if it == 0 else float(
                np.max(np.sum(((new - centers).astype(np.float64)) ** 2, axis=1))
            )
            centers = new
        it += 1
        if it == max_iter or shift <= eps * eps:
            d = sq_distances(points, centers)[np.arange(len(points)), labels]
            return float(np.sum(d, dtype=np.float64)), labels, centers, it
        labels = np.argmin(sq_distances(points, centers), axis=1)


def splitmix64_uniform(seed, index):
    """The uniform number of sample ``index`` in stream ``seed`` (SplitMix64, top 53 bits)."""
    mask = 2**64 - 1
    z = (seed + index * 0x9E3779B97F4A7C15) & mask
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    z ^= z >> 31
    return (z >> 11) / 2.0**53


def colour_table(pixels, width=None, block=1, block_weight=None):
    """Distinct rows of ``pixels`` in increasing order, their counts, the sum of their
    pixels' weights (the weight of the pixel's ``block``-square block of an image
    ``width`` wide, or 1) and the row of each pixel, by np.unique."""
    colours, inverse, counts = np.unique(pixels, axis=0, return_inverse=True,
                                         return_counts=True)
    inverse = inverse.reshape(-1)
    if block_weight is None:
        pixel_weights = np.ones(len(pixels))
    else:
        index = np.arange(len(pixels))
        pixel_weights = block_weight[index // width // block, index % width // block]
    weights = np.bincount(inverse, weights=pixel_weights, minlength=len(colours))
    return colours, counts, weights, inverse


def block_weights(image, block, variance_scale, smooth_variance, floor):
    """Weight of each block: floor + (1 - floor) / (1 + mean channel variance * scale / s)."""
    height, width = image.shape[:2]
    out = np.empty((-(-height // block), -(-width // block)))
    for by in range(out.shape[0]):
        for bx in range(out.shape[1]):
            cell = image[by * block:(by + 1) * block, bx * block:(bx + 1) * block]
            values = cell.reshape(-1, image.shape[2]).astype(np.float64)
            variance = values.var(axis=0).mean() * variance_scale
            out[by, bx] = floor + (1 - floor) / (1 + variance / smooth_variance)
    return out


def nearest_entries(pixels, palette, peak=255.0):
    """Index of the nearest palette entry of each pixel (the first on ties), by squared
    distance in float64; RGBA compared premultiplied (colour times alpha / peak)."""
    pixels = np.asarray(pixels, dtype=np.float64).reshape(len(pixels), -1)
    palette = np.asarray(palette, dtype=np.float64).reshape(len(palette), -1)
    if pixels.shape[1] == 4:
        pixels = np.column_stack([pixels[:, :3] * pixels[:, 3:] / peak, pixels[:, 3]])
        palette = np.column_stack([palette[:, :3] * palette[:, 3:] / peak, palette[:, 3]])
    labels = np.empty(len(pixels), dtype=np.int64)
    for i, pixel in enumerate(pixels):
        labels[i] = int(np.argmin(((palette - pixel) ** 2).sum(axis=1)))
    return labels


def edge_strengths(image, scale, strength):
    """Share of the diffused error each pixel takes (fastquant's ``edge_strengths``):
    ``strength * max(1 - activity / scale, 0)``, activity the largest sum over channels
    of absolute differences to a 4-neighbour (the border repeated), in float32."""
    image = np.asarray(image, dtype=np.float32)
    height, width, channels = image.shape
    padded = np.pad(image, ((1, 1), (1, 1), (0, 0)), mode="edge")
    activity = np.zeros((height, width), np.float32)
    for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        neighbour = padded[1 + dy:1 + dy + height, 1 + dx:1 + dx + width]
        total = np.zeros((height, width), np.float32)
        for c in range(channels):
            total = total + np.abs(image[..., c] - neighbour[..., c])
        activity = np.maximum(activity, total)
    inverse = np.float32(1) / np.float32(scale)
    return np.float32(strength) * np.maximum(np.float32(1) - activity * inverse, np.float32(0))


def floyd_steinberg(image, palette, strengths, active, limit, band_rows, warmup_rows):
    """Labels of serpentine Floyd-Steinberg in independent bands, one float32 operation
    at a time, pixel by pixel (fastquant's ``floyd_steinberg`` contract; -1 where
    ``active`` is false).

    Band by band (``band_rows`` rows), from ``warmup_rows`` rows above it with no error
    coming in; rows 0, 2, ... to the right, the others to the left. A pixel's value is
    its own plus its strength times the error it received, clamped to the palette's
    range; it takes the nearest colour (float32 squared distance summed channel by
    channel, the first on ties) and passes on its error, shortened to ``limit``:
    7/16 ahead, 3/16 below behind, 5/16 below, 1/16 below ahead.
    """
    f32 = np.float32
    image = np.asarray(image, dtype=np.float32)
    palette = np.asarray(palette, dtype=np.float32)
    height, width, channels = image.shape
    low, high = palette.min(axis=0), palette.max(axis=0)
    limit = f32(limit)
    labels = np.full((height, width), -1, np.int64)
    for first in range(0, height, band_rows):
        received = np.zeros((height + 1, width, channels), np.float32)
        for y in range(max(first - warmup_rows, 0), min(first + band_rows, height)):
            step = 1 if y % 2 == 0 else -1
            for x in range(width) if step == 1 else range(width - 1, -1, -1):
                if not active[y, x]:
                    continue
                value = np.minimum(np.maximum(image[y, x] + strengths[y, x] * received[y, x],
                                              low), high)
                gaps = value - palette
                distances = np.zeros(len(palette), np.float32)
                for c in range(channels):
                    distances = distances + gaps[:, c] * gaps[:, c]
                best = int(np.argmin(distances))
                if y >= first:
                    labels[y, x] = best
                carry = value - palette[best]
                length = f32(0)
                for c in range(channels):
                    length = f32(length + carry[c] * carry[c])
                if length > limit * limit:
                    carry = carry * (limit / np.sqrt(length))
                for dy, dx, weight in ((0, step, 7), (1, -step, 3), (1, 0, 5), (1, step, 1)):
                    if 0 <= x + dx < width:
                        received[y + dy, x + dx] += carry * f32(weight / 16)
    return labels
