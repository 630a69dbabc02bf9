"""The learner's journey in the classic Notebook 6 front end with ipywidgets 7 (widgetsnbextension 3.6): the nearest
thing to Colab's front end that runs here. The Colab CI stack (notebook 6.5.7, ipywidgets 7.7.1) runs it with
`pytest -m classic`; elsewhere it skips unless `LEARNKIT_REQUIRE_CLASSIC=1`, where a missing piece fails it.
Drives the system Chromium; never runs `playwright install`."""
import json, os, re, sys, time
from importlib.metadata import PackageNotFoundError, version
from importlib.util import find_spec
import pytest
from test_browser import WIDGET_ERRORS, Lab, _chromium, _demo_ref, chromium_page, serving, shoot, write_notebook

pytestmark = [pytest.mark.browser, pytest.mark.classic] + ([pytest.mark.timeout(180)] if find_spec('pytest_timeout') else [])
CELL_TIMEOUT = 90_000  # ms for one cell: the first fastai import in a cold kernel is the slowest step

def _major(pkg):
    try: return int(version(pkg).split('.')[0])
    except (PackageNotFoundError, ValueError): return None

def _need_classic():
    "Skip (or fail, with `LEARNKIT_REQUIRE_CLASSIC=1`) unless Notebook 6, ipywidgets 7, playwright and Chromium are all here."
    missing = [why for ok, why in [
        (_major('notebook') == 6, f"the classic notebook 6 is not installed (notebook {version('notebook') if _major('notebook') else 'missing'}; "
                                  "pip install notebook==6.5.7 ipywidgets==7.7.1)"),
        (_major('ipywidgets') == 7, 'this test is for ipywidgets 7 (the JupyterLab test covers ipywidgets 8)'),
        (find_spec('playwright') is not None, 'playwright is not installed (it drives the system Chromium)'),
        (_chromium() is not None, 'Chromium not found (apt-get install -y chromium, or set LEARNKIT_CHROMIUM)')] if not ok]
    if not missing: return
    if os.environ.get('LEARNKIT_REQUIRE_CLASSIC') == '1': pytest.fail('; '.join(missing) + ' (LEARNKIT_REQUIRE_CLASSIC=1)')
    pytest.skip('; '.join(missing))

class Classic(Lab):
    "A classic Notebook 6 server in its own folders (same API as `Lab`); `widgets=False` disables the widget extension."
    def __init__(self, tmp, widgets=True):
        super().__init__(tmp)
        # nbdime's notebook extension asks for a server extension these servers do not load: keep the console clean
        exts = {'nbdime/index': False, **({} if widgets else {'jupyter-js-widgets/extension': False})}
        (tmp/'jconfig'/'nbconfig').mkdir(parents=True, exist_ok=True)
        (tmp/'jconfig'/'nbconfig'/'notebook.json').write_text(json.dumps({'load_extensions': exts}))

    def server_cmd(self):
        return [sys.executable, '-m', 'notebook', '--no-browser', '--ip=127.0.0.1', f'--port={self.port}', '--port-retries=0',
                f'--NotebookApp.token={self.token}', f'--notebook-dir={self.root}', '--NotebookApp.terminals_enabled=False']

@pytest.fixture
def classic(tmp_path):
    _need_classic()
    with serving(Classic(tmp_path).start()) as nb: yield nb

@pytest.fixture
def page(tmp_path):
    "A headless Chromium page for the classic notebook."
    _need_classic()
    with chromium_page(1300, 1100) as pg: yield pg

# --- what a person does in the classic notebook: open it, wait for the kernel, Shift+Enter one cell at a time ---
def _cells(page): return page.locator('#notebook-container .cell')

def wait_idle(page, server, timeout=60):
    "Wait until the page's kernel is connected and idle, and the server agrees."
    page.wait_for_function('window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected()'
                           ' && !document.body.classList.contains("notebook_app_busy") && !Jupyter.notebook.kernel_busy', timeout=timeout*1000)
    # Notebook 6 reports a kernel as 'starting' until its activity watcher sees a status message, which a busy machine
    # can delay long after the page has connected to the idle kernel: only 'busy' (or no kernel at all) means not ready
    end = time.monotonic() + timeout
    while not (st := server.kernel_states()) or 'busy' in st:
        assert time.monotonic() < end, f'kernel never became idle: {st}'
        time.sleep(0.1)

def open_notebook(page, server, name):
    page.goto(f'{server.url}/notebooks/{name}?token={server.token}')
    _cells(page).first.wait_for(timeout=60_000)
    wait_idle(page, server)

def run_cell(page, i, timeout=CELL_TIMEOUT):
    "Click into cell `i`, press Shift+Enter and wait for its prompt to show an execution count; returns the cell."
    from playwright.sync_api import expect
    cell = _cells(page).nth(i)
    cell.locator('.CodeMirror').click()
    page.keyboard.press('Shift+Enter')
    expect(cell.locator('.input_prompt')).to_have_text(re.compile(r'In\s*\[\d+\]'), timeout=timeout)
    return cell

def widget_errors(page): return [m for m in page.errors if any(re.search(p, m) for p in WIDGET_ERRORS + ('_deserialize_state',))]

