"""Every tuning choice of fastquant in one place: thresholds, sizes and budgets.

A tunable is a number someone chose (and could choose differently) to trade speed,
memory or quality; a mathematical or format constant (float32's unit roundoff, a hash
multiplier, PNG's 256 palette entries, cv2's limits) stays next to the code it belongs
to. Each tunable below says what it controls and the measurement that chose it, or
"not measured" where none was recorded (in the code, the git log or the session notes).

This module lives in the kernels package because jitted code reads some of these values
as globals, which numba freezes into the machine code at compile time: the on-disk
cache is keyed on a hash of every file of the package (``fastquant._jit``), so an edit
here recompiles every kernel. The Python layer imports the values it uses from here
too. ``tests/test_tunables.py`` fails when another module defines a numeric ALL_CAPS
constant that is not on its list of true constants.

Timings are from the machine the sessions ran on (2 cores, shared), so ratios matter
more than absolute times.
"""

# ---------------------------------------------------------------------------------------
# Chunking and memory of the passes (kernels/_common.py)
# ---------------------------------------------------------------------------------------

#: Smallest number of samples per chunk. Not measured (set in the first version): below
#: it a chunk's partial sums cost more to combine than its samples cost to assign.
MIN_CHUNK_SIZE = 512
#: Largest number of chunks a pass is split into. Not measured. The chunking depends on
#: the sizes only, never on the thread count; changing this changes the order in which
#: float64 partial sums are combined, so the last bits of the centers can change. At
#: most 256: k-means++'s row-to-chunks table (_chunk_table) packs a chunk index in 8 bits.
MAX_CHUNKS = 256
#: Rows whose nearest centers are searched together, one SIMD lane each. Searching 64
#: rows at a time made assignment 2-5x faster than row by row (commit e68b2eb); other
#: block sizes were not measured.
ROW_BLOCK = 64
#: Bytes all chunks' partial sums and counts may take together (see chunk_count); above
#: it, fewer chunks. Measured on 2 cores, a pass of 131,072 x 32 points with K = 1,024:
#: 316, 278, 290 and 288 ms with 256, 64, 16 and 4 chunks (64, 16, 4 and 1 MiB of
#: partials), 322 ms with 2 and 390 ms with 1: fewer chunks cost nothing while there are
#: a few per thread. 64 MiB keeps all 256 chunks, and so the results, of every pass with
#: K x (D + 1) up to 32,768 (K = 8,192 colours of an RGB image).
PARTIALS_BUDGET = 64 << 20
#: The fewest chunks the budget may leave, so that a pass still runs on this many
#: threads: partials never take more than this many times one chunk's. Same
#: measurement as PARTIALS_BUDGET: 4 chunks 288 ms, 2 chunks 322 ms, 1 chunk 390 ms.
MIN_BUDGET_CHUNKS = 4
#: Above this many features the nearest-center search goes row by row instead of over
#: blocks of ROW_BLOCK rows copied by feature, which take 256 bytes a feature per thread
#: (2.5 GB at 10**7 features; 4 MiB at this limit). Row by row is slower, measured on
#: one thread, K = 16, 2**22 values: 12.4 ms by blocks and 38.7 ms by rows at
#: D = 2,048; 13.5 and 40.6 ms at D = 65,536. So blocks are kept while they stay small.
ROW_BLOCK_MAX_FEATURES = 16384

# ---------------------------------------------------------------------------------------
# Which nearest-center search a Lloyd pass uses (fastquant/_lloyd.py)
# ---------------------------------------------------------------------------------------

