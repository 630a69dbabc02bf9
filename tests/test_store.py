"The learner's data: a real SQLite file, several kernels at once, no lost or half-written work, and honest fallbacks."
import json, os, sqlite3, subprocess, sys
from pathlib import Path
import pytest
from learnkit.base.core import LearnkitError
from learnkit.store.db import Store, NotSaved, open_store, get_store, reset_store, MIGRATIONS
from test_faults import read_only_run, lk_main

WRITER = r'''
import sys, time
from learnkit.store.db import open_store
s = open_store(sys.argv[1])
assert not s.read_only, s.why
for i in range(int(sys.argv[3])):
    assert s.add('events', chapter='demo', kind=sys.argv[2], data={'i': i}) is not None
'''

def test_defaults_to_the_data_dir_in_wal_mode(data_dir):
    s = get_store()
    assert Path(s.path) == data_dir/'learnkit.db' and Path(s.path).exists()
    assert s.con.execute('PRAGMA journal_mode').fetchone()[0] == 'wal'
    assert s.con.execute('PRAGMA busy_timeout').fetchone()[0] >= 5000
    assert s.version == len(MIGRATIONS)
    assert (s.read_only, s.why) == (False, '')

@pytest.mark.slow
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
    assert s.add('sessions', chapter='demo', start=1.0) == 1
    assert len(Store(db).rows('sessions')) == 1

def test_a_newer_schema_is_refused_not_damaged(tmp_path):
    db = tmp_path/'new.db'
    Store(db).close()
    con = sqlite3.connect(db); con.execute('INSERT INTO schema_version VALUES (99, 0)'); con.commit(); con.close()
    before = db.read_bytes()
    with pytest.raises(LearnkitError, match='newer learnkit'): Store(db)
    with pytest.raises(LearnkitError, match='newer learnkit'): open_store(db)
    assert db.read_bytes() == before

def test_a_bug_still_raises(tmp_path):
    s = Store(tmp_path/'a.db')
    with pytest.raises(sqlite3.OperationalError, match='no such table'): s.add('no_such_table', x=1)
    with pytest.raises(sqlite3.OperationalError, match='no such column'): s.rows('events', 'nope=1')

def test_text_that_is_not_utf8_is_kept_readable(tmp_path):
    s = Store(tmp_path/'a.db')
    i = s.add('attempts', chapter='demo', notebook='caf\udce9.ipynb')  # a file name that is not UTF-8, as Python decodes it
    assert s.rows('attempts', 'id=?', (i,))[0]['notebook'] == 'caf\ufffd.ipynb'

# --- a database that can't be written: said once, read what can be read, never claim a save ---------------------------

def _corrupt(path):
    path.write_bytes(b'not sqlite at all ' * 500)
    return path.read_bytes()

def test_corrupt_file_is_read_only_said_once_and_never_overwritten(tmp_path, capsys):
    db = tmp_path/'learnkit.db'
    before = _corrupt(db)
    s = open_store(db)
    assert s.read_only and s.path == str(db)
    assert s.add('attempts', chapter='demo', ref='a', verdict='match') is None
    assert (s.update('attempts', 1, verdict='x'), s.set_step('demo', 'read'), s.cache_put('k', 'v', '1')) == (None, None, None)
    assert s.rows('attempts') == [] and s.cache_get('k', 'v') is None
    with pytest.raises(NotSaved, match='^not saved: '): 
        with s.write(): pass
    open_store(db)
    err = capsys.readouterr().err
    assert err == f'learnkit: {s.why}\n'
    assert 'left untouched' in s.why and 'LEARNKIT_DATA_DIR' in s.why
    assert db.read_bytes() == before
    with pytest.raises(LearnkitError, match='^not exporting: '): s.export(tmp_path/'snap.db')
    assert not (tmp_path/'snap.db').exists()

def test_a_folder_that_cant_be_created_is_one_line(tmp_path, capsys):
    # a path whose parent is a file can't be created by anyone, root included
    blocker = tmp_path/'file'; blocker.write_text('x')
    s = open_store(blocker/'learnkit.db')
    assert s.read_only and s.why.startswith(f"can't create {blocker/'learnkit.db'}")
    assert s.add('events', kind='x') is None
    assert capsys.readouterr().err.count('\n') == 1

