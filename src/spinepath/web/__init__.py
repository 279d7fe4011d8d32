"""spinepath's web product: a thin Django layer over :mod:`spinepath.core`."""
