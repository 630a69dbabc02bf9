"Cost of learnkit's study-session bookkeeping: the post_run_cell hook per cell run, and the report/dashboard over a year of sessions."
import os, tempfile, time
os.environ['LEARNKIT_DATA_DIR'] = tempfile.mkdtemp()
from IPython.testing.globalipapp import start_ipython
from learnkit import progress as P, report as R, sessions as S

def per_run(ip, n=300):
    t = time.perf_counter()
    for _ in range(n): ip.run_cell('x = 1', store_history=False)
    return (time.perf_counter() - t)/n

ip = start_ipython()
base = per_run(ip)  # reference: an empty cell without learnkit
ip.run_line_magic('load_ext', 'learnkit')
ip.run_line_magic('lesson', 'demo --no-panel')
with_hook = per_run(ip)
m = ip._learnkit_magics
t = time.perf_counter()
for i in range(50):
    m._lesson_mark = 0  # force a mark (normally at most once a minute)
    ip.run_cell('x = 1', store_history=False)
marked = (time.perf_counter() - t)/50
ip.run_line_magic('lesson', '--end')
print(f'cell run: {base*1e3:.3f} ms plain, {with_hook*1e3:.3f} ms with an open session (x{with_hook/base:.2f}), '
      f'{marked*1e3:.2f} ms when it writes a mark (once a minute at most)')

# a year of study: 365 sessions with 60 activity marks each
start = time.time() - 365*86400
for d in range(365):
    s = S.start_session('demo', 'goal: x, 1h', kernel='k', now=start + d*86400)
    for k in range(60): S.mark_activity(s, 'demo', now=start + d*86400 + k*60)
    S.end_session(s, now=start + d*86400 + 3600)
t = time.perf_counter(); S.sessions(); t_sess = time.perf_counter() - t
t = time.perf_counter(); P.course_progress(); t_course = time.perf_counter() - t
t = time.perf_counter(); R.report_html(); t_html = time.perf_counter() - t
print(f'a year of sessions (365 x 60 marks): sessions() {t_sess*1e3:.0f} ms, dashboard data {t_course*1e3:.0f} ms, '
      f'report_html {t_html*1e3:.0f} ms (matplotlib import included)')