def _two_timings(db):
    s = Store(db)
    for label in ('one batch', 'two batches'):
        s.add('timings', label=label, median=0.5, iqr=0.01, best=0.49, worst=0.52, mean=0.5, stdev=0.01, loops=1, repeat=3,
              timings=[0.49, 0.5, 0.52], source='x = 1', device={'kind': 'cpu'}, versions={}, extra={})
    s.close()

def test_a_drive_mount_is_read_not_written(tmp_path, monkeypatch, capsys):
    import learnkit.store.db as st
    db = tmp_path/'learnkit.db'
    _two_timings(db)
    before = db.read_bytes()
    monkeypatch.setattr(st, 'on_network_mount', lambda p: True)  # this machine has no Drive: the mount is what is pretended
    s = st.open_store(db)
    assert s.read_only and 'learnkit export' in s.why
    assert [r['label'] for r in s.rows('timings')] == ['one batch', 'two batches']  # read, not an empty store
    assert s.add('timings', label='three') is None and len(s.rows('timings')) == 2
    assert db.read_bytes() == before
    assert capsys.readouterr().err == f'learnkit: {s.why}\n'

@pytest.mark.skipif(hasattr(os, 'geteuid') and os.geteuid() == 0, reason='root ignores file modes (test_faults covers it with a read-only mount)')
def test_read_only_file_is_read_in_process(tmp_path, capsys):
    db = tmp_path/'learnkit.db'
    _two_timings(db)
    db.chmod(0o444)
    try:
        s = open_store(db)
        assert s.read_only and len(s.rows('timings')) == 2 and s.add('timings', label='x') is None
    finally: db.chmod(0o644)

@pytest.mark.slow
@pytest.mark.parametrize('what', ['file', 'folder'])
def test_read_only_database_lists_what_it_holds_and_saves_nothing(tmp_path, what):
    "`learnkit log` on a read-only database file or folder: the rows it holds, one line saying nothing is saved, exit 0."
    d = tmp_path/'lk'; d.mkdir()
    db = d/'learnkit.db'
    _two_timings(db)
    before = db.read_bytes()
    code = ("import sys; from learnkit.store.db import get_store; from learnkit.cli.main import main\n"
            "s = get_store(); r = s.add('timings', label='x'); print('added', r, s.read_only)\n"
            "sys.exit(main(['log']))")
    r = read_only_run(db if what == 'file' else d, [sys.executable, '-c', code], env={'LEARNKIT_DATA_DIR': str(d)})
    assert r.returncode == 0, r.stderr
    out = r.stdout.splitlines()
    assert out[0] == 'added None True'
    assert any('one batch' in l for l in out) and any('two batches' in l for l in out), r.stdout
    assert 'nothing logged yet' not in r.stdout
    assert r.stderr.count('\n') == 1 and r.stderr.startswith('learnkit: ') and 'nothing is saved' in r.stderr, r.stderr
    assert db.read_bytes() == before

def test_a_full_database_says_not_saved_and_recovers(tmp_path, capsys):
    s = Store(tmp_path/'a.db')
    s.add('events', kind='first')
    pages = s.con.execute('PRAGMA page_count').fetchone()[0]
    s.con.execute(f'PRAGMA max_page_count = {pages}')  # SQLite's own limit: a real SQLITE_FULL, as a full disk gives
    assert s.add('events', kind='big', data='x' * 100_000) is None
    assert s.add('events', kind='big', data='x' * 100_000) is None
    assert [r['kind'] for r in s.rows('events')] == ['first'] and not s.read_only
    assert capsys.readouterr().err == f'learnkit: not saved: {s.path} is full (the disk is full)\n'
    s.con.execute('PRAGMA max_page_count = 1073741823')
    assert s.add('events', kind='later') is not None  # a full disk is not forever

def test_a_lock_held_too_long_says_not_saved(tmp_path, capsys):
    db = tmp_path/'a.db'
    s = Store(db, timeout=0.2)
    other = sqlite3.connect(db, isolation_level=None)
    other.execute('BEGIN IMMEDIATE')  # another program holds the write lock
    try:
        assert s.add('events', kind='x') is None
        assert capsys.readouterr().err == f'learnkit: not saved: {db} is locked by another program for too long\n'
    finally: other.execute('ROLLBACK'); other.close()
    assert not s.read_only and s.add('events', kind='y') is not None and [r['kind'] for r in s.rows('events')] == ['y']

