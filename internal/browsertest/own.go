package browsertest

import "testing"

// FakeMedia are the switches that give Chromium a camera and microphone
// of its own (a moving test pattern and a beep) and grant every page that
// asks for them without a prompt, for the pages that capture video
// (getUserMedia, MediaRecorder). They are not in Flags: the other tests
// must see a browser whose pages are refused the camera as a person's
// would be until they allow it.
var FakeMedia = map[string]any{
	"use-fake-device-for-media-stream": true,
	"use-fake-ui-for-media-stream":     true,
}

// Own starts a browser for t alone, with Flags and extra (see StartWith),
// and closes it when t ends. It skips t when Chromium is not installed and
// fails it when Chromium does not start, as Shared does. Use it, once per
// test binary, for tests that need switches the shared browser has not;
// open people in it with NewPerson.
func Own(t testing.TB, extra map[string]any) *Browser {
	t.Helper()
	return OwnWith(t, Options{Flags: extra})
}
