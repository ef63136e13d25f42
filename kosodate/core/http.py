"""Security headers on every response, and trusting the TLS-terminating proxy in front (if any)."""

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

#: scripts, styles, images and fonts from the app only; no inline script or style, no framing
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",  # Bootstrap draws some icons (the menu button) as data: SVGs
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "X-Content-Type-Options": "nosniff",
    # not no-referrer: Flask-WTF checks the Referer of forms posted over HTTPS. same-origin keeps
    # the one-click links' tokens and our URLs from other sites
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
#: what may be cached: the CSS and JavaScript, and the health check (no personal data)
CACHEABLE_ENDPOINTS = {"static", "health.healthz"}


def register_security_headers(app: Flask) -> None:
    hsts_seconds = app.config["HSTS_SECONDS"]

    @app.after_request
    def _security_headers(response):
        response.headers.update(HEADERS)
        if hsts_seconds:
            response.headers["Strict-Transport-Security"] = f"max-age={hsts_seconds}; includeSubDomains"
        if request.endpoint not in CACHEABLE_ENDPOINTS:  # pages and downloads behind the login
            response.headers["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        return response


def trust_proxy(app: Flask) -> None:
    """Behind PROXY_FIX proxies (nginx …), take the client's address, scheme and host from their
    X-Forwarded-* headers: secure cookies, HSTS and CSRF's Referer check then see HTTPS."""
    hops = app.config["PROXY_FIX"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
