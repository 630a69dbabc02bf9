"""VS Code's notebooks: the kernel learns the notebook's path from `__vsc_ipynb_file__` (VS Code sets it in the user
namespace; there is no `JPY_SESSION_NAME`), and the kernel's working folder need not be the notebook's. `%lesson` must
find the reproduction beside that notebook and `%%reproduce` must record against it."""
import os
from pathlib import Path
import pytest
from test_kernel import e2e_kernel, problems, run_notebook, shown  # noqa: F401 (fixture)

pytestmark = pytest.mark.slow  # real kernels

def _demo_ref(start):
    from learnkit.book.chapters import load_chapter
    return next(c.id for c in load_chapter('demo').code_cells if c.source.startswith(start))

def test_lesson_and_reproduce_record_against_the_vscode_notebook(e2e_kernel, monkeypatch):
    from learnkit.reproduce.scaffold import write_scaffold
    from learnkit.store.db import get_store
    monkeypatch.delenv('JPY_SESSION_NAME', raising=False)
    monkeypatch.delenv('VSCODE_PID', raising=False)
    proj = e2e_kernel/'course'/'week1'  # the learner's notebooks; the kernel runs one folder up
    proj.mkdir(parents=True)
    nb_file = proj/'demo_reproduce.ipynb'
    write_scaffold('demo', out=str(nb_file))
    ref = _demo_ref('files = get_image_files(path)')
    cells = [f'__vsc_ipynb_file__ = {str(nb_file)!r}  # what VS Code puts in the namespace',
             '%load_ext learnkit',
             '%lesson demo',
             'from fastai.vision.all import *\nfrom learnkit.book.datasets import demo_data\npath = demo_data()',
             f'%%reproduce {ref}\nfiles = get_image_files(path)\nlen(files)']
    nb = run_notebook(cells, e2e_kernel)
    for src, cell in zip(cells, nb.cells): assert not problems(cell), f'{src!r}: {shown(cell, errors=True)}'
    panel = shown(nb.cells[2])
    assert 'cannot draw' not in panel and 'ipywidgets>=8' not in panel  # VS Code draws both ipywidgets majors
    # The panel found the reproduction beside the notebook, though the kernel's folder is another one.
    assert nb_file.name in panel, panel
    assert not (e2e_kernel/'demo_reproduce.ipynb').exists()
    assert 'match' in shown(nb.cells[4]).replace('mismatch', '')
    st = get_store()
    assert [r['notebook'] for r in st.rows('attempts', 'ref=?', (ref,))] == [str(nb_file)]
    assert [r['notebook'] for r in st.rows('sessions')] == [str(nb_file)]
