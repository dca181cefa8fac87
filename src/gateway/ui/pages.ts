// The HTML pages the server renders: the login form, the step after an SSO sign-in, and the shell the bundled app
// mounts into. None has an inline script or style (the CSP forbids them); the CSRF token, who is signed in and what
// their role may do ride in meta tags the app reads.
import { allowedActions } from './roles.ts';
import type { Identity } from './session.ts';

/** No inline code, nothing from another origin, no framing, forms post only here. */
export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** `sso`: offer the sign-in through `gateway.sso` beside the admin key's form. */
export function loginPage(message: string | undefined, sso: boolean): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchyard · sign in</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/ui/assets/app.css"></head>
<body class="login"><main class="login-box">
<h1>Switchyard</h1>
${sso ? '<p><a class="button" href="/ui/sso/login" data-action="sso">Sign in with single sign-on</a></p>' : ''}
<form method="post" action="/ui/login">
<label for="key">Admin key <small>(gateway.admin_key)</small></label>
<input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
${message ? `<p class="error" role="alert">${escape(message)}</p>` : ''}
<button type="submit">Sign in</button>
</form></main></body></html>`;
}

/** After the provider's redirect back: the session cookie is SameSite=Strict, so the browser is sent on to /ui by a
 * navigation from this site (a redirect would still count as the provider's, and go without it). */
export function signedInPage(identity: Identity): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=/ui">
<title>Switchyard · signed in</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/ui/assets/app.css"></head>
<body class="login"><main class="login-box"><h1>Switchyard</h1>
<p>Signed in as ${escape(identity.who)} (${identity.role}). <a href="/ui">Continue</a></p></main></body></html>`;
}

export function shellPage(csrf: string, built: boolean, identity: Identity): string {
  const body = built
    ? '<div id="app"></div><script type="module" src="/ui/assets/app.js"></script>'
    : '<main class="login-box"><h1>Switchyard</h1><p>The dashboard was not built: run <code>npm run build:ui</code> ' +
      '(the setup does it), then reload.</p></main>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${escape(csrf)}">
<meta name="signed-in" content="${escape(identity.who)}"><meta name="role" content="${identity.role}">
<meta name="actions" content="${allowedActions(identity.role).join(' ')}">
<title>Switchyard</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/ui/assets/app.css"></head>
<body>${body}</body></html>`;
}
