/// The built-in stylesheet, logo mark and favicon, as source so the binary is self-contained.
enum EmbeddedAssets {
    static let all: [StaticAsset] = [
        StaticAsset(name: "gatehouse.css", contentType: "text/css; charset=utf-8", text: stylesheet),
        StaticAsset(name: "logo.svg", contentType: "image/svg+xml", text: logo),
        StaticAsset(name: "favicon.svg", contentType: "image/svg+xml", text: favicon),
        StaticAsset(name: "autosubmit.js", contentType: "text/javascript; charset=utf-8", text: autosubmit),
    ]

    /// Submits a page's form marked `data-autosubmit` (OAuth form_post responses). A file, not
    /// inline script, so the CSP stays `script-src 'self'`; without JavaScript the form's
    /// button does the same.
    static let autosubmit = """
    document.addEventListener("DOMContentLoaded", function () {
      var form = document.querySelector("form[data-autosubmit]");
      if (form) { form.submit(); }
    });

    """

    static let stylesheet = """
    :root {
      --gh-primary: #1d4ed8;
      --gh-accent: #0f766e;
      --gh-text: #1f2937;
      --gh-muted: #6b7280;
      --gh-bg: #f3f4f6;
      --gh-card: #ffffff;
      --gh-border: #e5e7eb;
    }
    * { box-sizing: border-box; }
    html { font-size: 16px; }
    body {
      margin: 0;
      min-height: 100vh;
      display: flex;
      flex-direction: column;
      background: var(--gh-bg);
      color: var(--gh-text);
      font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans Thai", "Sarabun", Roboto, sans-serif;
      line-height: 1.6;
    }
    a { color: var(--gh-primary); }
    a:focus, button:focus { outline: 3px solid var(--gh-accent); outline-offset: 2px; }
    .gh-header {
      display: flex;
      align-items: center;
      justify-content: space-between;
      gap: 1rem;
      padding: 0.75rem 1.5rem;
      background: var(--gh-card);
      border-bottom: 4px solid var(--gh-primary);
    }
    .gh-brand { display: flex; align-items: center; gap: 0.75rem; color: var(--gh-text); text-decoration: none; font-weight: 600; }
    .gh-brand img { height: 2.25rem; width: auto; }
    .gh-main { flex: 1; display: flex; justify-content: center; padding: 2.5rem 1rem; }
    .gh-card {
      width: 100%;
      max-width: 40rem;
      background: var(--gh-card);
      border: 1px solid var(--gh-border);
      border-radius: 0.75rem;
      padding: 2rem;
      box-shadow: 0 1px 3px rgba(0, 0, 0, 0.06);
    }
    .gh-card h1 { margin-top: 0; font-size: 1.6rem; color: var(--gh-primary); }
    .gh-muted { color: var(--gh-muted); font-size: 0.9rem; }
    .gh-code { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; }
    .gh-lang { display: flex; align-items: center; gap: 0.35rem; margin: 0; }
    .gh-lang span { color: var(--gh-muted); font-size: 0.85rem; }
    .gh-lang button {
      border: 1px solid var(--gh-border);
      background: var(--gh-card);
      color: var(--gh-text);
      border-radius: 0.4rem;
      padding: 0.2rem 0.6rem;
      font: inherit;
      font-size: 0.85rem;
      cursor: pointer;
    }
    .gh-lang button[aria-pressed="true"] { background: var(--gh-primary); border-color: var(--gh-primary); color: #fff; }
    .gh-footer { padding: 1rem 1.5rem; text-align: center; color: var(--gh-muted); font-size: 0.8rem; }
    .gh-links { padding-left: 1.2rem; }
    .gh-card form label { display: block; margin: 0.75rem 0 0.25rem; font-weight: 600; }
    .gh-card form input[type="text"], .gh-card form input[type="password"] {
      width: 100%; box-sizing: border-box; padding: 0.5rem; margin-bottom: 0.75rem;
      border: 1px solid var(--gh-border); border-radius: 0.4rem; font: inherit;
    }
    .gh-error { color: #b91c1c; }
    .gh-button {
      display: inline-block;
      background: var(--gh-primary);
      color: #fff;
      border: 0;
      border-radius: 0.5rem;
      padding: 0.6rem 1.2rem;
      font: inherit;
      cursor: pointer;
      text-decoration: none;
    }
    .gh-button:hover { background: var(--gh-accent); }
    @media (max-width: 32rem) {
      .gh-header { flex-direction: column; align-items: flex-start; }
      .gh-card { padding: 1.25rem; }
    }

    """

    static let logo = """
    <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" role="img" aria-label="Gatehouse">
      <title>Gatehouse</title>
      <rect x="4" y="10" width="56" height="48" rx="6" fill="#1d4ed8"/>
      <rect x="4" y="4" width="12" height="14" rx="2" fill="#1d4ed8"/>
      <rect x="26" y="4" width="12" height="14" rx="2" fill="#1d4ed8"/>
      <rect x="48" y="4" width="12" height="14" rx="2" fill="#1d4ed8"/>
      <path d="M20 58V38a12 12 0 0 1 24 0v20z" fill="#ffffff"/>
      <circle cx="32" cy="40" r="4" fill="#0f766e"/>
      <rect x="30.5" y="42" width="3" height="8" rx="1.5" fill="#0f766e"/>
    </svg>

    """

    static let favicon = """
    <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
      <rect x="1" y="5" width="30" height="26" rx="4" fill="#1d4ed8"/>
      <rect x="1" y="1" width="7" height="8" rx="1" fill="#1d4ed8"/>
      <rect x="12.5" y="1" width="7" height="8" rx="1" fill="#1d4ed8"/>
      <rect x="24" y="1" width="7" height="8" rx="1" fill="#1d4ed8"/>
      <path d="M10 31V20a6 6 0 0 1 12 0v11z" fill="#ffffff"/>
    </svg>

    """
}
