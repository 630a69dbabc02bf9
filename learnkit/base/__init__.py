"""base: errors, settings and the data folder; files written without losing work; untrusted text made safe; the one clock.
Owns what every layer shares. Imports only the standard library (and platformdirs): nothing of learnkit above it."""
