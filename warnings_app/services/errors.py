class ServiceError(Exception):
    """A request the domain refuses; the message is shown to the user as it is."""


class NoticeStateError(ServiceError):
    """A notice is not in a state that allows the requested change."""
