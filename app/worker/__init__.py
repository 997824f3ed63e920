"""The model worker process: training, scoring, review, the map and the learning curve.

The window (``app.gui.model_jobs``) runs its model work here, in a second
interpreter at a lower CPU priority, so fits never hold the window's interpreter
lock. Nothing here imports Qt. ``client`` is the window's side, ``process`` the
worker's main loop, ``tasks`` the jobs, ``payloads`` and ``protocol`` what travels
between them, ``data_file`` the memory-mapped data. The headless
``LabelingSession`` (command line, tests) still trains in-process.
"""
