class DomainError(Exception):
    """A rule said no; `code` is a stable id the bot turns into a localised message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class AccessDenied(DomainError):
    def __init__(self, action: str) -> None:
        super().__init__("access_denied")
        self.action = action