#: Distance bounds (Hamerly's, kernels/_bounds.py) are kept from BOUNDS_MIN_FEATURES up
#: to, not including, BOUNDS_MAX_FEATURES features and from BOUNDS_MIN_CLUSTERS clusters
#: on; from TILES_MIN_FEATURES features on, passes without bounds search through the
#: norm expansion (kernels/_tiles.py), with the same labels. Measured in CPU time of the
#: serial kernels (steadier than wall time on a loaded machine), 10 passes from K random
#: points of Gaussian blobs, bounds / plain search / expansion, in seconds:
#: D = 8, K = 64: 0.12 / 0.15 / 0.16; D = 16, K = 16: 0.12 / 0.12 / 0.13; D = 16,
#: K = 64: 0.17 / 0.25 / 0.25; D = 32, K = 64: 0.29 / 0.45 / 0.41 (300k points);
#: D = 64, K = 256: 2.6 / 2.8 / 2.2; D = 128, K = 256: 2.0 / 1.9 / 1.6 (100k points).
#: On the 8-bit photos (D = 3) the bounds lose up to K = 256.
BOUNDS_MIN_FEATURES = 8
#: See BOUNDS_MIN_FEATURES.
BOUNDS_MAX_FEATURES = 64
#: See BOUNDS_MIN_FEATURES.
BOUNDS_MIN_CLUSTERS = 32
#: See BOUNDS_MIN_FEATURES.
TILES_MIN_FEATURES = 32
#: From GEMM_MIN_FEATURES features and GEMM_MIN_CLUSTERS clusters on, passes take
#: their distances from a BLAS matrix product, with bounds (fastquant/_gemm_pass.py),
#: whatever the rules above say. Measured in CPU s, one numba and one BLAS thread, 10
#: passes from K points of workloads.gaussian_blobs, products / bounds / expansion:
#: D = 16, K = 64: 0.13 / 0.10 / 0.15; D = 16, K = 256: 0.15 / 0.14 / 0.23; D = 32,
#: K = 64: 0.08 / 0.07 / 0.12; D = 32, K = 256: 0.20 / 0.26 / 0.40; D = 64, K = 64:
#: 0.16 / 0.15 / 0.23; D = 64, K = 128: 0.27 / 0.29 / 0.39; D = 64, K = 256: 0.35 /
#: 0.47 / 0.79; D = 128, K = 64: 0.37 / 0.35 / 0.51; D = 128, K = 128: 0.42 / 0.54 /
#: 0.83 (100k points); D = 128, K = 256: 1.19 / 1.78 / 3.08 (200k points; faiss 1.49 on
#: one thread).
GEMM_MIN_FEATURES = 32
#: See GEMM_MIN_FEATURES.
GEMM_MIN_CLUSTERS = 128
#: Bytes of one tile of products (n_clusters x tile rows float32); the rows gathered
#: for it take D / n_clusters times as much. Each tile alternates NumPy's BLAS threads
#: with numba's, whose idle threads spin: few large tiles pay. Measured on 2 loaded
#: cores, 1M x 128 points, K = 256, 10 passes from given centers, wall / CPU seconds:
#: 8 MiB 17.8 / 12.5, 32 MiB 17.4 / 10.4, 64 MiB 10.1 / 9.6 and 13.8 / 9.2 (one
#: thread each: 10.0 / 6.1). One thread, 200k rows: 1.9-2.1 CPU s from 1 to 16 MiB.
#: Computing the next tile's product on a Python thread while numba labels the current
#: one (two tiles of buffers) did not pay: 250k x 128 rows, K = 256, loaded machine, wall /
#: CPU s, min of 3, one tile at a time / overlapped: 64 MiB 4.16 / 2.23 and 4.41 / 2.21;
#: 32 MiB 4.53 / 2.22 and 4.59 / 2.26.
TILE_BYTES = 64 << 20
#: Rows of a tile labelled by one iteration of the parallel loop: their nearest and
#: second-nearest expansion distances are folded over the centers in one sweep, which
#: reads each center's products of the strip as one contiguous run. Measured on one
#: numba thread, 65,536 rows x 128 features, K = 256 (a 64 MiB tile), CPU ms, min of
#: 15: sweeps of 64 rows 13.5-16.2, 128 10.4, 256 8.8-9.0, 512 8.5, 2048 7.6.
STRIP_ROWS = 2048
#: Fewer unsure rows than this are searched row by row, not as a block of ROW_BLOCK
#: (a row alone costs about 3 lanes of a block: 38.7 against 12.4 ms, see
#: ``_common.ROW_BLOCK_MAX_FEATURES``).
SETTLE_BY_ROW_BELOW = 16

