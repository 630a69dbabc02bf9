"A scaffold nobody has written in yet is 0% done, at every hint level, for diff, check and the panel alike."
import pytest
from learnkit.scaffold import write_scaffold
from learnkit.diff import diff_notebooks
from learnkit.compare import check_notebooks
from learnkit.progress import read_reproduction

@pytest.mark.parametrize('hints', [0, 1, 2, 3])
def test_fresh_demo_scaffold_is_not_attempted(tmp_path, hints):
    p = write_scaffold('demo', out=tmp_path/f'demo_h{hints}.ipynb', hints=hints).path
    d = diff_notebooks('demo', str(p))
    assert d['summary']['attempted'] == 0 and d['summary']['run'] == 0
    assert d['summary']['status']['missing'] == d['summary']['cells']
    c = check_notebooks('demo', str(p))
    assert c['cells'] == [] and not any(c['summary'].values())
    r = read_reproduction(p)
    assert (r.blanks, r.run, r.answered) == (d['summary']['cells'], 0, 0)
    if hints < 3: assert r.written == 0  # the panel agrees with diff and check: hints are not the learner's code

def test_fresh_real_chapter_scaffold_with_hints_is_not_attempted(tmp_path, fastbook):
    p = write_scaffold(str(fastbook/'04_mnist_basics.ipynb'), out=tmp_path/'r.ipynb', hints=1).path
    assert diff_notebooks(str(fastbook/'04_mnist_basics.ipynb'), str(p))['summary']['attempted'] == 0
    assert check_notebooks(str(fastbook/'04_mnist_basics.ipynb'), str(p))['cells'] == []
