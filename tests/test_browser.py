"""End to end where learners are: a real JupyterLab server and headless Chromium running learnkit's magics and widgets.

Run on its own with `pytest -m browser`. Skips (with the reason) when Chromium, playwright or JupyterLab are missing,
unless `LEARNKIT_REQUIRE_BROWSER=1`, where a missing piece fails the test. Never runs `playwright install`: it drives the
system Chromium (`/usr/bin/chromium`, or `LEARNKIT_CHROMIUM`)."""
import contextlib, json, os, re, secrets, shutil, signal, socket, subprocess, sys, time, urllib.error, urllib.request
from importlib.util import find_spec
from pathlib import Path
import pytest

# Each test must finish in under 3 minutes (pytest-timeout, when installed, enforces it).
pytestmark = [pytest.mark.browser] + ([pytest.mark.timeout(180)] if find_spec('pytest_timeout') else [])

CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
                 '--no-first-run', '--disable-sync', '--disable-quic']
# Browser console messages that mean a widget did not render: a front end/kernel widget version mismatch or a lost model.
WIDGET_ERRORS = ('is not registered', 'Failed to load model', 'Could not create a model', 'Could not create view',
                 'Class .* not found', 'No version of module', 'model not found', 'Error displaying widget')
CELL_TIMEOUT = 90_000  # ms for one cell: the first fastai import in a cold kernel is the slowest step

def _need(ok, reason):
    "Skip with `reason` when `ok` is false, or fail when CI requires the browser test (`LEARNKIT_REQUIRE_BROWSER=1`)."
    if ok: return
    if os.environ.get('LEARNKIT_REQUIRE_BROWSER') == '1': pytest.fail(f'{reason} (LEARNKIT_REQUIRE_BROWSER=1)')
    pytest.skip(reason)

def _chromium():
    "The Chromium to drive: `LEARNKIT_CHROMIUM` when set, else Debian's `/usr/bin/chromium` or one on PATH."
    if 'LEARNKIT_CHROMIUM' in os.environ: cands = [os.environ['LEARNKIT_CHROMIUM']]
    else: cands = ['/usr/bin/chromium', shutil.which('chromium'), shutil.which('chromium-browser')]
    return next((c for c in cands if c and Path(c).is_file()), None)

def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]