# ---------------------------------------------------------------------------------------
# Parallel launches (fastquant/_execution.py)
# ---------------------------------------------------------------------------------------

#: Below this many operations per parallel loop, waking the threads costs more than it
#: saves: the serial twin runs instead. Not measured as a threshold (commit 1969bdd
#: introduced it so that seeding and Lloyd passes on few rows wake no threads).
PARALLEL_MIN_WORK = 1 << 16
#: ``fastquant.kmeans`` on at most this many operations per pass over the samples
#: (samples x features x clusters) launches only serial kernels (fastquant/_kmeans.py):
#: its passes are too short to share every one between threads. Measured at load 4
#: on 2 cores, W1 (messi.jpg, 10 attempts), min of 4 calls, wall / CPU ms, serial
#: launches with attempts side by side / serial / every pass parallel: K = 2, 55 / 40,
#: 54 / 38, 173 / 106; K = 100 (9.2e7 operations), 431 / 438, 438 / 435, 1934 / 1140.
#: Not measured on a quiet machine.
SMALL_KMEANS_MAX_WORK = 1 << 27
#: Attempts of k-means whose passes take at most this many operations (rows x
#: features x clusters) run side by side, each on one thread (fastquant/_lloyd.py),
#: rather than one after another with every pass on all threads. See
#: SMALL_KMEANS_MAX_WORK (on a busy machine the two ways cost the same).
ATTEMPTS_ON_THREADS_MAX_WORK = 1 << 27

# ---------------------------------------------------------------------------------------
# k-means++ seeding (kernels/_seeding.py)
# ---------------------------------------------------------------------------------------

#: k-means++ with more clusters than this updates its per-chunk sums of sample distances
#: row by row (after building a row-to-chunks table) instead of recomputing them over
#: all samples for every center: W2 at K = 64, k-means++ 0.72 -> 0.41 s (commit
#: e9649ac). The threshold itself (16) was not measured.
INCREMENTAL_MIN_CLUSTERS = 16
#: Rows of a chunk whose distances to every k-means++ candidate are computed before the
#: next block's: the block's features stay in the nearest cache for the second and third
#: candidates. Measured on one thread (CPU time, min of 15 and of 5, one process): one
#: center's 3 candidates on W3 (10**6 x 16): whole chunks (3,907 rows) 11.1 ms, blocks
#: of 1,024 9.4, 256 8.5, 128 8.2 ms; all of W3's seeding (64 centers, with the sums
#: carried block by block, commit b98b56d): whole chunks 0.750 s, blocks of 512 0.595,
#: 256 0.594, 128 0.571 s. With the three candidates in one loop and the sums carried
#: (CPU seconds of W3's seeding, this value against another, min of 5, one process,
#: loaded machine): 64 0.449 vs 0.473 s, 256 0.479 vs 0.473, 512 0.510 vs 0.450. A
#: multiple of 4, so that the four lanes of the chunk's sum carry from block to block.
SEEDING_BLOCK = 128

# ---------------------------------------------------------------------------------------
# Distinct rows and colour tables (fastquant/_distinct.py, kernels/_distinct_table.py,
# kernels/_colour_table.py)
# ---------------------------------------------------------------------------------------

