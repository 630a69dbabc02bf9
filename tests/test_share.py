"""`learnkit share`: a draft post of the learner's own work on a chapter, that says only what is true and leaks nothing.

The fast tests work on a learner's world made once per session in a few seconds (tests/share_world.py: a filled-in
reproduction of the demo chapter, attempts and hints, `%%timeit_log` runs, study sessions, two repeat notebooks and
their records, a benchmark record); each test gets its own copy. The slow ones run the learner's code in a real kernel
(nbclient): a reproduction, and learnkit's repeat notebook on a tiny stand-in. The planted-secret corpus is in
test_share_redact.py, the browser test in test_share_browser.py."""
import json, re, subprocess, sys
from pathlib import Path
import pytest
from share_world import OWN, PEEKED, SECRET, WRITTEN_NOT_RUN, fill, learner, world  # noqa: F401

yaml = pytest.importorskip('yaml')
nbformat = pytest.importorskip('nbformat')

DRAWS = {'test_charts_are_saved_beside_the_post_shown_in_the_notebook_and_inlined_in_the_page', 'test_a_chart_is_a_png_beside_the_post_and_inlined_in_the_page'}

@pytest.fixture(autouse=True)
def _charts_only_where_looked_at(request, monkeypatch):
    "matplotlib takes about a second a chart on these cores: only the tests that look at charts draw them."
    if request.node.name not in DRAWS and 'slow' not in request.keywords:
        monkeypatch.setattr('learnkit.share.charts.charts', lambda data: {})

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

def _texts(r) -> dict:
    "Every text file of post `r`, by name: the notebook as JSON text, the Markdown, the HTML page."
    return {p.name: p.read_text() for p in r.folder.iterdir() if p.suffix in ('.ipynb', '.md', '.html')}

TYPED = {l.strip() for code, _ in OWN.values() for l in code.splitlines()}  # the lines the learner typed

def _book_lines(ch, n: int = 12) -> set:
    "The stripped lines of the chapter's code and prose at least `n` characters long (headings left out: the post names sections)."
    out = set()
    for c in ch.cells:
        for l in c.source.splitlines():
            l = l.strip()
            if len(l) >= n and not l.startswith('#'): out.add(l)
    return out

def test_the_post_shows_the_learners_own_cells_with_their_outputs(learner, tmp_path):
    from learnkit.book.chapters import load_chapter
    from learnkit.reproduce.state import reproduction_state
    r = _post(learner, tmp_path)
    md = r.markdown.read_text()
    part = _section(md, 'Reproducing it from scratch')
    mine = [c for c in r.data.reproduced.mine]
    assert len(mine) >= 3 and all(c.own for c in mine)
    # each shown cell is the learner's code as they wrote it (no %%reproduce line, no scaffold goal), with its output
    for c in mine:
        ref = next(ref for ref, (code, _) in OWN.items() if code.splitlines()[0] in c.source)
        assert c.source == OWN[ref][0] and f'```python\n{OWN[ref][0]}\n```' in part
        if OWN[ref][1]: assert f'```text\n{OWN[ref][1]}\n```' in part
    assert '\n%%reproduce' not in md and '# →' not in md
    # the cell copied as the book has it, the one written but never run, and the one taken from the solution are not shown
    assert 'path = demo_data()' not in md and WRITTEN_NOT_RUN[1].splitlines()[0] not in md and 'learn.validate' not in md
    # learnkit's own outputs are never the learner's: the %lesson panel's text, the verdicts, the buttons
    assert 'next step: write cell' not in md and 'learnkit says match' not in md and 'hint buttons' not in md
    # why each is there, from the records: the hint and the three runs of the cell that took them, the function defined
    assert "3 runs: error → mismatch → match · with hint 1" in part and 'defines `roughness`' in part
    # the numbers are the one reproduction state's, of cells that ran
    p = reproduction_state(load_chapter('demo'), learner/'demo_reproduce.ipynb').progress
    assert f'**{p.done} of {p.cells} cells reproduced** ({p.done/p.cells:.0%}), of the {p.ran} I ran' in part
    assert p.ran == len(OWN) + 1  # the learner's cells and the peeked one; the written-but-not-run cell does not count
    for s in p.sections:
        if s.ran: assert f"| {' › '.join(s.path)} | {s.cells} | {s.ran} | {s.done} |" in part
    assert "2 with a hint and 1 after looking at the solution" in part

