"""fastquant.kernels._tunables and _image_tunables: the one place for tuning choices (k-means'
half and quantize's half), and the rule that keeps it so."""

import ast
from pathlib import Path

from fastquant import _colour_clusters, _lloyd
from fastquant.kernels import _colour_table, _common, _image_tunables, _tunables

PACKAGE = Path(__file__).resolve().parents[2] / "fastquant"
TUNABLES = PACKAGE / "kernels" / "_tunables.py"
IMAGE_TUNABLES = PACKAGE / "kernels" / "_image_tunables.py"
HOMES = (TUNABLES, IMAGE_TUNABLES)

#: Numeric ALL_CAPS constants allowed outside _tunables: true constants, each with why.
TRUE_CONSTANTS = {
    "_bench_data.py": {"PASSES": "W2-W4 are defined with 10 passes", "SEED": "the data's seed"},
    "_colorspace.py": {"_DELTA": "CIELAB's definition (6/29)"},
    "constants.py": {name: "cv2's value" for name in (
        "TERM_CRITERIA_COUNT", "TERM_CRITERIA_EPS", "KMEANS_RANDOM_CENTERS",
        "KMEANS_USE_INITIAL_LABELS", "KMEANS_PP_CENTERS", "KMEANSPP_TRIALS")},
    "_files.py": {"SKIPPED_LARGER": "exit status", "SKIPPED_QUALITY": "exit status"},
    "_cli_report.py": {"EXIT_INTERRUPTED": "exit status (128 + SIGINT)",
               "EXIT_BROKEN_PIPE": "exit status (128 + SIGPIPE)"},
    "_indexed.py": {"_MAX_ENTRIES": "PNG and GIF palettes hold 256 entries"},
    "_rng.py": {"_FRESH_STATE": "cv::RNG's default state", "_INT_MIN": "C int",
                "_INT_MAX": "C int"},
    "_validation.py": {"MAX_COUNT": "cv2 clamps maxCount", "MIN_COUNT": "cv2 clamps maxCount",
                       "MAX_CHANNELS": "OpenCV's CV_CN_MAX"},
    "kernels/_bounds.py": {"F32_ROUNDING": "rounding margin", "_F64_SLACK": "rounding margin",
                           "TINY_DISTANCE": "underflow margin"},
    "kernels/_candidate_walk.py": {"_TWO_U": "float64 rounding", "_FOUR_U": "float64 rounding",
                                   "_TINY": "underflow margin"},
    "kernels/_byte_rows.py": {"_BYTE_VALUES": "a byte", "_BYTE_BITS": "a byte",
                              "_MAX_FEATURES": "bytes of an int32 key"},
    "kernels/_cell_passes.py": {"_MARGIN_PER_FEATURE": "float32 rounding of a distance",
                                "_TINY": "underflow margin"},
    "kernels/_chunk_table.py": {name: "packing format" for name in (
        "_ENTRY_COUNT_BITS", "_ENTRY_COUNT_MASK", "_ENTRY_ONE")},
    "kernels/_colour_table.py": {"_FNV_OFFSET": "FNV-1a", "_FNV_PRIME": "FNV-1a",
                                 "_MIX": "splitmix64 multiplier"},
    "kernels/_common.py": {"F32_ZERO": "float32 0", "F32_ONE": "float32 1", "F32_TWO": "float32 2"},
    "kernels/_key_bitmap.py": {"_ONE64": "bit"},
    "kernels/_grid_search.py": {"_SLACK": "rounding margin of float32 distances",
                                "_MARGIN": "a rounded point stays in its cell's box"},
    "kernels/_dither.py": {"_CELL_MARGIN": "rounding margin of a cell index",
                           "_VALUE_MARGIN": "rounding margin of a value",
                           "_CANDIDATE_SLACK": "rounding margin of a distance"},
    "kernels/_random.py": {
        "_RNG_MULTIPLIER": "cv::RNG", "_LOW32": "mask", "_SHIFT32": "shift",
        "_FLOAT_SCALE": "2**-32", "_DOUBLE_SCALE": "2**-64", "_GOLDEN_GAMMA": "splitmix64",
        "_MIX1": "splitmix64", "_MIX2": "splitmix64", "_TOP53_SCALE": "2**-53",
    },
    "kernels/_tiles.py": {"_UNIT": "float32 unit roundoff", "_F32_TINY": "smallest float32",
                          "_NORM_LIMIT": "float32 overflow bound",
                          "_MARGIN_SLACK": "rounding margin"},
}