#: Rows are deduplicated only when this many samples share each row on average. Not
#: measured (messi.jpg: 69,991 colours for 306,908 pixels, 4.4 per colour, is well above).
MIN_SAMPLES_PER_ROW = 2
#: Largest key space (product of the per-feature value spans) a distinct-row table
#: covers: a bitmap of 2**24 bits is 2 MiB per group. Not measured beyond that size.
MAX_KEY_SPACE = 1 << 24
#: Fixed number of sample groups whose key bitmaps (kernels/_key_bitmap.py, under both
#: distinct tables) are built in parallel (fixed, so that the tables never depend on the
#: number of threads). Not measured; lowered to 4 with "fewer key groups" (commit
#: 3fffe85) to bound the bitmaps' memory.
KEY_GROUPS = 4
#: Largest number of bytes per pixel whose colours are keys of the colour table's bitmap
#: (3 bytes: 2**24 bits, 2 MiB; 4 bytes would take 512 MiB). The colour table replaced
#: np.unique: akihabara 768x512 at K = 4, 400 -> 50-90 ms (commit 27f170d).
BITMAP_MAX_BYTES = 3
#: Partitions of the colour table's hash (a power of two, at most 2**32), filled in
#: parallel. Not measured.
HASH_PARTITIONS = 16

# ---------------------------------------------------------------------------------------
# Floyd-Steinberg dithering (kernels/_dither.py, fastquant/_dithering.py)
# ---------------------------------------------------------------------------------------

#: The nearest-colour grid over the palette's box: fine cells, each a cell of a coarse
#: grid split GRID_SPLIT times per channel, at most GRID_CELLS fine cells in all (32 per
#: channel for RGB). A coarse cell's candidates come from the whole palette, a fine
#: cell's from its coarse cell's. Chosen by the serial CPU time measured over 3 rich
#: 768x512 photos at K = 16 and 256 (ms, busy machine): 32**3 cells split 4: 22-43;
#: 16**3: 21-42 but 10.6 candidates per pixel against 3.8; 64**3: 29-73 (cell builds);
#: split 2: 22-54.
GRID_CELLS = 32768
#: See GRID_CELLS.
GRID_SPLIT = 4
#: Rows of one band of the error diffusion: bands are diffused independently (in
#: parallel), each starting WARMUP_ROWS rows above its first row so that its error
#: state is already built there; the bands do not depend on the thread count. Measured:
#: 128-row bands cost 0-35% more CPU than one band (each builds its own cells) on the photos
#: above, and let 768x512 run on 2 threads; 8 warm-up rows keep each 8-row block of a
#: flat gray at its level across band starts (tests/kernels/test_dither.py).
BAND_ROWS = 128
#: See BAND_ROWS.
WARMUP_ROWS = 8
#: Difference to a neighbour (sum over channels, in palette spacings per channel) at
#: which Floyd-Steinberg stops taking error (see the table in fastquant/_dithering.py).
EDGE_SCALE = 3.0
#: Longest error a pixel passes on, in palette spacings per channel (see the same table).
ERROR_LIMIT = 0.5

# ---------------------------------------------------------------------------------------
# quantize (fastquant/_quantize.py)
# ---------------------------------------------------------------------------------------

