package config

import (
	"errors"
	"time"

	"github.com/spf13/pflag"
)

// Reminders holds the delays of the reminders that follow a step rather
// than precede a deadline (package reminders).
type Reminders struct {
	// BackupAfter: how long after a certificate's download a holder who
	// has not confirmed a backup ("llavero cert backup") is reminded.
	BackupAfter time.Duration
	// VideoRetryAfter: how long after a refused video identification a
	// person who took no way forward is reminded of them.
	VideoRetryAfter time.Duration
}

// RegisterReminders adds the reminder settings; RegisterServe calls it.
func RegisterReminders(fs *pflag.FlagSet, c *Config) {
	fs.DurationVar(&c.Reminders.BackupAfter, "remind-backup-after", 72*time.Hour, "how long after a certificate's download to remind a holder who has not confirmed a backup of it")
	fs.DurationVar(&c.Reminders.VideoRetryAfter, "remind-video-refused-after", 7*24*time.Hour, "how long after a refused video identification to remind a person who has taken no way forward")
}

// validateReminders fills in the defaults of a Config built in code and
// checks the delays.
func (c *Config) validateReminders() error {
	if c.Reminders.BackupAfter == 0 {
		c.Reminders.BackupAfter = 72 * time.Hour
	}
	if c.Reminders.VideoRetryAfter == 0 {
		c.Reminders.VideoRetryAfter = 7 * 24 * time.Hour
	}
	switch {
	case c.Reminders.BackupAfter < time.Hour || c.Reminders.BackupAfter > 60*24*time.Hour:
		return errors.New("setting --remind-backup-after: must be from 1h to 1440h (60 days); default 72h")
	case c.Reminders.VideoRetryAfter < 24*time.Hour || c.Reminders.VideoRetryAfter > 60*24*time.Hour:
		return errors.New("setting --remind-video-refused-after: must be from 24h to 1440h (60 days); default 168h")
	}
	return nil
}
