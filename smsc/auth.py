"""Bind authentication through twisted.cred: accounts from the config, checked in constant time.

smpp.twisted's factory logs in through a cred Portal; a wrong password and an unknown
system_id both fail here, and the session tells them apart (0x0E vs 0x0F) by asking the config.
"""

import hmac

from smpp.twisted.server import IAuthenticatedSMPP
from twisted.cred import checkers, credentials, error, portal
from twisted.internet import defer
from zope.interface import implementer

from smsc.config import Config


@implementer(checkers.ICredentialsChecker)
class AccountChecker:
    credentialInterfaces = (credentials.IUsernamePassword,)

    def __init__(self, config: Config):
        self._config = config

    def requestAvatarId(self, offered):
        account = self._config.account(offered.username)
        if account is not None and hmac.compare_digest(account.password.encode(), offered.password.encode()):
            return defer.succeed(account.system_id)
        return defer.fail(error.UnauthorizedLogin())


@implementer(portal.IRealm)
class AccountRealm:
    """The avatar of a bound ESME is its Account."""

    def __init__(self, config: Config):
        self._config = config

    def requestAvatar(self, avatar_id, mind, *interfaces):
        if IAuthenticatedSMPP not in interfaces:
            raise NotImplementedError("only SMPP sessions log in here")
        return IAuthenticatedSMPP, self._config.account(avatar_id), lambda: None


def account_portal(config: Config) -> portal.Portal:
    return portal.Portal(AccountRealm(config), [AccountChecker(config)])
