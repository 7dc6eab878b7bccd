"""API authentication classes (imported by DRF's settings: nothing here may import DRF views)."""

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from core import freshness


class CachedTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, the token's user looked up once per data generation.

    Revoking a token, deactivating a user or changing their rights writes to a watched
    table (core/freshness.py), which retires every cached lookup at once. The cached user
    carries no password hash."""

    def authenticate_credentials(self, key):
        user = freshness.cached(("token", freshness.digest(key)), lambda: self._user_for(key))
        if not user:  # False: no such token
            raise exceptions.AuthenticationFailed("Invalid token.")
        if not user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        return user, key

    @staticmethod
    def _user_for(key):
        token = Token.objects.select_related("user").defer("user__password").filter(key=key).first()
        # False, not None: an unknown key is remembered too (None means "not cached").
        return token.user if token else False
