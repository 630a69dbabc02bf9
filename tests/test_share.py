"""`learnkit share`: a draft post of the learner's own work on a chapter, built after a real `learnkit demo` run.

The learner's world is made once per test session, in a subprocess with its own data dir, through learnkit's public
functions only: the demo flow (scaffold, fill, run, check, diff, time), a real tiny benchmark with `--tune`, a
repeat notebook written by `learnkit.repeat.plan` with the learner's outputs in it (a token and home paths planted in
them), more attempts, hints, timings and study sessions. Each test works on its own copy of it."""
import base64, json, os, re, shutil, subprocess, sys, textwrap
from datetime import date
from pathlib import Path
import pytest

yaml = pytest.importorskip('yaml')
nbformat = pytest.importorskip('nbformat')

SECRET = 'hf_abcdefghijklmnopqrstuvwxyz0123456789'
WANDB = 'wandb0123456789abcdef0123456789abcdef0123'

LEARNER = textwrap.dedent(r'''
    import base64, io, json, sys, time
    from pathlib import Path
    work = Path(sys.argv[1])
    from learnkit.demo import run_demo
    run_demo(work, quick=True)
    import os; os.chdir(work)
    from learnkit.book.chapters import load_chapter
    from learnkit.store.attempts import record_attempt, record_hint
    from learnkit.reproduce.compare import Verdict
    from learnkit.store.db import get_store
    ch = load_chapter('demo')
    # the slip the demo made: two more tries at that cell, one hint; another cell taken with the solution shown
    slip = next(r['ref'] for r in get_store().rows('attempts', "chapter='demo' AND verdict='mismatch'"))
    record_hint('demo', slip, 1)
    record_attempt('demo', slip, Verdict('error', 'NameError'))
    record_attempt('demo', slip, Verdict('match'))
    other = ch.code_cells[-2].id
    for v in ('error', 'mismatch'): record_attempt('demo', other, Verdict(v))
    record_hint('demo', other, 3, solution=True)
    record_attempt('demo', other, Verdict('match'))
    # study: three days in a row, a cell run every 5 minutes
    from learnkit.study.sessions import start_session, end_session, mark_activity
    from datetime import date, datetime, timedelta
    for day in range(3):
        s = datetime.combine(date.today() - timedelta(days=2-day), datetime.min.time()).timestamp() + 300
        sid = start_session('demo', now=s)
        for t in range(300, 1200*(day+1) + 1, 300): mark_activity(sid, 'demo', now=s + t)
        end_session(sid, now=s + 1200*(day+1))
    # %%timeit_log runs: a loop made faster, and a label with a home path in it
    from learnkit.timing.measure import log_result, time_code
    for n in (20000, 5000, 1000):
        log_result(time_code(f'sum(range({n}))', {}, number=20, repeat=3, label='my sum loop'), chapter='demo')
    log_result(time_code('sorted(range(300))', {}, number=20, repeat=3, label='read /home/alice/data/x.csv'), chapter='demo')
    # a real tiny benchmark, with the measured tuning options
    from learnkit.bench.chapter import bench_chapter
    bench_chapter('demo', tiny=True, tune=True, batches=4, progress=False)
    # the repeat on a new dataset: learnkit writes the notebook; the learner's run left outputs in it
    from learnkit.repeat.plan import RepeatRecord, baseline, record_repeat, suggestions, write_repeat
    from learnkit.repeat.inspection import inspect_data
    name = suggestions('demo')[0].name
    r = write_repeat('demo', dataset=name, tiny=True)
    nb = json.loads(Path(r.path).read_text())
    code = [c for c in nb['cells'] if c['cell_type'] == 'code']
    data = code[0]['source'].split("DATA = '")[1].split("'")[0] if "DATA = '" in ''.join(code[0]['source']) else str(r.plan.info.path)
    base = baseline(data)
    code[0]['outputs'] = [dict(output_type='stream', name='stdout',
                               text=f'HF_TOKEN={SECRET}\nloading from /home/alice/.fastai/data/{name.lower()}\n')]
    code[1]['outputs'] = [dict(output_type='execute_result', execution_count=2, metadata={}, data={'text/plain': repr(base)})]
    from matplotlib.figure import Figure
    fig = Figure(figsize=(2, 2)); fig.subplots().plot([1, 2, 3]); buf = io.BytesIO(); fig.savefig(buf, format='png')
    code[-2]['outputs'] = [dict(output_type='display_data', metadata={}, data={'image/png': base64.b64encode(buf.getvalue()).decode(), 'text/plain': '<Figure>'}),
                           dict(output_type='display_data', metadata={}, data={'text/plain': '<IPython.core.display.HTML object>',
                                'text/html': '<table><thead><tr><th>epoch</th><th>train_loss</th><th>accuracy</th></tr></thead>'
                                             '<tbody><tr><td>0</td><td>0.912</td><td>0.583</td></tr></tbody></table>'})]
    nb['cells'].append(dict(cell_type='code', metadata={}, execution_count=None, source=f"os.environ['WANDB_API_KEY'] = '{WANDB}'\nPath('/root/data/my-pets').ls()",
                            outputs=[dict(output_type='stream', name='stdout', text="SHELL=/bin/bash\nHOSTNAME=alice-laptop\n"),
                                     dict(output_type='error', ename='FileNotFoundError', evalue="[Errno 2] No such file: '/root/data/my-pets'",
                                          traceback=['Traceback', '  File "/home/alice/venv/lib/fastcore/xtras.py", line 1'])]))
    Path(r.path).write_text(json.dumps(nb, indent=1))
    info = inspect_data(data, check_images=False)
    record_repeat(RepeatRecord('demo', r.plan.parts[0].cell, str(data), info.kind, info.fingerprint, info.items, len(info.classes),
                               'accuracy', base.value, 0.583, 0.9375, base.method, name, False, True, 1.0))
    # the learner's reproduction printed a secret too (it never goes into a post: reproductions are the book's code)
    rp = Path('demo_reproduce.ipynb'); rnb = json.loads(rp.read_text())
    rnb['cells'][-1].setdefault('outputs', []).append(dict(output_type='stream', name='stdout', text=f'token {SECRET}\n')) if rnb['cells'][-1]['cell_type'] == 'code' else None
    rp.write_text(json.dumps(rnb, indent=1))
    print(json.dumps(dict(dataset=name, baseline=base.value)))
''')