def test_no_line_of_the_books_code_or_prose_but_what_the_learner_typed(learner, tmp_path):
    from learnkit.book.chapters import load_chapter
    ch = load_chapter('demo')
    r = _post(learner, tmp_path, fmt='html')
    book = _book_lines(ch)
    assert len(book) > 30
    for name, text in _texts(r).items():
        if name.endswith('.ipynb'): text = '\n'.join(''.join(c['source']) for c in json.loads(text)['cells'])
        lines = {l.strip() for l in re.sub(r'<[^>]+>', '\n', text).splitlines()}
        assert lines & book <= TYPED, (name, lines & book - TYPED)
        for q in ch.questions: assert q.text[:40] not in text, (name, q.text)

def test_a_tiny_repeat_says_tiny_and_each_notebook_is_shown_once_with_its_own_numbers(learner, tmp_path, world):
    from learnkit.base.safe import md_text
    from learnkit.repeat.records import repeats
    from learnkit.share.render import TINY_NOTE
    r = _post(learner, tmp_path)
    md = r.markdown.read_text()
    part = _section(md, 'Repeating it on new data')
    recs = repeats('demo')
    assert [x.notebook for x in recs] == [str(p.resolve()) for p in world['repeats']] and all(x.tiny for x in recs)
    assert part.count(f'**{TINY_NOTE}**') == 2
    # one part per notebook, each with its own result right beside the output of its own training
    blocks = part.split('\n### ')[1:]
    assert len(blocks) == 2
    for b, rec in zip(blocks, recs):
        name = Path(rec.notebook).name
        assert b.count(f'from {md_text(name)}, with its outputs:') == 1
        assert f'| accuracy | 0.5 | {rec.result:.4f} | 0.9375 | beat its baseline |' in b
        assert f'| 0 | {md_text(0.912)} | {md_text(rec.result)} |' in b  # the training table of that very notebook
        assert '# adapted:' in b and 'compare_repeat(' not in b
    assert md_text('my_second_try.ipynb') in blocks[1]  # found where `-o` wrote it, through its record
    assert 'repeated on new data' in r.data.front_matter['title']
    assert '(tiny mode)' in r.data.front_matter['description']

def test_a_repeat_without_its_notebook_says_so(learner, tmp_path, world):
    from learnkit.base.safe import md_text
    from learnkit.repeat.records import RepeatRecord, record_repeat, repeats
    old = repeats('demo')[0]
    record_repeat(RepeatRecord(**dict(old.to_dict(), notebook='', data=str(tmp_path/'gone'/'birds'), dataset='', time=0)))
    moved = repeats('demo')[1]
    Path(moved.notebook).rename(Path(moved.notebook).with_suffix('.moved'))
    try: md = _post(learner, tmp_path).markdown.read_text()
    finally: Path(moved.notebook).with_suffix('.moved').rename(moved.notebook)
    part = _section(md, 'Repeating it on new data')
    assert f"### birds ({md_text('image-folders')})\n\n**Tiny mode" in part
    assert "learnkit's record of this run keeps no notebook, so there is no code to show." in part
    assert f"The notebook it ran in ({md_text('my_second_try.ipynb')}) is not where it was, so there is no code to show." in part

def test_stale_notebook_outputs_are_left_out(learner, tmp_path, world):
    path = world['repeats'][0]
    nb = json.loads(path.read_text())
    keep = path.read_text()
    cmp = next(c for c in nb['cells'] if 'compare_repeat(' in ''.join(c['source']))
    cmp['outputs'][0]['data']['text/plain'] = 'your model 0.9999'  # the notebook was run again, the record is older
    path.write_text(json.dumps(nb))
    try: md = _post(learner, tmp_path).markdown.read_text()
    finally: path.write_text(keep)
    b = _section(md, 'Repeating it on new data').split('\n### ')[1]
    assert 'Its saved outputs come from another run than the result above, so they are left out:' in b
    assert '0\\.912' not in b and '```python' in b