def _lab_env(tmp):
    "Environment for the server and its kernels: every Jupyter/IPython/learnkit folder inside `tmp`."
    env = dict(os.environ)
    dirs = dict(HOME='home', JUPYTER_CONFIG_DIR='jconfig', JUPYTER_DATA_DIR='jdata', JUPYTER_RUNTIME_DIR='jruntime',
                IPYTHONDIR='ipython', LEARNKIT_DATA_DIR='lkdata')
    for k, v in dirs.items():
        (tmp/v).mkdir(parents=True, exist_ok=True)
        env[k] = str(tmp/v)
    env.pop('JUPYTER_PATH', None)
    env['JUPYTER_PREFER_ENV_PATH'] = '0'  # our kernelspec, not the environment's, wins
    env['PYTHONUNBUFFERED'] = '1'
    # The kernel must be this interpreter (with learnkit installed), whatever kernelspecs the machine has.
    ks = tmp/'jdata'/'kernels'/'python3'
    ks.mkdir(parents=True, exist_ok=True)
    (ks/'kernel.json').write_text(json.dumps({'argv': [sys.executable, '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
                                              'display_name': 'Python 3 (ipykernel)', 'language': 'python'}))
    # No news feed, no update check: nothing pops up over the notebook and nothing leaves the machine.
    (tmp/'jconfig'/'jupyter_server_config.json').write_text(json.dumps(
        {'LabApp': {'news_url': None, 'check_for_updates_class': 'jupyterlab.NeverCheckForUpdate', 'extension_manager': 'readonly'}}))
    # No news prompt over the notebook; render every cell (no virtual scrolling) so off-screen outputs are in the DOM.
    settings = {'apputils-extension/notification': {'fetchNews': 'false', 'checkForUpdates': False},
                'notebook-extension/tracker': {'windowingMode': 'none'}}
    for name, vals in settings.items():
        f = tmp/'jconfig'/'lab'/'user-settings'/'@jupyterlab'/f'{name}.jupyterlab-settings'
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(json.dumps(vals))
    return env

class Lab:
    "A JupyterLab server in its own folders: `url`, `token`, `root` (the notebook folder), `log`."
    def __init__(self, tmp):
        self.tmp, self.root = tmp, tmp/'root'
        self.root.mkdir(parents=True, exist_ok=True)
        self.env, self.proc = _lab_env(tmp), None
        self.token = secrets.token_hex(16)

    def server_cmd(self):
        return [sys.executable, '-m', 'jupyterlab', '--no-browser', '--ServerApp.ip=127.0.0.1', f'--ServerApp.port={self.port}',
                '--ServerApp.port_retries=0', f'--IdentityProvider.token={self.token}', f'--ServerApp.root_dir={self.root}',
                '--ServerApp.terminals_enabled=False']

    def api(self, path, method='GET', timeout=5):
        req = urllib.request.Request(f'{self.url}{path}', method=method, headers={'Authorization': f'token {self.token}'})
        with urllib.request.urlopen(req, timeout=timeout) as r: return json.loads(r.read() or b'null')

    def start(self, timeout=60):
        for attempt in range(3):  # another process may take the free port before the server binds it
            self.port = _free_port()
            self.url = f'http://127.0.0.1:{self.port}'
            self.log = self.tmp/f'server{attempt}.log'
            cmd = self.server_cmd()
            if hasattr(os, 'geteuid') and os.geteuid() == 0: cmd.append('--allow-root')  # CI containers run as root
            self.proc = subprocess.Popen(cmd, env=self.env, cwd=self.root, stdout=self.log.open('wb'), stderr=subprocess.STDOUT,
                                         start_new_session=True)
            end = time.monotonic() + timeout
            while time.monotonic() < end and self.proc.poll() is None:
                try:
                    self.api('/api/status', timeout=2)
                    return self
                except (urllib.error.URLError, ConnectionError, OSError): time.sleep(0.2)
            self.stop()
        raise RuntimeError(f'{type(self).__name__} did not start; its log:\n{self.log.read_text()[-3000:]}')

    def kernel_states(self):
        "Execution state of each running kernel (from the REST API)."
        return [k['execution_state'] for k in self.api('/api/kernels')]

    def stop(self, timeout=30):
        "Shut the server (and its kernels) down through the API; kill its process group only if that fails."
        p = self.proc
        if p is None or p.poll() is not None: return
        try: self.api('/api/shutdown', method='POST')
        except Exception: pass
        try: p.wait(timeout); self.clean = True
        except subprocess.TimeoutExpired: self.clean = False
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try: os.killpg(p.pid, sig)  # the group we started
            except ProcessLookupError: break
            time.sleep(0.5)
        p.wait(10)
        self.leftover = self.kernel_pids()
        for pid in self.leftover:  # kernels run in sessions of their own: end ours by pid
            try: os.kill(pid, signal.SIGKILL)
            except ProcessLookupError: pass

    def kernel_pids(self):
        "Pids of live kernels whose connection file is in this server's runtime folder (Linux /proc)."
        rt, pids = self.env['JUPYTER_RUNTIME_DIR'], []
        for d in Path('/proc').glob('[0-9]*'):
            try: cmd = (d/'cmdline').read_bytes().split(b'\0')
            except OSError: continue
            if any(a.decode(errors='replace').startswith(rt) for a in cmd): pids.append(int(d.name))
        return pids

def write_notebook(path, sources):
    "Write a notebook of code cells `sources` for the python3 kernel."
    cells = [dict(cell_type='code', execution_count=None, id=f'cell{i}', metadata={}, outputs=[], source=s) for i, s in enumerate(sources)]
    nb = dict(cells=cells, nbformat=4, nbformat_minor=5,
              metadata=dict(kernelspec=dict(name='python3', display_name='Python 3 (ipykernel)', language='python'),
                            language_info=dict(name='python')))
    Path(path).write_text(json.dumps(nb, indent=1))
    return path

def _need_browser_stack():
    "Check every piece before starting anything, so a missing one skips (or fails) at once."
    _need(find_spec('jupyterlab') is not None, 'JupyterLab is not installed (pip install "learnkit[test]")')
    _need(find_spec('ipykernel') is not None, 'ipykernel is not installed')
    _need(find_spec('playwright') is not None, 'playwright is not installed (pip install playwright; it drives the system Chromium)')
    _need(_chromium() is not None, f"Chromium not found at {os.environ.get('LEARNKIT_CHROMIUM', '/usr/bin/chromium')} "
                                   "(apt-get install -y chromium, or set LEARNKIT_CHROMIUM)")

@contextlib.contextmanager
def serving(server):
    "`server` (a started `Lab` or subclass) for the length of a `with`: stopped afterwards, and nothing of it left running."
    try: yield server
    finally: server.stop()
    assert server.proc.returncode is not None, 'the server did not stop'
    assert not server.leftover, f'kernels still running after the server shut down: {server.leftover}'

@contextlib.contextmanager
def chromium_page(width=1400, height=1000):
    "A headless Chromium page (system Chromium driven by playwright) that records console errors in `page.errors`."
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={'width': width, 'height': height})
            page.errors = []
            page.on('console', lambda m: m.type == 'error' and page.errors.append(m.text))
            page.on('pageerror', lambda e: page.errors.append(f'page error: {e}'))
            yield page
        finally: browser.close()

