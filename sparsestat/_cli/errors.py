"""The one exception type of the command line."""


class UserError(Exception):
    """A mistake of the user's: reported as one line, exit code 1."""
