// swagger-initializer.js — starts Swagger UI on /docs with the service's own document.
// A file rather than an inline script, so the page's Content-Security-Policy can forbid
// inline scripts (nginx/awesome-api-docs.conf).
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    presets: [SwaggerUIBundle.presets.apis],
    deepLinking: true,
    displayRequestDuration: true,
    showCommonExtensions: true,
    // Never send the document to the public online validator.
    validatorUrl: null,
    onComplete: function () {
      var title = window.ui.specSelectors.info().get("title");
      if (title) {
        document.title = title + " - Swagger UI";
      }
    },
  });
});
