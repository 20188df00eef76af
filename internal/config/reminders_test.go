package config

import (
	"strings"
	"testing"
	"time"
)

func TestReminderSettings(t *testing.T) {
	for _, tc := range []struct {
		name        string
		env         map[string]string
		args        []string
		backup      time.Duration
		videoRetry  time.Duration
		errContains string
	}{
		{name: "defaults", backup: 72 * time.Hour, videoRetry: 7 * 24 * time.Hour},
		{name: "flags", args: []string{"--remind-backup-after", "120h", "--remind-video-refused-after", "240h"}, backup: 120 * time.Hour, videoRetry: 240 * time.Hour},
		{name: "environment", env: map[string]string{"LLAVERO_REMIND_BACKUP_AFTER": "24h"}, backup: 24 * time.Hour, videoRetry: 7 * 24 * time.Hour},
		{name: "backup too soon", args: []string{"--remind-backup-after", "10m"}, errContains: "--remind-backup-after"},
		{name: "video too late", args: []string{"--remind-video-refused-after", "2000h"}, errContains: "--remind-video-refused-after"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			fs, c := newFlags(t)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			err := Load(fs, c)
			if tc.errContains != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errContains) {
					t.Fatalf("err = %v, want one naming %s", err, tc.errContains)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Reminders.BackupAfter != tc.backup || c.Reminders.VideoRetryAfter != tc.videoRetry {
				t.Errorf("reminders = %+v", c.Reminders)
			}
		})
	}
}
