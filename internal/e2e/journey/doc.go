// Package journey holds the newcomer's journey test (issue 6, item 7): one
// sample person, a NIE holder with a TIE and a Spanish mobile who has
// nothing yet, goes from llavero's "where do I start" page to a licence
// exchange form signed at the sample traffic office, in headless
// Chromium, the way a newcomer would, and at every point the test reads
// what the page says the next step is:
//
//  1. /start: the guided questions, and the plan they give (certificate
//     first, then the account with it, then the procedure), naming the
//     office that does the identity check;
//  2. the certificate request on the person's own computer, with the
//     code the CLI uses (internal/client and internal/keystore: the key
//     is made and kept here), and the application code read from the
//     email in the outbox;
//  3. the operator, in a browser of their own with their operator
//     certificate (TLS client authentication), finds the application by
//     code in the office console, records the TIE and approves;
//  4. the download with proof of possession into a .p12, imported into
//     the person's browser, which then registers the account with the
//     certificate on the certificate-login origin (advanced at once);
//  5. the traffic office: log in through llavero with the certificate,
//     start the licence exchange, sign the form by remote signing with
//     the SMS code, and see the office accept the signed form; "My
//     llavero" (/account) shows where the person stands.
//
// The package has no code of its own.
package journey
