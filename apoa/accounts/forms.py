"""Sign-in and password forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, PasswordField, StringField, SubmitField

from apoa.accounts.models import User
from apoa.forms import Form, equal_to, length, required


class LoginForm(Form):
    username = StringField(_l("User name"), validators=[required(), length(max=User.USERNAME_MAX)])
    password = PasswordField(_l("Password"), validators=[required(), length(max=User.PASSWORD_MAX)])
    remember = BooleanField(_l("Keep me signed in on this phone (reporters only)"))
    next = HiddenField()
    submit = SubmitField(_l("Sign in"))


class ChangePasswordForm(Form):
    current_password = PasswordField(
        _l("Current password"), validators=[required(), length(max=User.PASSWORD_MAX)]
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[required()],
        description=_l(
            "At least 12 characters. A short sentence is easy to remember and hard to guess."
        ),
    )
    confirm_password = PasswordField(
        _l("Repeat the new password"),
        validators=[required(), equal_to("new_password", _l("The two passwords differ."))],
    )
    submit = SubmitField(_l("Change password"))
