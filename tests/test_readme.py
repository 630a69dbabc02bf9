"The README is kept by hand in step with `nbs/index.ipynb` (Quarto is not available to render it), and its commands exist."
import json, os, re, subprocess, sys
from pathlib import Path

# the checkout (the Colab stack runs the tests from a copy, with LEARNKIT_SRC naming the checkout)
ROOT = Path(os.environ.get('LEARNKIT_SRC') or Path(__file__).resolve().parents[1])


def test_readme_is_the_index_notebook():
    "A change to one without the other is caught: the README's body is the index notebook's first prose cell."
    nb = json.loads((ROOT/'nbs'/'index.ipynb').read_text(encoding='utf-8'))
    cell = ''.join(nb['cells'][1]['source'])
    body = (ROOT/'README.md').read_text(encoding='utf-8').split('\n', 1)[1].lstrip('\n')
    assert cell.rstrip() == body.rstrip()


def test_every_readme_command_is_a_learnkit_command():
    "Each `learnkit X` the README shows is a subcommand that `learnkit --help` lists."
    text = '\n'.join(re.findall(r'^```[a-z]*\n(.*?)^```', (ROOT/'README.md').read_text(encoding='utf-8'), flags=re.M|re.S))
    shown = set(re.findall(r'^!?learnkit ([a-z]+)', text, flags=re.M))
    out = subprocess.run([sys.executable, '-m', 'learnkit.cli', '--help'], capture_output=True, text=True, check=True).stdout
    listed = set(re.findall(r'^    ([a-z]+)\s', out, flags=re.M))
    assert shown and shown <= listed, shown - listed