# --- snapshots ------------------------------------------------------------------------------------------------------

def test_export_is_a_consistent_copy(tmp_path):
    s = get_store()
    s.add('attempts', chapter='demo', ref='a', verdict='match')
    (tmp_path/'backup').mkdir()
    assert s.export(tmp_path/'backup') == tmp_path/'backup'/'learnkit.db'
    assert s.export(tmp_path/'snap.db') == tmp_path/'snap.db'
    for p in (tmp_path/'backup'/'learnkit.db', tmp_path/'snap.db'):
        assert [(r['ref'], r['verdict']) for r in Store(p).rows('attempts')] == [('a', 'match')]
    with pytest.raises(LearnkitError, match='live database'): s.export(s.path)

def test_cli_export(tmp_path):
    get_store().add('events', kind='x')
    rc, out, err = lk_main('export', tmp_path/'snap.db')
    assert (rc, out, err) == (0, f"wrote {tmp_path/'snap.db'}\n", '')
    assert [r['kind'] for r in Store(tmp_path/'snap.db').rows('events')] == ['x']

def test_export_never_replaces_a_file_that_is_not_a_learnkit_database(tmp_path):
    get_store().add('events', kind='x')
    notes = tmp_path/'notes.txt'; notes.write_text('my notes')
    other = tmp_path/'other.db'
    con = sqlite3.connect(other); con.execute('CREATE TABLE t (x)'); con.commit(); con.close()
    for dest in (notes, other):
        before = dest.read_bytes()
        rc, out, err = lk_main('export', dest)
        assert rc == 1 and out == '' and err == f'learnkit: {dest} is not a learnkit database; it was left as it is: export to a new file or a folder\n'
        assert dest.read_bytes() == before

def test_export_never_replaces_a_bigger_snapshot(tmp_path):
    drive = tmp_path/'drive'; drive.mkdir()
    s = get_store()
    for i in range(5): s.add('timings', label=f'run {i}')
    assert s.export(drive) == drive/'learnkit.db'
    good = (drive/'learnkit.db').read_bytes()
    reset_store()
    fresh = Store(tmp_path/'fresh.db')  # a new machine, before its first run: nothing in it yet
    with pytest.raises(LearnkitError, match=r'holds more than this database \(rows of timings: 5 there, 0 here\)'): fresh.export(drive)
    assert (drive/'learnkit.db').read_bytes() == good
    fresh.export(drive, force=True)
    [bak] = [p for p in drive.iterdir() if '.bak-' in p.name]
    assert bak.read_bytes() == good and Store(drive/'learnkit.db').rows('timings') == []

def test_export_from_a_corrupt_live_database_keeps_the_good_snapshot(tmp_path, data_dir):
    drive = tmp_path/'drive'; drive.mkdir()
    s = get_store()
    for i in range(5): s.add('timings', label=f'run {i}')
    s.export(drive)
    good = (drive/'learnkit.db').read_bytes()
    reset_store()
    _corrupt(data_dir/'learnkit.db')
    for p in data_dir.glob('learnkit.db-*'): p.unlink()
    rc, out, err = lk_main('export', drive)
    assert rc == 1 and out == ''
    lines = err.splitlines()
    assert len(lines) == 2 and 'left untouched' in lines[0] and lines[1].startswith('learnkit: not exporting: ')
    assert (drive/'learnkit.db').read_bytes() == good

def test_an_existing_tmp_file_is_neither_a_failure_nor_lost(tmp_path):
    get_store().add('events', kind='x')
    dest = tmp_path/'snap.db'
    leftover = tmp_path/'snap.db.tmp'; leftover.write_text('an earlier run, or the learner\'s own file')
    rc, _, err = lk_main('export', dest)
    assert rc == 0, err
    assert leftover.read_text() == 'an earlier run, or the learner\'s own file'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['lkdata', 'snap.db', 'snap.db.tmp']
    assert [r['kind'] for r in Store(dest).rows('events')] == ['x']

def test_export_refuses_what_is_not_a_regular_file(tmp_path):
    get_store().add('events', kind='x')
    os.mkfifo(tmp_path/'pipe')
    rc, _, err = lk_main('export', tmp_path/'pipe')
    assert rc == 1 and err == f'learnkit: {tmp_path/"pipe"} is a named pipe, not a regular file; learnkit writes only regular files: give a file name\n'
