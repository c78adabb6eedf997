"""The tutorial notebooks run top to bottom in fast mode (`FAST=1`), so a tutorial cannot
rot, and the committed ones carry the outputs of a full run.

Fast runs happen under the default backend (TensorFlow) only, except the backend tutorial,
which runs under all three: each pytest process has one backend, and a notebook kernel
costs seconds to start. The kernels run two at a time (most of a fast run is a kernel
importing the frameworks, one core each); each notebook still passes or fails on its own.
"""

import concurrent.futures
import importlib.util
import os
import re

import nbformat
import pytest

from conftest import BACKEND, ROOT

TUTORIALS = os.path.join(ROOT, "tutorials")
ALL_BACKENDS = ("09_switching_backends.ipynb",)


def _executor():
    spec = importlib.util.spec_from_file_location("tutorial_execute",
                                                  os.path.join(TUTORIALS, "execute.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


execute = _executor()
NOTEBOOKS = execute.notebooks()


def test_the_nine_tutorials_are_there():
    assert [name[:2] for name in NOTEBOOKS] == [f"{i:02d}" for i in range(1, 10)], NOTEBOOKS


def _runs_here(name):
    return BACKEND == "tensorflow" or name in ALL_BACKENDS


@pytest.fixture(scope="module")
def fast_runs(request):
    """Fast runs of the notebooks that this session's tests ask for, started together,
    two kernels at a time: name -> Future of the executed notebook."""
    wanted = [item.callspec.params["name"] for item in request.session.items
              if item.originalname == "test_notebook_runs_in_fast_mode"]
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=2)
    runs = {name: pool.submit(execute.execute, name, fast=True, timeout=600, backend=BACKEND)
            for name in wanted if _runs_here(name)}
    yield runs
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_in_fast_mode(name, fast_runs):
    if not _runs_here(name):
        pytest.skip("tutorials run under the default backend (TensorFlow); "
                    "the backend tutorial under all three")
    nb = fast_runs[name].result()
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code and all(cell.execution_count for cell in code)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_notebook_holds_a_full_run(name):
    nb = nbformat.read(os.path.join(TUTORIALS, name), as_version=4)
    nbformat.validate(nb)
    made = nb.metadata.get("keras_gan", {})
    assert made.get("mode") == "full", f"{name} was not written by a full run of execute.py"
    if name in ALL_BACKENDS:
        assert made.get("backend") in ("tensorflow", "jax", "torch")
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    counts = [cell.execution_count for cell in code]
    assert counts == list(range(1, len(code) + 1)), f"{name}: cells not run in order {counts}"
    execute.check_outputs(nb, name)
    assert any(cell.cell_type == "markdown" for cell in nb.cells)
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.metadata.get("gallery"):
            path = os.path.join(TUTORIALS, "gallery", cell.metadata["gallery"])
            with open(path, "rb") as f:
                assert f.read() in list(execute._images(cell)), \
                    f"gallery/{cell.metadata['gallery']} is not the image {name} shows"


def test_fast_switch_is_read_by_every_notebook():
    for name in NOTEBOOKS:
        nb = nbformat.read(os.path.join(TUTORIALS, name), as_version=4)
        source = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "code")
        assert 'os.environ.get("FAST"' in source, f"{name} does not read the FAST switch"


def test_readme_gallery_shows_the_notebooks_pictures():
    with open(os.path.join(ROOT, "README.md")) as f:
        shown = set(re.findall(r"\(tutorials/gallery/([\w.-]+\.png)\)", f.read()))
    marked = set()
    for name in NOTEBOOKS:
        nb = nbformat.read(os.path.join(TUTORIALS, name), as_version=4)
        marked |= {cell.metadata["gallery"] for cell in nb.cells if cell.metadata.get("gallery")}
    on_disk = set(os.listdir(os.path.join(TUTORIALS, "gallery")))
    assert shown == marked == on_disk, (shown, marked, on_disk)
