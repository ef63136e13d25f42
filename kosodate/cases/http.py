"""How answers holding a case's data are sent."""


def no_store(response):
    """A case's pages and files are kept by no browser or proxy cache (a shared PC at the city hall)."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response