def test_a_reproduction_written_anywhere_is_found_through_its_records(learner, tmp_path):
    from learnkit.reproduce.state import check_reproduction
    (tmp_path/'elsewhere').mkdir()
    moved = (learner/'demo_reproduce.ipynb').rename(tmp_path/'elsewhere'/'my_try.ipynb')
    from learnkit.share.post import share_post
    assert share_post('demo', folder=tmp_path/'p0', folders=[learner]).data.reproduced is None  # the repeats alone
    check_reproduction('demo', str(moved))  # the check keeps the notebook's path
    r = share_post('demo', folder=tmp_path/'post', folders=[learner])
    assert r.data.reproduced.notebook == 'my_try.ipynb' and len(r.data.reproduced.mine) >= 3

def test_an_untouched_chapter_writes_nothing_and_says_one_line(tmp_path, capsys, monkeypatch):
    from learnkit.cli.main import main
    from learnkit.reproduce.scaffold import write_scaffold
    monkeypatch.chdir(tmp_path)
    assert main(['share', 'demo']) == 1
    err = capsys.readouterr().err
    assert err.startswith('learnkit: nothing to share yet for chapter demo: reproduce or repeat it first') and len(err.strip().splitlines()) == 1
    write_scaffold('demo', out=tmp_path/'demo_reproduce.ipynb')  # scaffolded, nothing ran
    assert main(['share', 'demo']) == 1 and 'nothing to share yet' in capsys.readouterr().err
    assert not (tmp_path/'posts').exists() and not list(tmp_path.rglob('*demo.md'))  # no posts/ folder, no post

def test_timings_come_with_their_noise(learner, tmp_path):
    from learnkit.timing.log import log_rows
    from learnkit.timing.stats import compare_samples, fmt_time
    from learnkit.share.render import timing_change
    r = _post(learner, tmp_path)
    part = _section(r.markdown.read_text(), 'Timing my code')
    by = {t.label: t for t in r.data.timings}
    for label in ('my sum loop', 'noisy loop'):
        a, b = log_rows(label)
        c = compare_samples(b['timings'], a['timings'], 'the first run')
        t = by[label]
        assert (t.first, t.latest, t.ratio, t.ci, t.significant, bool(t.unreliable)) == (a['median'], b['median'], c.ratio, tuple(c.ci), c.significant, bool(c.unreliable))
        row = rf"\| {label} \| 2 \| {re.escape(fmt_time(a['median']))}( ±[\d.]+%)? \| {re.escape(fmt_time(b['median']))}( ±[\d.]+%)? \| {re.escape(timing_change(t))} \|"
        assert re.search(row, part), (row, part)
    noisy = log_rows('noisy loop')[0]
    assert f"| noisy loop | 2 | {fmt_time(noisy['median'])} ±{noisy['iqr']/noisy['median']/2:.0%} |" in part  # its spread, said
    # a clear gain says how much with its interval; a noisy run gets no claim
    assert re.search(r'\| my sum loop \| .* \| 4(\.\d+)?× faster \(95% CI [\d.]+–[\d.]+×\) \|', part)
    assert '| noisy loop |' in part and 'but no claim: a run was too noisy to compare |' in part
    assert re.search(r'\| read …/x\\\.csv \| 1 \| .* \| – \|', part)  # one run: nothing to compare; the path shortened
    assert 'compute\\-bound' in part and 'training step 610 items/s ±4.0%' in part and '| `bs=32` | 1.3× (1.2–1.4×) | yes |' in part
    assert 'These figures may come from a busy machine: the load average was 3\\.1 on 2 cores.' in part

