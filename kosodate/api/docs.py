"""How the API's operations are documented: the problem details each one may answer."""

from ..core.problems import MEDIA_TYPE, TITLES
from .schemas import ProblemSchema

#: every operation: no or a bad token, too many requests
ALWAYS = (401, 429)


def problems(blueprint, *statuses: int):
    """Document the problem details an operation may answer, besides ALWAYS."""

    def decorator(view):
        for status in (*ALWAYS, *statuses):
            view = blueprint.alt_response(
                status, schema=ProblemSchema, content_type=MEDIA_TYPE, description=TITLES[status]
            )(view)
        return view

    return decorator
