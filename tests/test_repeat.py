"""`learnkit repeat`: a chapter's pipeline carried over to new data, as a notebook that runs top to bottom in a real
kernel (tiny mode, CPU; the `slow` tests), baseline first and comparison last, in one named metric, with a cell for each
problem inspect found; the learner's own data as it comes (a CSV beside an image folder, missing values under pandas 3,
short reviews, a corrupt image, a nested class); suggestions that work offline; the store's records and their one
phrasing; and bad input as one line on stderr (or JSON with --json) with exit 1 and nothing written."""
import contextlib, io, json, random, sys
from pathlib import Path
import pytest
from learnkit.base.core import LearnkitError

FIXTURES = Path(__file__).parent/'fixtures'
MULTICAT = FIXTURES/'06_multicat.ipynb'  # shaped like the book's multi-label chapter, which is not in ../shared/fastbook

# --- small datasets of each kind, drawn here -------------------------------------------------------------------

def img(path, k=0, size=(36, 28)):
    import numpy as np
    from PIL import Image
    path = Path(path); path.parent.mkdir(parents=True, exist_ok=True)
    a = np.random.RandomState(abs(hash(path.name)) % 2**31).randint(0, 60, (size[1], size[0], 3)).astype('uint8')
    a[:, (k*7) % (size[0]//2):(k*7) % (size[0]//2) + size[0]//2] = 200
    Image.fromarray(a).save(path)

from test_inspect import table, shapes_beside_a_table  # one way to write a fixture CSV, and a learner's folder as it comes

def breeds_by_name(root):
    "image-names: the label in the file name, like the pets data."
    for k, b in enumerate(('Bengal', 'great_pyrenees', 'pug')):
        for i in range(10): img(root/f'{b}_{100 + i}.jpg', k)
    return root

def birds_in_folders(root):
    "image-folders with train/ and valid/."
    for split, n in (('train', 8), ('valid', 3)):
        for k, c in enumerate(('finch', 'robin', 'wren')):
            for i in range(n): img(root/split/c/f'{c}_{split}_{i}.png', k)  # its own pixels: no copy of a training image in valid/
    return root

def tags_csv(root):
    "image-csv, multi-label: space-separated tags and a validation column."
    rows = []
    for i in range(30):
        tags = ['sky'] + (['tree'] if i % 2 else []) + (['car'] if i % 3 == 0 else [])
        img(root/'pics'/f'p{i:03d}.jpg', len(tags))
        rows.append((f'p{i:03d}.jpg', ' '.join(tags), i % 5 == 0))
    return table(root/'tags.csv', ['name', 'tags', 'is_valid'], rows).parent

def book_ratings(path):
    "ratings: user, item, rating (and a title)."
    rng = random.Random(5)
    seen, rows = set(), []
    while len(rows) < 300:
        u, b = rng.randint(1, 25), rng.randint(1, 30)
        if (u, b) in seen: continue
        seen.add((u, b)); rows.append((u, b, rng.randint(1, 10), f'Book {b}'))
    return table(path, ['user_id', 'book_id', 'rating', 'title'], rows)

def houses(path):
    "tabular: a continuous target, a date column, categorical and continuous features."
    rng = random.Random(6)
    rows = [(f'20{10 + i % 12}-0{1 + i % 9}-1{i % 9}', rng.choice(['north', 'south', 'east']), rng.randint(1, 5),
             round(rng.uniform(30, 250), 1), round(rng.uniform(50, 900), 2)) for i in range(120)]
    return table(path, ['sold', 'area', 'rooms', 'size_m2', 'price'], rows)

# --- running a written notebook in a real kernel ------------------------------------------------------------------

@pytest.fixture
def kernel(tmp_path, monkeypatch):
    "A python3 kernelspec running this interpreter (so learnkit imports), in Jupyter folders of its own."
    for var, sub in dict(JUPYTER_DATA_DIR='jdata', JUPYTER_CONFIG_DIR='jconfig', JUPYTER_RUNTIME_DIR='jruntime', IPYTHONDIR='ipython').items():
        (tmp_path/sub).mkdir()
        monkeypatch.setenv(var, str(tmp_path/sub))
    monkeypatch.setenv('JUPYTER_PREFER_ENV_PATH', '0')
    monkeypatch.delenv('JUPYTER_PATH', raising=False)
    spec = tmp_path/'jdata'/'kernels'/'python3'
    spec.mkdir(parents=True)
    (spec/'kernel.json').write_text(json.dumps({'argv': [sys.executable, '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
                                                'display_name': 'Python 3', 'language': 'python'}))
    monkeypatch.setenv('MPLBACKEND', 'Agg')
    work = tmp_path/'work'; work.mkdir()
    monkeypatch.chdir(work)
    return work

def execute(path):
    pytest.importorskip('nbclient'); pytest.importorskip('ipykernel')
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(str(path), as_version=4)
    NotebookClient(nb, kernel_name='python3', timeout=240, allow_errors=True, resources={'metadata': {'path': str(path.parent)}}).execute()
    return nb

def text_of(cell):
    out = []
    for o in cell.get('outputs', []):
        if o.output_type == 'stream' and o.name == 'stdout': out.append(o.text)
        elif o.output_type in ('execute_result', 'display_data'): out.append(o.data.get('text/plain', ''))
    return ''.join(out)

def errors(nb):
    return [f'cell {i}: {o.ename}: {o.evalue[:300]}' for i, c in enumerate(nb.cells) if c.cell_type == 'code'
            for o in c.outputs if o.output_type == 'error']

def run_repeat(chapter, data, **kw):
    from learnkit.repeat.plan import write_repeat
    r = write_repeat(chapter, data=data, tiny=True, **kw)
    nb = execute(r.path)
    assert not errors(nb), errors(nb)
    code = [c for c in nb.cells if c.cell_type == 'code']
    src = [c.source for c in code]
    b = next(i for i, s in enumerate(src) if 'baseline(' in s)
    dl = next(i for i, s in enumerate(src) if '.dataloaders(' in s or 'DataLoaders.from_' in s)
    assert b < dl, 'the baseline comes before any deep learning'
    assert text_of(code[b]).startswith('baseline (')
    assert any(s.startswith('%%timeit_log') for s in src)
    assert '# adapted:' in src[dl] and any('subset(' in s and '# adapted: SUBSET' in s for s in src[b:dl + 1])
    last = text_of(code[-1])
    assert 'compare_repeat(' in src[-1] and 'baseline' in last and 'your model' in last and "the chapter's own result" in last
    return r, nb, last

# --- the chapters -------------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_intro_image_pipeline_on_labels_in_file_names(kernel, fastbook, monkeypatch):
    monkeypatch.setenv('LEARNKIT_FASTBOOK', str(fastbook))
    from learnkit.repeat.plan import repeats, repeat_done
    r, nb, last = run_repeat('01', breeds_by_name(kernel/'breeds'))
    assert [p.kind for p in r.plan.parts] == ['image-classify']
    assert {why.split(' pipeline')[0] for _, why in r.plan.skipped} >= {'segmentation', 'text classifier', 'tabular', 'collaborative filtering'}
    data_cell = next(c.source for c in nb.cells if 'RegexLabeller' in c.source)
    assert "RegexLabeller('^(.+)_\\\\d+\\\\.jpg$')" in data_cell and '# adapted: the label is in your file names' in data_cell
    assert 'error_rate' in last
    recs = repeats('01')
    assert len(recs) == 1 and recs[0].kind == 'image-names' and recs[0].metric == 'error_rate' and not recs[0].own
    assert recs[0].baseline is not None and recs[0].result is not None and repeat_done('01')

@pytest.mark.slow
def test_pets_pipeline_on_class_folders_keeps_the_presizing(kernel, fastbook, monkeypatch):
    monkeypatch.setenv('LEARNKIT_FASTBOOK', str(fastbook))
    r, nb, last = run_repeat('05', birds_in_folders(kernel/'birds'), subset=0.5)
    src = '\n'.join(c.source for c in nb.cells if c.cell_type == 'code')
    assert 'SUBSET = 0.5' in src and "GrandparentSplitter(train_name='train', valid_name='valid')" in src
    assert 'item_tfms=Resize(ITEM_SIZE), batch_tfms=aug_transforms(size=SIZE, min_scale=0.75)' in src
    assert 'learn.fine_tune(EPOCHS)' in src or 'learn.fine_tune(EPOCHS,' in src
    # the chapter's own result comes from its stored training table
    assert r.plan.results[r.plan.parts[0].cell] is not None

def planted_multicat(tmp_path):
    "A copy of the multi-label fixture chapter whose stored training table ends on a figure drawn here: (path, figure)."
    figure = f'{random.Random().uniform(0.5, 0.99):.4f}'
    path = tmp_path/'06_multicat.ipynb'
    path.write_text(MULTICAT.read_text().replace('<td>0.958</td>', f'<td>{figure}</td>'))
    return path, figure

def test_the_chapters_own_figure_comes_from_its_stored_training_table(tmp_path):
    from learnkit.repeat.plan import write_repeat
    chapter, figure = planted_multicat(tmp_path)
    r = write_repeat(str(chapter), data=tags_csv(tmp_path/'tags'), tiny=True, out=tmp_path/'multi.ipynb')
    assert r.plan.results[r.plan.parts[0].cell] == float(figure)
    last = json.loads(r.path.read_text())['cells'][-1]['source']
    assert f'chapter_result={float(figure)!r}' in last and "chapter_metric='accuracy_multi'" in last and 'not compared' not in last

@pytest.mark.slow
def test_multi_label_pipeline_on_a_tags_csv(kernel):
    chapter, figure = planted_multicat(kernel)
    r, nb, last = run_repeat(str(chapter), tags_csv(kernel/'tags'))
    src = '\n'.join(c.source for c in nb.cells if c.cell_type == 'code')
    assert 'MultiCategoryBlock' in src and "ColReader('tags', label_delim=' ')" in src and "ColSplitter('is_valid')" in src
    assert 'freeze_epochs=1 if TINY else 4' in src and 'base_lr=LR' in src
    assert 'accuracy_multi' in last and f'{float(figure):.4f}' in last  # the planted figure, read from the chapter's table

@pytest.mark.slow
def test_collab_pipeline_on_other_ratings(kernel, fastbook, monkeypatch):
    monkeypatch.setenv('LEARNKIT_FASTBOOK', str(fastbook))
    r, nb, last = run_repeat('08', book_ratings(kernel/'books.csv'))
    src = '\n'.join(c.source for c in nb.cells if c.cell_type == 'code')
    # renamed to the chapter's columns, so its own code (dls.classes['title']) runs unchanged
    assert "rename(columns={'user_id': 'user', 'title': 'title', 'rating': 'rating'})" in src
    assert "CollabDataLoaders.from_df(ratings, item_name='title'" in src
    assert 'valid_loss' in last and 'the mean rating' in last

@pytest.mark.slow
def test_tabular_pipeline_on_a_regression_table_with_a_date(kernel, fastbook, monkeypatch):
    monkeypatch.setenv('LEARNKIT_FASTBOOK', str(fastbook))
    r, nb, last = run_repeat('09', houses(kernel/'houses.csv'))
    src = '\n'.join(c.source for c in nb.cells if c.cell_type == 'code')
    assert "dep_var = 'price'" in src and "add_datepart(df, 'sold')" in src and 'y_range=Y_RANGE' in src
    assert 'dtreeviz' not in src  # the chapter's analysis extras are left out
    assert 'random forest' in text_of(next(c for c in nb.cells if c.cell_type == 'code' and 'baseline(' in c.source))

def test_tabular_pipeline_on_a_class_target_drops_the_regression_settings(tmp_path, fastbook, monkeypatch):
    monkeypatch.setenv('LEARNKIT_FASTBOOK', str(fastbook))
    from learnkit.repeat.plan import write_repeat
    rng = random.Random(7)
    p = table(tmp_path/'churn.csv', ['plan', 'months', 'spend', 'left'],
              [(rng.choice('abc'), rng.randint(1, 60), rng.random()*90, rng.choice(['yes', 'no'])) for _ in range(80)])
    r = write_repeat('09', data=p, out=tmp_path/'out.ipynb', tiny=True)
    src = '\n'.join(c['source'] for c in json.loads(r.path.read_text())['cells'])
    assert 'y_range' not in src.split('learn = tabular_learner')[1].split('\n')[0] and 'metrics=accuracy' in src
    assert '# adapted: no y_range: your target is a class, not a number' in src

def streets(root):
    "A segmentation folder: images/, labels/ with `<stem>_P.png` masks, and codes.txt."
    from PIL import Image
    (root/'labels').mkdir(parents=True); (root/'codes.txt').write_text('road\nsky\n')
    for i in range(8):
        img(root/'images'/f's{i}.png', i)
        Image.new('L', (36, 28), i % 2).save(root/'labels'/f's{i}_P.png')
    return root

WORDS = 'a film plot good bad great awful the of'.split()

def reviews(root, rng):
    for c in ('pos', 'neg'):
        for i in range(6): (root/c).mkdir(parents=True, exist_ok=True); (root/c/f'{i}.txt').write_text(' '.join(rng.choice(WORDS) for _ in range(12)))
    return root

def news(path, rng):
    return table(path, ['topic', 'body'], [(['sport', 'money'][i % 2], ' '.join(rng.choice(WORDS) for _ in range(14))) for i in range(20)])

def test_masks_and_texts_get_the_chapters_segmentation_and_text_pipelines(tmp_path, fastbook, monkeypatch):
    monkeypatch.setenv('LEARNKIT_FASTBOOK', str(fastbook))
    import ast
    from learnkit.repeat.plan import write_repeat
    rng = random.Random(9)
    seg, txt, csvp = streets(tmp_path/'streets'), reviews(tmp_path/'reviews', rng), news(tmp_path/'news.csv', rng)
    for data, kind, needle in ((seg, 'segment', "label_func=lambda o: path/'labels'/f'{o.stem}_P{o.suffix}'"),
                               (txt, 'text-classify', 'TextBlock.from_folder(path)'), (csvp, 'text-classify', "text_col='body', label_col='topic'")):
        r = write_repeat('01', data=data, tiny=True, out=tmp_path/f'{data.stem}.ipynb')
        assert [p.kind for p in r.plan.parts] == [kind]
        cells = [c['source'] for c in json.loads(r.path.read_text())['cells'] if c['cell_type'] == 'code']
        assert needle in '\n'.join(cells)
        for src in cells:  # every cell is valid Python once its cell magic line is set aside
            ast.parse('\n'.join(l for l in src.splitlines() if not l.startswith('%')))

def test_the_nlp_chapters_classifier_is_carried_over_not_its_language_model(tmp_path, fastbook, monkeypatch):
    # the classifier's code reuses the language model's vocab: the learner it builds says which pipeline it is
    monkeypatch.setenv('LEARNKIT_FASTBOOK', str(fastbook))
    from learnkit.repeat.plan import write_repeat
    r = write_repeat('10', data=news(tmp_path/'news.csv', random.Random(3)), tiny=True, out=tmp_path/'nlp.ipynb')
    assert [p.kind for p in r.plan.parts] == ['text-classify']
    assert any('language model' in why for _, why in r.plan.skipped)
    assert 'text_classifier_learner(' in r.path.read_text()

@pytest.mark.slow
def test_segmentation_and_text_repeats_run_end_to_end(kernel, fastbook, monkeypatch):
    monkeypatch.setenv('LEARNKIT_FASTBOOK', str(fastbook))
    rng = random.Random(5)
    for chapter, data, metric in (('01', streets(kernel/'streets'), 'valid_loss'), ('10', news(kernel/'news.csv', rng), 'accuracy')):
        r, nb, last = run_repeat(chapter, data, out=kernel/f'{chapter}_{data.stem}.ipynb')
        assert metric in last, last

# --- suggestions ----------------------------------------------------------------------------------------------------

def test_suggestions_list_similar_datasets_and_each_works_offline(tmp_path, fastbook, monkeypatch):
    monkeypatch.setenv('LEARNKIT_FASTBOOK', str(fastbook))
    from learnkit.repeat.plan import suggestions, write_repeat, format_suggestions
    for ch, kinds in (('05', {'image-folders', 'image-names'}), ('08', {'ratings'}), ('09', {'tabular'}), ('10', {'text-csv'}), (str(MULTICAT), {'image-csv'})):
        ss = suggestions(ch)
        assert ss and {s.kind for s in ss} <= kinds
        for s in ss:
            r = write_repeat(ch, dataset=s.name, tiny=True, out=tmp_path/f'{Path(ch).stem}_{s.name}.ipynb')
            assert r.path.exists() and r.plan.info.kind == s.kind, s.name
    names = [s.name for s in suggestions('05')]
    assert 'PETS' not in names and 'IMAGEWOOF' in names  # the chapter's own dataset is not a suggestion
    text = format_suggestions('05_pet_breeds', suggestions('05'))
    assert 'your own folder' in text and 'GB' in text

@pytest.mark.slow
def test_a_suggested_dataset_runs_end_to_end_offline(kernel, fastbook, monkeypatch):
    monkeypatch.setenv('LEARNKIT_FASTBOOK', str(fastbook))
    from learnkit.repeat.plan import write_repeat, repeats, repeat_done
    r = write_repeat('08', dataset='ML_SAMPLE', tiny=True)
    assert r.path.name == '08_collab_repeat_ml_sample.ipynb'
    nb = execute(r.path)
    assert not errors(nb), errors(nb)
    rec = repeats('08')[-1]
    assert rec.dataset == 'ML_SAMPLE' and rec.kind == 'ratings' and not rec.own and repeat_done('08')
    # the chapter's own dataset (its stand-in here) is marked as such: it does not tick the step
    assert write_repeat('08', dataset='ML_100k', tiny=True).plan.own

def test_the_chapters_own_data_does_not_tick_the_step(tmp_path):
    from learnkit.repeat.plan import RepeatRecord, record_repeat, repeat_done, repeats, format_repeats
    base = dict(pipeline='c', data='/d', kind='image-folders', fingerprint='f', items=9, classes=2, metric='error_rate', baseline=.5, result=.3)
    record_repeat(RepeatRecord('demo', own=True, **base))
    assert not repeat_done('demo')
    record_repeat(RepeatRecord('demo', own=False, tiny=True, **base))
    assert repeat_done('demo') and len(repeats('demo')) == 2 and repeats('05') == []
    text = format_repeats(repeats())
    assert text.count('\n') == 2 and "(the chapter's own data)" in text and 'd (tiny)' in text and '0.3000' in text and 'beat its baseline' in text
    import learnkit.repeat.plan, learnkit.repeat.records as RR  # the records live in their own module; `learnkit.repeat.plan.<name>` still works
    assert all(getattr(learnkit.repeat.plan, n) is getattr(RR, n) for n in ('RepeatRecord', 'record_repeat', 'repeats', 'repeat_done', 'format_repeats'))
    assert 'Path' not in text and '/d ' not in text and RR.repeat_public(repeats()[0])['data'] == 'd'

def test_panel_text_says_how_to_start_then_what_was_done(tmp_path, fastbook, monkeypatch):
    monkeypatch.setenv('LEARNKIT_FASTBOOK', str(fastbook))
    from learnkit.repeat.plan import panel_text, RepeatRecord, record_repeat
    t = panel_text('05_pet_breeds', tmp_path)
    assert 'learnkit repeat 5 --data PATH' in t and 'IMAGEWOOF' in t
    record_repeat(RepeatRecord('05_pet_breeds', 'c', '/x/birds', 'image-folders', 'f', 30, 3, 'error_rate', .6, .2, .1))
    t = panel_text('05_pet_breeds', tmp_path)
    assert t.startswith('1 repeat (step done)') and 'birds' in t and 'error_rate 0.2000' in t

# --- bad input: one line, exit 1, nothing written ---------------------------------------------------------------------

def cli(*argv):
    from learnkit.cli.main import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([str(a) for a in argv])
    return rc, out.getvalue(), err.getvalue()

def _single(p):
    for i in range(6): img(p/'only'/f'{i}.png')
    return p

@pytest.mark.parametrize('make, chapter, msg', [
    (lambda p: p/'missing', 'demo', 'does not exist'),
    (lambda p: (p/'f.bin').write_bytes(b'x') and p/'f.bin', 'demo', 'is a file'),
    (lambda p: (p/'empty').mkdir() or p/'empty', 'demo', 'empty folder'),
    (_single, 'demo', 'a single class'),
    (lambda p: table(p/'t.csv', ['a', 'b'], [(1, 1)]*20), 'demo', 'no usable target'),
    (lambda p: birds_in_folders(p/'b'), str(FIXTURES/'lk_mini_chapter.ipynb'), 'has no training pipeline to repeat; chapters with one:'),
    (lambda p: book_ratings(p/'r.csv'), 'demo', 'a ratings dataset needs a collaborative filtering pipeline'),
])
def test_bad_input_is_one_line_exit_1_and_nothing_written(tmp_path, make, chapter, msg, monkeypatch):
    work = tmp_path/'work'; work.mkdir()  # learnkit's own data dir is beside it
    data = make(work)
    monkeypatch.chdir(work)
    before = set(work.rglob('*'))
    rc, out, err = cli('repeat', chapter, '--data', data, '--tiny')
    assert rc == 1 and err.startswith('learnkit: ') and err.count('\n') == 1 and msg in err, err
    assert set(work.rglob('*')) == before

def test_an_unknown_stand_in_is_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rc, out, err = cli('repeat', 'demo', '--dataset', 'NOPE', '--tiny')
    assert rc == 1 and "no suggested dataset 'NOPE'" in err and list(tmp_path.iterdir()) == []

@pytest.mark.slow  # it asks fastai's URLs, which imports torch
def test_an_unknown_dataset_name_is_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rc, out, err = cli('repeat', 'demo', '--dataset', 'NOPE')
    assert rc == 1 and "fastai's URLs has no dataset 'NOPE'" in err and 'IMAGEWOOF' in err and err.count('\n') == 1

def test_never_over_an_existing_notebook(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = birds_in_folders(tmp_path/'birds')
    rc, out, err = cli('repeat', 'demo', '--data', data, '--tiny', '-o', 'mine.ipynb')
    assert rc == 0 and 'wrote mine.ipynb' in out
    first = (tmp_path/'mine.ipynb').read_text()
    rc, out, err = cli('repeat', 'demo', '--data', data, '-o', 'mine.ipynb')
    assert rc == 1 and 'already exists' in err and (tmp_path/'mine.ipynb').read_text() == first
    rc, out, err = cli('repeat', 'demo', '--data', data, '--subset', '0.5', '-o', 'mine.ipynb', '--force')
    backups = list(tmp_path.glob('mine.bak-*.ipynb'))
    assert rc == 0 and len(backups) == 1 and backups[0].read_text() == first and 'SUBSET = 0.5' in (tmp_path/'mine.ipynb').read_text()

def test_cli_lists_suggestions_without_data_and_inspects(tmp_path):
    rc, out, err = cli('repeat', 'demo')
    assert rc == 0 and 'IMAGEWOOF' in out and 'your own folder' in out
    rc, out, err = cli('inspect', birds_in_folders(tmp_path/'b'), '--json')
    d = json.loads(out)
    assert rc == 0 and d['kind'] == 'image-folders' and d['classes'] == {'finch': 11, 'robin': 11, 'wren': 11}
    rc, out, err = cli('inspect', tmp_path/'nope')
    assert rc == 1 and 'does not exist' in err and err.count('\n') == 1
    rc, out, err = cli('inspect', tmp_path/'nope', '--json')  # --json answers in JSON, errors too
    assert rc == 1 and 'does not exist' in json.loads(out)['error'] and err == ''
    rc, out, err = cli('repeat', 'demo', '--data', tmp_path/'nope', '--json')
    assert rc == 1 and 'does not exist' in json.loads(out)['error'] and err == ''

@pytest.mark.slow
def test_core_modules_import_nothing_heavy():
    import subprocess
    code = ("import sys, learnkit.repeat.plan, learnkit.repeat.records, learnkit.repeat.inspection; "
            "print([m for m in ('IPython', 'ipywidgets', 'torch', 'fastai', 'nbformat', 'pandas', 'matplotlib', 'PIL') if m in sys.modules])")
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == '[]', r.stdout + r.stderr

# --- a learner's own data, as it comes: the notebook written (fast) ---------------------------------------------------

def code_cells(r) -> list[str]:
    return [c['source'] for c in json.loads(Path(r.path).read_text())['cells'] if c['cell_type'] == 'code']

def test_a_table_beside_an_image_folder_is_the_data_named(tmp_path, fastbook, monkeypatch):
    monkeypatch.setenv('LEARNKIT_FASTBOOK', str(fastbook)); monkeypatch.chdir(tmp_path)
    from learnkit.repeat.plan import write_repeat
    ds = shapes_beside_a_table(tmp_path/'ds')
    r = write_repeat('09', data=ds/'customers.csv', tiny=True)
    assert r.path == Path('09_tabular_repeat_customers.ipynb') and r.plan.info.kind == 'tabular'
    settings = code_cells(r)[0]
    assert f"DATA = {str((ds/'customers.csv').resolve())!r}" in settings
    assert 'df = subset(pd.read_csv(path))' in '\n'.join(code_cells(r))  # the file itself, not a table found in its folder

def test_notebooks_carry_only_what_their_kind_uses(tmp_path, fastbook, monkeypatch):
    monkeypatch.setenv('LEARNKIT_FASTBOOK', str(fastbook))
    import ast
    from learnkit.repeat.plan import write_repeat
    ds = shapes_beside_a_table(tmp_path/'ds')
    rng = random.Random(2)
    revs = table(tmp_path/'reviews.csv', ['review', 'sentiment'], [(' '.join(rng.choice(WORDS) for _ in range(6)), 'ab'[i % 2]) for i in range(60)])
    for chapter, data, kind in (('09', ds/'customers.csv', 'tabular'), ('10', revs, 'text-classify'), ('01', ds/'shapes', 'image-classify')):
        r = write_repeat(chapter, data=data, tiny=True, out=tmp_path/f'{chapter}.ipynb')
        cells = code_cells(r)
        src = '\n'.join(cells)
        for c in cells: ast.parse('\n'.join(l for l in c.splitlines() if not l.startswith('%')))
        assert ('SIZE = ' in cells[0]) == (kind == 'image-classify')
        assert ('fastai.vision' in src) == (kind == 'image-classify')
        assert ('import random' in cells[0]) == (kind == 'image-classify')  # a DataFrame's subset needs no `random`
    # chapter 1: its pets' `is_cat` labels the chapter's data, not yours; fine_tune takes no LR, so there is none
    assert 'is_cat' not in src and 'LR' not in src and 'learn.fine_tune(EPOCHS)' in src

def test_every_comparison_is_in_one_named_metric(tmp_path, fastbook, monkeypatch):
    monkeypatch.setenv('LEARNKIT_FASTBOOK', str(fastbook))
    from learnkit.repeat.plan import write_repeat
    ds = shapes_beside_a_table(tmp_path/'ds')
    for chapter, data, metric, chapter_metric, compared in (
            ('09', ds/'customers.csv', 'accuracy', 'valid_loss', False),  # the chapter's figure is a loss on log sale prices
            ('09', houses(tmp_path/'houses.csv'), 'valid_loss', 'valid_loss', False),  # a loss on another target's scale
            ('01', ds/'shapes', 'error_rate', 'error_rate', True), ('08', book_ratings(tmp_path/'r.csv'), 'valid_loss', 'valid_loss', False)):
        r = write_repeat(chapter, data=data, tiny=True, out=tmp_path/f'{chapter}_{Path(data).stem}.ipynb')
        cells = code_cells(r)
        assert f'base = baseline(DATA, metric={metric!r}' in cells[1]
        assert f"metric={metric!r}" in cells[-1] and f"chapter_metric={chapter_metric!r}" in cells[-1]
        assert ('not compared' in cells[-1]) != compared, cells[-1]
        learner = next(c for c in cells if '_learner(' in c or 'Learner(' in c)
        assert metric == 'valid_loss' or f'metrics={metric}' in learner

def test_the_problems_inspect_found_become_cells_between_reading_and_building(tmp_path, fastbook, monkeypatch):
    monkeypatch.setenv('LEARNKIT_FASTBOOK', str(fastbook))
    from learnkit.repeat.plan import write_repeat
    ds = shapes_beside_a_table(tmp_path/'ds')
    cells = code_cells(write_repeat('01', data=ds/'shapes', tiny=True, out=tmp_path/'shapes.ipynb'))
    read, unreadable, nested = (next(i for i, c in enumerate(cells) if needle in c) for needle in ('left_out = set()', 'verify_images(', 'NESTED = '))
    build = next(i for i, c in enumerate(cells) if 'DataBlock(' in c)
    assert read < unreadable < nested < build
    assert "NESTED = {'triangle/batch_2024': 'triangle'}" in cells[nested] and 'get_y=class_folder' in cells[build]
    assert 'if f not in left_out' in cells[build]
    rows = [(i, '' if i % 4 == 1 else i * 1.5, '' if i % 9 == 0 else 'yes' if i % 3 else 'no') for i in range(40)]
    p = table(tmp_path/'t.csv', ['n', 'x', 'target'], rows)  # missing values, and rows without a target
    cells = code_cells(write_repeat('09', data=p, tiny=True, out=tmp_path/'t.ipynb'))
    drop, fill, build = (next(i for i, c in enumerate(cells) if needle in c) for needle in ('df.dropna(subset=[dep_var])', "df[c + '_na']", 'TabularPandas('))
    assert drop < fill < build

# --- a learner's own data, run top to bottom in a real kernel (slow) ----------------------------------------------------

@pytest.mark.slow
def test_a_table_with_missing_values_beside_images_trains_to_a_number(kernel, fastbook, monkeypatch):
    monkeypatch.setenv('LEARNKIT_FASTBOOK', str(fastbook))
    from learnkit.repeat.plan import repeats, repeat_done
    ds = shapes_beside_a_table(kernel/'ds')
    r, nb, last = run_repeat('09', ds/'customers.csv')
    assert 'filled 2 continuous columns: age spend' in '\n'.join(text_of(c) for c in nb.cells if c.cell_type == 'code')
    rec = repeats('09')[-1]
    assert (rec.kind, rec.data, rec.metric, rec.chapter_metric, rec.diverged) == ('tabular', str((ds/'customers.csv').resolve()), 'accuracy', 'valid_loss', False)
    assert rec.result is not None and 0 <= rec.result <= 1 and rec.chapter_result is None and 'two different measures' in rec.not_comparable
    assert rec.notebook == str(r.path.resolve()) and repeat_done('09')

@pytest.mark.slow
def test_missing_values_that_reach_the_model_are_a_nan_with_its_cause_not_advice(kernel, fastbook, monkeypatch):
    monkeypatch.setenv('LEARNKIT_FASTBOOK', str(fastbook))
    import nbformat
    from learnkit.repeat.plan import write_repeat, repeats, repeat_done
    from learnkit.study.progress import chapter_steps
    r = write_repeat('09', data=shapes_beside_a_table(kernel/'ds')/'customers.csv', tiny=True)
    nb = nbformat.read(str(r.path), as_version=4)
    # the notebook without its missing-values cell, and without FillMissing: the NaNs reach the model
    nb.cells = [c for c in nb.cells if "df[c + '_na']" not in c.source]
    for c in nb.cells:
        c.source = c.source.replace('procs=[Categorify, FillMissing, Normalize]', 'procs=[Categorify, Normalize]')
    nbformat.write(nb, str(r.path))
    nb = execute(r.path)
    assert not errors(nb), errors(nb)
    last = text_of(nb.cells[-1])
    assert 'NaN' in last and 'missing values reached the model' in last and 'more epochs' not in last
    rec = repeats('09')[-1]
    assert rec.diverged and rec.result is None and 'missing values reached the model' in rec.cause
    assert not repeat_done('09')  # it did not run to the end: no "Repeat ✓"
    step = next(s for s in chapter_steps('09_tabular') if s.step == 'repeat')
    assert not step.done

@pytest.mark.slow
def test_a_corrupt_image_and_a_nested_class_folder_run_end_to_end(kernel, fastbook, monkeypatch):
    monkeypatch.setenv('LEARNKIT_FASTBOOK', str(fastbook))
    import nbformat
    from learnkit.repeat.plan import write_repeat, repeats
    r = write_repeat('01', data=shapes_beside_a_table(kernel/'ds')/'shapes', tiny=True)
    nb = nbformat.read(str(r.path), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell('print(sorted(dls.vocab), len(dls.train_ds) + len(dls.valid_ds))'))
    nbformat.write(nb, str(r.path))
    nb = execute(r.path)
    assert not errors(nb), errors(nb)
    out = '\n'.join(text_of(c) for c in nb.cells if c.cell_type == 'code')
    assert '1 unreadable image left out square_broken.jpg' in out
    assert "['circle', 'square', 'triangle'] 28" in out  # batch_2024 is a triangle; the broken square is not an item
    rec = repeats('01')[-1]
    assert rec.kind == 'image-folders' and rec.classes == 3 and rec.result is not None

@pytest.mark.slow
def test_short_reviews_go_through_the_chapters_text_classifier(kernel, fastbook, monkeypatch):
    monkeypatch.setenv('LEARNKIT_FASTBOOK', str(fastbook))
    from learnkit.repeat.plan import repeats
    rng = random.Random(3)
    words = 'great awful fine boring lovely dull plot acting ending music cast story'.split()
    p = table(kernel/'reviews.csv', ['review', 'sentiment'], [(' '.join(rng.choice(words) for _ in range(6)), ['positive', 'negative'][i % 2]) for i in range(120)])
    r, nb, last = run_repeat('10', p)
    assert r.plan.info.kind == 'text-csv' and 'text_classifier_learner(' in '\n'.join(c.source for c in nb.cells)
    assert repeats('10')[-1].metric == 'accuracy' and 'accuracy' in last

# --- the one phrasing of a repeat ---------------------------------------------------------------------------------------

def test_repeat_done_means_it_ran_to_the_end_and_every_view_says_how_it_went(tmp_path):
    from learnkit.repeat.records import (RepeatRecord, record_repeat, repeats, repeat_done, repeat_summary, repeat_row, format_repeats,
                                         repeat_data_label)
    from learnkit.study.progress import chapter_steps
    base = dict(pipeline='c', kind='tabular', fingerprint='f', items=200, classes=2, metric='accuracy', baseline=.8)
    record_repeat(RepeatRecord('09_tabular', data='/home/me/customers.csv', result=None, tiny=True, diverged=True,
                               cause='12 missing values reached the model', **base))
    assert not repeat_done('09_tabular') and not next(s for s in chapter_steps('09_tabular') if s.step == 'repeat').done
    nan = repeats('09_tabular')[-1]
    assert repeat_summary(nan) == ('customers.csv (tiny): accuracy NaN vs baseline 0.8000, diverged (NaN loss) '
                                   '(12 missing values reached the model)')
    record_repeat(RepeatRecord('09_tabular', data='/home/me/customers.csv', result=.55, tiny=True, **base))
    assert repeat_done('09_tabular')  # a tiny run that lost to its baseline ran to the end; the views say both
    lost = repeats('09_tabular')[-1]
    assert repeat_row(lost)['data'] == repeat_data_label(lost) == 'customers.csv (tiny)' and repeat_row(lost)['outcome'] == 'did not beat its baseline'
    text = format_repeats(repeats())
    assert 'diverged (NaN loss)' in text and 'did not beat its baseline' in text and text.count('(tiny)') == 2 and '/home/me' not in text
    step = next(s for s in chapter_steps('09_tabular') if s.step == 'repeat')
    assert step.done and 'did not beat its baseline' in step.detail and '(tiny)' in step.detail

def test_the_comparison_note_names_a_nan_and_gives_no_advice_in_tiny_mode():
    from learnkit.repeat.outcome import RepeatComparison, repeat_note, not_comparable
    from learnkit.repeat.records import RepeatRecord
    base = dict(pipeline='c', data='/x/shapes', kind='image-folders', fingerprint='f', items=60, classes=3, metric='error_rate', baseline=.6)
    nan = RepeatRecord('01_intro', result=None, diverged=True, cause='the learning rate may be too high', **base)
    assert 'the loss went NaN, so there is no result: the learning rate may be too high' in repeat_note(nan) and 'more epochs' not in repeat_note(nan)
    assert 'NaN' in repr(RepeatComparison(nan, repeat_note(nan)))
    assert 'more epochs' not in repeat_note(RepeatRecord('01_intro', result=.7, tiny=True, **base))
    assert 'more epochs' in repeat_note(RepeatRecord('01_intro', result=.7, **base))
    assert not_comparable('accuracy', 'valid_loss') == 'the chapter measured valid_loss, your model accuracy: two different measures'
    assert not_comparable('error_rate', 'error_rate') == '' and 'scale' in not_comparable('rmse', 'rmse')