def test_parts_with_nothing_to_say_are_left_out(tmp_path, data_dir):
    import json as _json
    from learnkit.book.chapters import load_chapter
    from learnkit.reproduce.scaffold import scaffold
    from learnkit.share.post import share_post
    from learnkit.study.sessions import end_session, mark_activity, start_session
    ch = load_chapter('demo')
    (tmp_path/'demo_reproduce.ipynb').write_text(_json.dumps(fill(scaffold(ch), ch)))
    sid = start_session('demo', now=1e9); end_session(sid, now=1e9 + 20)  # 20 seconds: no study time to speak of
    r = share_post('demo', folder=tmp_path/'post', folders=[tmp_path])
    md = r.markdown.read_text()
    assert '## The chapter' in md and '## Reproducing it from scratch' in md
    for h in ('Repeating it on new data', 'Timing my code', 'Study time'): assert f'## {h}' not in md
    assert '0 min' not in md and 'streak' not in md.lower() and 'learnkit removed' not in md
    assert r.writes == 4

def test_study_time_and_its_streak(learner, tmp_path):
    from learnkit.study.sessions import daily_minutes, fmt_minutes, sessions, streak, studied_minutes
    r = _post(learner, tmp_path)
    part = _section(r.markdown.read_text(), 'Study time')
    ss = sessions('demo')
    st = streak(daily_minutes(ss))
    assert len(ss) == st.days == st.longest == 3  # three days in a row, one session a day
    assert f'**{fmt_minutes(studied_minutes(ss))}** on this chapter, in 3 sessions over 3 days. Longest streak: 3 days in a row.' in part

def test_the_learners_pace_against_their_plan(learner, tmp_path):
    from learnkit.base import clock
    from learnkit.share.render import pace_text
    from learnkit.study.plan import pace, set_plan
    from learnkit.study.sessions import fmt_minutes
    assert 'I study to a plan' not in _post(learner, tmp_path, folder=tmp_path/'before').markdown.read_text()  # no plan, no pace
    set_plan(['demo', 4], hours_per_week=3, until=(clock.day() + __import__('datetime').timedelta(days=40)).isoformat(),
             now=clock.now() - 3*86400)
    p = pace()
    part = _section(_post(learner, tmp_path).markdown.read_text(), 'Study time')
    assert pace_text(p) in part and f'I study to a plan of 3 h a week; in week {p.week} of {p.weeks} I have studied {fmt_minutes(p.studied_minutes)}' in part

def test_the_notebook_is_valid_and_carries_the_front_matter(learner, tmp_path):
    r = _post(learner, tmp_path)
    nb = nbformat.read(str(r.notebook), as_version=4)
    nbformat.validate(nb)
    first = nb.cells[0]
    fm = yaml.safe_load(first.source.strip().strip('-'))
    assert first.cell_type == 'raw' and dict(fm, date=str(fm['date'])) == r.data.front_matter
    code = [c for c in nb.cells if c.cell_type == 'code']
    assert [c.source for c in code[:len(r.data.reproduced.mine)]] == [c.source for c in r.data.reproduced.mine]
    writes = [c for c in nb.cells if c.get('metadata', {}).get('learnkit', {}).get('kind') == 'write']
    assert len(writes) == r.writes == 6
    # fastpages' own notebook front matter with --format markdown; the Markdown post says `layout: post`
    r2 = _post(learner, tmp_path, folder=tmp_path/'fp', fmt='markdown')
    nb2 = nbformat.read(str(r2.notebook), as_version=4)
    head = nb2.cells[0].source.splitlines()
    assert nb2.cells[0].cell_type == 'markdown' and head[0].startswith('# "') and head[1].startswith('> "')
    assert '- categories: [fastai, fastbook, learnkit]' in head and _front(r2.markdown.read_text())['layout'] == 'post'
    assert re.fullmatch(r'\d{4}-\d\d-\d\d-demo\.ipynb', r2.notebook.name)  # fastpages' file naming