@pytest.fixture
def e2e_lab(tmp_path):
    "A running JupyterLab server with its own HOME, Jupyter, IPython and learnkit folders under `tmp_path`."
    _need_browser_stack()
    with serving(Lab(tmp_path).start()) as lab: yield lab

@pytest.fixture
def e2e_page(tmp_path):
    "A headless Chromium page for the JupyterLab tests."
    _need_browser_stack()
    with chromium_page() as page: yield page

# --- what a person does in the notebook: open it, wait for the kernel, run one cell at a time, read what is shown ---
def _cells(page): return page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')

def wait_idle(page, lab, timeout=60):
    "Wait until the notebook shows its kernel as Idle and the server agrees every kernel is idle."
    from playwright.sync_api import expect
    expect(page.locator('.jp-StatusBar-TextItem', has_text=re.compile(r'\|\s*Idle'))).to_have_count(1, timeout=timeout*1000)
    end = time.monotonic() + timeout
    while (st := lab.kernel_states()) != ['idle']:
        assert time.monotonic() < end, f'kernel never became idle: {st}'
        time.sleep(0.1)

def open_notebook(page, lab, name):
    "Open `name` (in the server's root) in JupyterLab and wait for its kernel to be ready."
    page.goto(f'{lab.url}/lab/tree/{name}?token={lab.token}')
    _cells(page).first.wait_for(timeout=60_000)
    wait_idle(page, lab)

def run_cell(page, i, timeout=CELL_TIMEOUT):
    "Click into cell `i`, press Shift+Enter and wait for its prompt to show an execution count; returns the cell."
    from playwright.sync_api import expect
    cell = _cells(page).nth(i)
    cell.locator('.jp-InputArea-editor').click()
    page.keyboard.press('Shift+Enter')
    expect(cell.locator('.jp-InputPrompt')).to_have_text(re.compile(r'\[\d+\]'), timeout=timeout)
    return cell

def output_text(cell): return cell.locator('.jp-Cell-outputArea').inner_text()

def widget_errors(page):
    "Console errors that mean a widget was not drawn."
    return [m for m in page.errors if any(re.search(p, m) for p in WIDGET_ERRORS)]

def shoot(page, path):
    "Save a screenshot of the page to `path` and print where it is."
    page.screenshot(path=str(path))
    print(f'screenshot: {path}')

