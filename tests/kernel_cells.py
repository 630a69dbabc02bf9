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
