"""fastquant._jit: where jitted code lives, how it is launched, and its on-disk cache."""

import ast
import gc
import importlib
import os
import pkgutil
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numba
import numpy as np
import pytest

import fastquant
from fastquant import _jit

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "fastquant"


def _all_modules():
    modules = []
    for info in pkgutil.walk_packages(fastquant.__path__, "fastquant."):
        if info.name.endswith("__main__"):
            continue
        try:
            modules.append(importlib.import_module(info.name))
        except ImportError:  # an optional extra (dask) that is not installed
            continue
    return modules


def _is_jitted(value):
    return isinstance(value, numba.core.registry.CPUDispatcher)


def test_every_jitted_function_is_defined_in_the_kernels_package():
    found = []
    for module in _all_modules():
        for name, value in vars(module).items():
            if _is_jitted(value):
                found.append(value)
                assert value.py_func.__module__.startswith("fastquant.kernels"), (
                    f"{module.__name__}.{name} is jitted outside fastquant.kernels"
                )
    assert len(found) > 20  # the scan sees the kernels


def _parallel_kernel_names():
    names = {kernel.py_func.__name__ for kernel in _jit._SERIAL_TWINS}
    assert {"assign", "assign_and_accumulate", "kmeanspp_rows", "label_distance_sum"} <= names
    return names


def _kernel_aliases(tree):
    """Local names bound by imports of the kernels package or of its modules."""
    aliases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (
            "kernels" in (node.module or "") or any(a.name == "kernels" for a in node.names)
        ):
            aliases.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            aliases.update(a.asname or a.name for a in node.names if "kernels" in a.name)
    return aliases


def _direct_calls(path, names):
    """(line, name) of every call, in ``path``, of a kernel called one of ``names``:
    ``name(...)`` imported from the kernels package, or ``module.name(...)`` with the
    kernels package or one of its modules imported as ``module``."""
    tree = ast.parse(path.read_text(), str(path))
    aliases = _kernel_aliases(tree)
    calls = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in aliases and func.id in names:
            calls.append((node.lineno, func.id))
        elif (isinstance(func, ast.Attribute) and func.attr in names
              and isinstance(func.value, ast.Name) and func.value.id in aliases):
            calls.append((node.lineno, func.attr))
    return calls


def test_parallel_kernels_are_launched_only_through_launch():
    names = _parallel_kernel_names()
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "kernels" in path.relative_to(PACKAGE).parts[:1]:
            continue  # kernels call each other inside compiled code
        offenders += [(str(path.relative_to(ROOT)), *call) for call in _direct_calls(path, names)]
    assert offenders == []


def test_the_direct_call_scan_finds_a_direct_call(tmp_path):
    source = tmp_path / "bad.py"
    source.write_text(
        "from fastquant import kernels\nfrom .kernels import _passes\n"
        "from .kernels._seeding import kmeanspp_rows\n"
        "kernels.assign(x, c, l, d)\n_passes.label_distance_sum(x)\nkmeanspp_rows(x)\n"
        "launch(kernels.assign, x)\npasses.assign(centers)\n"
    )
    assert _direct_calls(source, _parallel_kernel_names()) == [
        (4, "assign"), (5, "label_distance_sum"), (6, "kmeanspp_rows"),
    ]


def _run(code, cwd=ROOT, **env):
    """Run ``code`` in a fresh interpreter that imports fastquant from ``cwd``."""
    full_env = {**os.environ, **env}
    full_env.pop("FASTQUANT_DISABLE_CACHE", None)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code) + "\nimport fastquant; assert fastquant.__file__.startswith(%r)" % str(cwd)],
        capture_output=True, text=True, env=full_env, timeout=600, cwd=cwd,
    )


_RANDOM_CENTERS = """
    import numpy as np
    from fastquant.kernels import _random
    state = np.array([7], dtype=np.uint64)
    centers = _random.random_centers(np.zeros(2, np.float32), np.full(2, 10, np.float32), 2, state)
    print(repr(centers.ravel().tolist()), "|", sum(_random.random_centers.stats.cache_hits.values()))
"""


