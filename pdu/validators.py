"""attrs validators shared by the SMSC's, the ESME's and the scenarios' settings, with messages
that name the key: the config loaders turn "window must be greater than 0" into a line a user
can act on. Written so that NaN fails each of them."""


def positive(_, attribute, value):
    if not value > 0:
        raise ValueError(f"{attribute.name} must be greater than 0, got {value}")


def not_negative(_, attribute, value):
    if not value >= 0:
        raise ValueError(f"{attribute.name} must be 0 or more, got {value}")


def share(_, attribute, value):
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{attribute.name} must be a share between 0 and 1, got {value!r}")
