"""The one exception type that reaches the user as a plain sentence."""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix; its message is one plain sentence naming the fix.

    The command line prints it and exits with code 2; the GUI shows it in a
    non-modal message. Anything else is a bug and keeps its traceback.
    """