def test_lab_runs_learnkit_cell(e2e_lab, e2e_page, tmp_path):
    "The harness itself: `%load_ext learnkit` and a plain print run in a real kernel and show in the browser."
    page = e2e_page
    bad_widget = ("import ipywidgets, traitlets\nclass Unknown(ipywidgets.DOMWidget):\n"
                  "    _model_module = traitlets.Unicode('no-such-widget-module').tag(sync=True)\nUnknown()")
    write_notebook(e2e_lab.root/'hello.ipynb', ['%load_ext learnkit', "import os, sys\nprint('kernel says', 6*7, sys.executable, os.getpid())",
                                                bad_widget])
    try:
        open_notebook(page, e2e_lab, 'hello.ipynb')
        c0 = run_cell(page, 0)
        assert output_text(c0).strip() == '', f'%load_ext learnkit printed: {output_text(c0)!r}'
        c1 = run_cell(page, 1)
        from playwright.sync_api import expect
        expect(c1.locator('.jp-Cell-outputArea')).to_contain_text(f'kernel says 42 {sys.executable}')
        assert not c1.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').count()
        assert not widget_errors(page), widget_errors(page)
        # The console check catches a widget the front end cannot build (as a version mismatch would show).
        run_cell(page, 2)
        end = time.monotonic() + 30
        while not widget_errors(page) and time.monotonic() < end: page.wait_for_timeout(100)
        assert any('no-such-widget-module' in m for m in widget_errors(page)), page.errors
    finally: shoot(page, tmp_path/'final.png')
    # Shutting the server down through its API stops it and its kernel: nothing is left running.
    kernel_pid = int(output_text(c1).split()[-1])
    assert e2e_lab.kernel_pids() == [kernel_pid]
    e2e_lab.stop()
    assert e2e_lab.clean, 'the server did not stop within 30s of /api/shutdown'
    assert not e2e_lab.leftover
    with pytest.raises(ProcessLookupError): os.kill(kernel_pid, 0)

def _demo_ref(start):
    "The stable id (REF) of the demo chapter's code cell whose source starts with `start`."
    from learnkit.book.chapters import load_chapter
    return next(c.id for c in load_chapter('demo').code_cells if c.source.startswith(start))

def test_learner_flow_in_jupyterlab(e2e_lab, e2e_page, tmp_path):
    "A learner's first minutes: the lesson panel, the scaffold button, a `%%reproduce` verdict and a `%%timeit_log` line."
    from playwright.sync_api import expect
    from learnkit.book.chapters import load_chapter
    page, lab = e2e_page, e2e_lab
    chapter = load_chapter('demo')
    ref = _demo_ref('files = get_image_files(path)')
    write_notebook(lab.root/'study.ipynb', [
        '%load_ext learnkit',
        '%lesson demo',
        'from fastai.vision.all import *\nfrom learnkit.book.datasets import demo_data\npath = demo_data()',
        f'%%reproduce {ref}\nfiles = get_image_files(path)\nlen(files)',
        '%%timeit_log\nsum(range(1000))'])
    try:
        open_notebook(page, lab, 'study.ipynb')
        run_cell(page, 0)
        # The panel is a live widget (not its text fallback), showing the chapter and its sections.
        panel = run_cell(page, 1).locator('.jp-Cell-outputArea')
        expect(panel.locator('.jupyter-widgets').first).to_be_visible(timeout=30_000)
        expect(panel).to_contain_text(chapter.title)
        for s in chapter.sections:
            if s.level == 2: expect(panel).to_contain_text(s.title)
        # The button's result lands in the panel's Output widget.
        panel.get_by_role('button', name='Scaffold reproduction').last.click()  # the actions row (a 'Next' line may offer it too)
        expect(panel.locator('.lk-output')).to_contain_text('demo_reproduce.ipynb', timeout=30_000)
        scaffold = lab.api('/api/contents/demo_reproduce.ipynb')['content']  # beside the notebook, where the learner looks
        assert any(''.join(c['source']).startswith(f'%%reproduce {ref}') for c in scaffold['cells']), 'no blank for the reproduced cell'
        shoot(page, tmp_path/'panel.png')
        run_cell(page, 2)
        verdict = run_cell(page, 3).locator('.jp-Cell-outputArea')
        expect(verdict).to_contain_text('112')  # the cell's own output is still shown
        expect(verdict).to_contain_text(re.compile(r'(?<![a-z])match'))  # 'match', not 'mismatch'
        # The verdict's buttons are live widgets too: Compare shows the book's output beside the learner's in their output area
        # (a cell that matches offers no hint).
        verdict.get_by_role('button', name='Compare').click()
        expect(verdict.locator('.lk-output')).to_contain_text('The book', timeout=30_000)
        expect(verdict.locator('.lk-output')).to_contain_text('Yours')
        timing = run_cell(page, 4).locator('.jp-Cell-outputArea')
        expect(timing).to_contain_text(re.compile(r'per loop .*logged'))
        wait_idle(page, lab)
        for i in range(5):
            errs = _cells(page).nth(i).locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').all_inner_texts()
            if i == 2: errs = [e for e in errs if 'Traceback' in e or 'Error' in e.replace('Warning', '')]  # fastai/torch import warnings are not ours
            assert not errs, f'cell {i} shows an error: {errs}'
        expect(page.get_by_text('Error displaying widget')).to_have_count(0)
    finally: shoot(page, tmp_path/'final.png')
    assert not widget_errors(page), widget_errors(page)