#: Pixels are weighted by square blocks of 2**WEIGHT_BLOCK_SHIFT pixels a side (4 x 4,
#: commit 2df75af, chosen for SSIM's windows; other sizes not measured) ...
WEIGHT_BLOCK_SHIFT = 2
#: ... by ``floor + (1 - floor) / (1 + variance / WEIGHT_SMOOTH_VARIANCE)`` with the
#: block's colour variance in 8-bit units squared: errors cost SSIM most where the image
#: is smooth (its constant C2 is 58.5). The floor is 1 (no weighting) up to
#: UNWEIGHTED_COLOURS, where the MSE comes first, and WEIGHT_FLOOR from WEIGHTED_COLOURS
#: on, geometric in between. Chosen together on the rich photos (commit 2df75af); with
#: 5 attempts (below), PSNR and SSIM at least libimagequant's in 28 of 28 cells (7
#: photos x K = 4, 16, 64, 256). WEIGHT_SMOOTH_VARIANCE 80 rather than 40 (with
#: MSE_PASSES = 4): at 40, termas at K = 16 had an SSIM 0.0005 below libimagequant's; at
#: 80 all 28 cells are at least libimagequant's in PSNR (worst +0.011 dB) and SSIM
#: (worst +0.0009). The other values were not measured one by one.
WEIGHT_SMOOTH_VARIANCE = 80.0
#: See WEIGHT_SMOOTH_VARIANCE.
WEIGHT_FLOOR = 0.2
#: See WEIGHT_SMOOTH_VARIANCE.
UNWEIGHTED_COLOURS = 4
#: See WEIGHT_SMOOTH_VARIANCE.
WEIGHTED_COLOURS = 16
#: The weights, summed per colour, go to k-means times this scale, in integers. Not
#: measured (16 levels per unit of weight).
WEIGHT_SCALE = 16.0
#: Up to this many colours, where k-means++ seeds make the most difference, quantize runs
#: FEW_COLOUR_ATTEMPTS attempts by default: with 5 attempts up to k = 16, PSNR and SSIM
#: at least libimagequant's in 28 of 28 rich-photo cells (commit ff2c405; 3 attempts
#: before).
FEW_COLOURS = 16
#: See FEW_COLOURS.
FEW_COLOUR_ATTEMPTS = 5
#: Passes and center movement (in the clustering space, 0-255 or L* 0-100) at which
#: quantization stops. Not measured.
QUANTIZE_MAX_PASSES = 30
#: See QUANTIZE_MAX_PASSES (the movement, not squared).
QUANTIZE_EPS = 0.05
#: With several attempts on the coarse colour groups, each runs at most this many passes
#: and only the most compact one runs on, for at most ATTEMPT_RUN_ON_PASSES more.
#: Measured on rich photos (768x512, 3 rounds, same process; 5 attempts at K = 4 and 16):
#: 30 passes each (before) 3.66 s in all vs libimagequant's 6.83 s, akihabara K = 4 1.14x
#: its time; 6 + 14: 3.36 s, 0.81x; PSNR and SSIM still >= libimagequant's in the 28
#: cells (the closest: termas K = 16 SSIM 0.8970 vs 0.8959; at 4 + 12, termas K = 16
#: tied on PSNR).
ATTEMPT_MAX_PASSES = 6
#: See ATTEMPT_MAX_PASSES.
ATTEMPT_RUN_ON_PASSES = 14
#: Passes of the refinement on all the colours after the coarse groups. Not measured.
REFINE_MAX_PASSES = 12
#: With more distinct colours than this, k-means first runs on coarse colour groups
#: (commit 3fffe85) ... Not measured as a threshold.
COARSE_MIN_ROWS = 16384
#: ... of this many levels per channel ... Not measured.
COARSE_LEVELS = 32
#: ... made finer until there are this many groups per cluster (the 16-bit ramp at
#: k = 256 gets 256 levels, > 58 dB; commit 27f170d) ...
COARSE_GROUPS_PER_CLUSTER = 8
#: ... up to this many levels (not measured: 16-bit data has no more).
MAX_LEVELS = 1 << 16
#: From this many colours, the cells of the coarse grid heavier than HEAVY_CELL_SHARE / k
#: of the total weight are split into cells SPLIT_FACTOR times finer before k-means++
#: (fastquant/_grid_cells.py). Measured against libimagequant (PSNR and SSIM, same
#: process, seed 1): at 24 MP, K = 256, SSIM -0.0038 / -0.0032 (rosetta / futuristic)
#: without the split, +0.0012 / +0.0021 with HEAVY_CELL_SHARE 1, +0.0001 / +0.0022 with
#: 1/4 (PSNR +0.04 / +0.08 dB before, +0.21 / +0.51 after); a coarse grid of 128 levels
#: everywhere did as well but took 1.3-3.8x longer. Split from K = 16 on, the 768x512
#: rich photos fell to 27 of 28 cells >= libimagequant in PSNR and in SSIM (jewel_changi
#: K = 16 SSIM -0.0051: the 5 attempts' seeding); from 64, 28 and 28.
SPLIT_MIN_COLOURS = 64
#: ... on images of at least this many pixels: on the 768x512 rich photos (0.4 MP, no
#: cell below libimagequant without it) the split made the K = 64 and 256 cells 9%
#: slower in all (same process, alternating; 2.57 against 2.35 s on a loaded machine);
#: the 1920x1280 ones (2.5 MP) need it (jewel_changi K = 256: SSIM -0.0007 against
#: libimagequant without, +0.0018 with). Not measured between those sizes. Not with
#: dithering: at 24 MP its nearest-colour search took 1.80 s on the split's palette
#: against 1.34 s (futuristic, same process), which put it under 3x libimagequant.
SPLIT_MIN_PIXELS = 1 << 21
#: See SPLIT_MIN_COLOURS.
HEAVY_CELL_SHARE = 1.0
#: See SPLIT_MIN_COLOURS (4: 32 levels to 128; 2 twice did about as well, not kept).
SPLIT_FACTOR = 4
#: Scale of Oklab coordinates (L in 0-1) so that the stopping movement means about the
#: same as in CIELAB (L* in 0-100) and RGB. Not measured.
OKLAB_SCALE = 100.0
#: The clustering of the colours runs on one thread below this many colours x clusters:
#: its many short passes gain less from a second thread than waking it costs, and lose
#: much on a busy machine; a small image then compiles no parallel k-means kernel (the
#: README's command: 5 s less of compiling). Measured at load 7.7 on 2 cores, wall time
#: of quantize (768x512 photos, 100k-250k colours) on one thread / two: K = 4, 100 / 313
#: and 139 / 440 ms; K = 256, 304 / 553 and 289 / 553 ms. 24 MP photos (600k colours at
#: K = 256) stay parallel.
SERIAL_MAX_WORK = 1 << 26
#: Images of fewer pixels than this are quantized on one thread throughout (k-means
#: follows SERIAL_MAX_WORK), so that a small image compiles no parallel kernel (the
#: README's command: 2 s less). Their passes last a few ms, and waking a second thread
#: for each costs more than it saves, the more so on a busy machine. messi.jpg (0.3 MP),
#: K = 8: 28 ms on one thread, 70 ms on two; 3 x 3 tiles of it (2.8 MP): 90 and 107 ms
#: (load 2.4). Measured on a 768x512 photo at load 7.4: 100 ms on one thread against 300
#: ms on two at K = 4, 300 against 400-550 ms at K = 256 (11 ms of CPU for the colour
#: table took 124-148 ms of wall time on two threads).
SERIAL_MAX_PIXELS = 1 << 21
#: Passes of plain k-means (every pixel weighing 1, so for the MSE) that end the
#: clustering. Measured over the 28 rich-photo cells (7 photos x K = 4, 16, 64, 256), the
#: worst PSNR difference to libimagequant with 0 / 1 / 2 / 3 / 4 passes: -0.031 / -0.014
#: / -0.004 / +0.003 / +0.011 dB (yosemite at K = 64), SSIM still above it in every cell.
MSE_PASSES = 4
#: Cells of quantize's nearest-center search grid (fastquant/_grid_lloyd.py): at most
#: this many (not measured) ...
GRID_MAX_CELLS = 1 << 15
#: ... and at least this many points per cell on average (see GRID_FINE's measurement); ...
GRID_POINTS_PER_CELL = 8
#: ... the candidates of a cell are taken among those of its coarse cell, this many
#: cells a side. Measured on one thread, a pass over boothbay's 245,919 colours (768x512)
#: to its 256-colour palette (an earlier kernel; brute-force search 19 ms): 8 points per
#: cell and GRID_FINE = 2, 4, 8: 7.3, 7.5, 9.7 ms; 32 points per cell: 8.9, 12.7,
#: 12.5 ms. At 8 and 4, 5.4 candidates per colour on average.
GRID_FINE = 4
#: Grids of at most this many cells number their cells through a table of that many
#: int32 (8 MiB); larger ones through the hashed colour table. A 2**24 table took 64 MB;
#: with 2**21, quantize of a 6 MP photo needs 2.8x its bytes besides the image (commit
#: 9b452ed).
DENSE_KEY_SPACE = 1 << 21

