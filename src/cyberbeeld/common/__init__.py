"""The bottom floor: helpers every app may use. Nothing here imports an app (import-linter enforces it)."""