def test_learner_flow_in_classic_notebook(classic, page, tmp_path):
    "The JupyterLab journey in Notebook 6 + ipywidgets 7: the panel draws, its button works, a verdict and its buttons show."
    from playwright.sync_api import expect
    from learnkit.book.chapters import load_chapter
    chapter = load_chapter('demo')
    ref = _demo_ref('files = get_image_files(path)')
    write_notebook(classic.root/'study.ipynb', [
        '%load_ext learnkit',
        '%lesson demo',
        'from fastai.vision.all import *\nfrom learnkit.book.datasets import demo_data\npath = demo_data()',
        f'%%reproduce {ref}\nfiles = get_image_files(path)\nlen(files)',
        '%%timeit_log\nsum(range(1000))',
        'import ipywidgets\nipywidgets.IntSlider(description="control")',
        '%lesson'])
    try:
        open_notebook(page, classic, 'study.ipynb')
        assert run_cell(page, 0).locator('.output_wrapper').inner_text().strip() == ''  # %load_ext prints nothing
        out = run_cell(page, 1).locator('.output_wrapper')
        # A live widget (not the text or HTML fallback), with the chapter and its sections, and no upgrade advice.
        expect(out.locator('.jupyter-widgets.widget-vbox').first).to_be_visible(timeout=30_000)
        expect(out).to_contain_text(chapter.title)
        for s in chapter.sections:
            if s.level == 2: expect(out).to_contain_text(s.title)
        assert 'ipywidgets>=8' not in out.inner_text() and 'cannot draw' not in out.inner_text()
        out.get_by_role('button', name='Scaffold reproduction').last.click()  # the actions row (a 'Next' line may offer it too)
        expect(out.locator('.lk-output')).to_contain_text('demo_reproduce.ipynb', timeout=30_000)
        assert (classic.root/'demo_reproduce.ipynb').exists()
        out.get_by_role('checkbox', name='Read the chapter').check()
        shoot(page, tmp_path/'classic_panel.png')
        run_cell(page, 2)
        verdict = run_cell(page, 3).locator('.output_wrapper')
        expect(verdict).to_contain_text('112')
        expect(verdict).to_contain_text(re.compile(r'(?<![a-z])match'))
        # The verdict's buttons are live widgets too: Compare shows the book's output beside the learner's in their output area
        # (a cell that matches offers no hint).
        verdict.get_by_role('button', name='Compare').click()
        expect(verdict.locator('.lk-output')).to_contain_text('The book', timeout=30_000)
        expect(verdict.locator('.lk-output')).to_contain_text('Yours')
        expect(run_cell(page, 4).locator('.output_wrapper')).to_contain_text(re.compile(r'per loop .*logged'))
        expect(run_cell(page, 5).locator('.widget-slider')).to_be_visible(timeout=30_000)  # a plain ipywidgets control, for comparison
        dash = run_cell(page, 6).locator('.output_wrapper')  # the course dashboard, a widget too
        expect(dash.locator('.jupyter-widgets.widget-vbox').first).to_be_visible(timeout=30_000)
        expect(dash).to_contain_text('Your course')
        expect(dash).to_contain_text(chapter.title)
        wait_idle(page, classic)
        for i in (0, 1, 3, 4, 6):
            errs = _cells(page).nth(i).locator('.output_stderr').all_inner_texts()
            assert not errs, f'cell {i} shows an error: {errs}'
        page.wait_for_timeout(500)
    finally: shoot(page, tmp_path/'classic_final.png')
    assert not widget_errors(page), widget_errors(page)
    from learnkit.store.db import get_store, reset_store  # what the clicks recorded (the kernel's data folder is this test's)
    assert classic.env['LEARNKIT_DATA_DIR'] == os.environ['LEARNKIT_DATA_DIR']
    reset_store()
    st = get_store()
    assert [r['done'] for r in st.rows('steps', "chapter='demo' AND step='read'", order='time')] == [1]
    assert [r['verdict'] for r in st.rows('attempts', 'ref=?', (ref,))] == ['match']

def test_panel_falls_back_to_html_without_widgets(tmp_path, page):
    "With the widget extension off the front end cannot draw widgets: the panel shows as HTML, never blank."
    from playwright.sync_api import expect
    from learnkit.book.chapters import load_chapter
    chapter = load_chapter('demo')
    with serving(Classic(tmp_path, widgets=False).start()) as server:
        write_notebook(server.root/'plain.ipynb', ['%load_ext learnkit', '%lesson demo', '%lesson'])
        open_notebook(page, server, 'plain.ipynb')
        run_cell(page, 0)
        out = run_cell(page, 1).locator('.output_wrapper')
        expect(out.locator('.lk-fallback')).to_be_visible(timeout=30_000)
        expect(out).to_contain_text(chapter.title)
        for s in chapter.sections:
            if s.level == 2: expect(out).to_contain_text(s.title)
        expect(out).to_contain_text('learnkit scaffold demo')
        expect(run_cell(page, 2).locator('.output_wrapper .lk-fallback')).to_contain_text('demo')  # the dashboard too
        assert out.locator('.jupyter-widgets').count() == 0
        shoot(page, tmp_path/'classic_fallback.png')