@pytest.fixture
def package_copy(tmp_path):
    """A copy of the fastquant package with its own cache directory."""
    shutil.copytree(PACKAGE, tmp_path / "fastquant", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path, {"cwd": tmp_path, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}


def _warm_edit_rerun(root, env, code, module, old, new):
    """Run ``code`` twice (compiled, then from the cache), replace ``old`` by ``new`` in
    kernels/``module`` and run it again; the printed values before and after the edit,
    and the cache hits of the run after it."""
    first = _run(code, **env)
    assert first.returncode == 0, first.stderr
    values, hits = first.stdout.split(" | ")
    assert hits.strip() == "0"  # compiled
    again = _run(code, **env)
    assert again.stdout.split(" | ") == [values, "1\n"]  # loaded from the cache
    path = root / "fastquant" / "kernels" / module
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    edited = _run(code, **env)
    assert edited.returncode == 0, edited.stderr
    new_values, hits = edited.stdout.split(" | ")
    return values, new_values, int(hits)


def test_cache_is_used_then_invalidated_by_an_edit_of_another_kernel_file(package_copy):
    # random_centers (in _random.py) widens the box by F32_TWO, a constant of _common.py
    values, new_values, hits = _warm_edit_rerun(
        *package_copy, _RANDOM_CENTERS, "_common.py",
        "F32_TWO = np.float32(2.0)", "F32_TWO = np.float32(4.0)",
    )
    assert hits == 0  # recompiled, not the stale machine code
    assert new_values != values


_CHUNK_COUNT = """
    from fastquant.kernels import _common
    print(_common.chunk_count(10**6), "|", sum(_common.chunk_count.stats.cache_hits.values()))
"""


def test_an_edit_of_a_tunable_recompiles_the_kernels_that_read_it(package_copy):
    values, new_values, hits = _warm_edit_rerun(
        *package_copy, _CHUNK_COUNT, "_tunables.py", "\nMAX_CHUNKS = 256\n", "\nMAX_CHUNKS = 100\n",
    )
    assert (values, new_values, hits) == ("256", "100", 0)


def test_unreadable_cache_files_are_recompiled(package_copy):
    root, env = package_copy
    first = _run(_RANDOM_CENTERS, **env)
    assert first.returncode == 0, first.stderr
    cache_files = [p for p in (root / "cache").rglob("*") if p.suffix in (".nbi", ".nbc")]
    assert cache_files
    for path in cache_files:
        path.write_bytes(path.read_bytes()[:7])  # truncated
    again = _run(_RANDOM_CENTERS, **env)
    assert again.returncode == 0, again.stderr
    assert again.stdout.split(" | ")[0] == first.stdout.split(" | ")[0]


def test_disable_jit_runs_the_kernels_as_python():
    code = """
        import numpy as np, fastquant as fq
        rng = np.random.default_rng(0)
        points = rng.integers(0, 50, (2000, 3)).astype(np.float32)
        fq.setRNGSeed(1)
        compactness, labels, centers = fq.kmeans(points, 5, None, (3, 10, 1.0), 2, fq.KMEANS_PP_CENTERS)
        image = rng.integers(0, 256, (30, 40, 3)).astype(np.uint8)
        print(compactness, centers.tobytes().hex(), fq.quantize(image, 6, dither=True).image.tobytes().hex())
    """
    plain = _run(code, NUMBA_DISABLE_JIT="1")
    assert plain.returncode == 0, plain.stderr
    jitted = _run(code)
    assert jitted.returncode == 0, jitted.stderr
    assert plain.stdout == jitted.stdout


def test_kernel_options_come_from_one_place():
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        if path.name != "_jit.py":
            assert "njit(" not in text and "numba.jit(" not in text, path
            assert "fastmath" not in text, path


def test_source_hash_covers_every_kernel_file():
    before = _jit._source_hash()
    assert len(before) == 64
    names = sorted(p.name for p in (PACKAGE / "kernels").glob("*.py"))
    assert "_common.py" in names and "__init__.py" in names
    np.testing.assert_equal(before, _jit._source_hash())  # stable


_README_COMMAND_COMPILES = """
    import gc, os
    import numba
    from numba.core import event
    from fastquant import _jit
    from fastquant.cli import main
    empty = []
    class Empty(event.Listener):  # numba's np.empty, compiled once per dtype and ndim
        def on_start(self, ev):
            if ev.data["dispatcher"].py_func.__qualname__.startswith("ol_np_empty."):
                empty.append(str(ev.data["args"]))
        def on_end(self, ev):
            pass
    event.register("numba:compile", Empty())
    main(["--example", "-k", "8", "-o", os.path.join(%r, "messi-8.png"), "--force"])
    for value in gc.get_objects():
        if (isinstance(value, numba.core.registry.CPUDispatcher)
                and value.py_func.__module__.startswith("fastquant") and value.overloads):
            print(value.py_func.__qualname__, len(value.overloads),
                  value in _jit._SERIAL_TWINS)
    print("np.empty", len(empty))
"""
#: The README command's budget (numba 0.68): the fastquant functions it compiles (each
#: 0.04-1 s of a first run) and numba's np.empty specialisations (0.03 s each). A
#: change on quantize's path that compiles more must say why, here.
README_FUNCTIONS = 13
README_EMPTY_SPECIALISATIONS = 5


def test_the_readme_command_compiles_one_specialisation_of_each_function(tmp_path):
    # Each specialisation costs a user's first run its compile (0.05-1.5 s): a kernel or
    # helper called with other dtypes, layouts or constant arguments (numba compiles a
    # helper once per literal value: f(x, True) and f(x, False) are two) compiles again.
    # The README's first command is a small image: its launches all run serial twins,
    # so no parallel kernel compiles. In a fresh cache, every helper compiles too.
    run = _run(_README_COMMAND_COMPILES % str(tmp_path), NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    assert run.returncode == 0, run.stderr
    compiled = [line.split() for line in run.stdout.splitlines() if len(line.split()) == 3]
    assert [name for name, _, parallel in compiled if parallel == "True"] == []
    names = {name for name, _, _ in compiled}
    assert {"kmeanspp_small", "grid_pass_serial", "byte_colour_table_serial"} <= names
    assert "kmeanspp_serial" not in names  # (quantize's own seeding compiles less)
    assert [(name, count) for name, count, _ in compiled if count != "1"] == []
    # helpers written into their one caller (a compile less each)
    assert not {"_cell_candidates", "_with_center"} & names
    assert len(names) <= README_FUNCTIONS, sorted(names)
    empty = [line for line in run.stdout.splitlines() if line.startswith("np.empty ")]
    assert int(empty[0].split()[1]) <= README_EMPTY_SPECIALISATIONS


def _collections_while_compiling(module):
    """Collections of Python's cyclic collector during the compile of a new function of
    ``module`` made by ``_jit.helper`` (at its first call), and whether the collector
    is enabled afterwards."""
    source = textwrap.dedent("""
        def probe(x):
            total = 0.0
            for i in range(x.shape[0]):
                total += x[i] * 2.0 + np.sqrt(x[i])
            return total
    """)
    namespace = {"np": np}
    exec(source, namespace)
    probe = namespace["probe"]
    probe.__module__ = module
    dispatcher = _jit.helper(probe)
    seen = []
    depth = [0]

    class Compiling(numba.core.event.Listener):
        def on_start(self, ev):
            depth[0] += 1

        def on_end(self, ev):
            depth[0] -= 1

    def record(phase, info):
        if phase == "start" and depth[0] > 0:
            seen.append(info["generation"])

    listener = Compiling()
    threshold = gc.get_threshold()
    numba.core.event.register("numba:compile", listener)
    gc.callbacks.append(record)
    gc.set_threshold(50)  # many collections in a compile, none between two listeners
    try:
        dispatcher(np.ones(3))
    finally:
        gc.set_threshold(*threshold)
        gc.callbacks.remove(record)
        numba.core.event.unregister("numba:compile", listener)
    return len(seen), gc.isenabled()


def test_the_collector_is_paused_while_a_fastquant_function_compiles():
    # (at most one collection falls between the pause's end and this test's listener)
    collections, enabled = _collections_while_compiling("fastquant.kernels._probe")
    assert collections <= 1 and enabled
    # another package's compile is left alone (and is what a broken pause looks like)
    collections, enabled = _collections_while_compiling("elsewhere")
    assert collections > 100 and enabled
    gc.disable()
    try:  # a collector the caller disabled stays disabled
        assert _collections_while_compiling("fastquant.kernels._probe") == (0, False)
    finally:
        gc.enable()


def test_the_collector_is_enabled_again_after_a_failed_compile():
    def probe(x):
        return x.no_such_attribute

    probe.__module__ = "fastquant.kernels._probe"
    with pytest.raises(numba.core.errors.TypingError):
        _jit.helper(probe)(np.ones(3))
    assert gc.isenabled()


@pytest.mark.parametrize("step", ["save_overload", "load_overload"])
def test_the_collector_is_paused_while_a_cache_entry_is_saved_or_loaded(monkeypatch, step):
    # numba saves a compiled function to its cache after the compile event, and loads
    # one before any: both make many objects, and ran 120 of the README command's
    # collections before they were paused too.
    enabled_inside = []

    def record(self, *args):
        enabled_inside.append(gc.isenabled())
        raise OSError("unwritable")  # and the collector still comes back

    monkeypatch.setattr(numba.core.caching.FunctionCache, step, record)
    dispatcher = _jit.helper(lambda x: x + 1)
    cache = dispatcher._cache
    if not isinstance(cache, _jit._PackageCache):
        pytest.skip("no cache location here")
    getattr(cache, step)(None, None)
    assert enabled_inside == [False] and gc.isenabled()
    gc.disable()
    try:  # a collector the caller disabled stays disabled
        getattr(cache, step)(None, None)
        assert not gc.isenabled()
    finally:
        gc.enable()
