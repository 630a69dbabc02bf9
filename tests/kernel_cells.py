"Run code cells in one fresh real kernel (nbclient): the outputs the verdict, goal and compare tests judge."
import json

def run_cells(sources, timeout=300):
    "Run `sources` as the cells of one notebook in a fresh python3 kernel; the executed notebook (errors kept as outputs)."
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    NotebookClient(nb, timeout=timeout, kernel_name='python3', allow_errors=True).execute()
    return nb

def plain(outputs) -> list:
    "nbformat outputs as plain JSON data, as a saved notebook holds them."
    return json.loads(json.dumps(outputs))

class Kernel:
    "A real python3 kernel (jupyter_client) run cell by cell, that can be restarted: each run returns its outputs as nbformat dicts."
    def __init__(self, cwd, env=None, timeout=300):
        import os
        from jupyter_client import KernelManager
        self.timeout = timeout
        self.km = KernelManager(kernel_name='python3')
        self.km.start_kernel(cwd=str(cwd), env={**os.environ, **(env or {})})
        self.kc = self.km.client(); self.kc.start_channels(); self.kc.wait_for_ready(timeout=timeout)

    def run(self, code: str) -> list:
        "Execute `code` as one cell; its outputs (stream, display_data, execute_result, error) as a saved notebook holds them."
        outputs, msg_id = [], self.kc.execute(code)
        while True:
            msg = self.kc.get_iopub_msg(timeout=self.timeout)
            if msg['parent_header'].get('msg_id') != msg_id: continue
            t, c = msg['msg_type'], msg['content']
            if t == 'status' and c['execution_state'] == 'idle': break
            if t == 'stream':
                if outputs and outputs[-1]['output_type'] == 'stream' and outputs[-1]['name'] == c['name']: outputs[-1]['text'] += c['text']
                else: outputs.append(dict(output_type='stream', name=c['name'], text=c['text']))
            elif t in ('execute_result', 'display_data'): outputs.append(dict(output_type=t, data=c['data'], metadata=c.get('metadata', {})))
            elif t == 'error': outputs.append(dict(output_type='error', ename=c['ename'], evalue=c['evalue'], traceback=c['traceback']))
        self.kc.get_shell_msg(timeout=self.timeout)
        return plain(outputs)

    def restart(self):
        "Kernel › Restart, as a front end does it."
        self.km.restart_kernel(now=True)
        self.kc.wait_for_ready(timeout=self.timeout)

    def close(self):
        self.kc.stop_channels(); self.km.shutdown_kernel(now=True)