# ---------------------------------------------------------------------------------------
# The scikit-learn estimator (fastquant/_estimator_checks.py)
# ---------------------------------------------------------------------------------------

#: An integer ``sample_weight`` runs on the repeated samples (bitwise the result of
#: repeating the rows) while its total stays within this many samples, or within
#: EXACT_WEIGHT_FACTOR times the number of rows; above, it runs as float weights. Not
#: measured (a memory bound: the repeated rows are materialised).
EXACT_WEIGHT_MIN_TOTAL = 1 << 24
#: See EXACT_WEIGHT_MIN_TOTAL.
EXACT_WEIGHT_FACTOR = 16
#: Largest relative ``tol``: 1 already stops once the centers move less than the data
#: spread. Not measured (a sanity bound on the argument).
MAX_TOL = 1e10

# ---------------------------------------------------------------------------------------
# Image files (fastquant/_imageread.py, fastquant/_indexed.py)
# ---------------------------------------------------------------------------------------

#: Default largest number of pixels ``read_image`` decodes: the size at which Pillow
#: itself refuses a file as a decompression bomb (twice ``Image.MAX_IMAGE_PIXELS`` as
#: Pillow ships it), applied here to every format. Not measured: Pillow's choice.
MAX_PIXELS = 2 * 89_478_485
#: Compressed pixel data of an indexed PNG is split into IDAT chunks of at most this
#: many bytes. Not measured.
IDAT_CHUNK = 1 << 20
#: zlib level of the indexed PNG encoder (the usual trade-off, as libpng's default). Not
#: measured.
PNG_COMPRESSION = 6

