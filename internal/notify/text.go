package notify

import (
	"fmt"
	"unicode/utf8"
)

// checkText refuses text that is not UTF-8 (every transport and the outbox
// are UTF-8, and a mangled byte would be silently replaced somewhere down
// the line) or, when max > 0, longer than max bytes.
func checkText(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("notify: %s is not valid UTF-8", field)
	}
	if max > 0 && len(s) > max {
		return fmt.Errorf("notify: %s is %d bytes, more than %d", field, len(s), max)
	}
	return nil
}
