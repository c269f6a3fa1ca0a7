"""Extension instances, created without an app and bound in create_app; the models' base."""

from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_compress import Compress
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from apoa.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
compress = Compress()

# Models subclass `Model`. At run time it is `db.Model`, Flask-SQLAlchemy's subclass of
# Base (bind keys, table names); Flask-SQLAlchemy types that as an attribute, which mypy
# cannot use as a base class (python/mypy#8603), so mypy checks the models against Base.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