# ---------------------------------------------------------------------------------------
# fastquant bench (fastquant/_bench.py) and the comparison sheet (fastquant/_sheet.py)
# ---------------------------------------------------------------------------------------

#: A warm-up call (which compiles) runs on every WARMUP_STEP-th point. Not measured.
WARMUP_STEP = 64
#: Width of a sheet panel per unit of glyph magnification, in pixels. Not measured
#: (layout).
PIXELS_PER_FONT_SCALE = 200
#: Pixels between sheet panels and around labels. Not measured (layout).
SHEET_GAP = 8

# ---------------------------------------------------------------------------------------
# Passes over the cells of a colour grid (fastquant/_cell_lloyd.py, kernels/_cell_*.py)
# ---------------------------------------------------------------------------------------

#: The grid of the cell passes has 2**(CELL_TREE_BITS // D) cells per feature (D =
#: features). Measured on messi.jpg's 69,991 colours from converged centers, one thread,
#: load 5, build / pass at K = 2 / pass at K = 3, CPU ms: 12 bits (16 cells a feature)
#: 0.96 / 0.075 / 0.134; 15 bits 1.21 / 0.056 / 0.105; 18 bits 2.9-7.3 / 0.121 / 0.19 (its
#: 2 MiB leaf table no longer stays in cache).
CELL_TREE_BITS = 15
#: Cell passes run only up to this many clusters. Measured per pass on messi.jpg's
#: colours from converged centers, one thread, change-only / cells: K = 2 0.16 / 0.057,
#: K = 3 0.19 / 0.11, K = 4 0.20 / 0.20, K = 8 0.29 / 0.51 ms (at K = 8 few cells lie off
#: every bisector). Whole W1-like calls (10 attempts, load 5, min of 9, old / new wall
#: ms): K = 2 32.8 / 15.5, K = 3 74.1 / 35.5, K = 4 84.1 / 66.0 (the attempts' compactness
#: is summed only where it decides, which pays at K = 4 too).
CELL_TREE_MAX_CLUSTERS = 4
#: Cell passes run only up to this many features (the tree has 2**D children a node).
#: Not measured beyond D = 3 (photos).
CELL_TREE_MAX_FEATURES = 3
#: The walk of a pass starts at the nodes of this level (64 nodes at D = 3). Measured
#: as CELL_TREE_BITS, pass at K = 2 / K = 3: level 1 0.056 / 0.105, level 2 0.058 / 0.105,
#: level 3 0.059 / 0.107 ms: no difference.
CELL_TREE_START_LEVEL = 2

