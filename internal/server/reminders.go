package server

import (
	"github.com/llavero/llavero/internal/i18n"
	"github.com/llavero/llavero/internal/reminders"
)

// reminders is the sweep that emails certificate-expiry, letter-code,
// backup and refused-video reminders. Every node runs it; each reminder's claim in the store makes
// it go out once. Letters keep no language, so --lang is theirs.
func (p *Platform) reminders() *reminders.Sweeper {
	lang, _ := i18n.Parse(p.Config.Lang)
	return reminders.New(p.Store, p.Notifier, reminders.Config{PublicURL: p.Config.PublicURL, Lang: lang,
		BackupAfter: p.Config.Reminders.BackupAfter, VideoRetryAfter: p.Config.Reminders.VideoRetryAfter}, nil, p.Log)
}