@pytest.fixture(scope='session')
def world(tmp_path_factory):
    "A learner's work on the demo chapter: `root/work` (their notebooks) and `root/data` (their store), made once."
    # one folder per test session, shared with the browser test's module (which imports this fixture)
    root = tmp_path_factory.getbasetemp()/'share-world'
    done = root/'world.json'
    if not done.exists():
        shutil.rmtree(root, ignore_errors=True); root.mkdir()
        env = dict(os.environ, LEARNKIT_DATA_DIR=str(root/'data'))
        script = LEARNER.replace('{SECRET}', SECRET).replace('{WANDB}', WANDB)
        r = subprocess.run([sys.executable, '-c', script, str(root/'work')], cwd=root, env=env, capture_output=True, text=True, timeout=900)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
        done.write_text(r.stdout.strip().splitlines()[-1])
    return dict(root=root, work=root/'work', db=root/'data'/'learnkit.db', **json.loads(done.read_text()))

@pytest.fixture
def learner(world, tmp_path, data_dir):
    "This test's copy of the learner's notebooks (returned) and store (the process-wide one)."
    from learnkit.store.db import Store, reset_store
    work = tmp_path/'work'
    shutil.copytree(world['work'], work)
    src = Store(world['db']); src.export(data_dir/'learnkit.db'); src.close()
    reset_store()
    return work

def _post(learner, tmp_path, **kw):
    from learnkit.share.post import share_post
    return share_post('demo', folder=kw.pop('folder', tmp_path/'post'), folders=[learner], **kw)

def _front(md: str) -> dict:
    m = re.match(r'---\n(.*?)\n---\n', md, re.S)
    assert m, md[:300]
    return yaml.safe_load(m.group(1))

