"learnkit bench on fixture chapters shaped like fastbook's hardest ones, in tiny mode on the CPU: real subprocesses, real fastai, real torch.distributed."
import json, os
import pytest
from learnkit.bench.chapter import bench_chapter, find_pipelines, format_bench

pytestmark = [pytest.mark.filterwarnings('ignore'), pytest.mark.slow]

def _chapter(tmp_path, name, *cells):
    nb = dict(nbformat=4, nbformat_minor=4, metadata={},
              cells=[dict(cell_type='code', source=s, metadata={}, outputs=[], execution_count=None) for s in cells])
    p = tmp_path/f'{name}.ipynb'
    p.write_text(json.dumps(nb))
    return p

# the Learner-from-scratch chapter writes its own Dataset, collate function and DataLoader with a process pool
FROM_SCRATCH = (
    'from fastai.vision.all import *\nfrom concurrent.futures import ProcessPoolExecutor',
    'xs, ys = torch.randn(256, 8), torch.randint(0, 2, (256,))',
    'class Dataset:\n    def __init__(self, x, y): self.x, self.y = x, y\n    def __len__(self): return len(self.x)\n'
    '    def __getitem__(self, i): return self.x[i], self.y[i]',
    'train_ds, valid_ds = Dataset(xs[:192], ys[:192]), Dataset(xs[192:], ys[192:])',
    'def collate(idxs, ds):\n    xb, yb = zip(*[ds[i] for i in idxs])\n    return torch.stack(xb), torch.stack(yb)',
    'class DataLoader:\n    def __init__(self, ds, bs=16, shuffle=False, n_workers=2):\n'
    '        self.ds, self.bs, self.shuffle, self.n_workers = ds, bs, shuffle, n_workers\n'
    '    def __len__(self): return (len(self.ds) - 1) // self.bs + 1\n'
    '    def __iter__(self):\n        idxs = L.range(self.ds)\n        if self.shuffle: idxs = idxs.shuffle()\n'
    '        chunks = [idxs[n:n + self.bs] for n in range(0, len(self.ds), self.bs)]\n'
    '        with ProcessPoolExecutor(self.n_workers) as ex:\n            yield from ex.map(collate, chunks, [self.ds] * len(chunks))',
    'dls = DataLoaders(DataLoader(train_ds, shuffle=True), DataLoader(valid_ds))\nxb, yb = first(dls.train)\nn_in = xb.shape[1]',
    'learn = Learner(dls, nn.Linear(n_in, 2), loss_func=nn.CrossEntropyLoss())\nlearn.fit(1)',
)

def test_own_dataloader_with_a_process_pool_runs_as_in_a_notebook(tmp_path, data_dir):
    res = bench_chapter(_chapter(tmp_path, 'from_scratch', *FROM_SCRATCH), tiny=True, batches=2, progress=False, min_time=0.1, repeats=2)
    assert len(res) == 1 and res[0].error is None, format_bench(res)  # collate and the classes pickle from __main__
    assert res[0].loader_items_s > 0 and res[0].e2e_items_s > 0 and res[0].step_items_s > 0

# the book's last chapter writes its own Learner too: parts as attributes, callbacks called by name, its own fit and optimiser
OWN_LEARNER = FROM_SCRATCH[:-1] + (
    'class SGD:\n    def __init__(self, params, lr): self.params, self.lr = list(params), lr\n'
    '    def step(self):\n        for p in self.params: p.data -= p.grad.data * self.lr; p.grad.data.zero_()',
    'class Callback:\n    def __call__(self, name): pass',
    'class Learner:\n    def __init__(self, model, dls, loss_func, lr, cbs, opt_func=SGD):\n'
    '        self.model, self.dls, self.loss_func, self.lr, self.cbs, self.opt_func = model, dls, loss_func, lr, cbs, opt_func\n'
    '        for cb in cbs: cb.learner = self\n'
    '    def __call__(self, name):\n        for cb in self.cbs: getattr(cb, name, lambda: None)()\n'
    '    def one_batch(self):\n        self("before_batch")\n        xb, yb = self.batch\n'
    '        self.loss = self.loss_func(self.model(xb), yb)\n        if self.model.training: self.loss.backward(); self.opt.step()\n'
    '        self("after_batch")\n'
    '    def one_epoch(self, train):\n        self.model.training = train\n'
    '        for self.num, self.batch in enumerate(self.dls.train if train else self.dls.valid): self.one_batch()\n'
    '    def fit(self, n_epochs):\n        self.opt = self.opt_func(self.model.parameters(), self.lr)\n'
    '        for self.epoch in range(n_epochs): self.one_epoch(True); self.one_epoch(False)',
    'cbs = [Callback()]',
    'learn = Learner(nn.Sequential(nn.Linear(n_in, 16), nn.ReLU(), nn.Linear(16, 2)), dls, F.cross_entropy, lr=0.1, cbs=cbs)\nlearn.fit(1)',
)

def test_the_from_scratch_learner_is_benched_like_fastais(tmp_path, data_dir):
    res = bench_chapter(_chapter(tmp_path, 'own_learner', *OWN_LEARNER), tiny=True, batches=2, progress=False, min_time=0.1, repeats=2)
    r = res[0]
    assert len(res) == 1 and r.error is None, format_bench(res)  # not "ran but created no fastai Learner"
    assert r.learner == 'plain' and r.loader_items_s > 0 and r.step_items_s > 0 and r.e2e_items_s > 0 and r.bottleneck
    assert len(r.e2e_samples) == 2 and 'its own callbacks did not run' in r.note
    assert 'no opt_func' not in r.note  # its own SGD, made as its fit makes it

