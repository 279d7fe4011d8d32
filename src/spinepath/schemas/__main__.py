"""``python -m spinepath.schemas`` regenerates the shipped JSON Schema files from the models."""

from . import write_all

write_all()