def test_a_chart_is_a_png_beside_the_post_and_inlined_in_the_page(learner, tmp_path, monkeypatch):
    import learnkit.share.charts as charts
    monkeypatch.setattr(charts, 'CHARTS', {'study': charts.CHARTS['study']})  # one chart: matplotlib is slow on these cores
    r = _post(learner, tmp_path, fmt='html')
    [png] = r.images
    assert png.name == f'{r.notebook.stem}-study.png' and png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert f'![Minutes studied per day on this chapter]({png.name})' in r.markdown.read_text()
    page = r.html.read_text()
    assert page.count('src="data:image/png;base64,') == 1 and 'src="http' not in page
    [cell] = [c for c in nbformat.read(str(r.notebook), as_version=4).cells if c.get('metadata', {}).get('learnkit', {}).get('kind') == 'chart']
    assert cell.outputs[0]['data']['image/png'] and f"Image(filename='{png.name}')" in cell.source and '#| echo: false' in cell.source

@pytest.mark.slow
def test_charts_are_saved_beside_the_post_shown_in_the_notebook_and_inlined_in_the_page(learner, tmp_path):
    r = _post(learner, tmp_path, fmt='html')
    md, page = r.markdown.read_text(), r.html.read_text()
    nb = nbformat.read(str(r.notebook), as_version=4)
    charts = [c for c in nb.cells if c.get('metadata', {}).get('learnkit', {}).get('kind') == 'chart']
    assert sorted(c.metadata['learnkit']['name'] for c in charts) == ['bench', 'results', 'study', 'timings']
    for chart in ('results', 'timings', 'bench', 'study'):
        f = r.folder/f'{r.notebook.stem}-{chart}.png'
        assert f in r.images and f.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n' and f'({f.name})' in md
    assert page.count('src="data:image/png;base64,') == len(r.images) == 4

def test_a_post_never_replaces_another_and_force_keeps_a_backup(learner, tmp_path):
    a = _post(learner, tmp_path)
    first = a.markdown.read_bytes()
    b = _post(learner, tmp_path)
    assert b.folder == a.folder.with_name('post-2') and a.markdown.read_bytes() == first
    a.markdown.write_text('my edits')
    c = _post(learner, tmp_path, force=True)
    assert c.folder == a.folder and c.markdown.read_text() != 'my edits'
    [bak] = c.backups
    assert (bak/a.markdown.name).read_text() == 'my edits' and 'kept the old post as' in str(c)

def test_an_interrupted_post_leaves_nothing_half_written(learner, tmp_path, monkeypatch):
    import learnkit.share.post as post
    from learnkit.base.files import write_folder
    class CtrlC(dict):
        "The post's files, with a Ctrl-C after the first is written."
        def items(self):
            for k, (name, data) in enumerate(super().items()):
                if k == 1: raise KeyboardInterrupt
                yield name, data
    monkeypatch.setattr(post, 'write_folder', lambda path, files, force=False: write_folder(path, CtrlC(files), force))
    with pytest.raises(KeyboardInterrupt): _post(learner, tmp_path)
    monkeypatch.setattr(post, "write_folder", write_folder)
    assert not (tmp_path/'post').exists() and not list(tmp_path.glob('.post*'))
    r = _post(learner, tmp_path)
    assert r.folder == tmp_path/'post' and r.markdown.exists()  # the next run writes the post, not a `-2` beside leftovers

def test_bad_input_is_one_line(tmp_path, capsys, data_dir):
    from learnkit.cli.main import main
    assert main(['share', 'demo', '--format', 'pdf']) == 2 and "invalid choice: 'pdf'" in capsys.readouterr().err
    assert main(['share', 'demo', '--notebook', str(tmp_path/'nope.ipynb')]) == 1
    err = capsys.readouterr().err
    assert 'no reproduction notebook at' in err and len(err.strip().splitlines()) == 1
    (tmp_path/'f').write_text('x')
    assert main(['share', 'demo', '-o', str(tmp_path/'f')]) == 1
    assert 'is a file' in capsys.readouterr().err

@pytest.mark.slow
def test_share_modules_import_nothing_heavy():
    heavy = ['IPython', 'ipywidgets', 'torch', 'fastai', 'nbformat', 'pandas', 'matplotlib', 'markdown_it', 'scipy']
    mods = ['share.redact', 'share.cells', 'share.parts', 'share.render', 'share.charts', 'share.post', 'cli.share']
    code = f'import sys, json\nfor m in {mods!r}: __import__("learnkit." + m)\nprint(json.dumps([m for m in {heavy!r} if m in sys.modules]))'
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and json.loads(r.stdout) == [], r.stderr

