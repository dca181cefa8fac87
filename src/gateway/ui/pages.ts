// The two HTML pages the server renders: the login form and the shell the bundled app mounts into. Neither has an
// inline script or style (the CSP forbids them); the CSRF token rides in a meta tag the app reads.

/** No inline code, nothing from another origin, no framing, forms post only here. */
export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function loginPage(message: string | undefined): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchyard · sign in</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/ui/assets/app.css"></head>
<body class="login"><main class="login-box">
<h1>Switchyard</h1>
<form method="post" action="/ui/login">
<label for="key">Admin key <small>(gateway.admin_key)</small></label>
<input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
${message ? `<p class="error" role="alert">${escape(message)}</p>` : ''}
<button type="submit">Sign in</button>
</form></main></body></html>`;
}

export function shellPage(csrf: string, built: boolean): string {
  const body = built
    ? '<div id="app"></div><script type="module" src="/ui/assets/app.js"></script>'
    : '<main class="login-box"><h1>Switchyard</h1><p>The dashboard was not built: run <code>npm run build:ui</code> ' +
      '(the setup does it), then reload.</p></main>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${escape(csrf)}">
<title>Switchyard</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/ui/assets/app.css"></head>
<body>${body}</body></html>`;
}
