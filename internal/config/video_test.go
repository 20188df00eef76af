package config

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestVideoSettings(t *testing.T) {
	fs, c := newFlags(t)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if err := Load(fs, c); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Video.Documents, []string{"DNI"}) || c.Video.PhotoMaxMB != 10 || c.Video.VideoMaxMB != 30 || c.Video.Retention != 30*24*time.Hour {
		t.Errorf("defaults = %+v", c.Video)
	}

	t.Setenv("LLAVERO_VIDEO_DOCUMENTS", "dni, tie")
	fs, c = newFlags(t)
	if err := fs.Parse([]string{"--video-max-mb", "40"}); err != nil {
		t.Fatal(err)
	}
	if err := Load(fs, c); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Video.Documents, []string{"DNI", "TIE"}) || c.Video.VideoMaxMB != 40 {
		t.Errorf("from env and flag = %+v", c.Video)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--video-documents", "DNI,CARNET"}, "--video-documents"},
		{[]string{"--video-photo-max-mb", "-1"}, "--video-photo-max-mb"},
		{[]string{"--video-max-mb", "1000"}, "--video-max-mb"},
		{[]string{"--video-evidence-retention", "1h"}, "--video-evidence-retention"},
	} {
		fs, c := newFlags(t)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		if err := Load(fs, c); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want one naming %s", tc.args, err, tc.want)
		}
	}
}
