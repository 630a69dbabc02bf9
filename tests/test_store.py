"The learner's data: a real SQLite file, several kernels at once, and no lost or half-written work."
import json, os, sqlite3, stat, subprocess, sys, warnings
from pathlib import Path
import pytest
from learnkit.base.core import LearnkitError, data_dir
from learnkit.store.db import Store, open_store, get_store, reset_store, MIGRATIONS

WRITER = r'''
import sys, time
from learnkit.store.db import open_store
s = open_store(sys.argv[1])
assert s.path != ':memory:', s.fallback
for i in range(int(sys.argv[3])):
    s.add('events', chapter='demo', kind=sys.argv[2], data={'i': i})
'''

def test_defaults_to_the_data_dir_in_wal_mode(data_dir):
    s = get_store()
    assert Path(s.path) == data_dir/'learnkit.db' and Path(s.path).exists()
    assert s.con.execute('PRAGMA journal_mode').fetchone()[0] == 'wal'
    assert s.con.execute('PRAGMA busy_timeout').fetchone()[0] >= 5000
    assert s.version == len(MIGRATIONS)

@pytest.mark.parametrize('fresh', [False, True], ids=['existing-db', 'new-db'])
def test_four_kernels_writing_at_once_lose_nothing(tmp_path, fresh):
    db = tmp_path/'shared.db'
    if not fresh: Store(db).close()  # else the four processes create it together
    procs = [subprocess.Popen([sys.executable, '-c', WRITER, str(db), f'k{k}', '250'], stderr=subprocess.PIPE, text=True)
             for k in range(4)]
    errs = [p.communicate(timeout=300)[1] for p in procs]
    assert all(p.returncode == 0 for p in procs), errs
    assert not any('locked' in e for e in errs)
    s = Store(db)
    rows = s.rows('events')
    assert len(rows) == 1000
    for k in range(4):
        mine = [json.loads(r['data'])['i'] for r in rows if r['kind'] == f'k{k}']
        assert sorted(mine) == list(range(250))

def test_a_failed_write_leaves_nothing(tmp_path):
    s = Store(tmp_path/'a.db')
    with pytest.raises(ZeroDivisionError):
        with s.write() as con:
            con.execute("INSERT INTO attempts (time, chapter, ref, verdict) VALUES (1, 'demo', 'x', 'match')")
            1/0
    assert s.rows('attempts') == []
    assert Store(tmp_path/'a.db').rows('attempts') == []

def test_migrations_upgrade_an_older_file(tmp_path):
    db = tmp_path/'old.db'
    con = sqlite3.connect(db)
    con.executescript('CREATE TABLE schema_version (version INTEGER PRIMARY KEY, time REAL);')
    con.commit(); con.close()
    s = Store(db)
    assert s.version == len(MIGRATIONS)
    s.add('sessions', chapter='demo', start=1.0)
    assert len(Store(db).rows('sessions')) == 1

def test_a_newer_schema_is_refused_not_damaged(tmp_path):
    db = tmp_path/'new.db'
    Store(db).close()
    con = sqlite3.connect(db); con.execute('INSERT INTO schema_version VALUES (99, 0)'); con.commit(); con.close()
    before = db.read_bytes()
    with pytest.raises(LearnkitError, match='newer learnkit'): Store(db)

def test_corrupt_file_falls_back_to_memory_and_is_never_overwritten(tmp_path):
    db = tmp_path/'learnkit.db'
    db.write_bytes(b'not sqlite at all ' * 500)
    before = db.read_bytes()
    with pytest.warns(UserWarning, match='left untouched'):
        s = open_store(db)
    assert s.path == ':memory:'
    s.add('attempts', chapter='demo', ref='a', verdict='match')
    assert s.rows('attempts')[0]['verdict'] == 'match'
    assert db.read_bytes() == before

@pytest.mark.skipif(os.geteuid() == 0, reason='root ignores file permissions')
def test_read_only_folder_falls_back_to_memory(tmp_path):
    ro = tmp_path/'ro'; ro.mkdir(); ro.chmod(stat.S_IRUSR | stat.S_IXUSR)
    with pytest.warns(UserWarning):
        s = open_store(ro/'learnkit.db')
    assert s.path == ':memory:'

def test_read_only_file_falls_back_to_memory_even_as_root(tmp_path):
    # a path whose parent is a file can't be created by anyone, root included
    blocker = tmp_path/'file'; blocker.write_text('x')
    with pytest.warns(UserWarning, match='in memory'):
        s = open_store(blocker/'learnkit.db')
    assert s.path == ':memory:' and s.fallback

def test_warns_only_once(tmp_path):
    blocker = tmp_path/'file2'; blocker.write_text('x')
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        open_store(blocker/'learnkit.db'); open_store(blocker/'learnkit.db')
    assert len([x for x in w if 'learnkit' in str(x.message)]) == 1

def test_drive_mount_is_not_used(monkeypatch):
    import learnkit.store.db as st
    monkeypatch.setattr(st, 'on_network_mount', lambda p: True)
    with pytest.warns(UserWarning, match='learnkit export'):
        s = st.open_store('/content/drive/MyDrive/learnkit/learnkit.db')
    assert s.path == ':memory:'

def test_export_is_a_consistent_copy(tmp_path):
    s = get_store()
    s.add('attempts', chapter='demo', ref='a', verdict='match')
    dest = s.export(tmp_path/'backup')
    assert dest == tmp_path/'backup'/'learnkit.db' or dest.name == 'backup'
    assert Store(dest).rows('attempts')[0]['ref'] == 'a'
    with pytest.raises(LearnkitError, match='live database'): s.export(s.path)

def test_cli_export(tmp_path):
    get_store().add('steps_dummy' if False else 'events', kind='x')
    from learnkit.cli.main import main
    assert main(['export', str(tmp_path/'snap.db')]) == 0
    assert Store(tmp_path/'snap.db').rows('events')[0]['kind'] == 'x'
