"""Work around reference-count bugs in PySide6 6.12.0 that abort the interpreter.

In PySide6-Essentials 6.12.0 (6.11.3 does not do this), every Qt method returning
``void`` gives back ``None`` without taking a reference, and ``SignalInstance.emit()``
does the same with ``True``. Each ``setPos``, ``update``, ``setData`` or signal
emit therefore steals a reference. On Python 3.11, where ``None`` and ``True`` are
ordinary objects (refcounts in the thousands after import), a GUI session runs out
within minutes and CPython aborts with "none_dealloc: deallocating None" or
"bool_dealloc: deallocating True or False", often at exit.

Python 3.12+ makes these singletons immortal (PEP 683), which is exactly what
:func:`guard_singleton_refcounts` emulates: it gives each of them a reference count
no program can exhaust. It only ever adds references, so it cannot free anything
early, and it does nothing where the bugs are absent. Call it once, before the
first Qt call; importing ``widgets.palette`` does.
"""

from __future__ import annotations

import ctypes
import sys

_BOOST = 1 << 40
_guarded = False


def pyside_steals_singletons() -> bool:
    """Whether this PySide6 build's void methods or ``emit`` drop references they never took."""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        sig_probe = Signal()

    probe = _Probe()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(32):
        probe.setObjectName("probe")
        probe.sig_probe.emit()
    lost_none = none_before - sys.getrefcount(None)
    lost_true = true_before - sys.getrefcount(True)
    return lost_none >= 16 or lost_true >= 16


def guard_singleton_refcounts() -> bool:
    """Make None, True and False effectively immortal if PySide steals them; True if applied."""
    global _guarded
    if _guarded or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return _guarded
    if pyside_steals_singletons():
        for singleton in (None, True, False):
            ctypes.c_ssize_t.from_address(id(singleton)).value += _BOOST
        _guarded = True
    return _guarded
