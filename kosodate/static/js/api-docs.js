// The API's docs page: Swagger UI over the app's own OpenAPI document. A file of its own, not an
// inline script, so the page works under a Content-Security-Policy of script-src 'self'.
window.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    deepLinking: true,
    persistAuthorization: false,
    tryItOutEnabled: false,
    validatorUrl: null,
  });
});
