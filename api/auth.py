"""Per-user API tokens: a person creates, rotates and revokes their own; an administrator
revokes anyone's in the admin (Auth Token › Tokens)."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import NotAuthenticated
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import SaneDateTimeField, StrictCharField
from core.throttling import ClientAddressThrottle


class TokenRequestSerializer(serializers.Serializer):
    username = StrictCharField(required=False, help_text="Leave out when already signed in.")
    password = StrictCharField(required=False, write_only=True, style={"input_type": "password"})

    def validate(self, attrs):
        username, password = attrs.get("username"), attrs.get("password")
        if bool(username) != bool(password):
            missing = "password" if username else "username"
            raise serializers.ValidationError({missing: "Give both username and password."})
        if username:
            user = authenticate(self.context["request"], username=username, password=password)
            if user is None:
                raise serializers.ValidationError("Wrong username or password, or the account is disabled.")
            attrs["user"] = user
        return attrs


class TokenSerializer(serializers.Serializer):
    token = StrictCharField(source="key", help_text="Send as `Authorization: Token <token>`.")
    username = StrictCharField(source="user.get_username")
    created = SaneDateTimeField()


class TokenIssueThrottle(ClientAddressThrottle):
    scope = "auth"


class TokenView(APIView):
    """POST issues a fresh token for the caller and invalidates their previous one (so it
    also rotates); DELETE revokes the caller's token."""

    parser_classes = [JSONParser, FormParser]

    def get_throttles(self):
        # Issuing a token checks a password: its own, stricter rate per client on top of the
        # usual ones (django-axes locks a username out after repeated failures as well).
        throttles = super().get_throttles()
        if self.request is not None and self.request.method == "POST":
            throttles.append(TokenIssueThrottle())
        return throttles

    def get_permissions(self):
        if self.request is not None and self.request.method == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    @extend_schema(
        summary="Get a new API token (with username and password, or signed in)",
        request=TokenRequestSerializer,
        responses={201: TokenSerializer},
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data.get("user")
        if user is None:
            if not request.user.is_authenticated:
                raise NotAuthenticated("Give your username and password, or sign in first.")
            user = request.user
        Token.objects.filter(user=user).delete()
        token = Token.objects.create(user=user)
        return Response(TokenSerializer(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Revoke your API token", request=None, responses={204: None})
    def delete(self, request):
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
