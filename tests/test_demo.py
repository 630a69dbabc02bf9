"`learnkit demo`, the Quick start's main job: the whole study loop, offline, on the demo chapter."
import json, os, subprocess, sys
from pathlib import Path
import pytest

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
    # check and diff agree on what was attempted: everything but the cell left for tomorrow
    assert '10 of 11 cells written and run, checked' in out and '10/11 cells attempted' in out
    assert "'demo: one batch': median" in out
    from learnkit.store import Store
    s = Store(tmp_path/'data'/'learnkit.db')
    verdicts = [a['verdict'] for a in s.rows('attempts', 'chapter=?', ('demo',))]
    assert verdicts.count('mismatch') == 1 and verdicts.count('match') >= 6
    assert {c['kind'] for c in s.rows('checks')} == {'check', 'diff'}
    assert [t['label'] for t in s.rows('timings')] == ['demo: one batch']
    html = (folder/'progress.html').read_text()
    assert 'Stripes or Dots?' in html and '<script src=' not in html

def test_demo_never_reuses_a_folder_with_work_in_it(tmp_path):
    (tmp_path/'mine').mkdir(); (tmp_path/'mine'/'notes.ipynb').write_text('{}')
    r = subprocess.run([sys.executable, '-m', 'learnkit.cli', 'demo', 'mine'], cwd=tmp_path, capture_output=True, text=True,
                       env=dict(os.environ, LEARNKIT_DATA_DIR=str(tmp_path/'data')), timeout=120)
    assert r.returncode == 1 and 'not empty' in r.stderr
    assert (tmp_path/'mine'/'notes.ipynb').read_text() == '{}'