def _section(md: str, heading: str) -> str:
    "The text of `## heading` up to the next `## `."
    i = md.index(f'## {heading}\n')
    j = md.find('\n## ', i + 3)
    return md[i: j if j > 0 else len(md)]

def test_the_post_shows_every_part_of_the_learners_work(learner, tmp_path):
    from learnkit.book.chapters import load_chapter
    from learnkit.reproduce.state import reproduction_state
    from learnkit.store.db import get_store
    from learnkit.timing.measure import log_rows
    r = _post(learner, tmp_path, fmt='html')
    md = r.markdown.read_text()
    fm = _front(md)
    assert set(fm) >= {'title', 'date', 'description', 'categories'}
    assert str(fm['date']) == date.today().isoformat() and 'fastai' in fm['categories']
    assert 'Stripes or Dots?' in fm['title'] and '3 timings' in fm['description']
    ch = load_chapter('demo')
    # the chapter: its title and every section name
    part = _section(md, 'The chapter')
    for s in ch.sections:
        if not s.part: assert f'- {s.title}' in part
    assert 'Questionnaire' not in part
    # reproduced: the same numbers as the one reproduction state, hints and peeks, the hardest cells
    st = reproduction_state(ch, learner/'demo_reproduce.ipynb')
    p = st.progress
    part = _section(md, 'Reproducing it from scratch')
    assert f"**{p.done} of {p.cells} cells reproduced**" in part and f"{p.written} written, {p.ran} run" in part
    hinted, peeked = sum(c.hints > 0 for c in st.cells), sum(c.peeked for c in st.cells)
    assert hinted >= 2 and peeked == 1 and f'{hinted} with a hint and 1 after looking at the solution' in part
    assert '3 attempts (mismatch → error → match), hint 1' in part
    assert re.search(r'\d attempts \((?:[\w-]+ → )*error → mismatch → match\), hint 3, peeked at the solution', part)
    for s in p.sections: assert f"| {' › '.join(s.path)} | {s.cells} | {s.written} | {s.done} |" in part
    # the repeat: data summary, the learner's adapted cells with outputs, baseline / mine / the chapter's, a chart
    part = _section(md, 'Repeating it on my own data')
    rec = r.data.repeats[0]
    assert f"### {rec.dataset}" in part and 'image-folders' in part and 'size:' in part
    assert '# adapted:' in part and '```python' in part
    assert '| epoch | train_loss | accuracy |' in part  # fastai's training table as a Markdown table
    assert f"| baseline | {rec.baseline:.4g} |" in part and '| mine | 0.583 |' in part and "| the chapter's, on its own data | 0.9375 |" in part
    assert re.search(r'!\[output\]\((\S+-cell\d+-1\.png)\)', part)
    # timing: each label with best time and improvement; the real benchmark's verdict and tuning options
    part = _section(md, 'Timing my data code')
    for label in ('demo: one batch', 'my sum loop'): assert f'| {label} |' in part
    meds = [x['median'] for x in log_rows('my sum loop')]
    assert f"| my sum loop | 3 |" in part and f"{meds[0]/min(meds):.2f}×" in part
    bench = [json.loads(b['record']) for b in get_store().rows('benchmarks')][-1]
    assert bench['bottleneck'] and f"**{bench['bottleneck']}**" in part
    for t in bench['tune']: assert f"| {t['option']} |" in part
    # study time and streak
    from learnkit.study.sessions import sessions
    part = _section(md, 'Study time')
    assert f'in {len(sessions("demo"))} sessions over 3 days; streak: 3 days in a row (longest 3)' in part
    # the places for the learner's words: each with one question
    boxes = re.findall(r'> \*\*✍️ Your words:\*\* (.+)', md)
    assert len(boxes) == r.writes == 6 and all(q.count('?') == 1 for q in boxes)
    assert '## What surprised me' in md and '## What I would try next' in md
    # plots, saved beside the post and embedded: results, timings, benchmark, study time
    names = {p.name for p in r.images}
    for chart in ('results', 'timings', 'bench', 'study'):
        f = r.folder/f'{r.notebook.stem}-{chart}.png'
        assert f.name in names and f.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n' and f'({f.name})' in md
    html = r.html.read_text()
    assert html.count('src="data:image/png;base64,') == len(r.images) and 'src="http' not in html