# ---------------------------------------------------------------------------------------
# The matrix-product pass (fastquant/_gemm_pass.py, kernels/_neighbours.py)
# ---------------------------------------------------------------------------------------

#: Nearest other centers kept per center: a row whose bounds fail is settled without a
#: search when fewer than this many centers lie within twice its distance from its
#: own (``_neighbours.settle_by_neighbours``). Measured on W4 (one thread, CPU, min of
#: 2 alternating): 4 3.56 s, 8 3.56, 16 3.59, 32 3.55, the same within the noise (rows
#: the table misses have dozens of centers that close); 8 keeps the table small.
NEAR_CENTERS = 8

# ---------------------------------------------------------------------------------------
# quantize's choice among its attempts (fastquant/_attempt_score.py)
# ---------------------------------------------------------------------------------------

#: From this many pixels, quantize keeps the attempt whose palette stands best in SSIM and
#: PSNR on sampled blocks (fastquant/_attempt_score.py) rather than the most compact one.
#: Measured at 1920x1280 (2.46 MP; K = 4 and 16, seed 1, against libimagequant): PSNR
#: and SSIM at least libimagequant's in 14 of 14 cells, against 12 (termas K = 16 SSIM
#: -0.0021, yosemite K = 16 -0.0009) with the most compact. Below it (the 768x512 rich
#: photos, already 28 of 28) the choice is left as it was: the README's small image
#: compiles no scoring kernel. Cost at 1920x1280, K = 4 and 16 (same process,
#: alternating, quiet machine, min of 3): 23-88 ms a call, 2.58 s against 1.92 s over the
#: 14 cells (mostly the five passes over all the colours; libimagequant: 0.5-0.9 s a call).
SCORE_MIN_PIXELS = 1 << 21
#: Side of the score's square blocks: scikit-image's SSIM window (7), not measured.
SCORE_BLOCK = 7
#: At most this many blocks are scored (a lattice over the image): 3,150 of the 49,868
#: blocks of a 1920x1280 photo. Measured on the 14 cells above, the attempts chosen on
#: 2**12 and 2**14 blocks were the same in all 14, and those chosen on all the blocks in
#: 13 (in the 14th, lake_atitlan K = 4, two attempts that end on the same PSNR and SSIM).
SCORE_MAX_BLOCKS = 1 << 12

# ---------------------------------------------------------------------------------------
# The matrix-product pass, continued (kernels/_neighbours.settle_by_movers)
# ---------------------------------------------------------------------------------------

#: Rows the bounds and the neighbours leave are measured against this many centers that
#: moved most; the others' bound widens by the next largest move only. W4 (one thread,
#: CPU s, min of 3, alternating; loaded machine): 0 3.30, 2 3.17, 4 2.99, 8 3.00, 16 3.11,
#: 32 3.29 (its 4th pass searches 8.8k rows instead of 368k: 4 centers moved
#: 14-38, the others below 13.3); 8 for data with a few more such jumps.
MOVERS = 8
