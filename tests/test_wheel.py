"""learnkit as a learner installs it: from the wheel, into a fresh environment, no `-e` and no repository on the path.
Runs where learnkit is installed from a wheel (the Colab CI stack); skips on an editable install unless
`LEARNKIT_REQUIRE_WHEEL=1`, where it fails. `LEARNKIT_SRC` (the repository, set by CI) lets it compare the installed
data files with the source's."""
import json, os, re, shutil, subprocess, sys, sysconfig, textwrap
from importlib.metadata import distribution
from pathlib import Path
import pytest

# Packages only a developer or a build needs: the wheel must not pull them into a learner's environment.
DEV_ONLY = {'nbdev', 'jupytext', 'execnb', 'ghapi', 'pytest', 'pytest-timeout', 'playwright', 'jupyterlab', 'nbdime',
            'setuptools', 'wheel', 'build', 'twine'}

def _editable() -> bool:
    "learnkit is imported from a source checkout (an editable install, or the repository on the path)."
    import learnkit
    return (Path(learnkit.__file__).resolve().parents[1]/'settings.ini').exists()

@pytest.fixture(autouse=True)
def _wheel_install():
    if not _editable(): return
    if os.environ.get('LEARNKIT_REQUIRE_WHEEL') == '1': pytest.fail('learnkit is an editable install here (LEARNKIT_REQUIRE_WHEEL=1)')
    pytest.skip('learnkit is an editable install here; the Colab CI stack installs the wheel')

def _run(*cmd, cwd=None, timeout=120):
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=timeout)
    assert r.returncode == 0, f'{cmd}: exit {r.returncode}\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}'
    return r.stdout

def test_installed_package_is_the_wheel_with_every_data_file():
    import learnkit
    from learnkit.book.chapters import demo_path, load_chapter
    pkg = Path(learnkit.__file__).resolve().parent
    assert pkg.is_relative_to(Path(sysconfig.get_paths()['purelib']).resolve()), f'learnkit imported from {pkg}, not site-packages'
    assert demo_path().is_file() and load_chapter('demo').code_cells  # the demo chapter is inside the wheel
    src = os.environ.get('LEARNKIT_SRC')
    if src:
        want = {p.relative_to(Path(src)/'learnkit').as_posix() for p in (Path(src)/'learnkit'/'data').rglob('*') if p.is_file()}
        have = {p.relative_to(pkg).as_posix() for p in (pkg/'data').rglob('*') if p.is_file()}
        assert want and want <= have, f'missing from the wheel: {sorted(want - have)}'
        mods = {p.name for p in (Path(src)/'learnkit').glob('*.py')}
        assert mods <= {p.name for p in pkg.glob('*.py')}, f'modules missing from the wheel: {sorted(mods - {p.name for p in pkg.glob("*.py")})}'

def test_wheel_pulls_no_dev_or_build_dependency():
    reqs = distribution('fastbook-learnkit').requires or []
    runtime = {re.match(r'[A-Za-z0-9_.-]+', r).group(0).lower().replace('_', '-') for r in reqs if 'extra ==' not in r}
    assert runtime and not runtime & DEV_ONLY, sorted(runtime & DEV_ONLY)
    out = subprocess.run([sys.executable, '-m', 'pip', 'check'], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr

def test_learnkit_command_and_load_ext_work_outside_the_repository(tmp_path):
    exe = shutil.which('learnkit', path=str(Path(sys.executable).parent))
    assert exe, f'no learnkit command beside {sys.executable}'
    assert 'scaffold' in _run(exe, '--help', cwd=tmp_path)
    _run(exe, 'scaffold', '0', cwd=tmp_path)
    assert (tmp_path/'demo_reproduce.ipynb').is_file()
    code = textwrap.dedent('''
        import learnkit, json
        from IPython.testing.globalipapp import start_ipython
        ip = start_ipython()
        ip.run_line_magic('load_ext', 'learnkit')
        ip.run_line_magic('lesson', '0 --no-panel')
        print(json.dumps({'file': learnkit.__file__, 'chapter': ip._learnkit_magics.state.chapter}))''')
    out = _run(sys.executable, '-c', code, cwd=tmp_path)
    res = json.loads(out[out.rindex('{'):])
    assert res['chapter'] == 'demo' and 'site-packages' in res['file'], res
