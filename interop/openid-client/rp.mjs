// A relying party built on openid-client (an OpenID Certified library),
// driven step by step by llavero's Go test: "start" prints the
// authorization URL with PKCE, "finish" redeems the callback and prints the
// ID token's claims. The browser part in between is the Go test's.
import * as client from 'openid-client';

const [mode, issuer, clientId, secret, redirect, ...rest] = process.argv.slice(2);

const config = await client.discovery(new URL(issuer), clientId, secret, undefined, {
  execute: [client.allowInsecureRequests], // the test server is plain HTTP on loopback
});

if (mode === 'start') {
  const verifier = client.randomPKCECodeVerifier();
  const challenge = await client.calculatePKCECodeChallenge(verifier);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirect,
    scope: 'openid profile',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
    nonce,
    acr_values: 'http://eidas.europa.eu/LoA/substantial',
  });
  console.log(JSON.stringify({ url: url.href, verifier, state, nonce }));
} else if (mode === 'finish') {
  const [callback, verifier, state, nonce] = rest;
  const tokens = await client.authorizationCodeGrant(config, new URL(callback), {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
  });
  const claims = tokens.claims();
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  console.log(JSON.stringify({ claims, userinfo }));
} else {
  console.error('usage: node rp.mjs start|finish ISSUER CLIENT_ID SECRET REDIRECT [CALLBACK VERIFIER STATE NONCE]');
  process.exit(2);
}