def test_nothing_from_the_book_but_titles_and_section_names(learner, tmp_path):
    from learnkit.book.chapters import load_chapter
    r = _post(learner, tmp_path, fmt='html')
    texts = {'markdown': r.markdown.read_text(), 'notebook': r.notebook.read_text(), 'html': r.html.read_text()}
    texts['notebook'] = '\n'.join(''.join(c['source']) for c in json.loads(texts['notebook'])['cells'])
    ch = load_chapter('demo')
    prose = [l.strip() for c in ch.cells if c.cell_type == 'markdown' for l in c.source.splitlines()]
    prose = [l for l in prose if len(l) >= 12 and not l.startswith('#')]
    assert len(prose) > 15
    for name, text in texts.items():
        for line in prose: assert line not in text, (name, line)
        # nor the questions, even in pieces
        for q in ch.questions: assert q.text[:40] not in text, (name, q.text)

def test_planted_secrets_paths_and_user_names_are_redacted_and_said(learner, tmp_path, capsys, monkeypatch):
    from learnkit.cli.main import main
    monkeypatch.chdir(learner)
    assert main(['share', 'demo', '-o', str(tmp_path/'post'), '--format', 'html']) == 0
    out = capsys.readouterr().out
    assert 'redacted before writing:' in out and 'secrets (HF_TOKEN, WANDB_API_KEY)' in out and 'absolute paths' in out
    assert '2 environment variables (HOSTNAME, SHELL)' in out
    assert 'cell' in out.split('redacted before writing:')[1]  # where: which cell's output
    folder = tmp_path/'post'
    for f in folder.iterdir():
        if f.suffix in ('.md', '.ipynb', '.html'):
            t = f.read_text()
            for leak in (SECRET, SECRET[:12], WANDB, '/home/alice', 'alice', '/root/', '/bin/bash'):
                assert leak not in t, (f.name, leak)
            assert "HF_TOKEN=<redacted>" in t and "…/imagewoof" in t.lower() or f.suffix == '.html'
    md = next(folder.glob('*.md')).read_text()
    assert 'learnkit removed from my code and outputs:' in md and 'HF_TOKEN' in md
    assert "FileNotFoundError: [Errno 2] No such file: '…/my-pets'" in md  # a traceback shrinks to its last line

def test_the_notebook_is_valid_and_carries_the_front_matter(learner, tmp_path):
    r = _post(learner, tmp_path)
    nb = nbformat.read(str(r.notebook), as_version=4)
    nbformat.validate(nb)
    first = nb.cells[0]
    fm = yaml.safe_load(first.source.strip().strip('-'))
    assert first.cell_type == 'raw' and dict(fm, date=str(fm['date'])) == r.data.front_matter
    charts = [c for c in nb.cells if c.get('metadata', {}).get('learnkit', {}).get('kind') == 'chart']
    assert len(charts) == 4 and all(c.outputs[0]['data']['image/png'] for c in charts)
    assert all('#| echo: false' in c.source and '#hide_input' in c.source for c in charts)
    learner_cells = [c for c in nb.cells if c.cell_type == 'code' and c not in charts]
    assert any('# adapted:' in c.source for c in learner_cells) and any(c.outputs for c in learner_cells)
    writes = [c for c in nb.cells if c.get('metadata', {}).get('learnkit', {}).get('kind') == 'write']
    assert len(writes) == r.writes
    # fastpages' own notebook front matter with --format markdown; the Markdown post says `layout: post`
    r2 = _post(learner, tmp_path, folder=tmp_path/'fp', fmt='markdown')
    nb2 = nbformat.read(str(r2.notebook), as_version=4)
    nbformat.validate(nb2)
    head = nb2.cells[0].source.splitlines()
    assert nb2.cells[0].cell_type == 'markdown' and head[0].startswith('# "') and head[1].startswith('> "')
    assert '- categories: [fastai, fastbook, learnkit]' in head
    assert _front(r2.markdown.read_text())['layout'] == 'post'
    assert re.fullmatch(r'\d{4}-\d\d-\d\d-demo\.ipynb', r2.notebook.name)  # fastpages' file naming