def _run(path: Path, timeout: int = 600):
    from nbclient import NotebookClient
    nb = nbformat.read(str(path), as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name='python3', allow_errors=True, resources={'metadata': {'path': str(path.parent)}}).execute()
    nbformat.write(nb, str(path))
    return nb

@pytest.mark.slow
def test_a_post_from_a_real_reproduction_run_in_a_kernel(tmp_path, data_dir, monkeypatch):
    "The learner's own code for the demo chapter, run in a real kernel with %%reproduce: the post shows it, and nothing of the book."
    from learnkit.book.chapters import load_chapter
    from learnkit.reproduce.scaffold import scaffold
    from learnkit.share.post import share_post
    from learnkit.store.attempts import latest_attempts
    monkeypatch.chdir(tmp_path)
    ch = load_chapter('demo')
    path = tmp_path/'demo_reproduce.ipynb'
    path.write_text(json.dumps(fill(scaffold(ch), ch, outputs=False)))
    nb = _run(path)
    printed = {c.source.split('\n', 1)[0].split()[-1]: c.outputs for c in nb.cells if c.cell_type == 'code' and c.source.startswith('%%reproduce')}
    assert set(latest_attempts('demo')) >= set(OWN)  # %%reproduce recorded each run
    r = share_post('demo', folder=tmp_path/'post', folders=[tmp_path], fmt='html')
    mine = r.data.reproduced.mine
    assert len(mine) >= 3 and all(c.own for c in mine)
    md = r.markdown.read_text()
    for c in mine: assert f'```python\n{c.source}\n```' in md
    assert 'Outline:' not in md and 'learnkit: studying' not in md  # the %lesson panel and its messages are learnkit's, not the learner's
    assert 'no hints, no peeking' in md  # the hints %%reproduce showed for blanks run with nothing in them are not help on the learner's cells
    # what the kernel printed for the learner's shape cell is in the post, as text
    shape = next(o for o in printed['51c84df0'] if o.get('output_type') == 'execute_result')
    assert '```text\n' + shape['data']['text/plain'] in md
    book = _book_lines(ch)
    for name, text in _texts(r).items():
        if name.endswith('.ipynb'): text = '\n'.join(''.join(c['source']) for c in json.loads(text)['cells'])
        assert {l.strip() for l in re.sub(r'<[^>]+>', '\n', text).splitlines()} & book <= TYPED, name

@pytest.mark.slow
def test_a_repeat_run_for_real_goes_into_the_post(tmp_path, data_dir, monkeypatch):
    "learnkit repeat's notebook written with -o elsewhere, executed in a real kernel on a tiny stand-in: the post finds it through its record."
    from learnkit.base.safe import md_text
    from learnkit.repeat.plan import write_repeat
    from learnkit.repeat.records import repeats
    from learnkit.share.post import share_post
    from learnkit.share.render import TINY_NOTE
    monkeypatch.chdir(tmp_path)
    (tmp_path/'nbs').mkdir()
    path = write_repeat('demo', dataset='MNIST_SAMPLE', tiny=True, out=tmp_path/'nbs'/'try_on_digits.ipynb').path
    _run(path)
    [rec] = repeats('demo')
    assert rec.notebook == str(path.resolve()) and rec.tiny
    r = share_post('demo', folder=tmp_path/'post', folders=[tmp_path])  # the notebook is not in `folders`: its record says where
    md = r.markdown.read_text()
    part = _section(md, 'Repeating it on new data')
    assert f'### MNIST\\_SAMPLE ({md_text(rec.kind)})\n\n**{TINY_NOTE}**' in part
    assert f'| {rec.metric} | {rec.baseline:.4g} | {rec.result:.4f} |' in part
    assert re.search(r'\| epoch \| train\\_loss \| valid\\_loss \| accuracy \| time \|', part)  # fastai's own training table, as text
    assert f"{md_text('try_on_digits.ipynb')}, with its outputs:" in part
    assert str(tmp_path) not in md and str(data_dir) not in md  # the data's absolute path is shortened