@pytest.mark.timed
def test_two_processes_on_the_cpu_report_their_scaling(tmp_path, data_dir):
    from learnkit.bench.render import scaling_text
    res = bench_chapter('demo', tiny=True, batches=2, progress=False, min_time=0.2, repeats=2, processes=2)
    r = res[0]
    assert r.error is None and r.processes == 2, format_bench(res)
    assert len(r.parallel_samples) == 2 and r.parallel_items_s > 0 and len(r.one_process_samples) == 2, r.note
    # against one process of the same kind (a group of one, the same threads), not the learner's all-cores process
    assert r.threads == max(1, (os.cpu_count() or 1) // 2) and r.scaling == r.parallel_items_s / (2 * r.one_process_items_s)
    assert scaling_text(r) in format_bench(res) and 'scaling efficiency' in format_bench(res)

PRODUCTION = (
    '#hide\n! [ -e /content ] && pip install -Uqq fastbook\nimport fastbook\nfastbook.setup_book()',
    '#hide\nfrom fastbook import *\nfrom ddgs import DDGS\nimport time',
    'def search_images(query, max_images=30):\n    with DDGS() as ddgs:\n        return L(ddgs.images(query, max_results=max_images)).itemgot("image")',
    "bear_types = 'grizzly', 'black', 'teddy'\npath = Path('bears')",
    "urls = search_images('grizzly bear', max_images=4)\nlen(urls)",
    '!kaggle datasets download -d someone/bears\n!unzip -q bears.zip -d bears',
    "bears = DataBlock(blocks=(ImageBlock, CategoryBlock), get_items=get_image_files,\n"
    "                  splitter=RandomSplitter(valid_pct=0.2, seed=42), get_y=parent_label, item_tfms=Resize(64))",
    'dls = bears.dataloaders(path)\ndls.valid.show_batch(max_n=4, nrows=1)',
    "bears = bears.new(item_tfms=RandomResizedCrop(64, min_scale=0.5), batch_tfms=aug_transforms())\ndls = bears.dataloaders(path)",
    'learn = vision_learner(dls, resnet18, metrics=error_rate)\nlearn.fine_tune(4)',
)

def test_production_chapter_gets_drawn_images_offline(tmp_path, data_dir):
    p = _chapter(tmp_path, 'production', *PRODUCTION)
    assert len(find_pipelines(p)) == 1
    res = bench_chapter(p, tiny=True, batches=2, progress=False, min_time=0.1)
    r = res[0]
    assert r.error is None, format_bench(res)
    assert r.e2e_items_s > 0 and r.kind == 'vision' and 'bears (tiny images)' in r.datasets
    assert 'skipped an optional import' in r.note and 'ddgs' in r.note
    assert r.note.count('batch size') <= 1  # two DataLoaders, one note

TABULAR = (
    '#hide\nfrom fastbook import *\nfrom pandas.api.types import is_string_dtype, is_numeric_dtype\nfrom fastai.tabular.all import *\n'
    'from sklearn.ensemble import RandomForestRegressor\nfrom dtreeviz.trees import *',
    "comp = 'bluebook-for-bulldozers'\npath = URLs.path(comp)\npath",
    "#hide\nfrom kaggle import api\nif not path.exists():\n    path.mkdir(parents=True)\n    api.competition_download_cli(comp, path=path)",
    "df = pd.read_csv(path/'TrainAndValid.csv', low_memory=False)",
    "sizes = 'Large','Large / Medium','Medium','Small','Mini','Compact'\n"
    "df['ProductSize'] = df['ProductSize'].astype('category').cat.set_categories(sizes, ordered=True)",
    "dep_var = 'SalePrice'\ndf[dep_var] = np.log(df[dep_var])",
    # fastai's add_datepart needs a datetime column on pandas 3 (its strings are no longer numpy objects)
    "df['saledate'] = pd.to_datetime(df['saledate'])\ndf = add_datepart(df, 'saledate')",
    "cond = (df.saleYear<2011) | (df.saleMonth<10)\ntrain_idx = np.where( cond)[0]\nvalid_idx = np.where(~cond)[0]\n"
    "splits = (list(train_idx),list(valid_idx))",
    "procs = [Categorify, FillMissing, Normalize]\ncont, cat = cont_cat_split(df, 1, dep_var=dep_var)\n"
    "to = TabularPandas(df, procs, cat, cont, y_names=dep_var, splits=splits)",
    'dls = to.dataloaders(1024)',
    'learn = tabular_learner(dls, y_range=(8,12), layers=[500,250], n_out=1, loss_func=F.mse_loss)\nlearn.fit_one_cycle(5, 1e-2)',
)

def test_tabular_chapter_gets_a_bulldozers_table(tmp_path, data_dir):
    import glob, tempfile
    before = set(glob.glob(f'{tempfile.gettempdir()}/learnkit-bench-*'))
    res = bench_chapter(_chapter(tmp_path, 'tabular', *TABULAR), tiny=True, batches=2, progress=False, min_time=0.1)
    # each run's own folder (its stand-in data, fastai's folder, the log) goes once its record is read
    assert set(glob.glob(f'{tempfile.gettempdir()}/learnkit-bench-*')) <= before
    r = res[0]
    assert r.error is None, format_bench(res)
    assert r.e2e_items_s > 0 and r.kind == 'tabular' and 'TrainAndValid.csv (tiny)' in r.datasets
    assert 'dtreeviz' in r.note and 'kaggle' in r.note  # optional imports skipped with a note, not a failure
    assert 'Resize' not in r.suggestion and 'aug_transforms' not in r.suggestion
