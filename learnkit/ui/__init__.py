"""ui: what runs in the learner's kernel and front end: front-end detection, widget primitives, the chapter panel, the course
dashboard, the study-session lifecycle and the bodies of the magics. The only layer (with the adapters above it) that
imports IPython and ipywidgets; it may import every layer below it."""
