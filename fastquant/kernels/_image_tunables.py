"""The tuning choices of quantize and its image work: dithering, the colour clusters,
the choice among attempts and image files.

The other half of fastquant's tunables, with the same rules as ``_tunables`` (which
holds those of k-means and the passes): each says what it controls and the measurement
that chose it, or "not measured". Jitted code reads some of them as globals, frozen
into the machine code at compile time; the cache's source hash covers this file too.
"""

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
# quantize's first run (the README command's compiles; cold)
# ---------------------------------------------------------------------------------------

#: From this many centers, quantize's passes search each cell's candidate lists
#: (``_grid_search.grid_pass`` with its grid); with fewer, every center for every
#: colour, in the same order (same labels and sums), in one run per chunk, and the
#: pass compiled without the lists: 0.5 s less on the README command's empty cache
#: (K = 8). Measured warm on the seven 768x512 rich photos (7 quantize calls, same
#: process, the two alternating, min of 3), every center / lists: K = 4 270 / 308 ms,
#: 8 292 / 321, 12 318 / 344, 16 338 / 355, 24 358 / 355, 32 391 / 373, 48 465 / 407.
GRID_LIST_MIN_CENTERS = 24

