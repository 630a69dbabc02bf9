"""What a Colab learner does first, in a real kernel that says it is Colab (`google.colab` imported, as on Colab):
the README's "In Colab" cells as written (apart from the install line), then a `%%reproduce` cell, a `%%timeit_log`
cell, `learnkit report` and a book chapter with no fastbook clone. The Colab CI stack runs this on Colab's own pins
(Python 3.13, IPython 7.34, ipywidgets 7.7.1), with learnkit installed from the wheel; `LEARNKIT_REQUIRE_WHEEL=1`
makes the test fail when the kernel's learnkit is not the installed package."""
import json, os, re, shutil, sys
from pathlib import Path
import pytest
from test_kernel import e2e_kernel, problems, run_notebook, shown, view_ids, widget_models  # noqa: F401 (fixture)

pytestmark = pytest.mark.slow  # real kernels

README = Path(__file__).resolve().parents[1]/'README.md'
FIXTURES = Path(__file__).parent/'fixtures'
AS_COLAB = "import sys, types\nsys.modules.setdefault('google.colab', types.ModuleType('google.colab'))  # what Colab's kernel has imported"

def readme_colab_cells() -> list[str]:
    "The code blocks of the README's 'In Colab' section, one cell each, without the `!pip install` line."
    text = README.read_text(encoding='utf-8')
    sec = re.search(r'^## In Colab\n(.*?)(?=^## )', text, re.S | re.M)
    assert sec, 'the README has no "## In Colab" section'
    blocks = re.findall(r'```python\n(.*?)```', sec.group(1), re.S)
    cells = ['\n'.join(l for l in b.splitlines() if not l.startswith('!pip install')).strip() for b in blocks]
    return [c for c in cells if c]

def _demo_ref(start):
    from learnkit.book.chapters import load_chapter
    return next(c.id for c in load_chapter('demo').code_cells if c.source.startswith(start))

@pytest.fixture
def colab_kernel(e2e_kernel, tmp_path, monkeypatch):
    "A kernel folder with no fastbook clone in reach, chapters 'downloaded' from a local folder, and learnkit's command on PATH."
    monkeypatch.delenv('LEARNKIT_FASTBOOK', raising=False)
    monkeypatch.setenv('HOME', str(tmp_path/'home'))
    (tmp_path/'home').mkdir()
    remote = tmp_path/'remote'
    remote.mkdir()
    shutil.copy(FIXTURES/'lk_mini_chapter.ipynb', remote/'04_mnist_basics.ipynb')  # a small stand-in for the download
    monkeypatch.setenv('LEARNKIT_FASTBOOK_URL', remote.as_uri())
    monkeypatch.setenv('PATH', f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")  # `!learnkit`, as pip installs it
    monkeypatch.delenv('LEARNKIT_WIDGETS', raising=False)
    return e2e_kernel

def test_readme_colab_section_and_first_steps(colab_kernel, data_dir):
    "The README's Colab cells as written, then the study loop's first steps, as a Colab learner runs them."
    readme = readme_colab_cells()
    assert any('%lesson 0' in c for c in readme) and any('learnkit export' in c for c in readme), readme
    ref = _demo_ref('files = get_image_files(path)')
    where = "import learnkit, sysconfig\nprint(learnkit.__file__, sysconfig.get_paths()['purelib'])"
    steps = [f'from fastai.vision.all import *\nfrom learnkit.book.datasets import demo_data\npath = demo_data()',
             f'%%reproduce {ref}\nfiles = get_image_files(path)\nlen(files)',
             '%%timeit_log -n 20 -r 3\nsum(range(1000))',
             '!learnkit report --force',
             '%lesson 4']
    nb = run_notebook([AS_COLAB] + readme + steps + [where], colab_kernel, timeout=300)
    cells = nb.cells[1:]
    for src, cell in zip(readme + steps, cells):  # `!learnkit ...` prints a traceback to stdout: that is a problem too
        assert not problems(cell) and 'Traceback' not in shown(cell), f'{src!r}: {problems(cell)}\n{shown(cell, errors=True)}'
    first = shown(cells[0])
    # One line on where chapters come from and where the database lives; no advice to upgrade ipywidgets.
    note = next((l for l in first.splitlines() if l.startswith('learnkit on Colab:')), '')
    assert 'the demo chapter ships inside learnkit' in note and 'git clone https://github.com/fastai/fastbook /content/fastbook' in note, first
    assert str(data_dir/'learnkit.db') in note and 'learnkit export /content/drive/MyDrive/learnkit' in note, note
    assert 'ipywidgets>=8' not in first and 'cannot draw' not in first
    ids = view_ids(cells[0])
    assert ids and all(i in widget_models(nb) for i in ids), 'the panel is not a displayed widget with a stored model'
    html = next(o.data['text/html'] for o in cells[0].outputs if 'text/html' in o.get('data', {}))
    assert 'Stripes or Dots?' in html  # the HTML fallback travels with the widget
    out = {src: shown(c) for src, c in zip(readme + steps, cells)}
    assert (colab_kernel/'demo_reproduce.ipynb').exists(), out
    snap = colab_kernel/'drive'/'MyDrive'/'learnkit'
    assert snap.exists() and (snap.is_file() or any(snap.iterdir())), out  # the snapshot, where Drive would be
    assert 'match' in out[steps[1]].replace('mismatch', '') and '112' in out[steps[1]]
    assert 'per loop' in out[steps[2]]
    assert (colab_kernel/'progress.html').exists() and 'progress.html' in out[steps[3]]
    # A book chapter with no clone: downloaded once, and the note says how chapters are found.
    ch4 = out[steps[4]]
    assert 'learnkit: studying 04_mnist_basics' in ch4 and 'Counting Things' in ch4, ch4
    assert 'or are downloaded once into' in ch4 and '/content/fastbook' in ch4, ch4
    from learnkit.store.db import get_store
    st = get_store()
    assert [r['verdict'] for r in st.rows('attempts', 'ref=?', (ref,))] == ['match']
    assert len(st.rows('timings')) == 1
    # Which learnkit the kernel ran: on the Colab stack, the installed wheel.
    file, purelib = shown(cells[-1]).split()[-2:]
    if os.environ.get('LEARNKIT_REQUIRE_WHEEL') == '1':
        assert Path(file).resolve().is_relative_to(Path(purelib).resolve()), f'the kernel imported learnkit from {file}, not {purelib}'

def test_widgets_off_shows_the_html_panel(colab_kernel, monkeypatch):
    "`LEARNKIT_WIDGETS=0` (or a front end that cannot draw widgets) gets the panel and dashboard as HTML, never a blank."
    monkeypatch.setenv('LEARNKIT_WIDGETS', '0')
    nb = run_notebook(['%load_ext learnkit', '%lesson 0', '%lesson'], colab_kernel)
    for cell in nb.cells: assert not problems(cell), shown(cell, errors=True)
    panel, dash = nb.cells[1], nb.cells[2]
    assert not view_ids(panel) and not view_ids(dash)
    html = next(o.data['text/html'] for o in panel.outputs if 'text/html' in o.get('data', {}))
    assert 'lk-fallback' in html and 'Stripes or Dots?' in html and 'learnkit scaffold demo' in html
    assert 'demo' in next(o.data['text/html'] for o in dash.outputs if 'text/html' in o.get('data', {}))
