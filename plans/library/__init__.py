"""The contingency plan library (应急预案): plans, versions, workflow, diff, reviews.

Importing the package registers its permissions and its messages.
"""

from plans.library import access as _access  # noqa: F401
