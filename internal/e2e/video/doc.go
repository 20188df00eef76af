// Package video holds the browser test of registration by video
// identification (issue 4, item 8): a DNI holder registers in headless
// Chromium with its fake camera (browsertest.FakeMedia), taking the two
// document photos and recording the selfie video in the page, and sends
// them for review; an operator signs in to the office console in the
// same browser with their certificate (TLS client authentication:
// browsertest.ClientCert), sees the photos and the video play, and
// approves, recording the document; the JSON API with the same
// certificate serves the evidence as the camera made it; and the
// citizen's browser then shows the account as advanced. A NIE holder is told that video is for DNI holders, with the
// other ways. The package has no code of its own.
package video
