"""``civicgrid api-token USER [--rotate | --revoke] [--reason TEXT]``: the API token of a system's
staff account. Without an option it says whether the account has one and when it expires;
``--rotate`` makes a new one (the old one stops working at once) and prints its key, which is shown
only this once; ``--revoke`` ends it. Both are audited as done from the console."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from rest_framework.authtoken.models import Token

from civicgrid.people import services


class Command(BaseCommand):
    help = "Show, rotate (issue) or revoke the API token of a user. Rotating prints the new key once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--rotate", action="store_true", help="make a new token (the old one stops working)")
        action.add_argument("--revoke", action="store_true", help="end the token")
        parser.add_argument("--reason", default="", help="why, for the audit log")

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"There is no user {options['username']!r}.")
        reason = options["reason"] or "console"
        try:
            if options["rotate"]:
                token = services.issue_api_token(None, user, reason=reason)
                self.stdout.write(f"{token.key}\n")
                self.stderr.write(f"new token for {user.username}; expires "
                                  f"{timezone.localtime(services.api_token_expires_at(token)).isoformat()}")
                return
            if options["revoke"]:
                done = services.revoke_api_token(None, user, reason=reason)
                self.stdout.write(f"{user.username}: token revoked" if done else f"{user.username}: no token")
                return
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        token = Token.objects.filter(user=user).first()
        if token is None:
            self.stdout.write(f"{user.username}: no token")
            return
        expires = services.api_token_expires_at(token)
        state = "expired" if timezone.now() >= expires else "valid"
        self.stdout.write(f"{user.username}: token {token.key[:6]}…, made {timezone.localtime(token.created).isoformat()}, "
                          f"{state} until {timezone.localtime(expires).isoformat()}")