def test_never_overwrites_a_post(learner, tmp_path):
    a = _post(learner, tmp_path)
    first = a.markdown.read_bytes()
    b = _post(learner, tmp_path)
    assert b.notebook != a.notebook and b.notebook.stem == a.notebook.stem + '-2' and a.markdown.read_bytes() == first
    assert all(p.name.startswith(b.notebook.stem + '-') for p in b.images)
    (a.markdown).write_text('my edits')
    c = _post(learner, tmp_path, force=True)
    assert c.markdown == a.markdown and c.markdown.read_text() != 'my edits'
    baks = [p for p in c.backups if p.suffix == '.md']
    assert len(baks) == 1 and baks[0].read_text() == 'my edits'

def test_a_part_is_there_only_when_there_is_something_to_say(tmp_path, data_dir):
    from learnkit.share.post import share_post
    (tmp_path/'empty').mkdir()
    r = share_post('demo', folder=tmp_path/'post', folders=[tmp_path/'empty'])
    md = r.markdown.read_text()
    assert '## The chapter' in md
    for h in ('Reproducing it from scratch', 'Repeating it on my own data', 'Timing my data code', 'Study time'): assert f'## {h}' not in md
    assert r.images == [] and 'learnkit removed' not in md and r.writes == 3
    assert _front(md)['title'] == 'Stripes or Dots? — my notes'

def test_bad_input_is_one_line(tmp_path, capsys, data_dir):
    from learnkit.cli.main import main
    with pytest.raises(SystemExit) as e: main(['share', 'demo', '--format', 'pdf'])
    assert e.value.code == 2 and "invalid choice: 'pdf'" in capsys.readouterr().err
    assert main(['share', 'demo', '--notebook', str(tmp_path/'nope.ipynb')]) == 1
    err = capsys.readouterr().err
    assert 'no reproduction notebook at' in err and len(err.strip().splitlines()) == 1
    (tmp_path/'f').write_text('x')
    assert main(['share', 'demo', '-o', str(tmp_path/'f')]) == 1
    assert 'is a file' in capsys.readouterr().err

@pytest.mark.parametrize('mod', ['share.redact', 'share.post', 'share.render'])
def test_share_modules_import_nothing_heavy(mod):
    heavy = ['IPython', 'ipywidgets', 'torch', 'fastai', 'nbformat', 'pandas', 'matplotlib', 'markdown_it']
    code = f'import sys, json, learnkit.{mod}; print(json.dumps([m for m in {heavy!r} if m in sys.modules]))'
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and json.loads(r.stdout) == [], r.stderr

@pytest.mark.slow
def test_a_repeat_run_for_real_goes_into_the_post(tmp_path, data_dir, monkeypatch):
    "learnkit repeat's notebook, executed in a real kernel on a tiny stand-in: its record, cells and training table make the part."
    from nbclient import NotebookClient
    from learnkit.repeat.plan import repeats, suggestions, write_repeat
    from learnkit.share.post import share_post
    monkeypatch.chdir(tmp_path)
    name = next(s.name for s in suggestions('demo') if s.name == 'MNIST_SAMPLE')  # two classes, as the demo's model has
    path = write_repeat('demo', dataset=name, tiny=True).path
    nb = nbformat.read(str(path), as_version=4)
    NotebookClient(nb, timeout=300, kernel_name='python3', resources={'metadata': {'path': str(tmp_path)}}).execute()
    nbformat.write(nb, str(path))
    rec = repeats('demo')[-1]
    r = share_post('demo', folder=tmp_path/'post', folders=[tmp_path])
    md = r.markdown.read_text()
    part = _section(md, 'Repeating it on my own data')
    assert f'### {name} ({rec.kind})' in part and f'| baseline | {rec.baseline:.4g} |' in part and f'| mine | {rec.result:.4g} |' in part
    assert re.search(r'\| epoch \| train_loss \| valid_loss \| accuracy \| time \|', part)  # fastai's own training table
    assert str(tmp_path) not in md and str(data_dir) not in md  # the data's absolute path is redacted
