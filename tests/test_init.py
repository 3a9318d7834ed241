"""fastquant/__init__.py: the public names, and what a kmeans-only script imports."""

import subprocess
import sys

import pytest

import fastquant


def test_a_kmeans_script_imports_no_image_or_estimator_module():
    code = (
        "import sys, numpy as np, fastquant\n"
        "fastquant.kmeans(np.random.rand(50, 3).astype(np.float32), 2, None, (3, 5, 1.0), 1, 2)\n"
        "print(' '.join(m for m in ('fastquant._quantize', 'fastquant._palette',\n"
        "      'fastquant._frames', 'fastquant.estimator', 'imageio', 'PIL') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == []


@pytest.mark.parametrize("name", sorted(fastquant._LAZY))
def test_lazy_names_resolve_to_their_modules_objects(name):
    import importlib

    module = importlib.import_module(fastquant._LAZY[name], "fastquant")
    assert getattr(fastquant, name) is getattr(module, name)
    assert name in dir(fastquant) and name in fastquant.__all__


def test_an_unknown_name_raises_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'quantise'"):
        fastquant.quantise  # noqa: B018
