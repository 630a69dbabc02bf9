"""learnkit under faults: devices, pipes, long and non-UTF-8 names, read-only folders, a full disk, Ctrl-C, a closed pipe,
hostile terminal text, and interrupts in a real kernel. Each fault is one line naming the path and the fix, and loses nothing.

Faults that root would not meet with file modes (read-only folders, a full disk) are made real with a mount namespace
(`unshare -m`: a read-only bind mount, a tiny tmpfs); where neither root nor mounts are available they are skipped with the reason."""
import contextlib, io, json, os, re, signal, stat, subprocess, sys, textwrap, time
from functools import lru_cache
from pathlib import Path
import pytest
from learnkit.base.core import LearnkitError
from hostile import TERMINAL, write_hostile_chapter

ROOT = Path(__file__).resolve().parents[1]
IS_ROOT = hasattr(os, 'geteuid') and os.geteuid() == 0

def lk_main(*argv):
    "Run `learnkit` in this process: (exit code, stdout, stderr)."
    from learnkit.cli.main import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try: rc = main([str(a) for a in argv])
        except SystemExit as e: rc = e.code
    return rc, out.getvalue(), err.getvalue()

def lk(*argv, cwd=None, env=None, timeout=120, **kw):
    "The real `learnkit` command in a subprocess."
    return subprocess.run([sys.executable, '-m', 'learnkit.cli', *map(str, argv)], capture_output=True, text=True, cwd=cwd,
                          env=dict(os.environ, **(env or {})), timeout=timeout, **kw)

def one_line(err: str) -> bool: return err.startswith('learnkit: ') and err.count('\n') == 1 and 'Traceback' not in err