def _is_caps(name):
    stripped = name.lstrip("_")
    return bool(stripped) and stripped[0].isalpha() and stripped == stripped.upper()


def _is_numeric(node):
    """A number written in the source: literals, arithmetic on literals, and numpy
    scalar constructors of those (``np.float32(2.0)``)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (int, float)) and not isinstance(node.value, bool)
    if isinstance(node, ast.UnaryOp):
        return _is_numeric(node.operand)
    if isinstance(node, ast.BinOp):
        return _is_numeric(node.left) and _is_numeric(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return len(node.args) == 1 and not node.keywords and _is_numeric(node.args[0])
    return False


def numeric_constants(path):
    """``{name: line}`` of the module-level ALL_CAPS names ``path`` assigns a number."""
    found = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name) and _is_caps(target.id) and _is_numeric(value):
                found[target.id] = node.lineno
    return found


def test_no_module_but_tunables_defines_a_numeric_constant_off_the_list():
    strays, stale = [], []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path in HOMES:
            continue
        name = path.relative_to(PACKAGE).as_posix()
        found = numeric_constants(path)
        allowed = TRUE_CONSTANTS.get(name, {})
        strays += [f"{name}:{line} {constant}" for constant, line in found.items()
                   if constant not in allowed]
        stale += [f"{name} {constant}" for constant in allowed if constant not in found]
    assert not strays, "tunables belong in fastquant/kernels/_tunables.py or _image_tunables.py: " + ", ".join(strays)
    assert not stale, "allow-listed constants no longer defined: " + ", ".join(stale)


def test_the_scan_finds_a_stray_tunable(tmp_path):
    source = tmp_path / "stray.py"
    source.write_text(
        "import numpy as np\nCHUNK = 1 << 10\n_SLACK: float = -1e-3\nNAMES = ('a',)\n"
        "SCALE = np.float32(2.0)\nDERIVED = CHUNK * 2\nlower = 5\n"
    )
    assert numeric_constants(source) == {"CHUNK": 2, "_SLACK": 3, "SCALE": 5}


def test_every_tunable_says_what_chose_it():
    counts = []
    for home in HOMES:
        lines = home.read_text().splitlines()
        names = numeric_constants(home)
        counts.append(len(names))
        for name, line in names.items():
            comment = []
            index = line - 2
            while index >= 0 and lines[index].startswith("#:"):
                comment.insert(0, lines[index][2:].strip())
                index -= 1
            text = " ".join(comment).lower()
            assert comment, f"{name} has no '#:' comment"
            assert any(word in text for word in ("measure", "commit", "see ", "choice")), (
                f"{name}: say what measurement chose it, or 'not measured'"
            )
    assert min(counts) >= 30


def test_the_two_homes_share_no_name():
    assert not set(numeric_constants(TUNABLES)) & set(numeric_constants(IMAGE_TUNABLES))


def test_the_limits_the_code_relies_on():
    assert _tunables.MAX_CHUNKS <= 256  # _chunk_table packs a chunk index in 8 bits
    assert _tunables.HASH_PARTITIONS & (_tunables.HASH_PARTITIONS - 1) == 0  # a power of two
    assert _tunables.MIN_BUDGET_CHUNKS <= _tunables.MAX_CHUNKS
    assert _tunables.ROW_BLOCK_MAX_FEATURES * _tunables.ROW_BLOCK * 4 <= 4 << 20  # 4 MiB a thread


def test_the_modules_use_the_tunables():
    assert _common.MAX_CHUNKS is _tunables.MAX_CHUNKS
    assert _lloyd.BOUNDS_MIN_CLUSTERS is _tunables.BOUNDS_MIN_CLUSTERS
    assert _colour_clusters.REFINE_CRITERIA.max_iter == _image_tunables.REFINE_MAX_PASSES
    # the hash partition of a colour is its top log2(HASH_PARTITIONS) bits
    assert 1 << (32 - int(_colour_table._PARTITION_SHIFT)) == _tunables.HASH_PARTITIONS
