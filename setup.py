"Packaging from settings.ini (nbdev 2 layout), without pkg_resources (setuptools 82 removed it)."
from configparser import ConfigParser
from pathlib import Path
import setuptools

here = Path(__file__).parent
cfg = ConfigParser(delimiters=['='])
cfg.read(here/'settings.ini', encoding='utf-8')
cfg = cfg['DEFAULT']

def _reqs(key): return cfg.get(key, '').split()

licenses = {'apache2': 'Apache-2.0'}  # an SPDX expression (setuptools deprecates License :: classifiers)
statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable', '6 - Mature', '7 - Inactive']
lic = licenses[cfg['license']]
readme = here/'README.md'
test_reqs = _reqs('test_requirements')

setuptools.setup(
    name=cfg.get('dist_name', cfg['lib_name']),
    version=cfg['version'],
    description=cfg['description'],
    long_description=readme.read_text(encoding='utf-8') if readme.exists() else '',
    long_description_content_type='text/markdown',
    author=cfg['author'],
    author_email=cfg['author_email'],
    url=cfg['git_url'],
    license=lic,
    keywords=cfg['keywords'],
    classifiers=['Development Status :: ' + statuses[int(cfg['status'])],
                 'Intended Audience :: ' + cfg['audience'].title(),
                 'Natural Language :: ' + cfg['language'].title(),
                 'Framework :: Jupyter',
                 'Programming Language :: Python :: 3'],
    python_requires='>=' + cfg['min_python'],
    packages=setuptools.find_namespace_packages(include=['learnkit', 'learnkit.*'], exclude=['*.__pycache__']),
    include_package_data=True,
    package_data={'learnkit': ['data/*', 'data/**/*']},
    install_requires=_reqs('requirements'),
    extras_require={'test': test_reqs, 'dev': _reqs('dev_requirements') + test_reqs},
    entry_points={'console_scripts': cfg['console_scripts'].split(), 'nbdev': [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},
    zip_safe=False,
)
