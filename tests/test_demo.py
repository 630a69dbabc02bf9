"`learnkit demo`, the Quick start's main job: the whole study loop, offline, on the demo chapter."
import json, os, re, subprocess, sys
from pathlib import Path
import pytest

@pytest.mark.slow  # a subprocess running the whole loop (45 s here); the dev stack also runs `learnkit demo` itself
def test_demo_runs_the_study_loop(tmp_path):
    env = dict(os.environ, LEARNKIT_DATA_DIR=str(tmp_path/'data'))
    r = subprocess.run([sys.executable, '-m', 'learnkit.cli', 'demo', '--quick'], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    out = r.stdout
    folder = tmp_path/'learnkit-demo'
    repro = folder/'demo_reproduce.ipynb'
    assert repro.exists() and (folder/'demo_diff.html').exists() and (folder/'progress.html').exists()
    # the live verdicts a learner would see, the honest slip included
    assert '✓ match' in out and 'mismatch: expected shape (6, 6), got (5, 6)' in out
    # check and diff print the same numbers: everything written and run but the cell left for tomorrow
    m = re.search(r'demo: (\d+) of 11 cells done \(10 written, 10 ran\)', out)
    assert m and f'demo (Stripes or Dots?): {m.group(1)} of 11 cells done (10 written, 10 ran)' in out
    assert "'demo: one batch': median" in out
    from learnkit.store.db import Store
    s = Store(tmp_path/'data'/'learnkit.db')
    verdicts = [a['verdict'] for a in s.rows('attempts', 'chapter=?', ('demo',))]
    assert verdicts.count('mismatch') == 1 and verdicts.count('match') >= 6
    rows = s.rows('checks')
    assert sorted(c['kind'] for c in rows) == ['check', 'diff'] and rows[0]['summary'] == rows[1]['summary']  # recorded once each, alike
    labels = [t['label'] for t in s.rows('timings')]
    assert labels == ['demo: one batch', 'repeat demo: one batch']  # the study step's timing, then the repeat notebook's own, once each
    # the repeat step: a notebook on a second tiny dataset, baseline first, recorded once, and it ticks the study step
    rep_nb = folder/'demo_repeat.ipynb'
    assert rep_nb.exists() and json.loads(rep_nb.read_text())['nbformat'] == 4
    assert out.index('baseline (most frequent class') < out.index("the chapter's own result")
    from learnkit.repeat.records import repeats, repeat_done
    [rec] = repeats('demo', s)
    assert rec.finished and not rec.own and rec.tiny and rec.dataset and rec.baseline is not None and rec.result is not None
    assert repeat_done('demo', s)
    html = (folder/'progress.html').read_text()
    assert 'Stripes or Dots?' in html and '<script src=' not in html
    assert f'{m.group(1)} of 11 cells done (10 written, 10 ran)' in html  # the report's row is the same state
    assert (f'<tr><td><code>demo</code></td><td>{rec.dataset}</td><td>{rec.kind}</td><td>{rec.metric}</td><td class="n">{rec.baseline:.4f}</td>'
            f'<td class="n">{rec.result:.4f}</td>') in html and str(tmp_path) not in html  # the report lists the repeat by its name

def test_demo_never_reuses_a_folder_with_work_in_it(tmp_path):
    (tmp_path/'mine').mkdir(); (tmp_path/'mine'/'notes.ipynb').write_text('{}')
    r = subprocess.run([sys.executable, '-m', 'learnkit.cli', 'demo', 'mine'], cwd=tmp_path, capture_output=True, text=True,
                       env=dict(os.environ, LEARNKIT_DATA_DIR=str(tmp_path/'data')), timeout=120)
    assert r.returncode == 1 and 'not empty' in r.stderr
    assert (tmp_path/'mine'/'notes.ipynb').read_text() == '{}'