@lru_cache(maxsize=1)
def _mounts_work() -> str:
    "'' when this process may make private mounts (root with `unshare -m`), else why not."
    if not IS_ROOT: return 'not root'
    try:
        r = subprocess.run(['unshare', '-m', 'sh', '-c', 'mount -t tmpfs -o size=64k none "$0"', str(ROOT/'tests')],
                           capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e: return f'unshare failed: {e}'
    return '' if r.returncode == 0 else f'private mounts not allowed here: {r.stderr.strip()}'

def read_only_run(path, argv, env=None, cwd=None, timeout=120):
    "Run `argv` with `path` (a file or a folder) read-only for it: a read-only bind mount for root, file modes otherwise."
    path, e = Path(path), dict(os.environ, **(env or {}))
    if IS_ROOT:
        if _mounts_work(): pytest.skip(f'root ignores file modes and {_mounts_work()}')
        script = 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" "$0" && exec "$@"'
        return subprocess.run(['unshare', '-m', 'sh', '-c', script, str(path), *map(str, argv)], capture_output=True, text=True,
                              env=e, cwd=cwd, timeout=timeout)
    mode = path.stat().st_mode
    path.chmod(0o555 if path.is_dir() else 0o444)
    try: return subprocess.run(list(map(str, argv)), capture_output=True, text=True, env=e, cwd=cwd, timeout=timeout)
    finally: path.chmod(stat.S_IMODE(mode))

def small_disk_run(folder, argv, size='256k', env=None, cwd=None, timeout=120):
    "Run `argv` with a tmpfs of `size` mounted on `folder` (a real full disk once it fills up): root with mount namespaces only."
    if _mounts_work(): pytest.skip(f'a small disk needs a private tmpfs mount: {_mounts_work()}')
    script = 'mount -t tmpfs -o size=' + size + ' none "$0" && exec "$@"'
    return subprocess.run(['unshare', '-m', 'sh', '-c', script, str(folder), *map(str, argv)], capture_output=True, text=True,
                          env=dict(os.environ, **(env or {})), cwd=cwd, timeout=timeout)

@pytest.fixture
def device(tmp_path):
    "A character device node (the null device) inside `tmp_path`, as root; a FIFO otherwise: never a system path."
    p = tmp_path/'null'
    if IS_ROOT:
        try: os.mknod(p, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        except OSError: os.mkfifo(p)
    else: os.mkfifo(p)
    return p

def _kind(p): return stat.S_IFMT(os.lstat(p).st_mode)

# --- what may be written ----------------------------------------------------------------------------------------------

def test_force_never_turns_a_device_into_a_file(device, tmp_path):
    kind = _kind(device)
    rc, out, err = lk_main('scaffold', 'demo', '-o', device, '--force')
    assert rc == 1 and one_line(err), err
    assert 'not a regular file' in err and str(device) in err
    assert _kind(device) == kind and not list(tmp_path.glob('null.bak-*'))
    from learnkit.base.files import atomic_write, write_new
    for f in (lambda: write_new(device, 'x', force=True), lambda: atomic_write(device, 'x')):
        with pytest.raises(LearnkitError, match='not a regular file'): f()
    assert _kind(device) == kind and {p.name for p in tmp_path.iterdir()} - {'lkdata'} == {'null'}

def test_an_input_that_is_not_a_regular_file_is_refused_without_reading(tmp_path):
    os.mkfifo(tmp_path/'chapter.ipynb')  # nobody will ever write into it: reading would wait forever
    t = time.monotonic()
    for src in ('/dev/zero', tmp_path/'chapter.ipynb'):
        rc, out, err = lk_main('scaffold', src, '-o', tmp_path/'out.ipynb')
        assert rc == 1 and one_line(err) and ', not a notebook; ' in err, err
    assert time.monotonic() - t < 5
    assert not (tmp_path/'out.ipynb').exists()

@pytest.mark.slow
def test_a_reproduction_that_is_a_pipe_is_refused(tmp_path):
    os.mkfifo(tmp_path/'r.ipynb')  # nobody writes into it
    for cmd in ('check', 'diff'):
        r = lk(cmd, 'demo', tmp_path/'r.ipynb', timeout=30)  # a hang is a TimeoutExpired, and a failure
        assert r.returncode == 1 and one_line(r.stderr) and 'is a named pipe, not a notebook' in r.stderr, r.stderr

def test_an_input_far_too_large_is_refused(tmp_path):
    from learnkit.book.chapters import read_notebook
    from learnkit.base.files import read_bytes
    big = tmp_path/'big.ipynb'
    with open(big, 'wb') as f: f.truncate(300 * 2**20)  # sparse: 300 MB on paper, nothing on disk
    with pytest.raises(LearnkitError, match=r'is larger than 256\.0 MB, more than a notebook should be'): read_notebook(big)
    with pytest.raises(LearnkitError, match='larger than 10 bytes'): read_bytes(big, limit=10)

@pytest.mark.parametrize('make,msg', [
    (lambda p: os.mkfifo(p), 'is a named pipe, not a regular file'),
    (lambda p: os.symlink(p.parent/'nowhere', p), 'which does not exist'),
    (lambda p: (os.symlink(p.parent/'loop2', p), os.symlink(p, p.parent/'loop2')), 'symbolic links loop'),
], ids=['fifo', 'dangling-link', 'link-loop'])
def test_outputs_that_cant_be_files_are_one_line(tmp_path, make, msg):
    out = tmp_path/'out.ipynb'
    make(out)
    rc, _, err = lk_main('scaffold', 'demo', '-o', out, '--force')
    assert rc == 1 and one_line(err) and msg in err, err

def test_a_folder_is_not_replaced_by_a_file(tmp_path):
    from learnkit.base.files import atomic_write, write_new
    (tmp_path/'out.ipynb').mkdir()
    for f in (lambda: write_new(tmp_path/'out.ipynb', 'x', force=True), lambda: atomic_write(tmp_path/'out.ipynb', 'x')):
        with pytest.raises(LearnkitError, match='is a folder; give a file name'): f()
    assert (tmp_path/'out.ipynb').is_dir()

def test_a_link_to_a_file_is_written_through_and_kept(tmp_path):
    real = tmp_path/'real.ipynb'; real.write_text('old')
    link = tmp_path/'link.ipynb'; os.symlink(real, link)
    rc, _, err = lk_main('scaffold', 'demo', '-o', link, '--force')
    assert rc == 0, err
    assert link.is_symlink() and json.loads(real.read_text())['cells']
    [bak] = tmp_path.glob('real.bak-*.ipynb')
    assert bak.read_text() == 'old'

def test_a_name_too_long_is_one_line(tmp_path):
    rc, _, err = lk_main('scaffold', 'demo', '-o', tmp_path/('x' * 300 + '.ipynb'))
    assert rc == 1 and one_line(err) and 'too long for the file system (306 bytes; most allow 255)' in err, err
    long_ok = tmp_path/('y' * 240 + '.ipynb')  # valid: room for learnkit's temporary and backup names is its problem, not the learner's
    assert lk_main('scaffold', 'demo', '-o', long_ok)[0] == 0
    rc, _, err = lk_main('scaffold', 'demo', '-o', long_ok, '--force')
    assert rc == 0, err
    assert len(list(tmp_path.glob('y*.bak-*'))) == 1 and not list(tmp_path.glob('.*'))

def test_a_name_that_is_not_utf8_is_written_and_printed(tmp_path):
    out = Path(os.fsdecode(tmp_path/'caf') + os.fsdecode(b'\xe9.ipynb'))  # as Python decodes a Latin-1 name from argv
    rc, stdout, err = lk_main('scaffold', 'demo', '-o', out)
    assert rc == 0, err
    assert os.path.exists(os.fsencode(tmp_path) + b'/caf\xe9.ipynb')
    assert 'caf\ufffd.ipynb' in stdout  # printable: the byte the terminal can't show is a replacement character
    rc, stdout, err = lk_main('check', 'demo', out, '--json')
    assert rc == 0, err
    assert json.loads(stdout)['progress']['written'] == 0

def test_a_page_never_replaces_a_file_without_force(tmp_path):
    repro = tmp_path/'demo_reproduce.ipynb'
    assert lk_main('scaffold', 'demo', '-o', repro)[0] == 0
    nb = repro.read_bytes()
    rc, _, err = lk_main('diff', 'demo', repro, '--html', repro)  # the learner's reproduction turned into a page
    assert rc == 1 and one_line(err) and repro.read_bytes() == nb, err
    page = tmp_path/'diff.html'; page.write_text('an older page')
    rc, _, err = lk_main('diff', 'demo', repro, '--html', page)
    assert rc == 1 and one_line(err) and '--force' in err and page.read_text() == 'an older page', err
    rc, _, err = lk_main('diff', 'demo', repro, '--html', page, '--force')
    assert rc == 0, err
    [bak] = tmp_path.glob('diff.bak-*.html')
    assert bak.read_text() == 'an older page' and page.read_text().lstrip().lower().startswith('<!doctype html')

def test_a_nul_in_a_name_is_one_line(tmp_path):
    from learnkit.base.files import write_new
    with pytest.raises(LearnkitError, match="can't contain a NUL"): write_new(str(tmp_path/'a\0b.ipynb'), 'x')

@pytest.mark.slow
def test_a_read_only_folder_is_one_line_and_nothing_is_written(tmp_path):
    ro = tmp_path/'ro'; ro.mkdir()
    (ro/'old.ipynb').write_text('keep me')
    env = {'LEARNKIT_DATA_DIR': str(tmp_path/'lkdata')}
    for argv in (['scaffold', 'demo', '-o', ro/'new.ipynb'], ['scaffold', 'demo', '-o', ro/'old.ipynb', '--force'],
                 ['report', '--out', ro/'progress.html']):
        r = read_only_run(ro, [sys.executable, '-m', 'learnkit.cli', *argv], env=env)
        assert r.returncode == 1 and one_line(r.stderr), r.stderr
        assert str(ro) in r.stderr and ('read-only' in r.stderr or 'permission denied' in r.stderr), r.stderr
    assert sorted(p.name for p in ro.iterdir()) == ['old.ipynb'] and (ro/'old.ipynb').read_text() == 'keep me'

@pytest.mark.slow
def test_a_full_disk_is_one_line_and_loses_nothing(tmp_path):
    disk = tmp_path/'disk'; disk.mkdir()
    code = textwrap.dedent(f'''
        import os, sys, json
        from learnkit.cli.main import main
        d = {str(disk)!r}
        open(os.path.join(d, 'mine.ipynb'), 'w').write('my work')
        with open(os.path.join(d, 'filler'), 'wb', buffering=0) as f:  # fill the disk, then leave a few KB
            try:
                while True: f.write(b'x' * 4096); f.flush()
            except OSError: pass
        os.truncate(os.path.join(d, 'filler'), os.path.getsize(os.path.join(d, 'filler')) - 8192)
        rc = main(['scaffold', 'demo', '-o', os.path.join(d, 'mine.ipynb'), '--force'])
        print(json.dumps(dict(rc=rc, files=sorted(os.listdir(d)), mine=open(os.path.join(d, 'mine.ipynb')).read())))
        ''')
    r = small_disk_run(disk, [sys.executable, '-c', code], env={'LEARNKIT_DATA_DIR': str(tmp_path/'lkdata')})
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout.splitlines()[-1])
    assert res['rc'] == 1 and one_line(r.stderr) and 'the disk is full' in r.stderr, r.stderr
    assert res['mine'] == 'my work'
    assert all(f in ('filler', 'mine.ipynb') or '.bak-' in f for f in res['files']), res['files']  # no temporary file left

# --- interrupts and closed pipes ------------------------------------------------------------------------------------

SIGINT_ON_IMPORT = '''
import importlib.abc, os, signal, sys
class Ctrl_C(importlib.abc.MetaPathFinder):
    "Press Ctrl-C the moment module {mod!r} starts loading: the interrupt lands in learnkit's start-up, every time."
    def find_spec(self, name, path=None, target=None):
        if name == {mod!r}: sys.meta_path.remove(self); os.kill(os.getpid(), signal.SIGINT)
        return None
sys.meta_path.insert(0, Ctrl_C())
'''

@pytest.mark.slow
@pytest.mark.parametrize('mod', ['argparse', 'learnkit.cli.study', 'learnkit.reproduce.scaffold'])
def test_ctrl_c_during_start_up_is_one_line_and_exit_130(tmp_path, mod):
    (tmp_path/'sitecustomize.py').write_text(SIGINT_ON_IMPORT.format(mod=mod))
    r = lk('scaffold', 'demo', '-o', tmp_path/'out.ipynb', cwd=tmp_path, env={'PYTHONPATH': str(tmp_path)})
    assert (r.returncode, r.stderr) == (130, 'learnkit: interrupted\n')
    assert not (tmp_path/'out.ipynb').exists()

@pytest.mark.slow
def test_ctrl_c_at_any_moment_leaves_the_whole_file_or_none(tmp_path, fastbook):
    out = tmp_path/'out.ipynb'
    def scaffold(delay=None):
        if out.exists(): out.unlink()
        t = time.perf_counter()
        p = subprocess.Popen([sys.executable, '-m', 'learnkit.cli', 'scaffold', str(fastbook/'02_production.ipynb'), '-o', str(out)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                             env=dict(os.environ, LEARNKIT_DATA_DIR=str(tmp_path/'lkdata')))
        if delay is not None: time.sleep(delay); p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=120)
        return p.returncode, err, time.perf_counter() - t
    for _ in range(2):  # how long the whole command takes on this machine, its caches warm: the moments below fall inside it
        rc, err, whole = scaffold()
        assert rc == 0, err
    codes = set()
    for part in (0.35, 0.5, 0.65, 0.8, 0.9):
        rc, err, _ = scaffold(max(part*whole, 0.25))  # after Python's own start-up
        codes.add(rc)
        if rc == 130:
            assert err == 'learnkit: interrupted\n' and not out.exists()
        elif rc == -signal.SIGINT:  # it landed as the interpreter shut down: at most the one line, the file whole or absent
            assert err in ('', 'learnkit: interrupted\n') and (not out.exists() or json.loads(out.read_text())['cells'])
        else:
            assert rc == 0, err
            assert json.loads(out.read_text())['cells']  # whole
        assert [f.name for f in tmp_path.iterdir() if f.name not in ('lkdata', 'out.ipynb')] == []  # no temporary file
    assert 130 in codes, f'no interrupt landed while the command worked ({whole:.2f} s in all)'

@pytest.mark.slow
def test_a_closed_pipe_is_quiet(tmp_path):
    for argv in (['lesson'], ['lesson', 'demo'], ['lesson', '--json']):
        p = subprocess.Popen([sys.executable, '-m', 'learnkit.cli', *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
        p.stdout.close()  # `learnkit ... | head -0`: the reader is gone before the first line
        err = p.stderr.read().decode(); p.wait(60)
        assert (p.returncode, err) == (141, ''), (argv, err)

# --- the terminal -------------------------------------------------------------------------------------------------------

def _terminal_clean(s: str) -> list:
    return [c for c in set(s) if (ord(c) < 32 and c not in '\n\t') or 0x7f <= ord(c) < 0xa0 or c in '\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069']

def test_lesson_prints_no_control_sequence(tmp_path):
    ch = write_hostile_chapter(tmp_path)
    rc, out, err = lk_main('lesson', ch)
    assert rc == 0, err
    assert _terminal_clean(out + err) == [], repr(out)
    assert 'Getting' in out and 'started' in out and 'Questionnaire' in out  # the headings are still there, minus their sequences

@pytest.mark.slow
def test_lesson_in_a_real_terminal_pipe_prints_no_control_sequence(tmp_path):
    ch = write_hostile_chapter(tmp_path)
    for argv in (['lesson', ch], ['scaffold', ch, '-o', tmp_path/'r.ipynb'], ['diff', ch, tmp_path/'r.ipynb'], ['check', ch, tmp_path/'r.ipynb']):
        r = lk(*argv, cwd=tmp_path, env={'LEARNKIT_DATA_DIR': str(tmp_path/'lkdata')})
        assert r.returncode == 0, (argv, r.stderr)
        assert _terminal_clean(r.stdout + r.stderr) == [], (argv, r.stdout)

def test_an_error_naming_a_hostile_file_is_one_clean_line(tmp_path):
    bad = tmp_path/('x\n\x1b]52;c;cHduZWQ=\x07y.ipynb')
    bad.write_text('{"cells": [')
    rc, _, err = lk_main('lesson', bad)
    assert rc == 1 and one_line(err) and _terminal_clean(err) == [], repr(err)

# --- interrupts in a real kernel ------------------------------------------------------------------------------------

@pytest.fixture
def kernel(tmp_path):
    "A real python3 kernel with learnkit loaded and its own data dir; yields (client, manager, data dir)."
    from jupyter_client import KernelManager
    from learnkit.store.db import Store
    d = tmp_path/'lkdata'; d.mkdir()
    Store(d/'learnkit.db').close()  # there from the start: what the kernel saved is read from it afterwards
    km = KernelManager(kernel_name='python3')
    km.start_kernel(cwd=str(tmp_path), env=dict(os.environ, LEARNKIT_DATA_DIR=str(d)))
    kc = km.client(); kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        kc.execute_interactive('%load_ext learnkit', timeout=120)
        yield kc, km, d
    finally:
        kc.stop_channels(); km.shutdown_kernel(now=True)

def _interrupted(kc, km, code, after=1.5):
    "Run `code`, press Interrupt after `after` seconds; the reply's status and error name, and what the cell printed."
    out = []
    msg_id = kc.execute(code)
    time.sleep(after); km.interrupt_kernel()
    while True:
        m = kc.get_iopub_msg(timeout=60)
        if m['parent_header'].get('msg_id') != msg_id: continue
        if m['msg_type'] == 'stream': out.append(m['content']['text'])
        if m['msg_type'] == 'status' and m['content']['execution_state'] == 'idle': break
    reply = kc.get_shell_msg(timeout=60)
    return reply['content']['status'], reply['content'].get('ename'), ''.join(out)

@pytest.mark.slow
def test_an_interrupted_timeit_log_stops_the_queue_and_logs_nothing(kernel):
    kc, km, d = kernel
    status, ename, out = _interrupted(kc, km, '%%timeit_log -l slow -n 1 -r 3\nimport time; time.sleep(2)')
    assert (status, ename) == ('error', 'KeyboardInterrupt'), out
    assert out.count('\n') == 1 and 'interrupted' in out and not re.search(r'logged #\d', out), out  # one line, no claim of a save
    from learnkit.store.db import Store
    assert Store(d/'learnkit.db').rows('timings') == []

@pytest.mark.slow
def test_an_interrupted_reproduce_stops_the_queue_and_records_nothing(kernel):
    from learnkit.book.chapters import load_chapter
    kc, km, d = kernel
    ref = load_chapter('demo').code_cells[0].id
    kc.execute_interactive('%lesson demo', timeout=120)
    status, ename, out = _interrupted(kc, km, f'%%reproduce {ref}\nimport time; time.sleep(30)')
    assert (status, ename) == ('error', 'KeyboardInterrupt'), out
    from learnkit.store.db import Store
    assert Store(d/'learnkit.db').rows('attempts') == []
