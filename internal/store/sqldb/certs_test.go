package sqldb

import (
	"testing"
	"time"
)

func TestWindowStart(t *testing.T) {
	utc := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v.UTC()
	}
	for _, tc := range []struct {
		t      string
		window time.Duration
		want   string
	}{
		{"2025-06-01T10:00:59.999999999Z", time.Minute, "2025-06-01T10:00:00Z"},
		{"2025-06-01T10:01:00Z", time.Minute, "2025-06-01T10:01:00Z"},
		{"2025-06-01T12:30:00+02:00", time.Hour, "2025-06-01T10:00:00Z"},
		// The Unix epoch was a Thursday.
		{"2025-06-04T23:59:59Z", 7 * 24 * time.Hour, "2025-05-29T00:00:00Z"},
		// A window that does not divide a day still counts from the epoch.
		{"1970-01-01T00:00:10Z", 7 * time.Second, "1970-01-01T00:00:07Z"},
		// Before the epoch windows still floor, they do not round towards it.
		{"1969-12-31T23:59:59Z", time.Minute, "1969-12-31T23:59:00Z"},
		{"1969-12-31T23:59:00Z", time.Minute, "1969-12-31T23:59:00Z"},
		{"1969-12-31T23:59:59.9999995Z", time.Microsecond, "1969-12-31T23:59:59.999999Z"},
	} {
		if got := WindowStart(utc(tc.t), tc.window); !got.Equal(utc(tc.want)) || got.Location() != time.UTC {
			t.Errorf("WindowStart(%s, %v) = %v, want %s", tc.t, tc.window, got, tc.want)
		}
	}
}
