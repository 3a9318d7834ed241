"""Every tuning choice of fastquant's k-means in one place: thresholds, sizes and budgets.

Its twin ``_image_tunables`` holds quantize's (dithering, the colour clusters, the
choice among attempts, image files); the two are the only homes of tunables.

A tunable is a number someone chose (and could choose differently) to trade speed,
memory or quality; a mathematical or format constant (float32's unit roundoff, a hash
multiplier, PNG's 256 palette entries, cv2's limits) stays next to the code it belongs
to. Each tunable below says what it controls and the measurement that chose it, or
"not measured" where none was recorded (in the code, the git log or the session notes).

This module lives in the kernels package because jitted code reads some of these values
as globals, which numba freezes into the machine code at compile time: the on-disk
cache is keyed on a hash of every file of the package (``fastquant._jit``), so an edit
here recompiles every kernel. The Python layer imports the values it uses from here
too. ``tests/kernels/test_tunables.py`` fails when another module defines a numeric ALL_CAPS
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
# The matrix-product pass (fastquant/_gemm_pass.py, kernels/_neighbours.py, _gather.py)
# ---------------------------------------------------------------------------------------

#: Nearest other centers kept per center: a row whose bounds fail is settled without a
#: search when fewer than this many centers lie within twice its distance from its
#: own (``_neighbours.settle_by_neighbours``). Measured on W4 (one thread, CPU, min of
#: 2 alternating): 4 3.56 s, 8 3.56, 16 3.59, 32 3.55, the same within the noise (rows
#: the table misses have dozens of centers that close); 8 keeps the table small.
NEAR_CENTERS = 8
#: Rows the bounds and the neighbours leave are measured against this many centers that
#: moved most; the others' bound widens by the next largest move only. W4 (one thread,
#: CPU s, min of 3, alternating; loaded machine): 0 3.30, 2 3.17, 4 2.99, 8 3.00, 16 3.11,
#: 32 3.29 (its 4th pass searches 8.8k rows instead of 368k: 4 centers moved
#: 14-38, the others below 13.3); 8 for data with a few more such jumps.
MOVERS = 8

# ---------------------------------------------------------------------------------------
# The check of byte-valued points that keys their rows (kernels/_byte_rows.py)
# ---------------------------------------------------------------------------------------

#: Values checked between two looks at whether one was not a byte (float data stop after
#: the first block). Measured, the check and keys of messi.jpg's 306,908 x 3 values, ms
#: (min of 40, twice): 2**10 0.89 / 0.90, 2**12 0.87 / 0.88, 2**16 0.95 / 0.90: no difference.
#: Rows of three features go by blocks of BYTE_CHECK_BLOCK // 4 rows (_byte_rows._TRIPLE_ROWS;
#: blocks of 2**8, 2**10, 2**12 rows measured alike, 2**14 slower: 0.52, 0.52, 0.53, 0.55 ms).
BYTE_CHECK_BLOCK = 1 << 12

# ---------------------------------------------------------------------------------------
# cv2's empty-cluster repair (kernels/_repair.py)
# ---------------------------------------------------------------------------------------

#: From this many features the repair's farthest-sample search measures the cluster's
#: rows eight in step (``_common.sq_dist8``); below, one row at a time. Measured (one
#: thread, min of 20, 70% of the rows in the cluster, random order), row by row / in
#: step: D = 3 0.55x, 8 0.58x, 16 0.61x, 32 0.66x, 48 0.73x, 64 0.91x, 96 1.02x,
#: 128 1.12x; messi.jpg's 69,991 colours at K = 2: 0.13 against 0.49 ms.
FARTHEST_IN_STEP_MIN_FEATURES = 96

# ---------------------------------------------------------------------------------------
# The distinct table of byte-valued points (kernels/_byte_rows.py)
# ---------------------------------------------------------------------------------------

#: Keys of one bitmap word written with no branch (the rest by a loop), messi.jpg's 27,826
#: words of 69,991 keys (1-4 keys in 85% of the words), ms (min of 60, twice): a loop over
#: every key 0.39 / 0.40, 2 written 0.36 / 0.37, 4 written 0.30 / 0.31 (measured one pass
#: of the words, their rank bases and keys); checked_points whole, ms (min of 60, twice,
#: alternating): 2 1.59 / 1.46, 4 1.53 / 1.44, 6 1.53 / 1.40, 8 1.53 / 1.40.
BYTE_KEYS_UNROLLED = 4
