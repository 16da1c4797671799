"""One module per model family; :mod:`.sampling` holds what they share (sample, check).

Importing the package points PyTensor's and Numba's compile caches into the project's cache
folder (:mod:`.cache`) before any model module imports PyTensor.
"""

from bayes_netlm.modeling import cache as _cache

_cache.configure()