def test_plan_line_on_the_panel_and_the_dashboard(e2e_lab, e2e_page, tmp_path):
    "The plan, set in the notebook, is the first line of the chapter panel and of the course dashboard, with the weekly chart."
    from datetime import date, timedelta
    from playwright.sync_api import expect
    page, lab = e2e_page, e2e_lab
    until = (date.today() + timedelta(weeks=8)).isoformat()  # the clock here is the real one: eight weeks from today
    write_notebook(lab.root/'plan.ipynb', ['%load_ext learnkit', f'%lesson plan demo 4 --hours-per-week 5 --until {until}',
                                           '%lesson demo', '%lesson'])
    from learnkit.study.sessions import fmt_minutes
    week1 = fmt_minutes(5*60*(7 - date.today().weekday())/7)  # the first week asks for its days from today on
    line = re.compile(rf'^\s*Week 1 of 9: \d+ min of {week1} this week, on track; next: demo\s*$')
    try:
        open_notebook(page, lab, 'plan.ipynb')
        run_cell(page, 0)
        expect(run_cell(page, 1).locator('.jp-Cell-outputArea')).to_contain_text(f'Plan: demo, 04_mnist_basics by {until}, 5 h a week')
        panel = run_cell(page, 2).locator('.jp-Cell-outputArea')
        expect(panel.locator('.jupyter-widgets').first).to_be_visible(timeout=30_000)
        plan = panel.locator('.lk-plan')
        expect(plan).to_have_text(line, timeout=30_000)
        title = panel.get_by_text('Stripes or Dots?').first
        nxt = panel.get_by_text(re.compile(r'^Next: scaffold your reproduction'))
        assert title.bounding_box()['y'] < plan.bounding_box()['y'] < nxt.bounding_box()['y'], 'the plan line is not at the top of the panel'
        plan.scroll_into_view_if_needed()
        shoot(page, tmp_path/'plan_panel.png')
        dash = run_cell(page, 3).locator('.jp-Cell-outputArea')
        dplan = dash.locator('.lk-plan')
        expect(dplan).to_have_text(line, timeout=30_000)
        expect(dash.locator('img').first).to_be_visible()  # the weekly chart: planned beside studied
        assert dplan.bounding_box()['y'] < dash.get_by_text('Your course').bounding_box()['y'], 'the plan line is not at the top of the dashboard'
        dash.locator('img').first.scroll_into_view_if_needed()
        shoot(page, tmp_path/'plan_dashboard.png')
        assert not widget_errors(page), widget_errors(page)
    finally: shoot(page, tmp_path/'final.png')
